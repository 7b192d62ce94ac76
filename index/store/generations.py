"""Generations: what readers open. A generation is a manifest naming the segments it is
made of (and which of their articles are deleted) plus its catalog; publishing one is a
rename and an atomic replace of ``CURRENT`` (see ``index.store.layout``).

A reindex copies the previous catalog, writes the articles it (re)embedded into one new
segment, marks replaced and removed articles deleted in the old ones, merges segments
now and then (``index.store.merging``), and publishes. Killed at any moment, it leaves
the previous generation current and intact; the next reindex removes its leftovers.

Integrity: every file is checksummed when written. Opening a generation checks the
manifest, the catalog's checksum and every segment file's size, which catches truncated,
missing or swapped files at once without reading gigabytes; ``index.store.checks``
verifies every checksum and how the parts agree (``newsbot check``, and every reindex
before it builds on a generation).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np

from index.durable import (
    fsync_dir,
    verify_checksums,
    write_checksums,
    write_durably,
)
from index.errors import IndexCorruptError
from index.ingest.sentence_terms import SentenceTerms
from index.records import Article, ArticleInfo, Chunk
from index.store import catalog as catalog_file
from index.store.catalog import ArticleRecord, Catalog
from index.store.layout import SEGMENTS, current_path, make_current, next_name
from index.store.merging import MergePolicy, SegmentShape
from index.store.segment_writer import SegmentWriter
from index.store.segments import Segment

FORMAT_VERSION = 3
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a generation was built with and holds."""

    model: str
    backend: str  # how the model was run: vectors of another backend mean a reindex
    dimension: int
    chunk_max_tokens: int
    chunk_overlap: int
    vector_index: str
    articles: int
    chunks: int
    built_at: datetime
    segments: tuple[str, ...] = ()
    deleted: dict[str, tuple[int, ...]] = field(default_factory=dict)  # article rows
    corpus_chunks: int = 0  # every chunk of the segments, deleted ones included (BM25)
    corpus_tokens: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "format_version": FORMAT_VERSION,
            "model": self.model,
            "backend": self.backend,
            "dimension": self.dimension,
            "chunk_max_tokens": self.chunk_max_tokens,
            "chunk_overlap": self.chunk_overlap,
            "vector_index": self.vector_index,
            "articles": self.articles,
            "chunks": self.chunks,
            "built_at": self.built_at.isoformat(),
            "segments": [
                {"name": name, "deleted": list(self.deleted.get(name, ()))}
                for name in self.segments
            ],
            "corpus_chunks": self.corpus_chunks,
            "corpus_tokens": self.corpus_tokens,
        }


class Generation:
    """One published generation opened for reading; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data_dir = path.parent
        # The manifest is checksummed too: an edit that revives deleted rows is damage.
        # Generations written before the manifest was checksummed record the catalog only.
        verify_checksums(path, [MANIFEST, catalog_file.FILE], recorded_since=[MANIFEST])
        self.manifest = _read_manifest(path)
        self._lock = threading.Lock()
        self.catalog = Catalog(path / catalog_file.FILE)
        self.segments = [
            Segment(self.data_dir / SEGMENTS / name) for name in self.manifest.segments
        ]
        self._live: dict[str, np.ndarray | None] = {}
        for segment in self.segments:
            deleted = np.asarray(self.manifest.deleted.get(segment.name, ()), dtype=np.int64)
            if len(deleted) and (deleted.min() < 0 or deleted.max() >= segment.stats.articles):
                raise IndexCorruptError(f"{path / MANIFEST}: deleted rows outside {segment.name}")
            self._live[segment.name] = (
                ~np.isin(segment.chunk_article, deleted) if len(deleted) else None
            )
        chunks = sum(s.stats.chunks for s in self.segments)
        if chunks != self.manifest.corpus_chunks:
            raise IndexCorruptError(
                f"{path / MANIFEST}: {chunks} passages in its segments, "
                f"{self.manifest.corpus_chunks} expected: run 'newsbot reindex'"
            )

    @property
    def name(self) -> str:
        return self.path.name

    def live_chunks(self, segment: Segment) -> np.ndarray | None:
        """Which chunks of ``segment`` belong to live articles (None: all of them)."""
        return self._live[segment.name]

    def live_count(self, segment: Segment) -> int:
        """How many chunks of ``segment`` belong to live articles."""
        live = self._live[segment.name]
        return segment.stats.chunks if live is None else int(live.sum())

    def infos(self, segment: Segment, rows: Sequence[int]) -> dict[int, ArticleInfo]:
        """Article metadata by row, with the other publishers of each story."""
        found = segment.articles(rows)
        with self._lock:
            reprints = self.catalog.reprints(info.id for info in found.values())
        return {
            row: ArticleInfo(
                id=info.id,
                title=info.title,
                url=info.url,
                source=info.source,
                published=info.published,
                author=info.author,
                also_reported_by=reprints.get(info.id, ()),
            )
            for row, info in found.items()
        }

    def locate(self, record: ArticleRecord) -> tuple[Segment, int]:
        for segment in self.segments:
            if segment.name == record.segment and record.row is not None:
                return segment, record.row
        raise IndexCorruptError(f"{self.path}: article {record.id} is in no segment")

    def place(self, chunk_id: str) -> tuple[Segment, int]:
        """The segment and article row of a passage named by ``Hit.chunk_id``."""
        name, _, chunk = chunk_id.rpartition(":")
        for segment in self.segments:
            if segment.name == name:
                return segment, int(segment.chunk_article[int(chunk)])
        raise ValueError(f"no passage {chunk_id!r} in {self.name}")

    def article(self, article_id: str) -> ArticleRecord | None:
        with self._lock:
            return self.catalog.article(article_id)

    def article_by_url(self, url_key: str) -> ArticleRecord | None:
        """The indexed article with this loose url key (or the one a copy stands for)."""
        with self._lock:
            return self.catalog.by_url_key(url_key)

    def publishers(self) -> list[tuple[str | None, int]]:
        with self._lock:
            return self.catalog.publishers()

    def date_range(self) -> tuple[date | None, date | None]:
        with self._lock:
            return self.catalog.date_range()

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every live passage as indexed (its article's title, then its text) with its
        vector: a whole-index pass, for benchmarks and checks."""
        for segment in self.segments:
            live = self.live_chunks(segment)
            chunks_of: dict[int, list[int]] = {}
            for chunk, row in enumerate(np.asarray(segment.chunk_article)):
                if live is None or live[chunk]:
                    chunks_of.setdefault(int(row), []).append(chunk)
            for row, title, text in segment.titled_texts():
                for chunk in chunks_of.get(row, ()):
                    start, end = int(segment.chunk_start[chunk]), int(segment.chunk_end[chunk])
                    yield f"{title}\n{text[start:end]}", np.asarray(segment.vectors.vectors[chunk])

    def close(self) -> None:
        with self._lock:
            self.catalog.close()
        for segment in self.segments:
            segment.close()


class GenerationWriter:
    """Builds the next generation in a ``.partial`` folder; ``publish`` makes it current.

    Reuses the ``previous`` generation's segments and a copy of its catalog; what
    changes goes into ``catalog`` (the indexer's to edit), ``add`` and ``delete``.
    """

    def __init__(self, data_dir: Path, previous: Generation | None, dimension: int) -> None:
        self.data_dir = data_dir
        self.name = next_name(data_dir, "gen")
        self.path = data_dir / f"{self.name}.partial"
        self.path.mkdir(parents=True)
        self.dimension = dimension
        if previous is not None:
            shutil.copyfile(previous.path / catalog_file.FILE, self.path / catalog_file.FILE)
        self.catalog = Catalog(
            self.path / catalog_file.FILE, writable=True, create=previous is None
        )
        self._segments: dict[str, Segment] = (
            {s.name: s for s in previous.segments} if previous else {}
        )
        self._deleted: dict[str, set[int]] = {
            name: set(rows)
            for name, rows in (previous.manifest.deleted if previous else {}).items()
        }
        self._order = list(self._segments)
        self._writer: SegmentWriter | None = None
        self.changed = False
        self.published_chunks = 0

    @property
    def segment_names(self) -> list[str]:
        """The segments this generation is made of (so far)."""
        return list(self._order)

    def add(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        terms: Sequence[Counter[str]],
        sentences: Sequence[SentenceTerms],
    ) -> tuple[str, int]:
        """Index an article in the new segment; returns ``(segment, row)``."""
        if self._writer is None:
            folder = self.data_dir / SEGMENTS
            folder.mkdir(exist_ok=True)
            self._writer = SegmentWriter(folder / next_name(folder, "seg"), self.dimension)
        self.changed = True
        return self._writer.final_path.name, self._writer.add(
            article, chunks, vectors, terms, sentences
        )

    def delete(self, segment: str, row: int) -> None:
        """Mark an article of a segment (this generation's new one included) deleted."""
        self.changed = True
        self._deleted.setdefault(segment, set()).add(row)

    def publish(self, base: Manifest, policy: MergePolicy) -> str:
        """Write the new segment and any merge, the manifest and the catalog, make it all
        durable and switch ``CURRENT`` to it; returns the generation's name."""
        if self._writer is not None:
            stats = self._writer.finish(policy.approximate(self._writer.chunks))
            self._segments[stats.name] = Segment(self._writer.final_path)
            self._order.append(stats.name)
            self._writer = None
        self._merge(policy)
        live = [s for s in self._order if self._live_articles(s) > 0]
        self.catalog.commit()
        manifest = replace(
            base,
            articles=self.catalog.indexed_count(),
            chunks=sum(self._live_chunks(name) for name in live),
            segments=tuple(live),
            deleted={n: tuple(sorted(self._deleted[n])) for n in live if self._deleted.get(n)},
            corpus_chunks=sum(self._segments[n].stats.chunks for n in live),
            corpus_tokens=sum(self._segments[n].stats.tokens for n in live),
        )
        self.catalog.close()
        self.published_chunks = manifest.chunks
        self._order = live
        write_durably(self.path / MANIFEST, json.dumps(manifest.as_json(), indent=1).encode())
        write_checksums(self.path, [MANIFEST, catalog_file.FILE])
        fsync_dir(self.path)
        final = self.data_dir / self.name
        self.path.rename(final)
        fsync_dir(self.data_dir)
        make_current(self.data_dir, self.name)
        return self.name

    def abandon(self) -> None:
        if self._writer is not None:
            self._writer.abandon()
        self.catalog.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def _live_articles(self, name: str) -> int:
        return self._segments[name].stats.articles - len(self._deleted.get(name, ()))

    def _live_chunks(self, name: str) -> int:
        segment = self._segments[name]
        deleted = self._deleted.get(name)
        if not deleted:
            return segment.stats.chunks
        return int((~np.isin(segment.chunk_article, list(deleted))).sum())

    def _merge(self, policy: MergePolicy) -> None:
        sizes = {
            name: SegmentShape(
                self._live_chunks(name),
                self._segments[name].stats.chunks,
                self._segments[name].stats.approximate,
                self._segments[name].has_sentences,
            )
            for name in self._order
        }
        chosen = policy.choose(sizes)
        if not chosen:
            return
        folder = self.data_dir / SEGMENTS
        writer = SegmentWriter(folder / next_name(folder, "seg"), self.dimension)
        try:
            for name in chosen:
                segment = self._segments[name]
                deleted = self._deleted.get(name, set())
                rows = np.array([r for r in range(segment.stats.articles) if r not in deleted])
                ids = segment.article_ids()
                for old, new in zip(rows, writer.copy_from(segment, rows), strict=True):
                    self.catalog.move(ids[old], writer.final_path.name, new)
            stats = writer.finish(policy.approximate(writer.chunks))
        except BaseException:
            writer.abandon()
            raise
        self._segments[stats.name] = Segment(writer.final_path)
        self._order = [n for n in self._order if n not in chosen] + [stats.name]
        for name in chosen:
            self._deleted.pop(name, None)


def open_current(data_dir: Path) -> Generation:
    """Open the generation named by ``CURRENT``."""
    # A reindex may publish and prune between reading CURRENT and opening: read again.
    for _ in range(3):
        path = current_path(data_dir)
        if path.is_dir():
            try:
                return Generation(path)
            except IndexCorruptError:
                if current_path(data_dir) == path:
                    raise
    raise IndexCorruptError(f"{data_dir / 'CURRENT'} names {path.name}, which does not exist")


def _read_manifest(path: Path) -> Manifest:
    file = path / MANIFEST
    try:
        values = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(values, dict):
            raise ValueError(f"a JSON {type(values).__name__}, not an object")
        if values.get("format_version") != FORMAT_VERSION:
            raise IndexCorruptError(
                f"{file}: index format {values.get('format_version')!r} is not "
                f"{FORMAT_VERSION}: run 'newsbot reindex'"
            )
        segments = values["segments"]
        return Manifest(
            model=str(values["model"]),
            backend=str(values["backend"]),
            dimension=int(values["dimension"]),
            chunk_max_tokens=int(values["chunk_max_tokens"]),
            chunk_overlap=int(values["chunk_overlap"]),
            vector_index=str(values["vector_index"]),
            articles=int(values["articles"]),
            chunks=int(values["chunks"]),
            built_at=datetime.fromisoformat(values["built_at"]),
            segments=tuple(str(s["name"]) for s in segments),
            deleted={str(s["name"]): tuple(int(r) for r in s["deleted"]) for s in segments},
            corpus_chunks=int(values["corpus_chunks"]),
            corpus_tokens=int(values["corpus_tokens"]),
        )
    except IndexCorruptError:
        raise
    except FileNotFoundError:
        raise IndexCorruptError(f"{file}: missing: run 'newsbot reindex'") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = f"{type(error).__name__}: {error}"[:200]
        raise IndexCorruptError(f"{file}: unreadable ({reason}): run 'newsbot reindex'") from None
