"""The interface between the knowledge base and where its index is kept and searched.

A ``Store`` is told of each generation a reindex builds (``publish``) and opens the
index readers search (``open``); ``current`` names what readers would open now, so a
reindex by another process is noticed without a restart. Two stores exist, one module
each: ``index.store.local`` (the generations in the data directory, searched in this
process) and ``index.store.milvus`` (a Milvus shared by several processes). Nothing above
this interface knows which one runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import numpy as np

from index.config import SearchSettings, Settings
from index.embedding import Embedder
from index.errors import ConfigError
from index.records import ArticleDetail, ArticleInfo, Hit, SearchFilters
from index.search.retrieval import Mode
from index.store.generations import Generation


@dataclass(frozen=True, slots=True)
class BuiltWith:
    """How an index's vectors were made: another model, backend or dimension than the
    settings ask for means a reindex."""

    model: str
    backend: str  # the embedding backend, e.g. "onnx-int8"
    dimension: int
    where: str  # for messages: the data directory or the Milvus collection


@dataclass(frozen=True, slots=True)
class IndexStats:
    generation: str
    model: str
    dimension: int
    vector_index: str
    articles: int
    chunks: int
    built_at: datetime
    sources: tuple[tuple[str, int], ...]  # publisher and article count, largest first
    oldest: date | None
    newest: date | None
    store: str = "local"  # the storage-and-search backend
    embedding: str = ""  # the embedding backend the vectors were made with


class Index(Protocol):
    """One whole published index opened for reading; thread-safe."""

    name: str  # the generation it holds
    built_with: BuiltWith

    def embed_query(self, query: str) -> np.ndarray: ...

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
    ) -> list[Hit]: ...

    def find_article(self, query_or_url: str, opening_chars: int) -> ArticleDetail | None: ...

    def indexed_articles(self, keys: Sequence[str]) -> list[ArticleInfo]: ...

    def stats(self) -> IndexStats: ...

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]: ...


class Store(Protocol):
    name: str

    def current(self) -> str | None:
        """The generation readers would open now (None: nothing published yet)."""
        ...

    def open(self, embedder: Embedder, settings: SearchSettings) -> Index:
        """The current index; IndexNotFoundError if nothing is published yet."""
        ...

    def publish(self, generation: Generation) -> None:
        """Make ``generation`` (just built, or unchanged) what readers search. Called by
        the reindex under its lock, so one publication runs at a time."""
        ...


def open_store(settings: Settings) -> Store:
    """The store ``[store] backend`` names."""
    if settings.store.backend == "local":
        from index.store.local import LocalStore

        return LocalStore(settings.index.data_dir)
    try:
        from index.store.milvus import MilvusStore
    except ImportError as error:
        raise ConfigError(
            f"store.backend 'milvus' needs pymilvus ({error.name} is missing): "
            "pip install 'newsbot[milvus]'"
        ) from None
    return MilvusStore(settings)
