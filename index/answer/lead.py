"""The line an answer leads with and the short quotes under it: the sentence that best
answers, trimmed to its clause that answers. No model: question words and answer types
decide."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.ingest.sentence_facts import coverage, question_terms
from index.records import Answer, AnswerSentence

_PARENTHESIS = re.compile(r"\s*\([^()]*\)")
_ASIDE = re.compile(r"\s+[—–]\s+([^—–]+?)\s+[—–]\s+")  # " — who met X — "
_DASH = re.compile(r"\s+[—–]\s+")
_CLAUSE_BREAK = re.compile(r"\s+[—–]\s+|;\s+")
_SEMICOLON = re.compile(r";\s+")
_OPENERS = re.compile(
    r"^(?:(?:meanwhile|however|and|but|so|also|still|moreover|of course|yet|then)\b,?\s+)+",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z]")
_NUMBER = re.compile(r"\d")
_MIN_CLAUSE_CHARS = 30


@dataclass(frozen=True, slots=True)
class Lead:
    """What an answer says first: ``text``, from its sentence number ``sentence`` (from
    0), rests on the sources ``citations``."""

    text: str
    citations: tuple[int, ...]
    sentence: int


def lead_of(answer: Answer) -> Lead | None:
    """The answer's opening line: a language model's first sentence (it is asked to lead
    with the answer); for an extractive answer, the sentence that covers most of the
    question and names what it asks for, trimmed to the clause that does. None when the
    answer is empty."""
    if not answer.sentences:
        return None
    if answer.mode == "llm":
        first = answer.sentences[0]
        return Lead(first.text, first.citations, 0)
    terms = question_terms(answer.question)
    wants = _wanted(answer.question)
    best: tuple[float, Lead] | None = None
    for number, sentence in enumerate(answer.sentences):
        clause = answering_clause(sentence.text, answer.question)
        score = coverage(terms, clause) + 0.1 * min(3, len(wants.findall(clause)) if wants else 0)
        if best is None or score > best[0]:
            best = (score, Lead(clause, sentence.citations, number))
    return best[1] if best else None


def answering_clause(sentence: str, question: str) -> str:
    """``sentence`` without its asides (brackets, dashes that do not touch the question)
    and opening connectives, cut to its clause that covers most of the question."""
    terms = question_terms(question)
    text = _PARENTHESIS.sub("", sentence)
    text = _ASIDE.sub(lambda m: ", " if coverage(terms, m.group(1)) == 0 else m.group(0), text)
    # A lone dash joins two clauses; dashes in pairs hold an aside about the question, kept.
    breaks = _CLAUSE_BREAK if len(_DASH.findall(text)) % 2 else _SEMICOLON
    clauses = [c.strip() for c in breaks.split(text) if len(c.strip()) >= _MIN_CLAUSE_CHARS]
    if clauses:
        wants = _wanted(question)
        text = max(
            clauses,
            key=lambda c: coverage(terms, c) + 0.1 * bool(wants and wants.search(c)),
        )
    text = _OPENERS.sub("", text.strip())
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in '.!?"”’' else text.rstrip(",;: ") + "."


def quote_sentences(answer: Answer, lead: Lead | None) -> list[AnswerSentence]:
    """The answer's sentences other than the one the lead comes from (its full text is
    one "More" away)."""
    return [
        s for number, s in enumerate(answer.sentences) if lead is None or number != lead.sentence
    ]


def _wanted(question: str) -> re.Pattern[str] | None:
    """Names for who/where/which questions, numbers for how many/much, else None."""
    lowered = question.lower()
    if re.search(r"\bhow (?:many|much|long|old|far)\b|\bwhen\b", lowered):
        return _NUMBER
    if re.search(r"\b(?:who|whom|whose|which|where)\b", lowered):
        return _NAME
    return None
