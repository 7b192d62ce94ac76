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

from dataclasses import dataclass

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


def answering_shares(question: Asked, evidence: Evidence, rrf_k: int) -> np.ndarray:
    """Each passage's share of reciprocal rank fusion (``1 / (rrf_k + rank)``, ranks from
    1) by its place in ``answering_order``."""
    shares = np.empty(len(evidence.kinds))
    shares[answering_order(question, evidence)] = 1.0 / (rrf_k + np.arange(len(shares)) + 1)
    return shares


def _sentences_holding(masks: np.ndarray) -> np.ndarray:
    """(passages, MAX_SENTENCES): how many of the terms each sentence holds."""
    bits = (masks[:, :, None] >> _SLOTS) & 1
    return bits.sum(axis=1, dtype=np.int64)
