"""A generation checked in full: every file against its checksum, and every part
against the others (what opening an index cannot afford to read).

Run by ``newsbot check`` (which changes nothing) and by every reindex before it builds
on a generation, so a damaged index is rebuilt from the sources rather than carried on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from index.durable import read_checksums, verify_checksums
from index.errors import IndexCorruptError
from index.sqlite_files import check_values
from index.store.generations import Generation
from index.store.segments import DATABASE, QUANTISED, Segment

_CODES_SAMPLE = 1000  # vectors per segment compared with their quantised codes
# 4-bit codes of dimension pairs keep even near-uniform vectors above 0.93; codes of
# other vectors (a mixed-up or damaged file) are near 0.
_CODES_MIN_COSINE = 0.8


def check_generation(generation: Generation) -> None:
    """IndexCorruptError (naming the file) at the first damage found; a file that
    matches its checksum and still cannot be read (a checksum rewritten after the damage:
    undecodable text, a malformed database) is damage too."""
    try:
        _check_generation(generation)
    except (OSError, sqlite3.Error, ValueError) as error:
        reason = f"{type(error).__name__}: {error}"[:200]
        raise IndexCorruptError(
            f"{generation.path}: unreadable ({reason}): run 'newsbot reindex'"
        ) from None


def _check_generation(generation: Generation) -> None:
    for segment in generation.segments:
        verify_checksums(segment.path, list(read_checksums(segment.path)))
        if segment.dimension != generation.manifest.dimension:
            raise IndexCorruptError(
                f"{generation.path / 'manifest.json'}: {generation.manifest.dimension} "
                f"dimensions, but {segment.name} holds {segment.dimension}: run 'newsbot reindex'"
            )
        check_segment(segment)
    _check_catalog(generation)


def check_segment(segment: Segment) -> None:
    """The arrays, the articles and the quantised codes of a segment agree with each
    other."""
    stats, path = segment.stats, segment.path
    rows = np.asarray(segment.chunk_article)
    if len(rows) and (rows.min() < 0 or rows.max() >= stats.articles or np.any(np.diff(rows) < 0)):
        raise IndexCorruptError(f"{path / 'chunk_article.i32'}: rows out of order or range")
    if np.any(np.asarray(segment.chunk_start) > np.asarray(segment.chunk_end)):
        raise IndexCorruptError(f"{path / 'chunk_start.i32'}: a chunk ends before it starts")
    offsets = np.asarray(segment.posting_offsets)
    chunks = np.asarray(segment.posting_chunks)
    if np.any(np.diff(offsets) < 0) or offsets[-1] != len(chunks):
        raise IndexCorruptError(f"{path / 'postings.offsets.i64'}: offsets out of order")
    if len(chunks) and (chunks.min() < 0 or chunks.max() >= stats.chunks):
        raise IndexCorruptError(f"{path / 'postings.chunks.i32'}: a chunk out of range")
    if len(segment.article_ids()) != stats.articles:
        raise IndexCorruptError(f"{path / 'articles.sqlite'}: not {stats.articles} articles")
    _check_database(path / DATABASE)
    codes = segment.vectors.codes
    if codes is not None and stats.chunks:
        sample = np.unique(np.linspace(0, stats.chunks - 1, _CODES_SAMPLE).astype(np.int64))
        coded = np.stack([codes.reconstruct(int(i)) for i in sample])
        vectors = np.asarray(segment.vectors.vectors[sample])
        cosine = np.sum(coded * vectors, axis=1) / (
            np.linalg.norm(coded, axis=1) * np.linalg.norm(vectors, axis=1) + 1e-12
        )
        if float(cosine.min()) < _CODES_MIN_COSINE:
            raise IndexCorruptError(
                f"{path / QUANTISED}: the quantised vectors differ from vectors.f32 "
                f"(cosine {float(cosine.min()):.3f}): run 'newsbot reindex'"
            )


def _check_database(path: Path) -> None:
    """The SQLite file is sound and every value in it decodes (read row by row: a
    segment's texts may not fit in memory at once)."""
    database = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        check_values(database)
    except sqlite3.DatabaseError as error:
        raise IndexCorruptError(f"{path}: {str(error)[:200]}: run 'newsbot reindex'") from None
    finally:
        database.close()


def _check_catalog(generation: Generation) -> None:
    _check_database(generation.catalog.path)
    segments = {s.name: s for s in generation.segments}
    places = list(generation.catalog.indexed_places())
    if len(places) != generation.manifest.articles:
        raise IndexCorruptError(
            f"{generation.catalog.path}: {len(places)} indexed articles, the manifest says "
            f"{generation.manifest.articles}: run 'newsbot reindex'"
        )
    deleted = {name: set(rows) for name, rows in generation.manifest.deleted.items()}
    for article_id, name, row in places:
        segment = segments.get(name)
        if segment is None or not 0 <= row < segment.stats.articles or row in deleted.get(name, ()):
            raise IndexCorruptError(
                f"{generation.catalog.path}: article {article_id} points to no live row "
                f"({name} row {row}): run 'newsbot reindex'"
            )
