"""Answers without an LLM: the most relevant sentences of the top passages, cited.

Sentences are scored without running the model: by their passage's closeness to the
question, the question's words they hold, the kind of answer they hold, and whether they
open their article (news leads with what happened). An article's headline is a candidate
too, scored as an opening sentence, when it holds a word of the kind the question asks
for that the question does not say: headlines name who did what ("Maryland primary:
Angela Alsobrooks notches major victory") where the text may only say "she" (on
rtqa-2024 the answer string in 0.613 of answers instead of 0.573). Embedding a
shortlist of eight sentences instead took most of the time of a question (~10 question
embeddings) and put the answer string in fewer answers (0.553 against 0.573 of 150).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.config import AnswerSettings
from index.ingest.answer_kinds import NAME, QUESTION_WORDS, asked_kind, kind_words
from index.ingest.sentence_terms import addressed
from index.ingest.sentences import split_sentences
from index.ingest.terms import lexical_tokens
from index.injection import addresses_a_reader
from index.records import Answer, AnswerSentence, Citation, Hit

_SPACES = re.compile(r"\s+")
_SITE_SUFFIX = re.compile(r"\s+\|[^|]*$")  # "... | CNN Politics": the site, not the news
_MIN_SENTENCE_CHARS = 25
_LEXICAL_WEIGHT = 0.3  # a question word found in the sentence counts besides meaning
_ANSWER_TYPE_BONUS = 0.05  # a name each for "who", a number for "how many", up to three
# An article's opening sentences say what happened: who did what, where, how many.
_LEDE_SENTENCES = 2
_LEDE_BONUS = 0.1
_REDUNDANCY_WEIGHT = 0.3  # a sentence sharing the words of one already chosen adds little
_KEEP_RATIO = 0.7  # a further sentence must score this share of the best one


@dataclass(frozen=True, slots=True)
class _Sentence:
    hit_rank: int
    hit: Hit
    start: int  # offset in the article; -1 for its headline
    text: str
    words: frozenset[str]  # lexical tokens
    lede: bool  # one of its article's opening sentences


def compose_answer(
    question: str, hits: Sequence[Hit], settings: AnswerSettings, query: str | None = None
) -> Answer:
    """An answer from ``hits`` (best first), or an empty one when the evidence is weak.

    ``query`` is what retrieval searched for when it was more than ``question`` (a
    follow-up's earlier questions with it): its further words count for half."""
    passages = list(hits[: settings.passages])
    if evidence_strength(passages) < settings.min_relevance:
        return Answer(question=question, sentences=(), citations=(), hits=tuple(hits))
    wanted = asked_kind(question)
    question_words = set(lexical_tokens(question))
    context = set(lexical_tokens(query or "")) - question_words - QUESTION_WORDS
    said = _Said(question_words | context)
    terms = question_words - QUESTION_WORDS
    kinds = [(c, _answer_type_count(c.text, wanted, said)) for c in _sentences(passages)]
    # A headline restating the question ("Halden Motors recalls SUVs") answers nothing;
    # in a Title Case Headline capitals name nothing.
    kinds = [
        (c, kind)
        for c, kind in kinds
        if c.start >= 0 or (kind and not (wanted is NAME and _title_case(c.text)))
    ]
    if not kinds:
        return Answer(question=question, sentences=(), citations=(), hits=tuple(hits))
    candidates = [c for c, _ in kinds]
    scores = np.array(
        [
            (c.hit.dense_score or 0.0)
            + _LEXICAL_WEIGHT * (_overlap(terms, c.words) + _overlap(context, c.words) / 2)
            + _ANSWER_TYPE_BONUS * kind
            + _LEDE_BONUS * c.lede
            for c, kind in kinds
        ]
    )
    chosen = _choose(candidates, scores, settings.max_sentences)
    # Reading order: articles as ranked, sentences as they stand in each article.
    article_rank: dict[str, int] = {}
    for c in sorted(chosen, key=lambda c: c.hit_rank):
        article_rank.setdefault(c.hit.article.id, c.hit_rank)
    chosen.sort(key=lambda c: (article_rank[c.hit.article.id], c.start))
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for sentence in chosen:
        article = sentence.hit.article
        if article.id not in numbers:
            numbers[article.id] = len(numbers) + 1
            citations.append(Citation(number=numbers[article.id], article=article))
        sentences.append(AnswerSentence(text=sentence.text, citations=(numbers[article.id],)))
    return Answer(
        question=question, sentences=tuple(sentences), citations=tuple(citations), hits=tuple(hits)
    )


def evidence_strength(hits: Sequence[Hit]) -> float:
    """Cosine similarity of the question to its closest passage; -1 if none was close."""
    return max((h.dense_score for h in hits if h.dense_score is not None), default=-1.0)


def _sentences(passages: list[Hit]) -> list[_Sentence]:
    """Every sentence of ``passages`` once (passages overlap) and the headline of each
    of their articles, fragments left out."""
    seen: set[tuple[str, int]] = set()
    sentences: list[_Sentence] = []

    def add(rank: int, hit: Hit, start: int, text: str, lede: bool, orders: bool) -> None:
        text = _SPACES.sub(" ", text).strip()
        key = (hit.article.id, start)
        if key in seen or len(text) < _MIN_SENTENCE_CHARS or orders:
            return  # a sentence addressing a reader or a model is no news to quote
        seen.add(key)
        sentences.append(_Sentence(rank, hit, start, text, frozenset(lexical_tokens(text)), lede))

    for rank, hit in enumerate(passages):
        title = _SITE_SUFFIX.sub("", hit.article.title)
        add(rank, hit, -1, title, lede=True, orders=addresses_a_reader(title))
        for number, (start, end) in enumerate(split_sentences(hit.text)):
            lede = hit.start == 0 and number < _LEDE_SENTENCES
            sentence = hit.text[start:end]
            add(rank, hit, hit.start + start, sentence, lede, addressed(hit, number, sentence))
    return sentences


def _overlap(terms: set[str], words: frozenset[str]) -> float:
    """Share of the question's terms in the sentence; "Iranian" counts for "Iran"."""
    if not terms:
        return 0.0
    ordered = sorted(words)  # a term's longer forms follow it: one bisection finds them
    found = 0
    for term in terms:
        if len(term) < 4:
            found += term in words
        else:
            at = bisect_left(ordered, term)
            found += at < len(ordered) and ordered[at].startswith(term)
    return found / len(terms)


def _title_case(text: str) -> bool:
    """Whether every longer word is capitalised, as in "Running Iran Out of Syria"."""
    words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", text) if len(w) > 3]
    return len(words) >= 2 and all(w[0].isupper() for w in words)


def _answer_type_count(text: str, wanted: re.Pattern[str] | None, said: _Said) -> int:
    """Distinct words of the wanted kind that the question does not already say (max 3)."""
    if wanted is None:
        return 0
    found = kind_words(text, wanted)
    return min(sum(1 for word in found if not said(word)), 3)


class _Said:
    """Whether the question says a word already: "Syrian" and "Syria's" are its "Syria"."""

    def __init__(self, terms: set[str]) -> None:
        self._prefixes = tuple(t for t in terms if len(t) >= 4)
        self._exact = frozenset(t for t in terms if len(t) < 4)

    def __call__(self, word: str) -> bool:
        return word in self._exact or word.startswith(self._prefixes)


def _choose(candidates: list[_Sentence], scores: np.ndarray, limit: int) -> list[_Sentence]:
    """Greedy maximal marginal relevance: relevant sentences that say different things
    (redundancy: the largest share of words a sentence has in common with one chosen)."""
    best = float(scores.max())
    remaining = set(range(len(candidates)))
    redundancy = [0.0] * len(candidates)
    chosen: list[int] = []
    while remaining and len(chosen) < limit:
        pick = max(remaining, key=lambda i: (scores[i] - _REDUNDANCY_WEIGHT * redundancy[i], -i))
        if scores[pick] < best * _KEEP_RATIO:
            break
        chosen.append(pick)
        remaining.remove(pick)
        for i in remaining:
            redundancy[i] = max(redundancy[i], _shared_words(candidates[pick], candidates[i]))
    return [candidates[i] for i in chosen]


def _shared_words(one: _Sentence, other: _Sentence) -> float:
    union = len(one.words | other.words)
    return len(one.words & other.words) / union if union else 0.0
