"""On-disk index generations: a SQLite database and a FAISS file, published atomically.

Layout of ``data_dir``::

    CURRENT              name of the generation readers should open
    gen-000007/          a complete, immutable generation
        index.sqlite     articles, chunks (with their vectors), manifest (WAL mode)
        vectors.faiss    the FAISS index over the chunk vectors (faiss id = chunk id)
        checksums.json   size and sha256 of both files, checked before anything reads them
    gen-000008.partial/  a generation being built; never read, removed by the next reindex
    reindex.lock         held (flock) by the one reindex allowed at a time

A reindex writes a new ``.partial`` folder, fsyncs it, renames it and then replaces
``CURRENT`` in one ``os.replace``. Killed at any moment, it leaves the previous
generation current and intact. No pickle: SQLite rows, raw float32 and FAISS's format.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import faiss
import numpy as np

from index.errors import IndexCorruptError, IndexNotFoundError, ReindexBusyError
from index.records import Article, ArticleInfo, Chunk, Reprint
from index.store.files import fsync_dir, verify_checksums, write_checksums, write_durably

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
_CURRENT = "CURRENT"
_LOCK = "reindex.lock"
_DB = "index.sqlite"
_VECTORS = "vectors.faiss"
_GENERATION = re.compile(r"^gen-(\d{6})$")

_SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    row INTEGER PRIMARY KEY,          -- dense 0..n-1, the in-memory position
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT,
    source TEXT,
    published TEXT,                   -- ISO date
    author TEXT,
    origin TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    also_reported_by TEXT NOT NULL    -- JSON: [[source, url, title], ...]
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,           -- dense 0..n-1, the FAISS id
    article_row INTEGER NOT NULL REFERENCES articles(row),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    vector BLOB NOT NULL              -- float32, unit length
);
CREATE INDEX chunks_by_article ON chunks(article_row);
"""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a generation was built with and holds."""

    model: str
    backend: str  # "onnx-int8" or "torch": how the vectors were computed
    dimension: int
    chunk_max_tokens: int
    chunk_overlap: int
    vector_index: str
    articles: int
    chunks: int
    built_at: datetime


@dataclass(frozen=True, slots=True)
class StoredArticle:
    info: ArticleInfo
    row: int
    content_hash: str


class Generation:
    """One published, immutable generation opened for reading (thread-safe)."""

    def __init__(self, path: Path, vector_search_depth: int = 64) -> None:
        self.path = path
        verify_checksums(path, (_DB, _VECTORS))
        # immutable=1: the file never changes once published, so SQLite may skip locking.
        uri = f"file:{path / _DB}?mode=ro&immutable=1"
        try:
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self.manifest = _read_manifest(self._db)
            self.articles = self._load_articles()
            chunk_rows = self._db.execute(
                "SELECT article_row, start, end FROM chunks ORDER BY id"
            ).fetchall()
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(f"{path / _DB}: unreadable index database ({error})") from None
        self._lock = threading.Lock()
        self.chunk_article = np.array([r[0] for r in chunk_rows], dtype=np.int32)
        self.chunk_spans = np.array([(r[1], r[2]) for r in chunk_rows], dtype=np.int64)
        self.vectors = _read_faiss(path / _VECTORS)
        if self.vectors.ntotal != len(chunk_rows) or len(chunk_rows) != self.manifest.chunks:
            raise IndexCorruptError(
                f"{path}: {self.vectors.ntotal} vectors for {len(chunk_rows)} chunks "
                f"(manifest says {self.manifest.chunks})"
            )
        if isinstance(self.vectors, faiss.IndexHNSW):
            self.vectors.hnsw.efSearch = vector_search_depth

    @property
    def name(self) -> str:
        return self.path.name

    def _load_articles(self) -> list[StoredArticle]:
        rows = self._db.execute(
            "SELECT row, id, title, url, source, published, author, content_hash, "
            "also_reported_by FROM articles ORDER BY row"
        ).fetchall()
        return [
            StoredArticle(
                info=ArticleInfo(
                    id=r[1],
                    title=r[2],
                    url=r[3],
                    source=r[4],
                    published=date.fromisoformat(r[5]) if r[5] else None,
                    author=r[6],
                    also_reported_by=tuple(Reprint(*reprint) for reprint in json.loads(r[8])),
                ),
                row=r[0],
                content_hash=r[7],
            )
            for r in rows
        ]

    def article_text(self, row: int) -> str:
        with self._lock:
            found = self._db.execute("SELECT text FROM articles WHERE row = ?", (row,)).fetchone()
        if found is None:
            raise IndexCorruptError(f"{self.path}: article row {row} is missing")
        return str(found[0])

    def chunk_texts(self) -> Iterator[tuple[str, str]]:
        """``(title, passage)`` for every chunk in id order, for the lexical index."""
        with self._lock:
            rows = self._db.execute(
                "SELECT a.title, substr(a.text, c.start + 1, c.end - c.start) "
                "FROM chunks c JOIN articles a ON a.row = c.article_row ORDER BY c.id"
            ).fetchall()
        yield from rows

    def chunk_text(self, chunk_id: int) -> str:
        start, end = self.chunk_spans[chunk_id]
        return self.article_text(int(self.chunk_article[chunk_id]))[start:end]

    def close(self) -> None:
        self._db.close()


class GenerationWriter:
    """Builds the next generation in a ``.partial`` folder; ``publish`` makes it current."""

    def __init__(self, data_dir: Path, previous: Generation | None) -> None:
        number = _latest_number(data_dir) + 1
        self.final_path = data_dir / f"gen-{number:06d}"
        self.path = data_dir / f"gen-{number:06d}.partial"
        self.path.mkdir()
        self._data_dir = data_dir
        self._db = sqlite3.connect(self.path / _DB)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        if previous is not None:
            self._db.execute(
                "ATTACH DATABASE ? AS previous", (f"file:{previous.path / _DB}?mode=ro",)
            )
        self._has_previous = previous is not None
        self._article_rows = 0
        self._chunk_ids = 0

    def add_article(self, article: Article, content_hash: str) -> int:
        row = self._article_rows
        self._db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row,
                article.id,
                article.title,
                article.url,
                article.source,
                article.published.isoformat() if article.published else None,
                article.author,
                article.origin,
                content_hash,
                article.text,
                json.dumps([[r.source, r.url, r.title] for r in article.also_reported_by]),
            ),
        )
        self._article_rows += 1
        return row

    def add_chunks(self, row: int, chunks: list[Chunk], vectors: np.ndarray) -> None:
        first = self._chunk_ids
        self._db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (first + i, row, c.ordinal, c.start, c.end, c.token_count, v.tobytes())
                for i, (c, v) in enumerate(zip(chunks, vectors, strict=True))
            ),
        )
        self._chunk_ids += len(chunks)

    def copy_article(self, previous_row: int) -> int:
        """Carry an unchanged article and its chunk vectors over; returns its chunk count."""
        if not self._has_previous:
            raise ValueError("no previous generation to copy from")
        row = self._article_rows
        self._db.execute(
            "INSERT INTO articles SELECT ?, id, title, url, source, published, author, origin, "
            "content_hash, text, also_reported_by FROM previous.articles WHERE row = ?",
            (row, previous_row),
        )
        copied = self._db.execute(
            "INSERT INTO chunks SELECT ? + ordinal, ?, ordinal, start, end, token_count, vector "
            "FROM previous.chunks WHERE article_row = ? ORDER BY ordinal",
            (self._chunk_ids, row, previous_row),
        ).rowcount
        self._article_rows += 1
        self._chunk_ids += copied
        return int(copied)

    def publish(self, manifest: Manifest, hnsw_neighbors: int) -> Path:
        """Write the FAISS file and manifest, make everything durable, then switch CURRENT."""
        self._write_manifest(manifest)
        self._db.commit()
        if self._has_previous:
            self._db.execute("DETACH DATABASE previous")
        vectors = self._all_vectors(manifest.dimension)
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
        write_durably(self.path / _VECTORS, _build_faiss(vectors, manifest, hnsw_neighbors))
        write_checksums(self.path, (_DB, _VECTORS))
        fsync_dir(self.path)
        os.rename(self.path, self.final_path)
        fsync_dir(self._data_dir)
        current_tmp = self._data_dir / f"{_CURRENT}.tmp"
        write_durably(current_tmp, f"{self.final_path.name}\n".encode())
        os.replace(current_tmp, self._data_dir / _CURRENT)
        fsync_dir(self._data_dir)
        return self.final_path

    def abandon(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def _all_vectors(self, dimension: int) -> np.ndarray:
        blobs = self._db.execute("SELECT vector FROM chunks ORDER BY id").fetchall()
        vectors = np.frombuffer(b"".join(b[0] for b in blobs), dtype=np.float32)
        return vectors.reshape(len(blobs), dimension)

    def _write_manifest(self, manifest: Manifest) -> None:
        values = {
            "format_version": FORMAT_VERSION,
            "model": manifest.model,
            "backend": manifest.backend,
            "dimension": manifest.dimension,
            "chunk_max_tokens": manifest.chunk_max_tokens,
            "chunk_overlap": manifest.chunk_overlap,
            "vector_index": manifest.vector_index,
            "articles": manifest.articles,
            "chunks": manifest.chunks,
            "built_at": manifest.built_at.isoformat(),
        }
        self._db.executemany(
            "INSERT INTO manifest VALUES (?, ?)", ((k, json.dumps(v)) for k, v in values.items())
        )


def open_current(data_dir: Path, vector_search_depth: int = 64) -> Generation:
    """Open the generation named by ``CURRENT``."""
    # A reindex may publish and prune between reading CURRENT and opening: read again.
    for _ in range(3):
        try:
            name = (data_dir / _CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IndexNotFoundError(
                f"no index in {data_dir}: run 'newsbot reindex' first"
            ) from None
        if not _GENERATION.match(name):
            raise IndexCorruptError(f"{data_dir / _CURRENT}: names no generation ({name[:40]!r})")
        path = data_dir / name
        if path.is_dir():
            return Generation(path, vector_search_depth)
    raise IndexCorruptError(f"{data_dir / _CURRENT} names {name}, which does not exist")


@contextlib.contextmanager
def reindex_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's reindex lock; the OS releases it if the process dies."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / _LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexBusyError(f"another reindex is running on {data_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune(data_dir: Path, keep: Iterable[str]) -> None:
    """Remove leftovers of killed reindexes and generations older than those in ``keep``."""
    kept = set(keep)
    for path in data_dir.iterdir():
        stale_partial = path.name.endswith(".partial")
        old_generation = _GENERATION.match(path.name) and path.name not in kept
        if path.is_dir() and (stale_partial or old_generation):
            shutil.rmtree(path, ignore_errors=True)


def current_name(data_dir: Path) -> str | None:
    try:
        return (data_dir / _CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def _latest_number(data_dir: Path) -> int:
    numbers = [
        int(m.group(1))
        for p in data_dir.iterdir()
        if (m := re.match(r"^gen-(\d{6})(\.partial)?$", p.name))
    ]
    return max(numbers, default=0)


def _read_manifest(db: sqlite3.Connection) -> Manifest:
    values = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM manifest")}
    if values.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"index format {values.get('format_version')} is not {FORMAT_VERSION}: "
            "run 'newsbot reindex'"
        )
    return Manifest(
        model=values["model"],
        backend=values.get("backend", "torch"),  # before backends were recorded: torch
        dimension=values["dimension"],
        chunk_max_tokens=values["chunk_max_tokens"],
        chunk_overlap=values["chunk_overlap"],
        vector_index=values["vector_index"],
        articles=values["articles"],
        chunks=values["chunks"],
        built_at=datetime.fromisoformat(values["built_at"]),
    )


def _read_faiss(path: Path) -> faiss.Index:
    # Read the bytes that were checksummed, so the file cannot change in between.
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    try:
        return faiss.deserialize_index(data)
    except RuntimeError as error:
        raise IndexCorruptError(f"{path}: FAISS cannot read it ({error})") from None


def _build_faiss(vectors: np.ndarray, manifest: Manifest, hnsw_neighbors: int) -> bytes:
    index: faiss.Index
    if manifest.vector_index == "hnsw":
        index = faiss.IndexHNSWFlat(manifest.dimension, hnsw_neighbors, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexFlatIP(manifest.dimension)
    if len(vectors):
        index.add(vectors)
    return faiss.serialize_index(index).tobytes()


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
