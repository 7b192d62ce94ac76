"""Writing a segment (see ``index.store.segments`` for its layout): articles appended as
a reindex embeds them, or copied from older segments when segments are merged."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.records import Article, Chunk
from index.store.files import fsync_dir, write_checksums, write_durably
from index.store.segments import (
    ARRAYS,
    DATABASE,
    FORMAT,
    GRAPH,
    META,
    SCHEMA,
    UNDATED,
    VECTORS,
    Segment,
    SegmentStats,
    array_file,
)
from index.store.vectors import build_hnsw


class SegmentWriter:
    """Writes one segment into ``<name>.partial``; ``finish`` makes it final.

    Arrays are appended to their files as articles arrive, so a large first reindex
    never holds the collection in memory; only the lexical postings are sorted at the
    end (term-major, for queries that read one term's postings at a time).
    """

    def __init__(self, folder: Path, dimension: int) -> None:
        self.final_path = folder
        self.path = folder.with_name(folder.name + ".partial")
        self.path.mkdir(parents=True)
        self.dimension = dimension
        self._db = sqlite3.connect(self.path / DATABASE)
        self._db.executescript(SCHEMA)
        self._files = {
            name: open(self.path / array_file(name), "wb")  # noqa: SIM115 (closed in finish)
            for name in ("chunk_article", "chunk_start", "chunk_end", "chunk_tokens")
        }
        self._vectors = open(self.path / VECTORS, "wb")  # noqa: SIM115
        self._terms: dict[str, int] = {}
        self._posting_chunks: list[np.ndarray] = []
        self._posting_terms: list[np.ndarray] = []
        self._posting_counts: list[np.ndarray] = []
        self._dates: list[int] = []
        self._sources: list[int] = []
        self._publishers: dict[str, int] = {}
        self.articles = 0
        self.chunks = 0
        self._tokens = 0
        self._postings = 0

    def add(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        terms: Sequence[Counter[str]],
    ) -> int:
        """Append an article with its chunks, their vectors and lexical term counts;
        returns the article's row in this segment."""
        if not (len(chunks) == len(vectors) == len(terms)):
            raise ValueError(f"{len(chunks)} chunks, {len(vectors)} vectors, {len(terms)} terms")
        row = self.articles
        self._db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row,
                article.id,
                article.title,
                article.url,
                article.source,
                article.published.isoformat() if article.published else None,
                article.author,
                article.origin,
                article.text,
            ),
        )
        self._dates.append(article.published.toordinal() if article.published else UNDATED)
        publisher = (article.source or "").casefold()
        self._sources.append(self._publishers.setdefault(publisher, len(self._publishers)))
        first = self.chunks
        lengths = [sum(counts.values()) for counts in terms]
        for name, values in (
            ("chunk_article", [row] * len(chunks)),
            ("chunk_start", [c.start for c in chunks]),
            ("chunk_end", [c.end for c in chunks]),
            ("chunk_tokens", lengths),
        ):
            self._files[name].write(np.asarray(values, dtype=np.int32).tobytes())
        self._vectors.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        for offset, counts in enumerate(terms):
            ids = [self._terms.setdefault(term, len(self._terms)) for term in counts]
            self._posting_terms.append(np.asarray(ids, dtype=np.int32))
            self._posting_chunks.append(np.full(len(ids), first + offset, dtype=np.int32))
            self._posting_counts.append(
                np.minimum(np.fromiter(counts.values(), np.int64, len(ids)), 65535).astype(
                    np.uint16
                )
            )
        self.articles += 1
        self.chunks += len(chunks)
        self._tokens += sum(lengths)
        return row

    def copy_from(self, segment: Segment, rows: np.ndarray) -> list[int]:
        """Append articles ``rows`` of another segment with their chunks, vectors and
        postings, as they are (nothing is re-read or re-embedded); returns their new rows."""
        rows = np.asarray(rows, dtype=np.int64)
        new_rows = np.arange(self.articles, self.articles + len(rows))
        row_map = np.full(segment.stats.articles, -1, dtype=np.int64)
        row_map[rows] = new_rows
        self._db.execute(
            "ATTACH DATABASE ? AS source", (f"file:{segment.path / DATABASE}?mode=ro",)
        )
        self._db.execute("CREATE TEMP TABLE moved (old INTEGER PRIMARY KEY, new INTEGER)")
        self._db.executemany(
            "INSERT INTO moved VALUES (?, ?)", zip(rows.tolist(), new_rows.tolist(), strict=True)
        )
        self._db.execute(
            "INSERT INTO articles SELECT m.new, a.id, a.title, a.url, a.source, a.published, "
            "a.author, a.origin, a.text FROM source.articles a JOIN moved m ON m.old = a.row "
            "ORDER BY m.new"
        )
        self._db.execute("DROP TABLE moved")
        self._db.commit()
        self._db.execute("DETACH DATABASE source")
        self._dates += segment.article_date[rows].tolist()
        publisher_ids = [
            self._publishers.setdefault(p, len(self._publishers)) for p in segment.publishers
        ]
        self._sources += [publisher_ids[i] for i in segment.article_source[rows]]
        kept = np.flatnonzero(row_map[segment.chunk_article] >= 0)
        chunk_map = np.full(segment.stats.chunks, -1, dtype=np.int64)
        chunk_map[kept] = np.arange(self.chunks, self.chunks + len(kept))
        for name, values in (
            ("chunk_article", row_map[segment.chunk_article[kept]]),
            ("chunk_start", segment.chunk_start[kept]),
            ("chunk_end", segment.chunk_end[kept]),
            ("chunk_tokens", segment.chunk_tokens[kept]),
        ):
            self._files[name].write(np.asarray(values, dtype=np.int32).tobytes())
        for start in range(0, len(kept), 65536):
            part = kept[start : start + 65536]
            self._vectors.write(np.ascontiguousarray(segment.vectors.vectors[part]).tobytes())
        term_map = np.zeros(len(segment.posting_offsets) - 1, dtype=np.int32)
        for term, old in segment.vocabulary():
            term_map[old] = self._terms.setdefault(term, len(self._terms))
        posting_terms = np.repeat(
            np.arange(len(term_map), dtype=np.int32), np.diff(np.asarray(segment.posting_offsets))
        )
        new_chunks = chunk_map[segment.posting_chunks]
        keep = new_chunks >= 0
        self._posting_terms.append(term_map[posting_terms[keep]])
        self._posting_chunks.append(new_chunks[keep].astype(np.int32))
        self._posting_counts.append(np.asarray(segment.posting_counts[keep]))
        self.articles += len(rows)
        self.chunks += len(kept)
        self._tokens += int(np.asarray(segment.chunk_tokens[kept]).sum())
        return new_rows.tolist()

    def finish(self, approximate: bool, neighbors: int) -> SegmentStats:
        """Write what is left, build the HNSW index if ``approximate``, checksum
        everything, make it durable and rename the folder to its final name."""
        for handle in (*self._files.values(), self._vectors):
            handle.close()
        self._write_array("article_date", self._dates)
        self._write_array("article_source", self._sources)
        self._write_postings()
        self._db.commit()
        self._db.close()
        if approximate:
            vectors = np.memmap(self.path / VECTORS, np.float32, "r").reshape(-1, self.dimension)
            write_durably(self.path / GRAPH, build_hnsw(vectors, neighbors))
        dated = [d for d in self._dates if d != UNDATED]
        stats = SegmentStats(
            name=self.final_path.name,
            articles=self.articles,
            chunks=self.chunks,
            tokens=self._tokens,
            newest=max(dated, default=UNDATED),
            approximate=approximate,
        )
        meta = {
            "format": FORMAT,
            "dimension": self.dimension,
            "articles": stats.articles,
            "chunks": stats.chunks,
            "tokens": stats.tokens,
            "newest": stats.newest,
            "approximate": approximate,
            "publishers": list(self._publishers),
            "terms": len(self._terms),
            "postings": self._postings,
        }
        write_durably(self.path / META, json.dumps(meta).encode())
        names = [p.name for p in self.path.iterdir()]
        for name in names:
            _fsync_file(self.path / name)
        write_checksums(self.path, sorted(names))
        fsync_dir(self.path)
        self.path.rename(self.final_path)
        fsync_dir(self.final_path.parent)
        return stats

    def abandon(self) -> None:
        for handle in (*self._files.values(), self._vectors):
            handle.close()
        self._db.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def _write_array(self, name: str, values: Sequence[int] | np.ndarray) -> None:
        (self.path / array_file(name)).write_bytes(np.asarray(values, dtype=ARRAYS[name]).tobytes())

    def _write_postings(self) -> None:
        """Postings sorted by term, then chunk: a term's postings are one slice."""
        terms = _concat(self._posting_terms, np.int32)
        chunks = _concat(self._posting_chunks, np.int32)
        counts = _concat(self._posting_counts, np.uint16)
        order = np.lexsort((chunks, terms))
        offsets = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(self._terms)), out=offsets[1:])
        self._postings = len(terms)
        self._write_array("postings.offsets", offsets)
        self._write_array("postings.chunks", chunks[order])
        self._write_array("postings.counts", counts[order])
        self._db.executemany("INSERT INTO terms VALUES (?, ?)", self._terms.items())


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
