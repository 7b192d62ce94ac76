"""One reindex that writes a generation: what to do with each article of a changed
source (unchanged, new, updated, removed, or a copy of a story already indexed), and
the batches of articles to chunk, embed and write."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np

from index.config import Settings
from index.embedding import Embedder
from index.indexer.report import ProgressCallback, ReindexProgress, ReindexSummary
from index.ingest.articles import truncated
from index.ingest.chunking import chunk_article, embedding_text, plan_for
from index.ingest.sentence_terms import sentence_terms
from index.ingest.sources import Source
from index.ingest.syndication import band_keys, goes_first, same_story, signature
from index.ingest.terms import term_counts
from index.ingest.urls import loose_key
from index.records import Article, Skipped, Truncated
from index.store.catalog import ArticleRecord, Catalog
from index.store.generations import Generation, GenerationWriter, Manifest
from index.store.layout import utc_now
from index.store.merging import MergePolicy

log = logging.getLogger(__name__)

BATCH_ARTICLES = 256  # articles chunked and embedded together
PENDING = ""  # the segment of an article decided on but not written yet


def content_hash(article: Article) -> str:
    fields = [
        article.title,
        article.url,
        article.source,
        article.published.isoformat() if article.published else None,
        article.author,
        article.text,
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def duplicates(catalog: Catalog) -> list[Skipped]:
    """Every same-publisher copy, reported as skipped."""
    return [
        Skipped(origin, f"duplicate of {original}") for origin, original in catalog.duplicates()
    ]


class Run:
    """One reindex that writes a generation: decisions per article, batches to embed."""

    def __init__(
        self,
        settings: Settings,
        embedder: Callable[[], Embedder],
        base: Generation | None,
        summary: ReindexSummary,
        report: ProgressCallback,
    ) -> None:
        self.settings = settings
        self.summary = summary
        self.report = report
        self._embedder_factory = embedder
        self._model: Embedder | None = None
        self.writer = GenerationWriter(settings.index.data_dir, base, self._dimension(base))
        self.catalog = self.writer.catalog
        self._pending: dict[str, Article] = {}
        self._was_indexed: dict[str, str] = {}  # id -> content hash, of those touched
        self._written: set[str] = set()
        self._seen: set[str] = set()

    # -- deciding ----------------------------------------------------------------------

    def update(self, sources: list[Source], changed: list[Source], gone: set[str]) -> None:
        rereads = self._copies_to_reread([s.key for s in changed] + sorted(gone))
        wanted = rereads | {s.key for s in changed}
        todo = [s for s in sources if s.key in wanted]
        for done, source in enumerate(todo, start=1):
            self._read(source)
            self.report(ReindexProgress("indexing", done, len(todo)))
        for key in sorted(gone):  # after reading: an article may have moved to a new source
            record = self.catalog.source(key)
            for article_id in record.articles if record else ():
                if article_id not in self._seen:
                    self._forget(article_id)
            self.catalog.drop_source(key)
        self._flush()
        self.summary.sources_read = len(todo)

    def _copies_to_reread(self, keys: list[str]) -> set[str]:
        """Sources of the copies of every original a changed source gave: when the
        original changes or goes, a copy may have to stand in for it."""
        rereads: set[str] = set()
        for key in keys:
            record = self.catalog.source(key)
            for article_id in record.articles if record else ():
                rereads.update(c.source_key for c in self.catalog.copies_of(article_id))
        return rereads - set(keys)

    def _read(self, source: Source) -> None:
        """Read a changed source; an article longer than ``max_article_chars`` is cut
        there before anything else reads it, so one huge file costs what an article of
        that size costs."""
        previous = self.catalog.source(source.key)
        before = set(previous.articles) if previous else set()
        produced: list[str] = []
        skipped: list[Skipped] = []
        cut: list[Truncated] = []
        limit = self.settings.index.max_article_chars
        for item in source.read():
            if isinstance(item, Skipped):
                log.info("skipped %s: %s", item.origin, item.reason)  # the summary says it
                skipped.append(item)  # reported from the catalog, with the cached ones
            elif item.id in self._seen:
                skipped.append(Skipped(item.origin, f"duplicate article id {item.id}"))
            else:
                if (length := len(item.text)) > limit:
                    item = replace(item, text=truncated(item.text, limit))
                    cut.append(Truncated(item.origin, length, len(item.text)))
                    log.info("truncated %s: %s", item.origin, cut[-1].reason)
                self._seen.add(item.id)
                produced.append(item.id)
                self._article(item, source.key)
        for article_id in before - set(produced):
            self._forget(article_id)
        self.catalog.put_source(source.key, source.stamp, produced, skipped, cut)

    def _article(self, article: Article, source_key: str) -> None:
        digest = content_hash(article)
        known = self.catalog.article(article.id)
        unchanged = known is not None and known.content_hash == digest
        if known is not None and unchanged and (known.indexed or self._stands(known.original)):
            if known.source_key != source_key:  # the same article, read from elsewhere
                moved = replace(known, source_key=source_key)
                self.catalog.put_article(moved, _url_key(known.url))
            return  # unchanged: indexed, or still a copy of a live original
        if known is not None:
            self._forget(article.id)
        self._decide(article, digest, source_key)

    def _stands(self, original: str | None) -> bool:
        found = self.catalog.article(original) if original else None
        return found is not None and found.indexed

    def _decide(self, article: Article, digest: str, source_key: str) -> None:
        """Index ``article``, or record it as a copy of the story's original."""
        mark = signature(article.text)
        original = self._original_of(mark) if mark is not None else None
        record = ArticleRecord(
            id=article.id,
            content_hash=digest,
            source_key=source_key,
            title=article.title,
            url=article.url,
            publisher=article.source,
            published=article.published,
            origin=article.origin,
            signature=mark,
            segment=PENDING,
            row=-1,
            original=None,
            duplicate=False,
        )
        if original is None or goes_first(article.published, original.published):
            self.catalog.put_article(record, _url_key(article.url))
            if mark is not None:
                self.catalog.add_buckets(article.id, band_keys(mark))
            self._pending[article.id] = article
            if original is not None:
                self._demote(original, article)
            if len(self._pending) >= BATCH_ARTICLES:
                self._flush()
            return
        duplicate = self._same_publisher(article, original)
        self.catalog.put_article(_copy(record, original.id, duplicate), _url_key(article.url))

    def _original_of(self, mark: np.ndarray) -> ArticleRecord | None:
        """The indexed article telling the same story, the earliest if several do."""
        mates = self.catalog.articles(self.catalog.bucket_mates(band_keys(mark)))
        matches = [
            m
            for m in mates
            if m.indexed and m.signature is not None and same_story(mark, m.signature)
        ]
        return min(matches, key=lambda m: (m.published or date.max, m.id), default=None)

    def _same_publisher(self, article: Article, original: ArticleRecord) -> bool:
        publisher = article.source or article.url
        known = {original.publisher or original.url}
        known.update(
            c.publisher or c.url for c in self.catalog.copies_of(original.id) if not c.duplicate
        )
        return publisher in known

    def _demote(self, old: ArticleRecord, new: Article) -> None:
        """``new`` tells ``old``'s story earlier: ``old`` becomes its copy."""
        self._unindex(old)
        duplicate = (old.publisher or old.url) == (new.source or new.url)
        self.catalog.put_article(_copy(old, new.id, duplicate), _url_key(old.url))
        self._drop_buckets(old)
        self.catalog.repoint_copies(old.id, new.id)

    def _forget(self, article_id: str) -> None:
        record = self.catalog.article(article_id)
        if record is None:
            return
        self._unindex(record)
        self._drop_buckets(record)
        self.catalog.drop_article(article_id)

    def _drop_buckets(self, record: ArticleRecord) -> None:
        if record.signature is not None:
            self.catalog.drop_buckets(record.id, band_keys(record.signature))

    def _unindex(self, record: ArticleRecord) -> None:
        if record.segment == PENDING:
            self._pending.pop(record.id, None)
        elif record.indexed and record.row is not None:
            self._was_indexed.setdefault(record.id, record.content_hash)
            self.writer.delete(record.segment, record.row)  # type: ignore[arg-type]
            if record.id in self._written:
                self._written.discard(record.id)

    # -- embedding and writing ---------------------------------------------------------

    def _flush(self) -> None:
        if not self._pending:
            return
        articles = list(self._pending.values())
        self._pending.clear()
        model = self._model_loaded()
        chunking = self.settings.chunking
        chunked = [
            chunk_article(
                a, model, plan_for(a, model, chunking.max_tokens, chunking.overlap_tokens)
            )
            for a in articles
        ]
        texts = [
            embedding_text(a, c.text)
            for a, chunks in zip(articles, chunked, strict=True)
            for c in chunks
        ]
        embedded, total = self.summary.chunks_embedded, self.summary.chunks_embedded + len(texts)

        def report(count: int) -> None:
            nonlocal embedded
            embedded += count
            self.report(ReindexProgress("embedding", embedded, total))

        vectors = model.encode(texts, report, bulk=True)
        offset = 0
        for article, chunks in zip(articles, chunked, strict=True):
            sentences = [sentence_terms(c.text) for c in chunks]
            title = term_counts(article.title)  # BM25 reads every passage with its title
            terms = [title + facts.counts for facts in sentences]
            segment, row = self.writer.add(
                article, chunks, vectors[offset : offset + len(chunks)], terms, sentences
            )
            offset += len(chunks)
            self.catalog.move(article.id, segment, row)
            self._written.add(article.id)
        self.summary.chunks_embedded += len(texts)

    def _model_loaded(self) -> Embedder:
        if self._model is None:
            self.report(ReindexProgress("loading model", 0, None))
            self._model = self._embedder_factory()
        return self._model

    def _dimension(self, base: Generation | None) -> int:
        return base.manifest.dimension if base is not None else self._model_loaded().dimension

    def count(self, listing_skips: list[Skipped]) -> None:
        """Fill in the summary from the catalog, now that every decision is made."""
        summary, catalog = self.summary, self.catalog
        indexed = {article_id for article_id, _, _ in catalog.indexed_places()}
        for article_id in self._written:
            before = self._was_indexed.get(article_id)
            if before is None:
                summary.added += 1
            elif before != content_hash_of(catalog, article_id):
                summary.updated += 1
        summary.removed = sum(1 for a in self._was_indexed if a not in indexed)
        summary.articles = len(indexed)
        summary.unchanged = len(indexed) - len(self._written)
        summary.syndicated = catalog.reprint_count()
        summary.skipped = listing_skips + catalog.cached_skips() + duplicates(catalog)
        summary.truncated = catalog.cached_truncations()

    def publish(self) -> str:
        settings = self.settings
        model = self._model
        manifest = Manifest(
            model=settings.model.name,
            backend=model.backend if model else settings.model.backend,
            dimension=self.writer.dimension,
            chunk_max_tokens=settings.chunking.max_tokens or (model.max_tokens if model else 256),
            chunk_overlap=settings.chunking.overlap_tokens,
            vector_index=settings.index.vector_index,
            articles=0,
            chunks=0,
            built_at=utc_now(),
        )
        name = self.writer.publish(manifest, MergePolicy.of(settings.index))
        self.summary.chunks = self.writer.published_chunks
        return name


def content_hash_of(catalog: Catalog, article_id: str) -> str | None:
    found = catalog.article(article_id)
    return found.content_hash if found else None


def _copy(record: ArticleRecord, original: str, duplicate: bool) -> ArticleRecord:
    return replace(record, segment=None, row=None, original=original, duplicate=duplicate)


def _url_key(url: str | None) -> str | None:
    return loose_key(url) if url else None
