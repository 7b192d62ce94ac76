"""Refresh web sources (feeds, sitemaps, single pages) into the web-article store.

For each source: a conditional request (ETag / Last-Modified from the last fetch); for a
feed or sitemap, only the entries not stored yet are fetched, and each page's main text is
extracted. Every failure (of a source or of one entry) is reported with its reason and
passed over; the rest of the run completes and nothing stored is removed.

Failed entries: a transient failure (server busy or down, connection failed) keeps the
feed's validators from being stored, so the next run reads the feed in full and tries the
entry again. Any other failure (HTTP 404, not HTML, too large, too slow, no article text)
is remembered, and the entry is not fetched again until ``retry_failed_after`` has passed:
a feed full of hostile links costs its seconds once, not on every scheduled refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from index.ingest.urls import display_url, storage_key
from index.records import Article, Skipped
from index.web.article_store import WebArticle, WebStore
from index.web.feeds import FeedError, parse_feed, parse_sitemap
from index.web.fetcher import Fetcher, FetchError, FetchKind, FetchResult
from index.web.pages import extract_article_html

log = logging.getLogger(__name__)

SourceKind = Literal["feed", "page", "sitemap"]
_KINDS = ("feed", "page", "sitemap")
DEFAULT_MAX_ENTRIES = 100
DEFAULT_RETRY_FAILED_AFTER = timedelta(days=1)
_MAX_NESTED_SITEMAPS = 5


@dataclass(frozen=True, slots=True)
class WebSource:
    """A configured web source: a feed, a sitemap or one article page."""

    url: str
    kind: SourceKind = "feed"
    name: str | None = None  # publisher label; else the feed's title or the page's site
    refresh_minutes: int | None = None  # None: the caller's default interval

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"source kind must be one of {', '.join(_KINDS)}, got {self.kind!r}")
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError(f"source URL must start with http:// or https://, got {self.url!r}")
        if self.refresh_minutes is not None and self.refresh_minutes < 1:
            raise ValueError(f"refresh_minutes must be at least 1, got {self.refresh_minutes}")


@dataclass(frozen=True, slots=True)
class RefreshProgress:
    """Sources done so far; shaped like the indexer's progress (stage, done, total)."""

    stage: str
    done: int
    total: int | None
    url: str


@dataclass(slots=True)
class RefreshSummary:
    fetched: int = 0  # responses with a body: sources and article pages
    new_articles: int = 0
    updated_articles: int = 0  # page sources whose page changed
    not_modified: int = 0  # sources that answered 304
    already_stored: int = 0  # feed/sitemap entries passed over because they are stored
    failed_before: int = 0  # entries passed over because they failed recently
    skipped: list[Skipped] = field(default_factory=list)  # every failure: display_url, reason
    new_urls: list[str] = field(default_factory=list)  # stored keys of the new articles

    @property
    def changed(self) -> bool:
        return bool(self.new_articles or self.updated_articles)


def is_due(source: WebSource, store: WebStore, *, now: datetime, default_minutes: int) -> bool:
    """True if ``source`` was never fetched or its refresh interval has passed."""
    state = store.source_state(source.url)
    if state is None or state.fetched_at is None:
        return True
    interval = timedelta(minutes=source.refresh_minutes or default_minutes)
    return now - state.fetched_at >= interval


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An article page listed by a feed or sitemap, with what the listing says of it."""

    url: str
    title: str | None = None
    published: date | None = None
    author: str | None = None


def refresh(
    sources: Iterable[WebSource],
    fetcher: Fetcher,
    store: WebStore,
    *,
    progress: Callable[[RefreshProgress], None] | None = None,
    max_entries_per_source: int = DEFAULT_MAX_ENTRIES,
    retry_failed_after: timedelta = DEFAULT_RETRY_FAILED_AFTER,
) -> RefreshSummary:
    """Fetch what is new in ``sources`` into ``store``; never raises for a bad source.

    At most ``max_entries_per_source`` new pages are fetched per feed or sitemap in one
    run (the newest first, for sitemaps); the rest wait for the next run. Entries that
    failed for good are tried again once ``retry_failed_after`` has passed.
    """
    if max_entries_per_source < 1:
        raise ValueError(f"max_entries_per_source must be positive, got {max_entries_per_source}")
    run = _Run(fetcher, store, max_entries_per_source, datetime.now(UTC) - retry_failed_after)
    todo = list(sources)
    for done, source in enumerate(todo, start=1):
        try:
            if source.kind == "page":
                run.page_source(source)
            elif source.kind == "feed":
                run.feed_source(source)
            else:
                run.sitemap_source(source)
        except Exception as error:  # a bug or a library failure must not stop the run
            log.exception("refreshing %s failed unexpectedly", display_url(source.url))
            run.fail(source.url, f"unexpected error ({type(error).__name__}: {error})")
        if progress:
            progress(RefreshProgress("fetching", done, len(todo), source.url))
    summary = run.summary
    log.info(
        "refresh: %d fetched, %d new, %d updated, %d not modified, %d skipped",
        summary.fetched,
        summary.new_articles,
        summary.updated_articles,
        summary.not_modified,
        len(summary.skipped),
    )
    return summary


class _Run:
    def __init__(
        self, fetcher: Fetcher, store: WebStore, max_entries: int, retry_since: datetime
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.max_entries = max_entries
        self.retry_since = retry_since  # failures since then are not retried in this run
        self.summary = RefreshSummary()

    def fail(self, url: str, reason: str, *, remember: bool = True) -> None:
        shown = display_url(url)  # reports show it on one line, shortened
        log.info("skipped %s: %s", shown, reason)  # the summary says it
        self.summary.skipped.append(Skipped(shown, reason))
        if remember:
            self.store.record_error(url, reason)

    def fetch_source(self, url: str, kind: FetchKind) -> FetchResult | None:
        """A conditional fetch of a source; None (and the failure recorded) if it failed."""
        state = self.store.source_state(url)
        try:
            result = self.fetcher.fetch(
                url,
                kind=kind,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
            )
        except FetchError as error:
            self.fail(url, error.reason)
            return None
        if result.not_modified:
            self.summary.not_modified += 1
            self.store.record_fetch(url, etag=result.etag, last_modified=result.last_modified)
            return None
        self.summary.fetched += 1
        return result

    # --- the three kinds --------------------------------------------------------------

    def page_source(self, source: WebSource) -> None:
        result = self.fetch_source(source.url, "page")
        if result is None:
            return
        page = extract_article_html(result.body, result.final_url, charset=result.charset)
        if isinstance(page, Skipped):
            self.fail(source.url, page.reason)
            return
        article = _web_article(_Candidate(source.url), page, result, source.name, feed_url=None)
        before = self.store.get(article.url)
        if before is None or _content(before) != _content(article):
            if self.store.upsert_article(article):
                self.summary.new_articles += 1
                self.summary.new_urls.append(article.url)
            else:
                self.summary.updated_articles += 1
        self.store.record_fetch(source.url, etag=result.etag, last_modified=result.last_modified)

    def feed_source(self, source: WebSource) -> None:
        result = self.fetch_source(source.url, "feed")
        if result is None:
            return
        try:
            feed = parse_feed(result.body, result.final_url, charset=result.charset)
        except FeedError as error:
            self.fail(source.url, error.reason)
            return
        for problem in feed.problems:
            log.warning("%s: %s", display_url(source.url), problem)
        candidates = [
            _Candidate(entry.link, entry.title or None, entry.published, entry.author)
            for entry in feed.entries
        ]
        self.entries(source, result, candidates, source.name or feed.title)

    def sitemap_source(self, source: WebSource) -> None:
        result = self.fetch_source(source.url, "sitemap")
        if result is None:
            return
        try:
            listed = parse_sitemap(result.body, result.final_url)
        except FeedError as error:
            self.fail(source.url, error.reason)
            return
        nested = [entry for entry in listed if entry.is_sitemap]
        nested.sort(key=lambda entry: entry.lastmod or date.min, reverse=True)
        for entry in nested[:_MAX_NESTED_SITEMAPS]:  # an index: read its newest sitemaps
            try:
                inner = self.fetcher.fetch(entry.url, kind="sitemap")
                self.summary.fetched += 1
                listed.extend(parse_sitemap(inner.body, inner.final_url))
            except (FetchError, FeedError) as error:
                self.fail(entry.url, error.reason, remember=False)
        pages = [entry for entry in listed if not entry.is_sitemap]
        pages.sort(key=lambda entry: entry.published or entry.lastmod or date.min, reverse=True)
        candidates = [_Candidate(entry.url, entry.title, entry.published) for entry in pages]
        self.entries(source, result, candidates, source.name)

    # --- entries of a feed or sitemap -------------------------------------------------

    def entries(
        self,
        source: WebSource,
        listing: FetchResult,
        candidates: Sequence[_Candidate],
        publisher: str | None,
    ) -> None:
        unique: dict[str, _Candidate] = {}
        for candidate in candidates:
            unique.setdefault(storage_key(candidate.url), candidate)
        stored = self.store.known_articles(unique)
        failed = self.store.failed_since(set(unique) - stored, self.retry_since)
        self.summary.already_stored += len(stored)
        self.summary.failed_before += len(failed)
        todo = [(key, c) for key, c in unique.items() if key not in stored and key not in failed]
        complete = len(todo) <= self.max_entries
        for key, candidate in todo[: self.max_entries]:
            if not self.entry(source, key, candidate, publisher):
                complete = False
        # Validators only if no entry is left to retry: a 304 must not hide it next time.
        error = None if complete else "some entries are left for the next refresh"
        self.store.record_fetch(
            source.url,
            etag=listing.etag if complete else None,
            last_modified=listing.last_modified if complete else None,
            error=error,
        )

    def entry(
        self, source: WebSource, key: str, candidate: _Candidate, publisher: str | None
    ) -> bool:
        """Fetch and store one entry; False if it failed in a way worth retrying soon."""
        try:
            result = self.fetcher.fetch(candidate.url, kind="page")
        except FetchError as error:
            self.fail(candidate.url, error.reason, remember=False)
            if error.transient:
                return False
            self.store.record_error(key, error.reason)
            return True
        self.summary.fetched += 1
        page = extract_article_html(result.body, result.final_url, charset=result.charset)
        if isinstance(page, Skipped):
            self.fail(candidate.url, page.reason, remember=False)
            self.store.record_error(key, page.reason)
            return True
        article = _web_article(candidate, page, result, publisher, feed_url=source.url)
        if self.store.upsert_article(article):
            self.summary.new_articles += 1
            self.summary.new_urls.append(key)
        return True


def _content(article: WebArticle) -> tuple[object, ...]:
    """What a reader sees of an article (not when or where from it was fetched)."""
    return (article.title, article.text, article.source, article.author, article.published)


def _web_article(
    candidate: _Candidate,
    page: Article,
    result: FetchResult,
    publisher: str | None,
    *,
    feed_url: str | None,
) -> WebArticle:
    return WebArticle(
        url=storage_key(candidate.url),
        title=candidate.title or page.title,
        text=page.text,
        source=publisher or page.source,
        author=candidate.author or page.author,
        published=candidate.published or page.published,
        fetched_at=datetime.now(UTC),
        feed_url=feed_url,
        final_url=result.final_url,
    )
