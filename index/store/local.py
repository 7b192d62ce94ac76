"""The local store: generations in the data directory, searched in this process by
``index.search.retrieval``. Publishing is the reindex's own switch of ``CURRENT``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from index.config import SearchSettings
from index.embedding import Embedder
from index.ingest.urls import article_id, loose_key, storage_key
from index.records import ArticleDetail, ArticleInfo, Hit, SearchFilters
from index.search.retrieval import Mode, Searcher
from index.store.backend import BuiltWith, IndexStats
from index.store.generations import Generation, open_current
from index.store.layout import current_name


class LocalIndex:
    """One generation and its searcher; built once per generation, shared by queries."""

    def __init__(self, generation: Generation, embedder: Embedder, settings: SearchSettings):
        self.generation = generation
        self.name = generation.name
        manifest = generation.manifest
        self.built_with = BuiltWith(
            manifest.model, manifest.backend, manifest.dimension, str(generation.data_dir)
        )
        self._searcher = Searcher(generation, embedder, settings)

    def embed_query(self, query: str) -> np.ndarray:
        return self._searcher.embed_query(query)

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        *,
        mode: Mode = "hybrid",
        max_per_article: int | None = None,
        query_vector: np.ndarray | None = None,
        as_of: date | None = None,
        prefer_recent: bool = True,
        exact: bool = False,
    ) -> list[Hit]:
        return self._searcher.search(
            query,
            k,
            filters,
            mode=mode,
            max_per_article=max_per_article,
            query_vector=query_vector,
            as_of=as_of,
            prefer_recent=prefer_recent,
            exact=exact,
        )

    def find_article(self, query_or_url: str, opening_chars: int) -> ArticleDetail | None:
        generation = self.generation
        record = generation.article_by_url(loose_key(query_or_url))
        if record is not None:
            segment, row = generation.locate(record)
        else:
            hits = self.search(query_or_url, k=1)
            if not hits:
                return None
            segment, row = generation.place(hits[0].chunk_id)
        info = generation.infos(segment, [row])[row]
        text = segment.article_text(row)
        return ArticleDetail(article=info, opening=opening(text, opening_chars))

    def indexed_articles(self, keys: Sequence[str]) -> list[ArticleInfo]:
        generation = self.generation
        found: dict[str, ArticleInfo] = {}
        for key in keys:
            record = generation.article(article_id(storage_key(key)))
            if record is None or not record.indexed:
                record = generation.article_by_url(loose_key(key))
            if record is None or not record.indexed:
                continue
            segment, row = generation.locate(record)
            info = generation.infos(segment, [row])[row]
            found.setdefault(info.id, info)
        return list(found.values())

    def stats(self) -> IndexStats:
        return generation_stats(self.generation, "local")

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]:
        return self.generation.live_passages()


class LocalStore:
    name = "local"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def current(self) -> str | None:
        return current_name(self.data_dir)

    def open(self, embedder: Embedder, settings: SearchSettings) -> LocalIndex:
        return LocalIndex(open_current(self.data_dir), embedder, settings)

    def publish(self, generation: Generation) -> None:
        """Nothing to do: the reindex made ``generation`` current when it wrote it."""


def generation_stats(generation: Generation, store: str) -> IndexStats:
    manifest = generation.manifest
    oldest, newest = generation.date_range()
    counts = Counter[str]()
    for publisher, count in generation.publishers():
        counts[publisher or "unknown"] += count
    return IndexStats(
        generation=generation.name,
        model=manifest.model,
        dimension=manifest.dimension,
        vector_index=manifest.vector_index,
        articles=manifest.articles,
        chunks=manifest.chunks,
        built_at=manifest.built_at,
        sources=tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
        oldest=oldest,
        newest=newest,
        store=store,
        embedding=manifest.backend,
    )


def opening(text: str, chars: int) -> str:
    """The first ``chars`` characters of an article, cut at a word."""
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0] + " …"
