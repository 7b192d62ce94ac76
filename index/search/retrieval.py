"""Hybrid retrieval: dense and BM25 rankings over every segment of a generation, fused
by reciprocal rank, weighed by the time prior, joined by a third ranking of the best of
them by how they answer (``index.search.answerability``), diversified, filtered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, TypeVar

import numpy as np

from index.calendar import UNDATED, latest_allowed
from index.config import SearchSettings
from index.embedding import Embedder
from index.ingest.answer_kinds import KINDS
from index.ingest.sentence_terms import MAX_SENTENCES
from index.ingest.terms import lexical_tokens
from index.records import Hit, SearchFilters
from index.search.answerability import Asked, Evidence, answering_first, evidence_from_texts
from index.search.lexical import bm25_scores
from index.search.recency import TimePrior
from index.store.generations import Generation
from index.store.segments import Segment

CandidateT = TypeVar("CandidateT")

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "lexical"]
_Ranking = dict[tuple[int, int], tuple[int, float]]  # (segment, chunk) -> (rank, score)


@dataclass(frozen=True, slots=True)
class _Candidate:
    segment: int  # position in the generation's segments
    chunk: int
    score: float
    dense: float | None
    lexical: float | None


class Searcher:
    """Searches one generation; built once per generation (in no time: everything is
    memory-mapped) and shared by all queries."""

    def __init__(
        self, generation: Generation, embedder: Embedder, settings: SearchSettings
    ) -> None:
        self.generation = generation
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
        allowed = [self._allowed(s, filters, as_of) for s in self.generation.segments]
        if all(mask is not None and not mask.any() for mask in allowed):
            return []
        depth = max(self._settings.candidates, k * per_article)
        dense: _Ranking = {}
        lexical: _Ranking = {}
        if mode in ("hybrid", "dense"):
            vector = query_vector if query_vector is not None else self.embed_query(query)
            dense = self._dense(vector, depth, allowed, exact)
        if mode in ("hybrid", "lexical"):
            lexical = self._bm25(query, depth, allowed)
        fused = self._fuse(dense, lexical)
        if as_of is not None and prefer_recent:
            fused = self._prefer_recent(fused, query, as_of)
        if mode == "hybrid":
            fused = answering_first(
                fused,
                query,
                depth=self._settings.candidates,
                rrf_k=self._settings.rrf_k,
                evidence=self._evidence,
                order=_order,
            )
        return self._diversify(fused, k, per_article)

    def _allowed(
        self, segment: Segment, filters: SearchFilters | None, as_of: date | None
    ) -> np.ndarray | None:
        """Which chunks of ``segment`` a search may return (None: all of them)."""
        live = self.generation.live_chunks(segment)
        filters = filters or SearchFilters()
        cut = latest_allowed(as_of).toordinal() if as_of is not None else None
        if cut is not None and segment.stats.newest <= cut:
            cut = None  # nothing in this segment is newer: no need to look
        if not (filters.sources or filters.since or filters.until or cut is not None):
            return live
        dates = np.asarray(segment.article_date)
        keep = np.ones(segment.stats.articles, dtype=bool)
        if cut is not None:  # undated articles may be of any day: they stay
            keep &= dates <= cut
        if filters.sources:
            wanted = {s.casefold() for s in filters.sources}
            ids = [i for i, name in enumerate(segment.publishers) if name in wanted]
            keep &= np.isin(segment.article_source, ids)
        if filters.since:
            keep &= dates >= filters.since.toordinal()
        if filters.until:
            keep &= (dates != UNDATED) & (dates <= filters.until.toordinal())
        chunks = keep[np.asarray(segment.chunk_article)]
        return chunks if live is None else chunks & live

    def _dense(
        self, vector: np.ndarray, depth: int, allowed: list[np.ndarray | None], exact: bool
    ) -> _Ranking:
        found: list[tuple[float, int, int]] = []
        for position, segment in enumerate(self.generation.segments):
            ids, scores = segment.vectors.search(vector, depth, allowed[position], exact=exact)
            found += [(float(s), position, int(i)) for i, s in zip(ids, scores, strict=True)]
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        return {(p, c): (rank, s) for rank, (s, p, c) in enumerate(found[:depth])}

    def _bm25(self, query: str, depth: int, allowed: list[np.ndarray | None]) -> _Ranking:
        terms = lexical_tokens(query)
        if not terms:
            return {}
        segments = self.generation.segments
        manifest = self.generation.manifest
        scored = bm25_scores(
            terms,
            [s.postings(terms) for s in segments],
            [s.chunk_tokens for s in segments],
            manifest.corpus_chunks,
            manifest.corpus_tokens,
            self._settings.bm25_k1,
            self._settings.bm25_b,
        )
        found: list[tuple[float, int, int]] = []
        for position, (chunks, scores) in enumerate(scored):
            mask = allowed[position]
            if mask is not None:
                keep = mask[chunks]
                chunks, scores = chunks[keep], scores[keep]
            if len(chunks) > depth:
                top = np.argpartition(-scores, depth - 1)[:depth]
                chunks, scores = chunks[top], scores[top]
            found += [
                (float(s), position, int(c)) for c, s in zip(chunks, scores, strict=True) if s > 0
            ]
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        return {(p, c): (rank, s) for rank, (s, p, c) in enumerate(found[:depth])}

    def _fuse(self, dense: _Ranking, lexical: _Ranking) -> list[_Candidate]:
        """Reciprocal rank fusion: robust to the two sides' incomparable score scales."""
        rrf_k = self._settings.rrf_k
        candidates = []
        for key in dense.keys() | lexical.keys():
            d, l = dense.get(key), lexical.get(key)
            score = sum(1.0 / (rrf_k + side[0] + 1) for side in (d, l) if side is not None)
            candidates.append(
                _Candidate(key[0], key[1], score, d[1] if d else None, l[1] if l else None)
            )
        candidates.sort(key=_order)
        return candidates

    def _prefer_recent(
        self, candidates: list[_Candidate], question: str, as_of: date
    ) -> list[_Candidate]:
        """Scores times the time prior of each candidate's article, re-sorted."""
        if not candidates:
            return candidates
        segments = self.generation.segments
        published = np.array(
            [
                segments[c.segment].article_date[segments[c.segment].chunk_article[c.chunk]]
                for c in candidates
            ],
            dtype=np.int64,
        )
        similarity = np.array([np.nan if c.dense is None else c.dense for c in candidates])
        factors = self._prior.factors(question, as_of, published, similarity)
        boosted = [
            replace(c, score=c.score * float(f)) for c, f in zip(candidates, factors, strict=True)
        ]
        boosted.sort(key=_order)
        return boosted

    def _evidence(self, asked_for: Asked, pool: list[_Candidate]) -> Evidence:
        """Sentence facts of the ``pool`` passages: from the index where their segment
        stores them, else from their text."""
        segments = self.generation.segments
        term_masks = np.zeros((len(pool), len(asked_for.terms)), dtype=np.uint16)
        kind_term_masks = np.zeros((len(pool), len(asked_for.kind_terms)), dtype=np.uint16)
        kinds = np.zeros((len(pool), MAX_SENTENCES, len(KINDS)), dtype=np.uint8)
        for position in {c.segment for c in pool}:
            segment = segments[position]
            places = [i for i, c in enumerate(pool) if c.segment == position]
            chunks = np.array([pool[i].chunk for i in places], dtype=np.int64)
            if segment.chunk_kinds is not None:
                found = Evidence(
                    segment.sentence_masks(asked_for.terms, chunks),
                    segment.sentence_masks(asked_for.kind_terms, chunks),
                    np.asarray(segment.chunk_kinds[chunks]),
                )
            else:
                texts = [segment.chunk_text(int(c)) for c in chunks]
                found = evidence_from_texts(asked_for, texts)
            term_masks[places] = found.term_masks
            kind_term_masks[places] = found.kind_term_masks
            kinds[places] = found.kinds
        return Evidence(term_masks, kind_term_masks, kinds)

    def _diversify(self, candidates: Sequence[_Candidate], k: int, per_article: int) -> list[Hit]:
        segments = self.generation.segments

        def article(candidate: _Candidate) -> Hashable:
            return candidate.segment, int(
                segments[candidate.segment].chunk_article[candidate.chunk]
            )

        return self._hits(diversify(candidates, article, k, per_article))

    def _hits(self, chosen: Sequence[_Candidate]) -> list[Hit]:
        segments = self.generation.segments
        infos = {}
        for position in {c.segment for c in chosen}:
            segment = segments[position]
            rows = sorted(
                {int(segment.chunk_article[c.chunk]) for c in chosen if c.segment == position}
            )
            for row, info in self.generation.infos(segment, rows).items():
                infos[position, row] = info
        hits = []
        for c in chosen:
            segment = segments[c.segment]
            row = int(segment.chunk_article[c.chunk])
            hits.append(
                Hit(
                    article=infos[c.segment, row],
                    chunk_id=f"{segment.name}:{c.chunk}",
                    start=int(segment.chunk_start[c.chunk]),
                    end=int(segment.chunk_end[c.chunk]),
                    text=segment.chunk_text(c.chunk),
                    score=c.score,
                    dense_score=c.dense,
                    lexical_score=c.lexical,
                    addressing=segment.addressing(c.chunk),
                )
            )
        return hits


def _order(candidate: _Candidate) -> tuple[float, int, int]:
    return (-candidate.score, candidate.segment, candidate.chunk)


def diversify(
    candidates: Sequence[CandidateT],
    article: Callable[[CandidateT], Hashable],
    k: int,
    per_article: int,
) -> list[CandidateT]:
    """Best first, at most ``per_article`` passages an article while others remain.

    When fewer than ``k`` articles match, the remaining places go to further passages of
    the same articles rather than being left empty.
    """
    taken: dict[Hashable, int] = {}
    chosen: list[CandidateT] = []
    held_back: list[CandidateT] = []
    for candidate in candidates:
        key = article(candidate)
        if taken.get(key, 0) >= per_article:
            held_back.append(candidate)
            continue
        taken[key] = taken.get(key, 0) + 1
        chosen.append(candidate)
        if len(chosen) == k:
            break
    return chosen + held_back[: k - len(chosen)]
