"""The contract between the knowledge base and where its index is kept: stores produce
candidates, ``index.search`` ranks them.

A ``Store`` is told of each generation a reindex builds (``publish``) and opens the
index readers search (``open``); ``current`` names what readers would open now, so a
reindex by another process is noticed without a restart. An opened ``Index`` answers
one question: the dense and the lexical candidates for a query, under filters, as of a
day (``candidates``); then the sentence facts of the candidates the ranking looks at
(``evidence``), the hits of those it chose (``hits``) and article lookups. Fusion, the
time prior, the answering re-rank and diversification are the same for every store
(``index.search.ranking``). Two stores exist, one module each: ``index.store.local``
(the generations in the data directory) and ``index.store.milvus`` (a Milvus shared by
several processes); a third is one module and the contract tests
(``tests/index/store/test_contract.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import SecretStr

from index.config import Settings
from index.errors import ConfigError
from index.ingest.sentence_facts import Asked, Evidence
from index.records import ArticleInfo, Hit, SearchFilters
from index.store.generations import Generation

Mode = Literal["hybrid", "dense", "lexical"]


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


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """What a store is asked for: the ``depth`` best passages by meaning (``vector``) and
    by words (``terms``, lexical tokens) that ``filters`` allow and that exist ``as_of``
    a day (None: every article); ``exact`` searches every vector exactly."""

    terms: tuple[str, ...]
    vector: np.ndarray | None  # None: no dense side
    depth: int
    filters: SearchFilters
    as_of: date | None
    exact: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage a store found. ``key`` orders ties and names it within its store;
    ``article`` groups the passages of one article; ``ref`` is the store's own handle."""

    key: Any
    article: Hashable
    published: int  # date ordinal, ``index.calendar.UNDATED`` for none
    similarity: float | None  # cosine similarity to the query, when known
    lexical: float | None  # BM25 score, when the lexical side found it
    ref: Any = None
    score: float = 0.0  # set by the ranking


@dataclass(frozen=True, slots=True)
class Candidates:
    dense: list[Candidate]  # best first
    lexical: list[Candidate]  # best first


class Index(Protocol):
    """One whole published index opened for reading; thread-safe."""

    name: str  # the generation it holds
    built_with: BuiltWith

    def candidates(self, query: CandidateQuery) -> Candidates: ...

    def evidence(self, question: Asked, pool: Sequence[Candidate]) -> Evidence:
        """The sentence facts of ``pool`` (in its order) for ``question``."""
        ...

    def hits(self, chosen: Sequence[Candidate]) -> list[Hit]:
        """``chosen`` as hits, in that order, with their scores."""
        ...

    def article(self, article_id: str) -> ArticleInfo | None:
        """The indexed article with this id (None: not indexed)."""
        ...

    def article_at(self, url_key: str) -> ArticleInfo | None:
        """The indexed article with this loose url key (``index.ingest.urls.loose_key``),
        or the one a copy at that address stands for."""
        ...

    def article_text(self, article_id: str) -> str: ...

    def stats(self) -> IndexStats: ...

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]: ...


class Store(Protocol):
    name: str

    def current(self) -> str | None:
        """The generation readers would open now (None: nothing published yet)."""
        ...

    def open(self) -> Index:
        """The current index; IndexNotFoundError if nothing is published yet."""
        ...

    def publish(self, generation: Generation) -> None:
        """Make ``generation`` (just built, or unchanged) what readers search. Called by
        the reindex under its lock, so one publication runs at a time."""
        ...


def open_store(settings: Settings, milvus_token: SecretStr | None = None) -> Store:
    """The store ``[store] backend`` names; a Milvus server's token is the caller's to
    read (the composition root takes it from the environment)."""
    if settings.store.backend == "local":
        from index.store.local import LocalStore

        return LocalStore(settings.index.data_dir, settings.search)
    try:
        from index.store.milvus import MilvusStore
    except ImportError as error:
        raise ConfigError(
            f"store.backend 'milvus' needs pymilvus ({error.name} is missing): "
            "pip install 'newsbot[milvus]'"
        ) from None
    return MilvusStore(settings, milvus_token)
