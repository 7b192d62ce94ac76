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

from index.calendar import UNDATED
from index.durable import fsync_dir, write_checksums, write_durably
from index.ingest.sentence_terms import SentenceTerms, addressing_mask, sentence_terms
from index.ingest.terms import term_counts
from index.records import Article, Chunk
from index.store.segments import (
    ARRAYS,
    DATABASE,
    FORMAT,
    META,
    QUANTISED,
    SCHEMA,
    VECTORS,
    Segment,
    SegmentStats,
    array_file,
)
from index.store.vectors import build_quantised

_BLOCK = 1 << 22  # postings sorted at a time


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
            for name in (
                "chunk_article",
                "chunk_start",
                "chunk_end",
                "chunk_tokens",
                "chunk_kinds",
                "chunk_addressing",
            )
        }
        self._vectors = open(self.path / VECTORS, "wb")  # noqa: SIM115
        self._terms: dict[str, int] = {}
        # Postings arrive chunk by chunk; they are kept on disk until finish sorts them.
        self._unsorted = {
            part: open(self.path / f"unsorted.{part}", "wb")  # noqa: SIM115 (closed in finish)
            for part in ("terms", "chunks", "counts", "sentences")
        }
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
        sentences: Sequence[SentenceTerms],
    ) -> int:
        """Append an article with its chunks, their vectors, lexical term counts (of the
        title and the chunk) and sentence facts (of the chunk); returns the article's row
        in this segment."""
        if not (len(chunks) == len(vectors) == len(terms) == len(sentences)):
            raise ValueError(
                f"{len(chunks)} chunks, {len(vectors)} vectors, {len(terms)} terms, "
                f"{len(sentences)} sentence facts"
            )
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
        for name, values in (
            ("chunk_article", [row] * len(chunks)),
            ("chunk_start", [c.start for c in chunks]),
            ("chunk_end", [c.end for c in chunks]),
        ):
            self._files[name].write(np.asarray(values, dtype=np.int32).tobytes())
        self._vectors.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        self._add_terms(terms, sentences)
        self.articles += 1
        return row

    def _add_terms(self, terms: Sequence[Counter[str]], sentences: Sequence[SentenceTerms]) -> None:
        """Postings, lengths and sentence facts of the next chunks."""
        for counts, facts in zip(terms, sentences, strict=True):
            ids = [self._terms.setdefault(term, len(self._terms)) for term in counts]
            tf = np.fromiter(counts.values(), np.int64, len(ids))
            self._append_postings(
                np.asarray(ids, dtype=np.int32),
                np.full(len(ids), self.chunks, dtype=np.int32),
                np.minimum(tf, 65535).astype(np.uint16),
                np.fromiter((facts.masks.get(t, 0) for t in counts), np.uint16, len(ids)),
            )
            length = sum(counts.values())
            self._files["chunk_tokens"].write(np.int32(length).tobytes())
            self._files["chunk_kinds"].write(np.ascontiguousarray(facts.kinds, np.uint8).tobytes())
            self._files["chunk_addressing"].write(np.uint16(facts.addressing).tobytes())
            self.chunks += 1
            self._tokens += length

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
        for name, values in (
            ("chunk_article", row_map[segment.chunk_article[kept]]),
            ("chunk_start", segment.chunk_start[kept]),
            ("chunk_end", segment.chunk_end[kept]),
        ):
            self._files[name].write(np.asarray(values, dtype=np.int32).tobytes())
        for start in range(0, len(kept), 65536):
            part = kept[start : start + 65536]
            self._vectors.write(np.ascontiguousarray(segment.vectors.vectors[part]).tobytes())
        sentences, kinds = segment.posting_sentences, segment.chunk_kinds
        if sentences is not None and kinds is not None:
            self._copy_terms(segment, kept, sentences, kinds)
        else:
            self._reanalyse_terms(segment, kept)
        self.articles += len(rows)
        return new_rows.tolist()

    def _copy_terms(
        self, segment: Segment, kept: np.ndarray, sentences: np.ndarray, kinds: np.ndarray
    ) -> None:
        """Postings, lengths and sentence facts (``sentences`` of the postings, ``kinds``
        of the chunks) of chunks ``kept`` of ``segment``, as they are."""
        chunk_map = np.full(segment.stats.chunks, -1, dtype=np.int64)
        chunk_map[kept] = np.arange(self.chunks, self.chunks + len(kept))
        self._files["chunk_tokens"].write(
            np.asarray(segment.chunk_tokens[kept], dtype=np.int32).tobytes()
        )
        for start in range(0, len(kept), 65536):
            part = kept[start : start + 65536]
            self._files["chunk_kinds"].write(np.ascontiguousarray(kinds[part]).tobytes())
            self._files["chunk_addressing"].write(_addressing(segment, part).tobytes())
        term_map = np.zeros(len(segment.posting_offsets) - 1, dtype=np.int32)
        for term, old in segment.vocabulary():
            term_map[old] = self._terms.setdefault(term, len(self._terms))
        offsets = np.asarray(segment.posting_offsets)
        for term_id in range(len(term_map)):  # a term at a time: memory stays small
            start, end = int(offsets[term_id]), int(offsets[term_id + 1])
            new_chunks = chunk_map[segment.posting_chunks[start:end]]
            keep = new_chunks >= 0
            if keep.any():
                self._append_postings(
                    np.full(int(keep.sum()), term_map[term_id], dtype=np.int32),
                    new_chunks[keep].astype(np.int32),
                    np.asarray(segment.posting_counts[start:end])[keep],
                    np.asarray(sentences[start:end])[keep],
                )
        self.chunks += len(kept)
        self._tokens += int(np.asarray(segment.chunk_tokens[kept]).sum())

    def _reanalyse_terms(self, segment: Segment, kept: np.ndarray) -> None:
        """Postings, lengths and sentence facts of chunks ``kept`` of a segment that stores
        no sentence facts (format 1), worked out again from its text as a reindex does."""
        row, title, text = -1, Counter[str](), ""
        for chunk in kept.tolist():
            if int(segment.chunk_article[chunk]) != row:
                row = int(segment.chunk_article[chunk])
                title = term_counts(segment.articles([row])[row].title)
                text = segment.article_text(row)
            facts = sentence_terms(
                text[int(segment.chunk_start[chunk]) : int(segment.chunk_end[chunk])]
            )
            self._add_terms([title + facts.counts], [facts])

    def _append_postings(
        self, terms: np.ndarray, chunks: np.ndarray, counts: np.ndarray, sentences: np.ndarray
    ) -> None:
        self._unsorted["terms"].write(terms.tobytes())
        self._unsorted["chunks"].write(chunks.tobytes())
        self._unsorted["counts"].write(counts.tobytes())
        self._unsorted["sentences"].write(sentences.tobytes())
        self._postings += len(terms)

    def finish(self, approximate: bool) -> SegmentStats:
        """Write what is left, build the quantised index if ``approximate``, checksum
        everything, make it durable and rename the folder to its final name."""
        for handle in (*self._files.values(), self._vectors, *self._unsorted.values()):
            handle.close()
        self._write_array("article_date", self._dates)
        self._write_array("article_source", self._sources)
        self._write_postings()
        self._db.commit()
        self._db.close()
        if approximate:
            vectors = np.memmap(self.path / VECTORS, np.float32, "r").reshape(-1, self.dimension)
            write_durably(self.path / QUANTISED, build_quantised(vectors))
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
            "vector_index": "pq" if approximate else "flat",
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
        for handle in (*self._files.values(), self._vectors, *self._unsorted.values()):
            handle.close()
        self._db.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def _write_array(self, name: str, values: Sequence[int] | np.ndarray) -> None:
        (self.path / array_file(name)).write_bytes(np.asarray(values, dtype=ARRAYS[name]).tobytes())

    def _write_postings(self) -> None:
        """Postings sorted by term (then chunk, as they arrived): a term's postings are
        one slice. A counting sort in blocks, so memory stays proportional to a block
        and the vocabulary, however many postings there are."""
        unsorted = {
            part: np.memmap(self.path / f"unsorted.{part}", dtype, "r")
            if self._postings
            else np.zeros(0, dtype)
            for part, dtype in (
                ("terms", np.int32),
                ("chunks", np.int32),
                ("counts", np.uint16),
                ("sentences", np.uint16),
            )
        }
        sizes = np.zeros(len(self._terms), dtype=np.int64)
        for start in range(0, self._postings, _BLOCK):
            sizes += np.bincount(unsorted["terms"][start : start + _BLOCK], minlength=len(sizes))
        offsets = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        self._write_array("postings.offsets", offsets)
        outputs = {
            part: _output(self.path / array_file(f"postings.{part}"), self._postings)
            for part in ("chunks", "counts", "sentences")
        }
        cursor = offsets[:-1].copy()
        for start in range(0, self._postings, _BLOCK):
            terms = np.asarray(unsorted["terms"][start : start + _BLOCK])
            order = np.argsort(terms, kind="stable")
            sorted_terms = terms[order]
            first = np.searchsorted(sorted_terms, sorted_terms, side="left")
            places = cursor[sorted_terms] + (np.arange(len(order)) - first)
            for part, output in outputs.items():
                output[places] = np.asarray(unsorted[part][start : start + _BLOCK])[order]
            cursor += np.bincount(sorted_terms, minlength=len(cursor))
        for output in outputs.values():
            if isinstance(output, np.memmap):
                output.flush()
        for part in ("terms", "chunks", "counts", "sentences"):
            (self.path / f"unsorted.{part}").unlink()
        self._db.executemany("INSERT INTO terms VALUES (?, ?)", self._terms.items())


def _addressing(segment: Segment, chunks: np.ndarray) -> np.ndarray:
    """Which sentences of ``chunks`` address a reader: as stored, or (a segment of format
    2) worked out from their text."""
    if segment.chunk_addressing is not None:
        return np.ascontiguousarray(segment.chunk_addressing[chunks])
    masks = [addressing_mask(segment.chunk_text(int(c))) for c in chunks]
    return np.asarray(masks, dtype=np.uint16)


def _output(path: Path, size: int) -> np.ndarray:
    dtype = ARRAYS[path.name.rpartition(".")[0]]
    if size == 0:
        path.write_bytes(b"")
        return np.zeros(0, dtype)
    return np.memmap(path, dtype, "w+", shape=(size,))


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
