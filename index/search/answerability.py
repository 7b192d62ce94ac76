"""Which passages look like they answer a question rather than restate it.

A passage answers when one of its sentences holds both the question's words and a word
of the kind the question asks for (a name for "who", a number for "how many") that the
question does not already say; among such passages, the more of the question that one
sentence covers, the better. Passages with no such sentence follow, by the most of the
question one sentence covers (for a question of no particular kind, that alone ranks).
It is the answer composer's rule for picking sentences (``index.search.answer``), used to
rank the best fused candidates once more: that ranking joins the dense and BM25 rankings
in reciprocal rank fusion (``index.search.retrieval``).

Sentence-level facts come from the index (``index.ingest.sentence_terms``); for
passages indexed without them, from the passage's text, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from index.ingest.answer_kinds import KINDS, QUESTION_WORDS, asked_kind, kind_terms
from index.ingest.sentence_terms import MAX_SENTENCES, expand_prefixes, sentence_terms
from index.ingest.terms import lexical_tokens

_SLOTS = np.arange(MAX_SENTENCES, dtype=np.uint16)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a question's words are and, when its form says, what kind of word it wants."""

    terms: tuple[str, ...]  # its lexical terms, question words left out
    kind: int | None  # index into KINDS
    kind_terms: tuple[str, ...]  # its own words of that kind, as lexical terms


def asked(question: str) -> Asked:
    pattern = asked_kind(question)
    own = kind_terms(question, pattern) if pattern is not None else set()
    return Asked(
        terms=tuple(sorted(set(lexical_tokens(question)) - QUESTION_WORDS)),
        kind=KINDS.index(pattern) if pattern is not None else None,
        kind_terms=tuple(sorted(own)),
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    """Sentence-level facts about a list of passages, for one question."""

    term_masks: np.ndarray  # uint16 (passages, len(terms)): the sentences holding each term
    kind_term_masks: np.ndarray  # uint16 (passages, len(kind_terms))
    kinds: np.ndarray  # uint8 (passages, MAX_SENTENCES, len(KINDS))


def evidence_from_texts(question: Asked, texts: list[str]) -> Evidence:
    """The facts worked out from the passages' texts (for passages indexed without them)."""
    analysed = [sentence_terms(text) for text in texts]

    def masks(terms: tuple[str, ...]) -> np.ndarray:
        found = [[expand_prefixes(a.masks, t) for t in terms] for a in analysed]
        return np.array(found, dtype=np.uint16).reshape(len(texts), len(terms))

    kinds = np.array([a.kinds for a in analysed], dtype=np.uint8)
    return Evidence(
        masks(question.terms),
        masks(question.kind_terms),
        kinds.reshape(len(texts), MAX_SENTENCES, len(KINDS)),
    )


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
