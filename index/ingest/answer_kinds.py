"""Kinds of answers: what a question's form asks for (a name, a number, a date) and the
words of each kind a text holds. No model: capitals, digits and calendar words decide.
Used where passages are indexed (``index.ingest.sentence_terms``), ranked
(``index.search.answerability``) and quoted (``index.answer.extractive``)."""

from __future__ import annotations

import re

from index.ingest.terms import lexical_tokens

NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*|\b[A-Z]{2,}\b")
NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)s?\b",
    re.I,
)
DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"yesterday|today|tomorrow|last (?:week|month|year)|next (?:week|month|year))\b"
)
KINDS = (NAME, NUMBER, DATE)  # the order of the kind counts stored with every passage

# The interrogative phrase says what kind of answer is wanted, wherever it stands ("at
# what price", "the voice of who?"); the first kind that matches decides.
_ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|old|far|big|large|tall|high|often)\b"
    r"|\b(?:what|which) (?:percent(?:age)?|share|price|amount|number|proportion|fraction|"
    r"rate|total|sum|score|age|time)\b",
    re.IGNORECASE,
)
_ASKS_DATE = re.compile(
    r"\bwhen\b|\b(?:what|which|in what) (?:year|day|date|month|decade|century)\b", re.IGNORECASE
)
_ASKS_NAME = re.compile(r"\b(?:who|whom|whose|which|where)\b", re.IGNORECASE)

QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "which", "when", "where", "why", "how"})

# Capitalised words that open sentences without naming anything.
STOP_NAMES = frozenset(
    """the a an and but or so yet for in on at to of as by with from it its this that these
    those he she they we i you his her their our meanwhile however while when where who
    what which if then there here also after before since some many most more one """.split()
)


def asked_kind(question: str) -> re.Pattern[str] | None:
    """What kind of words an answer to ``question`` contains, when its form says so."""
    for asks, kind in ((_ASKS_NUMBER, NUMBER), (_ASKS_DATE, DATE), (_ASKS_NAME, NAME)):
        if asks.search(question):
            return kind
    return None


def kind_words(text: str, kind: re.Pattern[str]) -> set[str]:
    """The distinct words of ``kind`` in ``text``, case-folded ("The" opening a sentence
    names nothing)."""
    return {m.group().casefold() for m in kind.finditer(text)} - STOP_NAMES


def kind_terms(text: str, kind: re.Pattern[str]) -> set[str]:
    """The lexical terms of the words of ``kind`` in ``text``: "Aven" and "Aven's" are one."""
    return {term for word in kind_words(text, kind) for term in lexical_tokens(word)}
