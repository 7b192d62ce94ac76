"""Reindex: find the sources that changed, read only those, embed what is new, publish.

Work is proportional to what changed. Every source is listed with its stamp (a file's
size and modification time, a web article's fetch time) and compared with the catalog of
the previous generation (with the limits it was read under: a file skipped or cut for a
limit is read again when the limit changes); an unchanged collection is done after that
comparison, without reading a file or loading the model. A changed source is read, and
of its articles only those whose content hash changed are chunked, embedded and written
into one new segment, in batches, so that no more than a batch is held in memory. Copies
of a story (``index.ingest.syndication``) are matched against the stored signatures
through their buckets, never against the whole collection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from index.config import Settings
from index.embedding import Embedder
from index.embedding.torch_backend import declared_dimension
from index.indexer.report import ProgressCallback, ReindexProgress, ReindexSummary
from index.indexer.run import Run, duplicates
from index.ingest.sources import Source, file_sources
from index.records import Skipped
from index.store.generations import Generation, open_current
from index.store.layout import prune, reindex_lock
from index.store.merging import MergePolicy, SegmentShape

if TYPE_CHECKING:
    from index.store.backend import Store

__all__ = ["ProgressCallback", "ReindexProgress", "ReindexSummary", "reindex", "reusable"]

log = logging.getLogger(__name__)


def reindex(
    settings: Settings,
    embedder: Callable[[], Embedder],
    previous: Generation | None,
    progress: ProgressCallback | None = None,
    web_sources: Iterable[Source] = (),
    store: Store | None = None,
) -> ReindexSummary:
    """Update the index from the configured files and ``web_sources``, and have
    ``store`` publish the result (changed or not: a store may lag behind the data
    directory, e.g. a Milvus just configured or one a killed reindex left behind).

    ``embedder`` is called only if something needs embedding, so a reindex of an
    unchanged collection never loads the model. Raises ``ReindexBusyError`` if another
    reindex runs.
    """
    started = time.perf_counter()
    report = progress or (lambda _: None)
    data_dir = settings.index.data_dir
    summary = ReindexSummary()
    with reindex_lock(data_dir):
        base = previous if previous is not None and reusable(settings, previous) else None
        prune(data_dir, _names(previous), _segments(previous))
        sources, listing_skips = _list(settings, web_sources, report)
        stamps = base.catalog.sources() if base else {}
        changed = [s for s in sources if stamps.get(s.key) != s.stamp]
        gone = set(stamps) - {s.key for s in sources}
        if base is not None and not changed and not gone and _same_index(settings, base):
            _summarise_unchanged(base, summary, listing_skips)
            if store is not None:
                store.publish(base)
        else:
            run = Run(settings, embedder, base, summary, report)
            try:
                run.update(sources, changed, gone)
                run.count(listing_skips)
                report(ReindexProgress("writing", 0, None))
                summary.generation = run.publish()
            except BaseException:
                run.writer.abandon()
                raise
            in_use = [*run.writer.segment_names, *_segments(previous)]
            prune(data_dir, [summary.generation, *_names(previous)], in_use)
            if store is not None:
                published = open_current(data_dir)
                try:
                    store.publish(published)
                finally:
                    published.close()
    summary.seconds = time.perf_counter() - started
    return summary


def reusable(settings: Settings, previous: Generation) -> bool:
    """Whether the previous generation's vectors were made the way these settings would.

    A model replaced under the same name (a local folder) is caught by the vector size its
    files declare, read without loading it: an unchanged collection never loads the model.
    """
    manifest = previous.manifest
    return (
        manifest.model == settings.model.name
        and manifest.backend == settings.model.backend
        and declared_dimension(settings.model.name) in (None, manifest.dimension)
        and manifest.chunk_overlap == settings.chunking.overlap_tokens
        and (settings.chunking.max_tokens in (None, manifest.chunk_max_tokens))
    )


def _same_index(settings: Settings, previous: Generation) -> bool:
    """Whether every segment has the vector index these settings give it and its
    sentence facts (a segment of an earlier version, with an HNSW graph or without
    sentence facts, is rewritten by the merge)."""
    if previous.manifest.vector_index != settings.index.vector_index:
        return False
    sizes = {
        s.name: SegmentShape(
            previous.live_count(s), s.stats.chunks, s.stats.approximate, s.has_sentences
        )
        for s in previous.segments
    }
    return not MergePolicy.of(settings.index).misfits(sizes)


def _names(previous: Generation | None) -> list[str]:
    return [previous.name] if previous is not None else []


def _segments(previous: Generation | None) -> tuple[str, ...]:
    return previous.manifest.segments if previous is not None else ()


def _list(
    settings: Settings, web_sources: Iterable[Source], report: ProgressCallback
) -> tuple[list[Source], list[Skipped]]:
    sources: list[Source] = []
    skipped: list[Skipped] = []
    limits = f"|limits {settings.index.max_file_bytes},{settings.index.max_article_chars}"
    for found in (
        *file_sources(settings.index.articles, settings.index.max_file_bytes),
        *web_sources,
    ):
        if isinstance(found, Skipped):
            log.info("skipped %s: %s", found.origin, found.reason)  # the summary says it
            skipped.append(found)
        else:
            sources.append(replace(found, stamp=found.stamp + limits))
            if len(sources) % 1000 == 0:
                report(ReindexProgress("reading", len(sources), None))
    report(ReindexProgress("reading", len(sources), len(sources)))
    return sources, skipped


def _summarise_unchanged(
    previous: Generation, summary: ReindexSummary, skips: list[Skipped]
) -> None:
    catalog = previous.catalog
    summary.articles = previous.manifest.articles
    summary.chunks = previous.manifest.chunks
    summary.unchanged = summary.articles
    summary.syndicated = catalog.reprint_count()
    summary.skipped = skips + catalog.cached_skips() + duplicates(catalog)
    summary.truncated = catalog.cached_truncations()
