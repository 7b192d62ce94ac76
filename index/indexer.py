"""Reindex: read every source, reuse what did not change, embed the rest, publish."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.config import Settings
from index.display import printable
from index.embedding import Embedder
from index.ingest.articles import truncated
from index.ingest.chunking import chunk_article, embedding_text, plan_for
from index.ingest.files import load_articles
from index.ingest.syndication import find_groups
from index.records import Article, Chunk, Reprint, Skipped, Truncated
from index.store.generations import (
    Generation,
    GenerationWriter,
    Manifest,
    current_name,
    prune,
    reindex_lock,
    utc_now,
)
from index.web.refresh import RefreshSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReindexProgress:
    """Where a reindex is: "fetching", "reading", "loading model", "embedding", "writing"."""

    stage: str
    done: int
    total: int | None


ProgressCallback = Callable[[ReindexProgress], None]


@dataclass(slots=True)
class ReindexSummary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    syndicated: int = 0  # copies of a story from other urls or publishers, kept as such
    skipped: list[Skipped] = field(default_factory=list)
    truncated: list[Truncated] = field(default_factory=list)  # over [index] max_article_chars
    articles: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    generation: str | None = None  # None when nothing changed and no generation was built
    fetched: RefreshSummary | None = None  # what fetching the web sources brought, if run

    @property
    def changed(self) -> bool:
        return self.generation is not None


def reindex(
    settings: Settings,
    embedder: Callable[[], Embedder],
    previous: Generation | None,
    progress: ProgressCallback | None = None,
    web_articles: Iterable[Article] = (),
) -> ReindexSummary:
    """Build and publish a new generation from the configured files and ``web_articles``.

    ``embedder`` is called only if something needs embedding, so a reindex of an unchanged
    collection never loads the model. Raises ``ReindexBusyError`` if another reindex runs.
    """
    started = time.perf_counter()
    report = progress or (lambda _: None)
    data_dir = settings.index.data_dir
    with reindex_lock(data_dir):
        prune(data_dir, keep=[name for name in [current_name(data_dir)] if name])
        summary = ReindexSummary()
        articles = _read_sources(settings, web_articles, summary, report)
        built = _build(settings, articles, previous, embedder, summary, report)
        if built is not None:
            prune(data_dir, keep=[built.name] + ([previous.name] if previous else []))
            summary.generation = built.name
    summary.seconds = time.perf_counter() - started
    return summary


def content_hash(article: Article) -> str:
    fields = [
        article.title,
        article.url,
        article.source,
        article.published.isoformat() if article.published else None,
        article.author,
        article.text,
        [[r.source, r.url, r.title] for r in article.also_reported_by],
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def _read_sources(
    settings: Settings,
    web_articles: Iterable[Article],
    summary: ReindexSummary,
    report: ProgressCallback,
) -> list[tuple[Article, str]]:
    """Every good article once, with its content hash; bad input skipped.

    An article longer than ``max_article_chars`` is cut there, before anything else
    reads it, so one huge file costs what an article of that size costs. Copies of one
    story (the same or nearly the same text) are indexed once, as the earliest; copies
    from other publishers become its ``also_reported_by``, those from a publisher
    already named are skipped as duplicates.
    """
    ids: set[str] = set()
    loaded: list[Article] = []
    limit = settings.index.max_article_chars
    for item in _load_all(settings, web_articles):
        if isinstance(item, Article) and len(item.text) > limit:
            item = _truncated(item, limit, summary)
        if isinstance(item, Skipped):
            log.warning("skipped %s: %s", item.origin, item.reason)
            summary.skipped.append(item)
        elif item.id in ids:
            summary.skipped.append(Skipped(item.origin, f"duplicate article id {item.id}"))
        else:
            ids.add(item.id)
            loaded.append(item)
            report(ReindexProgress("reading", len(loaded), None))
    dropped: set[int] = set()
    for group in find_groups(loaded):
        original = loaded[group.original]
        publishers = {original.source or original.url}
        reprints = []
        for position in group.copies:
            copy = loaded[position]
            dropped.add(position)
            publisher = copy.source or copy.url
            if publisher in publishers:  # the same publisher again: a plain duplicate
                summary.skipped.append(Skipped(copy.origin, f"duplicate of {original.origin}"))
                continue
            publishers.add(publisher)
            reprints.append(Reprint(copy.source, copy.url, copy.title))
            summary.syndicated += 1
        loaded[group.original] = replace(original, also_reported_by=tuple(reprints))
    kept = [a for position, a in enumerate(loaded) if position not in dropped]
    return [(article, content_hash(article)) for article in kept]


def _truncated(article: Article, limit: int, summary: ReindexSummary) -> Article:
    text = truncated(article.text, limit)
    cut = Truncated(article.origin, len(article.text), len(text))
    log.warning("truncated %s: %s", cut.origin, cut.reason)
    summary.truncated.append(cut)
    return replace(article, text=text)


def _load_all(settings: Settings, web_articles: Iterable[Article]) -> Iterator[Article | Skipped]:
    for root in settings.index.articles:
        if not root.exists():
            yield Skipped(printable(str(root)), "source folder or file not found")
            continue
        yield from load_articles(root, max_file_bytes=settings.index.max_file_bytes)
    yield from web_articles


def _build(
    settings: Settings,
    articles: list[tuple[Article, str]],
    previous: Generation | None,
    embedder_factory: Callable[[], Embedder],
    summary: ReindexSummary,
    report: ProgressCallback,
) -> Path | None:
    reusable = _reusable(settings, previous)
    old_rows = {a.info.id: a for a in previous.articles} if previous else {}
    current_ids = {article.id for article, _ in articles}
    summary.removed = len(set(old_rows) - current_ids)
    to_embed: list[Article] = []
    for article, digest in articles:
        old = old_rows.get(article.id)
        if old is None:
            summary.added += 1
        elif old.content_hash != digest:
            summary.updated += 1
        if old is None or old.content_hash != digest or not reusable:
            to_embed.append(article)
        else:
            summary.unchanged += 1
    summary.articles = len(articles)
    if (
        previous is not None
        and reusable
        and previous.manifest.vector_index == settings.index.vector_index
        and not to_embed
        and not summary.removed
    ):
        summary.chunks = previous.manifest.chunks
        return None

    report(ReindexProgress("loading model", 0, None))
    model = embedder_factory()
    chunked = _chunk_all(settings, model, to_embed)
    texts = [embedding_text(a, c.text) for a in to_embed for c in chunked[a.id]]
    summary.chunks_embedded = len(texts)
    done = 0

    def embedded(count: int) -> None:
        nonlocal done
        done += count
        report(ReindexProgress("embedding", done, len(texts)))

    vectors = model.encode(texts, progress=embedded, bulk=True)
    report(ReindexProgress("writing", 0, len(articles)))
    writer = GenerationWriter(settings.index.data_dir, previous if reusable else None)
    try:
        offset = 0
        for position, (article, digest) in enumerate(articles, start=1):
            if article.id in chunked:
                row = writer.add_article(article, digest)
                chunks = chunked[article.id]
                writer.add_chunks(row, chunks, vectors[offset : offset + len(chunks)])
                offset += len(chunks)
                summary.chunks += len(chunks)
            else:
                summary.chunks += writer.copy_article(old_rows[article.id].row)
            report(ReindexProgress("writing", position, len(articles)))
        manifest = Manifest(
            model=model.name,
            backend=model.backend,
            dimension=model.dimension,
            chunk_max_tokens=settings.chunking.max_tokens or model.max_tokens,
            chunk_overlap=settings.chunking.overlap_tokens,
            vector_index=settings.index.vector_index,
            articles=len(articles),
            chunks=summary.chunks,
            built_at=utc_now(),
        )
        return writer.publish(manifest, settings.index.hnsw_neighbors)
    except BaseException:
        writer.abandon()
        raise


def _reusable(settings: Settings, previous: Generation | None) -> bool:
    """Whether the previous generation's vectors were made the way these settings would."""
    if previous is None:
        return False
    manifest = previous.manifest
    return (
        manifest.model == settings.model.name
        and manifest.backend == settings.model.backend
        and manifest.chunk_overlap == settings.chunking.overlap_tokens
        and (settings.chunking.max_tokens in (None, manifest.chunk_max_tokens))
    )


def _chunk_all(
    settings: Settings, model: Embedder, articles: list[Article]
) -> dict[str, list[Chunk]]:
    chunking = settings.chunking
    chunked: dict[str, list[Chunk]] = {}
    for article in articles:
        plan = plan_for(article, model, chunking.max_tokens, chunking.overlap_tokens)
        chunked[article.id] = chunk_article(article, model, plan)
    return chunked
