"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused, diversified, filtered."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import faiss
import numpy as np

from index.config import SearchSettings
from index.embedding import Embedder
from index.records import Hit, SearchFilters
from index.search.lexical import LexicalIndex
from index.search.recency import UNDATED, TimePrior, latest_allowed
from index.store.generations import Generation

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True, slots=True)
class _Candidate:
    chunk_id: int
    score: float
    dense: float | None
    lexical: float | None


class Searcher:
    """Searches one generation; built once per generation and shared by all queries."""

    def __init__(
        self, generation: Generation, embedder: Embedder, settings: SearchSettings
    ) -> None:
        self.generation = generation
        self._embedder = embedder
        self._settings = settings
        self._lexical = LexicalIndex(
            [f"{title}\n{passage}" for title, passage in generation.chunk_texts()],
            k1=settings.bm25_k1,
            b=settings.bm25_b,
        )
        articles = generation.articles
        self._article_source = np.array([(a.info.source or "").casefold() for a in articles])
        self._article_date = np.array(
            [a.info.published.toordinal() if a.info.published else UNDATED for a in articles],
            dtype=np.int64,
        )
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
    ) -> list[Hit]:
        """The ``k`` best passages for ``query``, at most ``max_per_article`` per article.

        Asked ``as_of`` a day, articles published after it are left out and, unless
        ``prefer_recent`` is off, newer articles weigh more (see ``index.search.recency``);
        without ``as_of`` every article counts alike.
        """
        k = k or self._settings.k
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        per_article = max_per_article or self._settings.max_per_article
        allowed = self._allowed_chunks(filters, as_of)
        if allowed is not None and not allowed.any():
            return []
        depth = max(self._settings.candidates, k * per_article)
        dense: dict[int, tuple[int, float]] = {}
        lexical: dict[int, tuple[int, float]] = {}
        if mode in ("hybrid", "dense"):
            vector = query_vector if query_vector is not None else self.embed_query(query)
            dense = self._dense(vector, depth, allowed)
        if mode in ("hybrid", "lexical"):
            lexical = self._bm25(query, depth, allowed)
        fused = self._fuse(dense, lexical)
        if as_of is not None and prefer_recent:
            fused = self._prefer_recent(fused, query, as_of)
        return self._diversify(fused, k, per_article)

    def _allowed_chunks(
        self, filters: SearchFilters | None, as_of: date | None
    ) -> np.ndarray | None:
        filters = filters or SearchFilters()
        if not (filters.sources or filters.since or filters.until or as_of):
            return None
        keep = np.ones(len(self._article_source), dtype=bool)
        if as_of is not None:  # undated articles may be of any day: they stay
            keep &= self._article_date <= latest_allowed(as_of).toordinal()
        if filters.sources:
            wanted = [s.casefold() for s in filters.sources]
            keep &= np.isin(self._article_source, wanted)
        if filters.since:
            keep &= self._article_date >= filters.since.toordinal()
        if filters.until:
            keep &= (self._article_date >= 0) & (self._article_date <= filters.until.toordinal())
        return keep[self.generation.chunk_article]

    def _dense(
        self, vector: np.ndarray, depth: int, allowed: np.ndarray | None
    ) -> dict[int, tuple[int, float]]:
        index = self.generation.vectors
        if index.ntotal == 0:
            return {}
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            # faiss's type stubs lack the selector parameters its runtime has.
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(64, depth))  # type: ignore[attr-defined]
                if isinstance(index, faiss.IndexHNSW)
                else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
            )
        scores, ids = index.search(vector.reshape(1, -1), min(depth, index.ntotal), params=params)
        ranked = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return {chunk: (rank, score) for rank, (chunk, score) in enumerate(ranked)}

    def _bm25(
        self, query: str, depth: int, allowed: np.ndarray | None
    ) -> dict[int, tuple[int, float]]:
        scores = self._lexical.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        depth = min(depth, len(scores))
        if depth == 0:
            return {}
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        return {int(c): (rank, float(scores[c])) for rank, c in enumerate(top) if scores[c] > 0}

    def _fuse(
        self, dense: dict[int, tuple[int, float]], lexical: dict[int, tuple[int, float]]
    ) -> list[_Candidate]:
        """Reciprocal rank fusion: robust to the two sides' incomparable score scales."""
        rrf_k = self._settings.rrf_k
        candidates = []
        for chunk in dense.keys() | lexical.keys():
            d, l = dense.get(chunk), lexical.get(chunk)
            score = sum(1.0 / (rrf_k + side[0] + 1) for side in (d, l) if side is not None)
            candidates.append(_Candidate(chunk, score, d[1] if d else None, l[1] if l else None))
        candidates.sort(key=lambda c: (-c.score, c.chunk_id))
        return candidates

    def _prefer_recent(
        self, candidates: list[_Candidate], question: str, as_of: date
    ) -> list[_Candidate]:
        """Scores times the time prior of each candidate's article, re-sorted."""
        if not candidates:
            return candidates
        rows = self.generation.chunk_article[[c.chunk_id for c in candidates]]
        similarity = np.array([np.nan if c.dense is None else c.dense for c in candidates])
        factors = self._prior.factors(question, as_of, self._article_date[rows], similarity)
        boosted = [
            replace(c, score=c.score * float(f)) for c, f in zip(candidates, factors, strict=True)
        ]
        boosted.sort(key=lambda c: (-c.score, c.chunk_id))
        return boosted

    def _diversify(self, candidates: Sequence[_Candidate], k: int, per_article: int) -> list[Hit]:
        """Best first, at most ``per_article`` passages an article while others remain.

        When fewer than ``k`` articles match, the remaining places go to further passages
        of the same articles rather than being left empty.
        """
        taken: dict[int, int] = {}
        chosen: list[_Candidate] = []
        held_back: list[_Candidate] = []
        for candidate in candidates:
            row = int(self.generation.chunk_article[candidate.chunk_id])
            if taken.get(row, 0) >= per_article:
                held_back.append(candidate)
                continue
            taken[row] = taken.get(row, 0) + 1
            chosen.append(candidate)
            if len(chosen) == k:
                break
        chosen += held_back[: k - len(chosen)]
        return [self._hit(c) for c in chosen]

    def _hit(self, candidate: _Candidate) -> Hit:
        generation = self.generation
        row = int(generation.chunk_article[candidate.chunk_id])
        start, end = (int(x) for x in generation.chunk_spans[candidate.chunk_id])
        return Hit(
            article=generation.articles[row].info,
            chunk_id=candidate.chunk_id,
            start=start,
            end=end,
            text=generation.article_text(row)[start:end],
            score=candidate.score,
            dense_score=candidate.dense,
            lexical_score=candidate.lexical,
        )
