"""Segments: the immutable parts an index is made of.

A reindex writes the articles it (re)embedded into one new segment and leaves every
older segment as it is; a generation lists the segments it is made of and which of their
articles are deleted. So unchanged articles cost a reindex nothing, and opening an index
costs nothing but memory maps. Layout of ``segments/seg-000012/``::

    segment.json        counts, publishers, dimension, the files below with their sizes
    articles.sqlite     article metadata and text, the lexical vocabulary (term -> id)
    chunk_article.i32   article row of every chunk (chunk ids are dense 0..n-1)
    chunk_start.i32     character span of every chunk in its article's text
    chunk_end.i32
    chunk_tokens.i32    lexical tokens of every chunk (BM25 document length)
    article_date.i32    publication date ordinal of every article (UNDATED for none)
    article_source.i32  index into segment.json's publishers (case-folded), -1 for none
    vectors.f32         unit-length float32 vectors, a row per chunk
    postings.*          lexical postings, term-major (a term's in chunk order): offsets.i64,
                        chunks.i32, counts.u16, and sentences.u16 (which of the chunk's
                        sentences hold the term; see index.ingest.sentence_terms)
    chunk_kinds.u8      words of each answer kind in each of a chunk's sentence slots
                        (chunks x MAX_SENTENCES x kinds)
    chunk_addressing.u16  which of each chunk's sentences address a reader or a model
                        (index.injection), a bit a sentence slot
    vectors.pq          optional approximate index (FAISS fast-scan product quantiser)
    checksums.json      size and sha256 of every file above, written at publication

Raw little-endian arrays, memory-mapped when opened; no pickle. Segments of format 1
(before sentence facts were stored) are read without them, and rewritten by the next
reindex's merge from their stored text, without re-embedding. Segments of format 2
(before sentences addressing a reader were marked) are read without the marks: those
sentences are recognised from the text of the passages a question looks at.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from index.durable import verify_checksums
from index.errors import IndexCorruptError
from index.ingest.answer_kinds import KINDS
from index.ingest.sentence_terms import MAX_SENTENCES
from index.records import ArticleInfo
from index.store.vectors import VectorIndex

FORMAT = 3
READABLE_FORMATS = (1, 2, 3)
META = "segment.json"
DATABASE = "articles.sqlite"
ARRAYS = {
    "chunk_article": np.int32,
    "chunk_start": np.int32,
    "chunk_end": np.int32,
    "chunk_tokens": np.int32,
    "article_date": np.int32,
    "article_source": np.int32,
    "postings.offsets": np.int64,
    "postings.chunks": np.int32,
    "postings.counts": np.uint16,
    "postings.sentences": np.uint16,
    "chunk_kinds": np.uint8,
    "chunk_addressing": np.uint16,
}
SENTENCE_ARRAYS = ("postings.sentences", "chunk_kinds")  # since format 2
ADDRESSING_ARRAYS = ("chunk_addressing",)  # since format 3
_BULK = frozenset({"postings.chunks", "postings.counts", *SENTENCE_ARRAYS, *ADDRESSING_ARRAYS})
_SUFFIX = {np.int32: ".i32", np.int64: ".i64", np.uint16: ".u16", np.uint8: ".u8"}
VECTORS = "vectors.f32"
QUANTISED = "vectors.pq"
SCHEMA = """
CREATE TABLE articles (
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT,
    source TEXT,
    published TEXT,
    author TEXT,
    origin TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE terms (term TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
"""


def array_file(name: str) -> str:
    """The file name of array ``name`` (its suffix tells its type)."""
    return name + _SUFFIX[ARRAYS[name]]


@dataclass(frozen=True, slots=True)
class SegmentStats:
    """What a segment holds, as recorded in its ``segment.json``."""

    name: str
    articles: int
    chunks: int
    tokens: int  # lexical tokens of all chunks: BM25's average document length
    newest: int  # date ordinal of its newest article, UNDATED if none is dated
    approximate: bool  # whether it has a quantised index


class Segment:
    """A published segment opened for reading: memory-mapped arrays and a read-only
    SQLite connection. Thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.path = folder
        self.name = folder.name
        meta = _read_meta(folder)
        self.dimension = int(meta["dimension"])
        self.stats = SegmentStats(
            name=self.name,
            articles=int(meta["articles"]),
            chunks=int(meta["chunks"]),
            tokens=int(meta["tokens"]),
            newest=int(meta["newest"]),
            # Segments of earlier versions may have an HNSW graph instead ("approximate"
            # in their segment.json): they are searched exactly, and rewritten with a
            # quantised index by the next reindex's merge, without re-embedding.
            approximate=meta.get("vector_index") == "pq",
        )
        self.publishers: list[str] = list(meta["publishers"])
        # Whether it stores sentence facts; without them, answerability is worked out from
        # the text of the passages a question looks at.
        self.has_sentences = meta["format"] >= 2
        has_addressing = meta["format"] >= 3
        names = [
            n
            for n in ARRAYS
            if (self.has_sentences or n not in SENTENCE_ARRAYS)
            and (has_addressing or n not in ADDRESSING_ARRAYS)
        ]
        # What queries index with, and the codes FAISS would scan, are verified in full
        # (damage there could crash or mislead a search); the bulk (vectors, postings,
        # sentence facts, texts) is bounds-checked where it is used and verified by
        # index.store.checks.
        verified = [array_file(n) for n in names if n not in _BULK]
        verify_checksums(folder, verified + ([QUANTISED] if self.stats.approximate else []))
        _check_sizes(folder, self.stats, self.dimension, meta["terms"], meta["postings"], names)
        arrays = {name: _map(folder / array_file(name), ARRAYS[name]) for name in names}
        self.chunk_article = arrays["chunk_article"]
        self.chunk_start = arrays["chunk_start"]
        self.chunk_end = arrays["chunk_end"]
        self.chunk_tokens = arrays["chunk_tokens"]
        self.article_date = arrays["article_date"]
        self.article_source = arrays["article_source"]
        self.posting_offsets = arrays["postings.offsets"]
        self.posting_chunks = arrays["postings.chunks"]
        self.posting_counts = arrays["postings.counts"]
        self.posting_sentences = arrays.get("postings.sentences")
        kinds = arrays.get("chunk_kinds")
        self.chunk_kinds = (
            None if kinds is None else kinds.reshape(self.stats.chunks, MAX_SENTENCES, len(KINDS))
        )
        # None for segments of format 2 and earlier (see index.ingest.sentence_terms.addressed)
        self.chunk_addressing = arrays.get("chunk_addressing")
        vectors = _map(folder / VECTORS, np.float32)
        self.vectors = VectorIndex(
            vectors.reshape(-1, self.dimension),
            folder / QUANTISED if self.stats.approximate else None,
        )
        uri = f"file:{folder / DATABASE}?mode=ro&immutable=1"
        try:
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(f"{folder / DATABASE}: unreadable ({error})") from None
        self._lock = threading.Lock()

    def addressing(self, chunk: int) -> int | None:
        """Which sentences of ``chunk`` address a reader (bits), None if not stored."""
        if self.chunk_addressing is None:
            return None
        return int(self.chunk_addressing[chunk])

    def postings(self, terms: Iterable[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The chunks each known term occurs in, and how often."""
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        rows = self._query(
            f"SELECT term, id FROM terms WHERE term IN ({','.join('?' * len(wanted))})", wanted
        )
        found = {}
        for term, term_id in rows:
            start, end = int(self.posting_offsets[term_id]), int(self.posting_offsets[term_id + 1])
            chunks = self.posting_chunks[start:end]
            if len(chunks) and int(chunks.max()) >= self.stats.chunks:
                raise IndexCorruptError(f"{self.path / array_file('postings.chunks')}: damaged")
            found[str(term)] = (chunks, self.posting_counts[start:end])
        return found

    def sentence_masks(self, terms: Sequence[str], chunks: np.ndarray) -> np.ndarray:
        """uint16 (len(chunks), len(terms)): the sentences of each chunk that hold each
        term or, for terms of four letters or more, a word starting with it (as
        ``index.ingest.sentence_terms.expand_prefixes`` counts them). Needs
        ``has_sentences``."""
        if self.posting_sentences is None:
            raise ValueError(f"{self.path}: a format 1 segment stores no sentence facts")
        chunks = np.asarray(chunks, dtype=np.int64)
        found = np.zeros((len(chunks), len(terms)), dtype=np.uint16)
        for column, term in enumerate(terms):
            for term_id in self._term_ids(term):
                start = int(self.posting_offsets[term_id])
                end = int(self.posting_offsets[term_id + 1])
                holding = self.posting_chunks[start:end]
                at = np.searchsorted(holding, chunks)
                present = at < len(holding)
                present[present] = holding[at[present]] == chunks[present]
                found[present, column] |= self.posting_sentences[start + at[present]]
        return found

    def _term_ids(self, term: str) -> list[int]:
        if len(term) < 4:
            rows = self._query("SELECT id FROM terms WHERE term = ?", [term])
        else:  # the vocabulary's primary key is the term: a prefix is one range of it
            rows = self._query(
                "SELECT id FROM terms WHERE term >= ? AND term < ?", [term, term + "\U0010ffff"]
            )
        return [int(r[0]) for r in rows]

    def articles(self, rows: Sequence[int]) -> dict[int, ArticleInfo]:
        """Article metadata by row."""
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        found = self._query(
            "SELECT row, id, title, url, source, published, author FROM articles "
            f"WHERE row IN ({marks})",
            [int(r) for r in rows],
        )
        return {
            int(r[0]): ArticleInfo(
                id=r[1],
                title=r[2],
                url=r[3],
                source=r[4],
                published=date.fromisoformat(r[5]) if r[5] else None,
                author=r[6],
            )
            for r in found
        }

    def chunk_text(self, chunk: int) -> str:
        row = int(self.chunk_article[chunk])
        start, end = int(self.chunk_start[chunk]), int(self.chunk_end[chunk])
        found = self._query(
            "SELECT substr(text, ?, ?) FROM articles WHERE row = ?", [start + 1, end - start, row]
        )
        if not found:
            raise IndexCorruptError(f"{self.path / DATABASE}: article row {row} is missing")
        return str(found[0][0])

    def article_text(self, row: int) -> str:
        found = self._query("SELECT text FROM articles WHERE row = ?", [row])
        if not found:
            raise IndexCorruptError(f"{self.path / DATABASE}: article row {row} is missing")
        return str(found[0][0])

    def titled_texts(self) -> Iterator[tuple[int, str, str]]:
        """``(row, title, text)`` of every article (for whole-index passes, not queries)."""
        for row, title, text in self._query("SELECT row, title, text FROM articles", []):
            yield int(row), str(title), str(text)

    def vocabulary(self) -> list[tuple[str, int]]:
        """Every ``(term, id)`` of the lexical vocabulary (for merging, not for queries)."""
        return [(str(t), int(i)) for t, i in self._query("SELECT term, id FROM terms", [])]

    def article_ids(self) -> list[str]:
        """Every article id, by row (for merging and checks, not for queries)."""
        return [str(r[0]) for r in self._query("SELECT id FROM articles ORDER BY row", [])]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _query(self, sql: str, parameters: Sequence[object]) -> list[tuple]:
        try:
            with self._lock:
                return self._db.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(f"{self.path / DATABASE}: unreadable ({error})") from None


def _read_meta(folder: Path) -> dict:
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
            raise ValueError(f"not a segment of format {' or '.join(map(str, READABLE_FORMATS))}")
        for key in ("dimension", "articles", "chunks", "tokens", "newest", "terms", "postings"):
            if not isinstance(meta.get(key), int):
                raise ValueError(f"'{key}' is not a number")
        if not isinstance(meta.get("publishers"), list):
            raise ValueError("'publishers' is not a list")
    except (OSError, ValueError) as error:
        raise IndexCorruptError(f"{folder / META}: unreadable ({error})") from None
    return meta


def _check_sizes(
    folder: Path,
    stats: SegmentStats,
    dimension: int,
    terms: int,
    postings: int,
    names: Sequence[str],
) -> None:
    """Sizes every array must have: a truncated or swapped file is caught at open."""
    expected = {
        array_file("postings.offsets"): (terms + 1) * 8,
        array_file("postings.chunks"): postings * 4,
        array_file("postings.counts"): postings * 2,
        array_file("postings.sentences"): postings * 2,
        array_file("chunk_kinds"): stats.chunks * MAX_SENTENCES * len(KINDS),
        array_file("chunk_addressing"): stats.chunks * 2,
        array_file("chunk_article"): stats.chunks * 4,
        array_file("chunk_start"): stats.chunks * 4,
        array_file("chunk_end"): stats.chunks * 4,
        array_file("chunk_tokens"): stats.chunks * 4,
        array_file("article_date"): stats.articles * 4,
        array_file("article_source"): stats.articles * 4,
        VECTORS: stats.chunks * dimension * 4,
    }
    wanted = {array_file(n) for n in names} | {VECTORS}
    for name, size in expected.items():
        if name not in wanted:
            continue
        try:
            actual = (folder / name).stat().st_size
        except OSError as error:
            raise IndexCorruptError(f"{folder / name}: unreadable ({error.strerror})") from None
        if actual != size:
            raise IndexCorruptError(
                f"{folder / name}: {actual} bytes, expected {size} (truncated or altered): "
                "run 'newsbot reindex'"
            )


def _map(path: Path, dtype: type) -> np.ndarray:
    try:
        if path.stat().st_size == 0:
            return np.zeros(0, dtype=dtype)
        return np.memmap(path, dtype=dtype, mode="r")
    except (OSError, ValueError) as error:
        raise IndexCorruptError(f"{path}: unreadable ({error})") from None
