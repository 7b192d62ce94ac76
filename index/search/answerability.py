"""Which passages look like they answer a question rather than restate it.

A passage answers when one of its sentences holds both the question's words and a word
of the kind the question asks for (a name for "who", a number for "how many") that the
question does not already say; among such passages, the more of the question that one
sentence covers, the better. Passages with no such sentence follow, by the most of the
question one sentence covers (for a question of no particular kind, that alone ranks).
It is the answer composer's rule for picking sentences (``index.answer.extractive``), used to
rank the best fused candidates once more: that ranking joins the dense and BM25 rankings
in reciprocal rank fusion (``index.search.ranking``).

Sentence-level facts (``index.ingest.sentence_facts``) come from the store: from the
index where it keeps them, else from the passages' text, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from index.ingest.sentence_facts import Asked, Evidence, asked
from index.ingest.sentence_terms import MAX_SENTENCES

_SLOTS = np.arange(MAX_SENTENCES, dtype=np.uint16)


def answering_order(question: Asked, evidence: Evidence) -> np.ndarray:
    """Positions of the passages, most answering first; ties keep the given order."""
    cover = _sentences_holding(evidence.term_masks)
    best = cover.max(axis=1, initial=0)
    position = np.arange(len(best))
    if question.kind is None:
        return np.lexsort((position, -best))
    said = _sentences_holding(evidence.kind_term_masks)
    answering = evidence.kinds[:, :, question.kind] > said
    best_answering = np.where(answering, cover, 0).max(axis=1, initial=0)
    return np.lexsort((position, -best, -best_answering))


class _Scored(Protocol):
    """A fused candidate of either store: a dataclass with a score."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def score(self) -> float: ...


CandidateT = TypeVar("CandidateT", bound=_Scored)


def answering_first(
    candidates: Sequence[CandidateT],
    question: str,
    *,
    depth: int,
    rrf_k: int,
    evidence: Callable[[Asked, list[CandidateT]], Evidence],
    order: Callable[[CandidateT], Any],
) -> list[CandidateT]:
    """``candidates`` (best first) with the first ``depth`` of them ranked once more by
    how they answer and that rank's reciprocal (``1 / (rrf_k + rank)``, ranks from 1)
    added to their fused score; sorted again by ``order``. ``evidence`` gives the sentence
    facts of a list of candidates."""
    pool = list(candidates[:depth])
    if not pool:
        return list(candidates)
    asked_for = asked(question)
    shares = np.empty(len(pool))
    ranked = answering_order(asked_for, evidence(asked_for, pool))
    shares[ranked] = 1.0 / (rrf_k + np.arange(len(pool)) + 1)
    rescored = [replace(c, score=c.score + float(s)) for c, s in zip(pool, shares, strict=True)]
    rescored += candidates[len(pool) :]
    rescored.sort(key=order)
    return rescored


def _sentences_holding(masks: np.ndarray) -> np.ndarray:
    """(passages, MAX_SENTENCES): how many of the terms each sentence holds."""
    bits = (masks[:, :, None] >> _SLOTS) & 1
    return bits.sum(axis=1, dtype=np.int64)
