"""Answers without an LLM: the most relevant sentences of the top passages, cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.config import AnswerSettings
from index.embedding import Embedder
from index.lexical import lexical_tokens
from index.records import Answer, AnswerSentence, Citation, Hit
from index.sentences import split_sentences

_SPACES = re.compile(r"\s+")
_MIN_SENTENCE_CHARS = 25
_SHORTLIST = 16  # sentences embedded per question: enough for recall, cheap on a CPU
_LEXICAL_WEIGHT = 0.3  # a question word found in the sentence counts besides meaning
_KEEP_RATIO = 0.75  # a further sentence must score this share of the best one


@dataclass(frozen=True, slots=True)
class _Sentence:
    hit_rank: int
    hit: Hit
    start: int  # offset in the article
    text: str
    overlap: float


def compose_answer(
    question: str,
    hits: Sequence[Hit],
    query_vector: np.ndarray,
    embedder: Embedder,
    settings: AnswerSettings,
) -> Answer:
    """An answer from ``hits`` (best first), or an empty one when the evidence is weak."""
    passages = list(hits[: settings.passages])
    if evidence_strength(passages) < settings.min_relevance:
        return Answer(question=question, sentences=(), citations=(), hits=tuple(hits))
    candidates = _shortlist(question, passages)
    if not candidates:
        return Answer(question=question, sentences=(), citations=(), hits=tuple(hits))
    vectors = embedder.encode([c.text for c in candidates])
    scores = vectors @ query_vector + _LEXICAL_WEIGHT * np.array([c.overlap for c in candidates])
    chosen = _choose(candidates, scores, settings.max_sentences)
    chosen.sort(key=lambda c: (c.hit_rank, c.start))
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for sentence in chosen:
        article = sentence.hit.article
        if article.id not in numbers:
            numbers[article.id] = len(numbers) + 1
            citations.append(Citation(number=numbers[article.id], article=article))
        sentences.append(AnswerSentence(text=sentence.text, citation=numbers[article.id]))
    return Answer(
        question=question, sentences=tuple(sentences), citations=tuple(citations), hits=tuple(hits)
    )


def evidence_strength(hits: Sequence[Hit]) -> float:
    """Cosine similarity of the question to its closest passage; -1 if none was close."""
    return max((h.dense_score for h in hits if h.dense_score is not None), default=-1.0)


def _shortlist(question: str, passages: list[Hit]) -> list[_Sentence]:
    terms = set(lexical_tokens(question))
    seen: set[tuple[str, int]] = set()
    sentences: list[_Sentence] = []
    for rank, hit in enumerate(passages):
        for start, end in split_sentences(hit.text):
            key = (hit.article.id, hit.start + start)
            text = _SPACES.sub(" ", hit.text[start:end])
            if key in seen or len(text) < _MIN_SENTENCE_CHARS:
                continue
            seen.add(key)
            words = set(lexical_tokens(text))
            overlap = len(terms & words) / len(terms) if terms else 0.0
            sentences.append(_Sentence(rank, hit, hit.start + start, text, overlap))
    # Question words plus a small preference for better-ranked passages.
    sentences.sort(key=lambda s: -(s.overlap + 0.1 / (s.hit_rank + 1)))
    return sentences[:_SHORTLIST]


def _choose(candidates: list[_Sentence], scores: np.ndarray, limit: int) -> list[_Sentence]:
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    chosen: list[_Sentence] = []
    for i in order:
        if len(chosen) == limit or scores[i] < best * _KEEP_RATIO:
            break
        chosen.append(candidates[i])
    return chosen
