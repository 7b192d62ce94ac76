"""What an answer says first: its short answer, when the passages support one, and the
line shown first (the lead). The lead of a short answer is the clause that says it; a
question that asks for a thing the passages do not clearly give gets no short answer,
and its lead says so before the closest coverage; a question that asks for an account
(why, how) leads with the clause that answers (``index.answer.lead``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.answer.lead import Lead, answering_clause, lead_of
from index.answer.short_answer import Candidate, chosen, find_short_answer, offered
from index.ingest.sentences import split_sentences
from index.llm.short_line import actors_of
from index.records import Answer, AnswerSentence, ArticleInfo, Citation, ShortAnswer
from index.search.recency import Freshness

NOT_DIRECT = "Not said directly; the closest coverage:"
_LIKELIEST = 3


def with_short_answer(answer: Answer, passages: int, freshness: Freshness | None = None) -> Answer:
    """``answer`` with its short answer (from its first ``passages`` hits, each counting
    by its ``freshness`` on the day asked) and lead set."""
    if not answer.answered:
        return answer
    lead = lead_of(answer)
    if answer.mode == "llm":
        return _model_lead(answer, passages, freshness)
    offer = offered(answer.question, answer.hits[:passages], freshness)
    found = chosen(offer)
    if found is None:
        if lead is None or offer.wanted is None or answer.mode != "extractive":
            return replace(answer, lead=lead.text if lead else None)
        # With no answer standing out as news of the day, the closest coverage is what
        # the passages support most, whenever published (measured: the answer string is
        # in the lead as often on two sets and 0.020 more often on rtqa-2024).
        unweighted = offered(answer.question, answer.hits[:passages]) if freshness else offer
        return _closest_coverage(answer, lead, unweighted.ranked)
    citations = list(answer.citations)
    numbers = [_cite(article, citations) for article in found.articles]
    short = ShortAnswer(found.text, tuple(dict.fromkeys(numbers)), " ".join(found.sentences))
    return replace(
        answer,
        citations=tuple(citations),
        short_answer=short,
        lead=_clauses_saying(found.sentences, found.names, answer.question),
    )


def _closest_coverage(answer: Answer, lead: Lead, ranked: list[Candidate]) -> Answer:
    """No short answer to a question that asks for a thing: the lead says so, then the
    clause that names the likeliest answers. That is the lead's own clause when it names
    one of the three best-supported candidates; else the best one's sentence, which
    opens the answer's sentences when it is not among them (measured: the answer string
    is in the lead for 0.032/0.017/0.020 more of the questions with no short answer)."""
    likeliest = [c.text.casefold() for c in ranked[:_LIKELIEST]]
    if not ranked or any(name in lead.text.casefold() for name in likeliest):
        return replace(answer, lead=f"{NOT_DIRECT} {lead.text}")
    best = ranked[0]
    assert best.article is not None
    clause = answering_clause(best.sentence, answer.question)
    if best.text not in clause:  # the clause that answers holds the candidate, or the sentence
        clause = best.sentence
    sentences = list(answer.sentences)
    citations = list(answer.citations)
    if not any(best.sentence in s.text for s in sentences):
        sentences.insert(0, AnswerSentence(best.sentence, (_cite(best.article, citations),)))
    return replace(
        answer,
        sentences=tuple(sentences),
        citations=tuple(citations),
        lead=f"{NOT_DIRECT} {clause}",
    )


def _model_lead(answer: Answer, passages: int, freshness: Freshness | None) -> Answer:
    """A model's answer leads with its short answer when it gave one that passed
    verification; else with the short answer found in the articles, if the model's
    sentences say it too (the two agree); else with its first sentence. The line under
    the short answer is the model's sentence that says it, else the passages' sentences
    that do."""
    short = answer.short_answer
    citations = list(answer.citations)
    if short is None:
        found = find_short_answer(answer.question, answer.hits[:passages], freshness)
        written = _folded(answer.text)
        if found is not None and all(_folded(name) in written for name in found.names):
            numbers = [_cite(article, citations) for article in found.articles]
            short = ShortAnswer(
                found.text, tuple(dict.fromkeys(numbers)), " ".join(found.sentences)
            )
    if short is None:
        first = lead_of(answer)
        return replace(answer, lead=first.text if first else None)
    said = next((s for s in answer.sentences if _folded(short.text) in _folded(s.text)), None)
    if said is not None:
        short, lead = replace(short, sentence=said.text), said.text
    else:
        sentences = [short.sentence[a:b] for a, b in split_sentences(short.sentence)]
        lead = _clauses_saying(sentences, actors_of(short.text), answer.question)
    return replace(answer, citations=tuple(citations), short_answer=short, lead=lead)


def _clauses_saying(sentences: Sequence[str], names: Sequence[str], question: str) -> str:
    """Of each sentence that says the short answer, the clause that answers when it holds
    the sentence's part of it ("Vladimir Putin" of "… and …"), else the whole sentence."""
    folded = [name.casefold() for name in names]
    said = []
    for sentence in sentences:
        clause = answering_clause(sentence, question)
        named = [name for name in folded if name in sentence.casefold()]
        said.append(clause if all(name in clause.casefold() for name in named) else sentence)
    return " ".join(said)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cite(article: ArticleInfo, citations: list[Citation]) -> int:
    """The citation number of ``article``, added after the others if it had none."""
    for citation in citations:
        if citation.article.id == article.id:
            return citation.number
    citations.append(Citation(number=len(citations) + 1, article=article))
    return citations[-1].number
