"""One ranking for every store: the candidates a store found (``index.store.backend``)
become hits by reciprocal rank fusion of the dense and lexical lists, the time prior
(``index.search.recency``), the answering re-rank (``index.search.answerability``) and
per-article diversification."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

import numpy as np

from index.ingest.sentence_facts import Asked, Evidence
from index.search.answerability import answering_first
from index.search.recency import TimePrior
from index.store.backend import Candidate, Candidates

CandidateT = TypeVar("CandidateT")


@dataclass(frozen=True, slots=True)
class Ranking:
    """How one question's candidates are ranked."""

    question: str
    as_of: date | None  # None: no time prior
    rrf_k: int
    answering_depth: int  # how many of the best fused candidates are ranked by answering
    answering: bool  # whether they are (hybrid search)


def rank(
    found: Candidates,
    ranking: Ranking,
    prior: TimePrior,
    evidence: Callable[[Asked, list[Candidate]], Evidence],
) -> list[Candidate]:
    """Every candidate once, best first, its fused score set."""
    ranked = fuse(found, ranking.rrf_k)
    if ranking.as_of is not None and ranked:
        ranked = prefer_recent(ranked, ranking.question, ranking.as_of, prior)
    if ranking.answering:
        ranked = answering_first(
            ranked,
            ranking.question,
            depth=ranking.answering_depth,
            rrf_k=ranking.rrf_k,
            evidence=evidence,
            order=order,
        )
    return ranked


def fuse(found: Candidates, rrf_k: int) -> list[Candidate]:
    """Reciprocal rank fusion: robust to the two sides' incomparable score scales. A
    passage both sides found keeps the similarity of one and the BM25 score of the other."""
    fused: dict[Any, Candidate] = {}
    for side in (found.dense, found.lexical):
        for rank_on_side, candidate in enumerate(side):
            share = 1.0 / (rrf_k + rank_on_side + 1)
            seen = fused.get(candidate.key)
            if seen is None:
                fused[candidate.key] = replace(candidate, score=share)
                continue
            fused[candidate.key] = replace(
                seen,
                score=seen.score + share,
                similarity=seen.similarity if seen.similarity is not None else candidate.similarity,
                lexical=candidate.lexical if candidate.lexical is not None else seen.lexical,
            )
    return sorted(fused.values(), key=order)


def prefer_recent(
    candidates: list[Candidate], question: str, as_of: date, prior: TimePrior
) -> list[Candidate]:
    """Scores times the time prior of each candidate's article, re-sorted."""
    published = np.array([c.published for c in candidates], dtype=np.int64)
    similarity = np.array([np.nan if c.similarity is None else c.similarity for c in candidates])
    factors = prior.factors(question, as_of, published, similarity)
    boosted = [
        replace(c, score=c.score * float(f)) for c, f in zip(candidates, factors, strict=True)
    ]
    boosted.sort(key=order)
    return boosted


def order(candidate: Candidate) -> tuple[float, Any]:
    """Best first; ties in the store's own order of its passages."""
    return (-candidate.score, candidate.key)


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
