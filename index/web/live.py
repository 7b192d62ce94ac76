"""Live sources as the knowledge base sees them: configured and added feeds, sitemaps
and pages, fetched into the web store whose articles every reindex includes."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from index.config import FetchSettings, Settings
from index.ingest.sources import Source
from index.records import Article, Skipped
from index.web.article_store import WebStore
from index.web.feeds import FeedError, parse_feed, parse_sitemap
from index.web.fetcher import HTML_TYPES, Fetcher, FetchError, FetchResult, default_user_agent
from index.web.refresh import RefreshProgress, RefreshSummary, SourceKind, WebSource, is_due
from index.web.refresh import refresh as refresh_sources

log = logging.getLogger(__name__)

WEB_STORE_FILE = "web.sqlite3"  # in the data dir, beside (not inside) the generations


class LiveSources:
    """The web sources of one data directory; one refresh runs at a time."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store: WebStore | None = None
        self._store_lock = threading.Lock()
        self._refreshing = threading.Lock()

    @property
    def store(self) -> WebStore:
        with self._store_lock:
            if self._store is None:
                self._store = WebStore(self._settings.index.data_dir / WEB_STORE_FILE)
            return self._store

    def has_any(self) -> bool:
        """Whether there is anything to fetch or any fetched article to index."""
        path = self._settings.index.data_dir / WEB_STORE_FILE
        exists = path.exists() or path.is_symlink()  # a dangling link: damage, to set aside
        return bool(self._settings.sources) or exists

    def sources(self) -> list[WebSource]:
        """Sources from the settings, then those added with ``newsbot add``."""
        configured = [
            WebSource(s.url, s.kind, s.name, s.refresh_minutes) for s in self._settings.sources
        ]
        seen = {s.url for s in configured}
        added = [
            WebSource(url, kind, name)  # type: ignore[arg-type]
            for url, kind, name in self.store.added_sources()
            if url not in seen
        ]
        return configured + added

    def due(self, now: datetime | None = None) -> list[WebSource]:
        """Sources whose refresh interval has passed (or that were never fetched)."""
        now = now or datetime.now(UTC)
        default = self._settings.fetch.default_refresh_minutes
        return [
            s for s in self.sources() if is_due(s, self.store, now=now, default_minutes=default)
        ]

    def refresh(
        self,
        sources: list[WebSource] | None = None,
        progress: Callable[[RefreshProgress], None] | None = None,
    ) -> RefreshSummary:
        """Fetch what is new in ``sources`` (default: all); never raises for a bad source."""
        todo = self.sources() if sources is None else sources
        fetch = self._settings.fetch
        with self._refreshing, make_fetcher(fetch) as fetcher:
            return refresh_sources(
                todo,
                fetcher,
                self.store,
                progress=progress,
                max_entries_per_source=fetch.max_entries_per_source,
                retry_failed_after=timedelta(hours=fetch.retry_failed_hours),
            )

    def add(self, url: str, kind: SourceKind | None = None, name: str | None = None) -> WebSource:
        """Remember a new source (its kind found by fetching it when not given)."""
        source = WebSource(url, kind or self.check(url), name)  # validates the url
        self.store.add_source(source.url, source.kind, source.name)
        return source

    def check(self, url: str, kind: SourceKind | None = None) -> SourceKind:
        """The kind of source ``url`` is, found by fetching it: ``kind`` if given and it
        is of that kind. Raises ``FetchError`` (and stores nothing) if it cannot be
        fetched: a refused address, an HTTP error, the wrong content type."""
        WebSource(url, kind or "feed")  # validates the url before anything is fetched
        with make_fetcher(self._settings.fetch) as fetcher:
            result = fetcher.fetch(url, kind=kind or "any")
        return kind or _kind_of(url, result)

    def stored_sources(self) -> Iterator[Source]:
        """The fetched articles as sources of a reindex (none when nothing was fetched)."""
        if not (self._settings.index.data_dir / WEB_STORE_FILE).exists():
            return
        store = self.store
        for url, fetched_at in store.stamps():
            yield Source(f"web:{url}", fetched_at, functools.partial(_read_stored, store, url))

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def _kind_of(url: str, result: FetchResult) -> SourceKind:
    """ "page" for HTML, "feed" for RSS/Atom, "sitemap" for a sitemap."""
    if result.content_type in HTML_TYPES:
        return "page"
    try:
        if parse_feed(result.body, result.final_url, charset=result.charset).entries:
            return "feed"
    except FeedError:
        pass
    try:
        if parse_sitemap(result.body, result.final_url):
            return "sitemap"
    except FeedError:
        pass
    raise FetchError(url, f"neither a page, a feed nor a sitemap ({result.content_type})")


def make_fetcher(settings: FetchSettings) -> Fetcher:
    return Fetcher(
        timeout_seconds=settings.timeout_seconds,
        connect_timeout_seconds=settings.connect_timeout_seconds,
        read_timeout_seconds=settings.read_timeout_seconds,
        max_bytes=settings.max_bytes,
        max_redirects=settings.max_redirects,
        retries=settings.retries,
        max_retry_after_seconds=settings.max_retry_after_seconds,
        user_agent=default_user_agent(settings.contact_url),
        allowed_hosts=settings.allowed_hosts,
    )


def _read_stored(store: WebStore, url: str) -> list[Article | Skipped]:
    found = store.get(url)
    if found is None:  # removed between listing and reading
        return [Skipped(url, "no longer in the web article store")]
    return [found.as_article()]
