"""The catalog of a generation: every source read and every article it gave, where each
article is indexed (or which article stands in for it), and the buckets that find
copies of a story. A reindex works from it to touch only what changed:

- ``sources``: a file or web article with the stamp it had when read (size and
  modification time, or when it was fetched), the ids of the articles it gave and what
  it gave that was skipped, so an unchanged source is never read again;
- ``articles``: each article's content hash, metadata, MinHash signature, and either
  its place in a segment (``segment``, ``row``) or the ``original`` it is a copy of;
- ``buckets``: locality-sensitive hashing bands of the indexed articles' signatures.

A SQLite file; each generation has its own copy, so a reindex edits a copy and the
published one never changes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from index.errors import IndexCorruptError
from index.records import Reprint, Skipped, Truncated

FILE = "catalog.sqlite"
_SCHEMA = """
CREATE TABLE sources (
    key TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    articles TEXT NOT NULL,          -- JSON list of article ids
    skipped TEXT NOT NULL,           -- JSON list of [origin, reason]
    truncated TEXT NOT NULL          -- JSON list of [origin, chars, kept]
) WITHOUT ROWID;
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    source_key TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    url_key TEXT,
    publisher TEXT,
    published INTEGER,               -- date ordinal
    origin TEXT NOT NULL,
    signature BLOB,                  -- MinHash, uint64; NULL for a text too short
    segment TEXT,                    -- where it is indexed ...
    row INTEGER,
    original TEXT,                   -- ... or the article indexed in its place
    duplicate INTEGER NOT NULL DEFAULT 0  -- a copy from the original's own publisher
);
CREATE INDEX articles_by_url ON articles(url_key);
CREATE INDEX articles_by_original ON articles(original);
CREATE INDEX articles_by_place ON articles(segment, row);
CREATE TABLE buckets (band INTEGER, key BLOB, id TEXT, PRIMARY KEY (band, key, id))
    WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class SourceRecord:
    stamp: str
    articles: tuple[str, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What the catalog knows of an article."""

    id: str
    content_hash: str
    source_key: str
    title: str
    url: str | None
    publisher: str | None
    published: date | None
    origin: str
    signature: np.ndarray | None
    segment: str | None
    row: int | None
    original: str | None
    duplicate: bool

    @property
    def indexed(self) -> bool:
        return self.segment is not None


_COLUMNS = (
    "id, content_hash, source_key, title, url, publisher, published, origin, signature, "
    "segment, row, original, duplicate"
)


class Catalog:
    """One generation's catalog; read-only unless opened ``writable``. Not thread-safe:
    readers share it under the generation's lock."""

    def __init__(self, path: Path, *, writable: bool = False, create: bool = False) -> None:
        self.path = path
        try:
            if writable:
                self._db = sqlite3.connect(path, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=DELETE")
                self._db.execute("PRAGMA synchronous=OFF")  # made durable at publication
                if create:
                    self._db.executescript(_SCHEMA)
            else:
                uri = f"file:{path}?mode=ro&immutable=1"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._db.execute("SELECT 1 FROM articles LIMIT 1").fetchall()
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(f"{path}: unreadable catalog ({error})") from None

    # -- sources -----------------------------------------------------------------------

    def sources(self) -> dict[str, str]:
        """Stamp of every source, by key."""
        return dict(self._all("SELECT key, stamp FROM sources"))

    def source(self, key: str) -> SourceRecord | None:
        found = self._all("SELECT stamp, articles, skipped FROM sources WHERE key = ?", key)
        if not found:
            return None
        stamp, articles, skipped = found[0]
        return SourceRecord(
            stamp, tuple(json.loads(articles)), tuple(Skipped(*s) for s in json.loads(skipped))
        )

    def cached_skips(self) -> list[Skipped]:
        """What every source gave that was skipped, as last read."""
        skipped: list[Skipped] = []
        for (value,) in self._all("SELECT skipped FROM sources WHERE skipped != '[]' ORDER BY key"):
            skipped += [Skipped(*s) for s in json.loads(value)]
        return skipped

    def cached_truncations(self) -> list[Truncated]:
        """Every article that was cut to the per-article limit, as last read."""
        cut: list[Truncated] = []
        rows = self._all("SELECT truncated FROM sources WHERE truncated != '[]' ORDER BY key")
        for (value,) in rows:
            cut += [Truncated(*t) for t in json.loads(value)]
        return cut

    def put_source(
        self,
        key: str,
        stamp: str,
        articles: Sequence[str],
        skipped: Sequence[Skipped],
        truncated: Sequence[Truncated] = (),
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
            (
                key,
                stamp,
                json.dumps(list(articles)),
                json.dumps([[s.origin, s.reason] for s in skipped]),
                json.dumps([[t.origin, t.chars, t.kept] for t in truncated]),
            ),
        )

    def drop_source(self, key: str) -> None:
        self._db.execute("DELETE FROM sources WHERE key = ?", (key,))

    # -- articles ----------------------------------------------------------------------

    def article(self, article_id: str) -> ArticleRecord | None:
        found = self._all(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", article_id)
        return _record(found[0]) if found else None

    def articles(self, ids: Iterable[str]) -> list[ArticleRecord]:
        wanted = list(ids)
        found: list[ArticleRecord] = []
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._all(f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", *batch)
            found += [_record(r) for r in rows]
        return found

    def copies_of(self, article_id: str) -> list[ArticleRecord]:
        rows = self._all(f"SELECT {_COLUMNS} FROM articles WHERE original = ?", article_id)
        return [_record(r) for r in rows]

    def reprints(self, article_ids: Iterable[str]) -> dict[str, tuple[Reprint, ...]]:
        """Other publishers' copies of each indexed article (duplicates left out)."""
        found: dict[str, list[Reprint]] = {}
        wanted = list(dict.fromkeys(article_ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._all(
            f"SELECT original, publisher, url, title FROM articles WHERE original IN ({marks}) "
            "AND duplicate = 0 ORDER BY published IS NULL, published, id",
            *wanted,
        )
        for original, publisher, url, title in rows:
            found.setdefault(original, []).append(Reprint(publisher, url, title))
        return {key: tuple(value) for key, value in found.items()}

    def by_url_key(self, url_key: str) -> ArticleRecord | None:
        """The indexed article (or the original of the copy) with this loose url key."""
        rows = self._all(
            f"SELECT {_COLUMNS} FROM articles WHERE url_key = ? ORDER BY segment IS NULL LIMIT 1",
            url_key,
        )
        if not rows:
            return None
        record = _record(rows[0])
        return record if record.indexed else self.article(record.original or "")

    def indexed_count(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM articles WHERE segment IS NOT NULL")[0][0])

    def reprint_count(self) -> int:
        rows = self._all(
            "SELECT COUNT(*) FROM articles WHERE original IS NOT NULL AND duplicate = 0"
        )
        return int(rows[0][0])

    def duplicates(self) -> list[tuple[str, str]]:
        """``(origin, original's origin)`` of every same-publisher copy."""
        rows = self._all(
            "SELECT a.origin, o.origin FROM articles a JOIN articles o ON o.id = a.original "
            "WHERE a.duplicate = 1 ORDER BY a.origin"
        )
        return [(str(a), str(b)) for a, b in rows]

    def publishers(self) -> list[tuple[str | None, int]]:
        """Indexed articles per publisher."""
        rows = self._all(
            "SELECT publisher, COUNT(*) FROM articles WHERE segment IS NOT NULL GROUP BY publisher"
        )
        return [(p, int(n)) for p, n in rows]

    def date_range(self) -> tuple[date | None, date | None]:
        rows = self._all(
            "SELECT MIN(published), MAX(published) FROM articles WHERE segment IS NOT NULL"
        )
        low, high = rows[0]
        return _day(low), _day(high)

    def indexed_places(self) -> Iterator[tuple[str, str, int]]:
        """``(id, segment, row)`` of every indexed article."""
        rows = self._all("SELECT id, segment, row FROM articles WHERE segment IS NOT NULL")
        for article_id, segment, row in rows:
            yield str(article_id), str(segment), int(row)

    def put_article(self, record: ArticleRecord, url_key: str | None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.content_hash,
                record.source_key,
                record.title,
                record.url,
                url_key,
                record.publisher,
                record.published.toordinal() if record.published else None,
                record.origin,
                None if record.signature is None else record.signature.tobytes(),
                record.segment,
                record.row,
                record.original,
                int(record.duplicate),
            ),
        )

    def move(self, article_id: str, segment: str, row: int) -> None:
        self._db.execute(
            "UPDATE articles SET segment = ?, row = ? WHERE id = ?", (segment, row, article_id)
        )

    def repoint_copies(self, old: str, new: str) -> None:
        self._db.execute("UPDATE articles SET original = ? WHERE original = ?", (new, old))

    def drop_article(self, article_id: str) -> None:
        """Forget an article; its buckets go with ``drop_buckets``."""
        self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    # -- copies of a story -------------------------------------------------------------

    def add_buckets(self, article_id: str, keys: Sequence[bytes]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO buckets VALUES (?, ?, ?)",
            ((band, key, article_id) for band, key in enumerate(keys)),
        )

    def drop_buckets(self, article_id: str, keys: Sequence[bytes]) -> None:
        # By the whole key: the table has no index on ``id`` alone, and a scan of every
        # bucket for each changed article made a 1%-changed reindex O(changed x collection).
        self._db.executemany(
            "DELETE FROM buckets WHERE band = ? AND key = ? AND id = ?",
            ((band, key, article_id) for band, key in enumerate(keys)),
        )

    def bucket_mates(self, keys: Sequence[bytes]) -> set[str]:
        """Indexed articles sharing at least one band with these keys."""
        mates: set[str] = set()
        for band, key in enumerate(keys):
            mates.update(
                str(r[0])
                for r in self._all("SELECT id FROM buckets WHERE band = ? AND key = ?", band, key)
            )
        return mates

    # -- lifecycle ---------------------------------------------------------------------

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def _all(self, sql: str, *parameters: object) -> list[tuple]:
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(f"{self.path}: unreadable catalog ({error})") from None


def _record(row: tuple) -> ArticleRecord:
    (
        article_id,
        content_hash,
        source_key,
        title,
        url,
        publisher,
        published,
        origin,
        signature,
        segment,
        place,
        original,
        duplicate,
    ) = row
    return ArticleRecord(
        id=article_id,
        content_hash=content_hash,
        source_key=source_key,
        title=title,
        url=url,
        publisher=publisher,
        published=_day(published),
        origin=origin,
        signature=None if signature is None else np.frombuffer(signature, dtype=np.uint64),
        segment=segment,
        row=place,
        original=original,
        duplicate=bool(duplicate),
    )


def _day(ordinal: int | None) -> date | None:
    return date.fromordinal(int(ordinal)) if ordinal else None
