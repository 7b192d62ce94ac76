"""The web-article store: what was fetched from feeds and pages, kept between reindexes.

A SQLite file (WAL mode) in the data directory, apart from the index generations. Per
fetched URL (sources, and feed entries that failed) it remembers the validators for
conditional requests (ETag, Last-Modified), when it was last fetched and its last error;
per article, the cleaned text and metadata keyed by the article's URL
(``index.ingest.urls.storage_key``), so a refresh skips what it already has and a reindex
can include every stored article (``articles()``) just like files.
Thread-safe: one connection, used under a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

from index.ingest.urls import article_id, storage_key
from index.records import Article
from index.sqlite_files import open_sqlite

_SCHEMA_VERSION = 1
_BATCH = 500  # URLs per query, well under SQLite's limit on bound parameters
_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS added_sources (
    url TEXT PRIMARY KEY,            -- sources added with `newsbot add`, besides the config
    kind TEXT NOT NULL,
    name TEXT,
    added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    final_url TEXT,
    source TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    author TEXT,
    published TEXT,
    fetched_at TEXT NOT NULL,
    feed_url TEXT
);
"""


def _prepare(database: sqlite3.Connection) -> None:
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("PRAGMA synchronous=NORMAL")
    with database:
        database.executescript(_SCHEMA)
        database.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")


@dataclass(frozen=True, slots=True)
class SourceState:
    url: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class WebArticle:
    """An article fetched from the web, as stored."""

    url: str  # the key: index.ingest.urls.storage_key of its url
    title: str
    text: str
    source: str | None = None  # publisher label
    author: str | None = None
    published: date | None = None
    fetched_at: datetime | None = None  # now, when upserted without one
    feed_url: str | None = None  # the feed or sitemap it was listed in
    final_url: str | None = None  # where the page was fetched from after redirects

    def as_article(self) -> Article:
        return Article(
            id=article_id(self.url),
            title=self.title,
            text=self.text,
            url=self.final_url or self.url,
            source=self.source,
            published=self.published,
            author=self.author,
            origin=self.url,
        )


class WebStore:
    """Source validators and fetched articles in one SQLite file (created if missing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # A damaged file is set aside: what it held is fetched again, nothing blocks.
        self._db = open_sqlite(
            self.path, "web article store", _prepare, _SCHEMA,
            check_same_thread=False, timeout=30.0,
        )  # fmt: skip

    def __enter__(self) -> WebStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- sources ----------------------------------------------------------------------

    def source_state(self, url: str) -> SourceState | None:
        with self._lock:
            row = self._db.execute(
                "SELECT url, etag, last_modified, fetched_at, last_error FROM fetches"
                " WHERE url = ?",
                (url,),
            ).fetchone()
        if row is None:
            return None
        return SourceState(row[0], row[1], row[2], _datetime(row[3]), row[4])

    def record_fetch(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """A fetch of ``url`` that got a response: its validators replace the old ones."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO fetches (url, etag, last_modified, fetched_at, last_error)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, fetched_at = excluded.fetched_at,"
                " last_error = excluded.last_error",
                (url, etag, last_modified, _stamp(at), error),
            )

    def record_error(self, url: str, reason: str, *, at: datetime | None = None) -> None:
        """A fetch of ``url`` that failed: validators are kept, the error is remembered."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO fetches (url, fetched_at, last_error) VALUES (?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET fetched_at = excluded.fetched_at,"
                " last_error = excluded.last_error",
                (url, _stamp(at), reason),
            )

    def failed_since(self, urls: Iterable[str], since: datetime) -> set[str]:
        """Those of ``urls`` whose last fetch, at or after ``since``, ended in an error."""
        wanted = list(dict.fromkeys(urls))
        failed: set[str] = set()
        with self._lock:
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start : start + _BATCH]
                rows = self._db.execute(
                    "SELECT url, fetched_at FROM fetches WHERE last_error IS NOT NULL"
                    f" AND url IN ({','.join('?' * len(batch))})",
                    batch,
                ).fetchall()
                for url, fetched_at in rows:
                    when = _datetime(fetched_at)
                    if when is not None and when >= since:
                        failed.add(url)
        return failed

    def add_source(self, url: str, kind: str, name: str | None) -> None:
        """Remember a source added at run time (``newsbot add``); adding again updates it."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO added_sources (url, kind, name, added_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, name = excluded.name",
                (url, kind, name, _stamp(None)),
            )

    def added_sources(self) -> list[tuple[str, str, str | None]]:
        """``(url, kind, name)`` of every added source, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT url, kind, name FROM added_sources ORDER BY added_at, url"
            ).fetchall()
        return [(str(url), str(kind), name) for url, kind, name in rows]

    # --- articles ---------------------------------------------------------------------

    def known_articles(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` (compared by storage key) that are stored, as given."""
        by_key: dict[str, list[str]] = {}
        for url in urls:
            by_key.setdefault(storage_key(url), []).append(url)
        known: set[str] = set()
        keys = list(by_key)
        with self._lock:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT url FROM articles WHERE url IN ({marks})", batch
                ).fetchall()
                for row in rows:
                    known.update(by_key[row[0]])
        return known

    def upsert_article(self, article: WebArticle) -> bool:
        """Store ``article`` (under its storage key); True if it was not stored before."""
        key = storage_key(article.url)
        with self._lock, self._db:
            existed = self._db.execute("SELECT 1 FROM articles WHERE url = ?", (key,)).fetchone()
            self._db.execute(
                "INSERT OR REPLACE INTO articles (url, final_url, source, title, text, author,"
                " published, fetched_at, feed_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    article.final_url,
                    article.source,
                    article.title,
                    article.text,
                    article.author,
                    article.published.isoformat() if article.published else None,
                    _stamp(article.fetched_at),
                    article.feed_url,
                ),
            )
        return existed is None

    def get(self, url: str) -> WebArticle | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE url = ?", (storage_key(url),)
            ).fetchone()
        return _web_article(row) if row else None

    def web_articles(self) -> list[WebArticle]:
        """Every stored article, ordered by URL."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY url"
            ).fetchall()
        return [_web_article(row) for row in rows]

    def stamps(self) -> list[tuple[str, str]]:
        """``(url, fetched_at)`` of every stored article, ordered by url: what a reindex
        compares without reading any text."""
        with self._lock:
            rows = self._db.execute("SELECT url, fetched_at FROM articles ORDER BY url").fetchall()
        return [(str(url), str(fetched_at)) for url, fetched_at in rows]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


_ARTICLE_COLUMNS = "url, title, text, source, author, published, fetched_at, feed_url, final_url"


def _web_article(row: tuple[object, ...]) -> WebArticle:
    url, title, text, source, author, published, fetched_at, feed_url, final_url = row
    return WebArticle(
        url=str(url),
        title=str(title),
        text=str(text),
        source=_text(source),
        author=_text(author),
        published=date.fromisoformat(str(published)) if published else None,
        fetched_at=_datetime(fetched_at),
        feed_url=_text(feed_url),
        final_url=_text(final_url),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _stamp(at: datetime | None) -> str:
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
