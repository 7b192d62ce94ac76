"""The answer pipeline: retrieve (with a conversation's earlier questions when the new
one leans on them) -> rank (``index.search``) -> compose, extractively
(``index.answer.extractive``) or by a language model whose every sentence is verified
(``index.llm.compose``, ``index.llm.verify``), the extractive answer its fallback; then
the short answer and the lead (``index.answer.leading``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from index.answer.answer_types import answer_type
from index.answer.extractive import compose_answer, evidence_strength
from index.answer.leading import with_short_answer
from index.config import AnswerSettings
from index.llm.compose import LLMWriter
from index.records import Answer, Hit, SearchFilters, Turn
from index.search.followup import continued_turns
from index.search.recency import Freshness, outdated_coverage
from index.search.retrieval import Retriever

# Passages an answer may take from one article: the one article that answers gives its
# key paragraphs rather than ceding places to barely related ones.
ANSWER_PER_ARTICLE = 3


@dataclass(frozen=True, slots=True)
class Retrieved:
    """What retrieval found for a question: the ``query`` it searched for (the question,
    or with earlier questions for a follow-up), the hits, and the conversation turns
    that still bear on it."""

    question: str
    query: str
    hits: list[Hit]
    conversation: tuple[Turn, ...]


def retrieve(
    retriever: Retriever,
    question: str,
    filters: SearchFilters | None,
    as_of: date,
    conversation: Sequence[Turn],
    k: int,
) -> Retrieved:
    """The question searched alone; a follow-up that does not stand alone searched again
    with the questions of the turns it continues (``index.search.followup``: the one it
    fits best, and that one's own when it was a follow-up), which are all the model sees
    of the conversation. A question that stands alone drops it: it would only mislead."""
    search = functools.partial(
        retriever.search, k=k, filters=filters, as_of=as_of, max_per_article=ANSWER_PER_ARTICLE
    )
    hits = search(question, query_vector=retriever.embed_query(question))
    strength = evidence_strength(hits)
    earlier = continued_turns(question, strength, conversation, retriever.embed_query)
    if not earlier:
        return Retrieved(question, question, hits, ())
    query = " ".join([*(turn.question for turn in earlier), question])
    hits = search(query, query_vector=retriever.embed_query(query))
    return Retrieved(question, query, hits, tuple(earlier))


def compose(
    retrieved: Retrieved,
    settings: AnswerSettings,
    as_of: date,
    writer: LLMWriter | None,
    on_progress: Callable[[Answer], None] | None = None,
    recency_half_life_days: float = 30.0,
) -> Answer:
    """The model's verified answer when there is a model and the evidence is strong
    enough to answer at all; else, or when it cannot be used, the extractive one; dated
    ``as_of``, with how current its sources are for a question about the present."""
    question, query, hits = retrieved.question, retrieved.query, retrieved.hits
    answer = None
    fallback = None
    if (
        writer is not None
        and evidence_strength(hits[: settings.passages]) >= settings.min_relevance
    ):
        asks_a_thing = answer_type(question) is not None
        written = writer.write(
            question, hits, as_of, retrieved.conversation, on_progress, short_answer=asks_a_thing
        )
        answer = written.answer
        fallback = (written.fallback, written.run) if answer is None else None
    if answer is None:
        answer = compose_answer(question, hits, settings, query)
        if fallback is not None:
            answer = replace(answer, fallback=fallback[0], model_run=fallback[1])
    freshness = Freshness(as_of, recency_half_life_days)
    answer = with_short_answer(answer, settings.passages, freshness)
    published = [c.article.published for c in answer.citations]
    coverage = outdated_coverage(query, as_of, published) if answer.answered else None
    return replace(answer, as_of=as_of, latest_coverage=coverage)
