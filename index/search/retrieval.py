"""Hybrid retrieval for every store: the question embedded once, the store's dense and
lexical candidates (``index.store.backend``), one ranking (``index.search.ranking``),
the chosen passages as hits; and the article lookups every front end offers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np

from index.config import SearchSettings
from index.embedding import Embedder
from index.ingest.terms import lexical_tokens
from index.ingest.urls import article_id, loose_key, storage_key
from index.records import ArticleDetail, ArticleInfo, Hit, SearchFilters
from index.search.ranking import Ranking, diversify, rank
from index.search.recency import TimePrior
from index.store.backend import BuiltWith, CandidateQuery, Index, IndexStats, Mode

__all__ = ["Mode", "Retriever", "opening"]


class Retriever:
    """Searches one opened index; built once per index and shared by all queries."""

    def __init__(self, index: Index, embedder: Embedder, settings: SearchSettings) -> None:
        self.index = index
        self.name = index.name
        self.built_with: BuiltWith = index.built_with
        self._embedder = embedder
        self._settings = settings
        self._prior = TimePrior(
            present_weight=settings.present_weight,
            weight=settings.recency_weight,
            half_life_days=settings.recency_half_life_days,
        )

    def embed_query(self, query: str) -> np.ndarray:
        return self._embedder.encode([query])[0]

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
        """The ``k`` best passages for ``query``, at most ``max_per_article`` per article.

        Asked ``as_of`` a day, articles published after it are left out and, unless
        ``prefer_recent`` is off, newer articles weigh more (see ``index.search.recency``);
        without ``as_of`` every article counts alike. ``exact`` searches every vector
        exactly, also where an approximate index exists (to measure its recall).
        """
        k = k or self._settings.k
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        per_article = max_per_article or self._settings.max_per_article
        vector = None
        if mode in ("hybrid", "dense"):
            vector = query_vector if query_vector is not None else self.embed_query(query)
        terms = tuple(lexical_tokens(query)) if mode in ("hybrid", "lexical") else ()
        found = self.index.candidates(
            CandidateQuery(
                terms=terms,
                vector=vector,
                depth=max(self._settings.candidates, k * per_article),
                filters=filters or SearchFilters(),
                as_of=as_of,
                exact=exact,
            )
        )
        ranking = Ranking(
            question=query,
            as_of=as_of if prefer_recent else None,
            rrf_k=self._settings.rrf_k,
            answering_depth=self._settings.candidates,
            answering=mode == "hybrid",
        )
        ranked = rank(found, ranking, self._prior, self.index.evidence)
        return self.index.hits(diversify(ranked, lambda c: c.article, k, per_article))

    def find_article(self, query_or_url: str, opening_chars: int) -> ArticleDetail | None:
        """The article at this url, else the one whose passage best matches the words."""
        info = self.index.article_at(loose_key(query_or_url))
        if info is None:
            hits = self.search(query_or_url, k=1)
            if not hits:
                return None
            info = hits[0].article
        text = self.index.article_text(info.id)
        return ArticleDetail(article=info, opening=opening(text, opening_chars))

    def indexed_articles(self, keys: Sequence[str]) -> list[ArticleInfo]:
        """The indexed articles fetched under ``keys`` (the web store's keys), in order."""
        found: dict[str, ArticleInfo] = {}
        for key in keys:
            info = self.index.article(article_id(storage_key(key)))
            info = info or self.index.article_at(loose_key(key))
            if info is not None:
                found.setdefault(info.id, info)
        return list(found.values())

    def stats(self) -> IndexStats:
        return self.index.stats()

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]:
        return self.index.live_passages()


def opening(text: str, chars: int) -> str:
    """The first ``chars`` characters of an article, cut at a word."""
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0] + " …"
