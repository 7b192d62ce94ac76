"""What a question needs to know of a passage's sentences: which of them hold its words,
and how many words of the kind it asks for each holds. Stores give these facts for their
candidates (from the index, or from the text with ``evidence_from_texts``); the ranking
reads them (``index.search.answerability``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.ingest.answer_kinds import KINDS, QUESTION_WORDS, asked_kind, kind_terms
from index.ingest.sentence_terms import MAX_SENTENCES, expand_prefixes, sentence_terms
from index.ingest.terms import lexical_tokens


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


def question_terms(question: str) -> set[str]:
    return set(lexical_tokens(question)) - QUESTION_WORDS


def coverage(terms: set[str], text: str) -> float:
    """Share of ``terms`` in ``text``; "Iranian" counts for "Iran"."""
    if not terms:
        return 0.0
    words = set(lexical_tokens(text))
    found = sum(1 for t in terms if any(w.startswith(t) if len(t) >= 4 else w == t for w in words))
    return found / len(terms)
