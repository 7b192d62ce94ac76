"""What a question asks for, read from its form: a person, a place, a date, a number, a
name of another kind, several actors ("who wants X"), or nothing short (why, how, what
happened). No model: the interrogative phrase and the noun after "which"/"what" decide."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["person", "place", "date", "number", "name", "actors"]

_PERSON_NOUNS = (
    r"person|man|woman|actor|actress|singer|rapper|musician|artist|player|athlete|author|"
    r"writer|director|president|leader|politician|senator|governor|lawmaker|candidate|"
    r"star|celebrity|ceo|founder|billionaire|executive|host|comedian|coach|quarterback|"
    r"pitcher|golfer|driver|scientist|judge|justice|official|minister|monarch|king|queen|"
    r"prince|princess|pope|designer|chef|entrepreneur|member|lawyer|rider|skater|boxer|"
    r"swimmer|gymnast|figure|icon|legend|hall of famer"
)
_PLACE_NOUNS = (
    r"country|countries|nation|state|states|city|cities|town|continent|island|region|"
    r"province|county|capital|territory|place|location|park|village|neighborhood|"
    r"district|port|peninsula|sea|ocean|river|lake|mountain|volcano|border"
)
# "what price", "what is the starting price"
_WHAT_IS_THE = r"\b(?:what|which) (?:(?:is|was|are|were|will be) the (?:[\w-]+ )?)?"
_NUMBER = re.compile(
    r"\bhow (?:many|much|long|old|far|big|large|tall|high|often|fast|soon)\b"
    rf"|{_WHAT_IS_THE}(?:percent(?:age)?|share|price|amount|number|proportion|fraction|"
    r"rate|total|sum|score|age|cost|fee|salary|temperature)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\bwhen\b|\b(?:what|which|in what) (?:year|day|date|month|decade|century|season)\b"
    r"|\b(?:since|until)\s*:\s*$",
    re.IGNORECASE,
)
_ACTORS = re.compile(
    r"\bwho(?:m)?\b(?:\s+\w+){0,2}?\s+(?:wants?|backs?|supports?|opposes?|blames?|"
    r"accuses?|fights?|funds?|arms?|threatens?|criticiz\w*|criticis\w*|condemn\w*|"
    r"sanction\w*|is (?:behind|against|for)|are (?:behind|against|for))\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    rf"\b(?:who|whom|whose)\b|\b(?:which|what|this|these)\s+(?:[\w-]+\s+){{0,2}}?"
    rf"(?:{_PERSON_NOUNS})s?\b",
    re.IGNORECASE,
)
_PLACE = re.compile(
    rf"\bwhere\b|\b(?:which|what)\s+(?:[\w-]+\s+){{0,2}}?(?:{_PLACE_NOUNS})\b", re.IGNORECASE
)
_NAME = re.compile(
    r"\bwhich\b|\bwhat (?:is|was|are|were) (?:the )?(?:name|title)\b|\bwhat\s+\w+\b"
    r"|\b(?:named|titled|called)\s*:?\s*$|:\s*$",
    re.IGNORECASE,
)
# What, why and how questions that ask for an account, not a thing.
_ACCOUNT = re.compile(r"^\s*(?:why|how)\b|\bwhat (?:happened|caused|led)\b", re.IGNORECASE)


Unit = Literal["percent", "money", "count"]

_PERCENT = re.compile(r"\bpercent(?:age)?\b|%", re.IGNORECASE)
_MONEY = re.compile(
    r"\bhow much\b.*\b(?:pay|paid|cost|costs|price|priced|worth|spend|spent|money|fund|"
    r"raise|raised|earn|earned|charge|fine|fined|damages|salary|wage|dollars|pounds)\b"
    rf"|{_WHAT_IS_THE}(?:price|cost|fee|salary)\b|\bhow much\b.*\$",
    re.IGNORECASE,
)
_COUNT = re.compile(r"\bhow many\b|\bhow old\b|\bwhat age\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AnswerType:
    """What kind of short answer ``question`` wants; ``noun`` is the noun it names
    ("which *country*"), when it names one; ``unit``, for a number, what it counts in
    when the question says (a percentage, money, or a plain count)."""

    kind: Kind
    noun: str | None = None
    unit: Unit | None = None


_NAMED_NOUN = re.compile(
    rf"\b(?:which|what)\s+({_PLACE_NOUNS}|(?:{_PERSON_NOUNS})s?)\b", re.IGNORECASE
)
_NOUN = re.compile(rf"\b(?:which|what)\s+(?:[\w-]+\s+){{0,2}}?({_PLACE_NOUNS})\b", re.IGNORECASE)


def answer_type(question: str) -> AnswerType | None:
    """The kind of thing ``question`` asks for, or None for a question that asks for an
    account (why, how, what happened) or whose form says nothing."""
    if _ACTORS.search(question):
        return AnswerType("actors")
    kinds: tuple[tuple[re.Pattern[str], Kind], ...] = (
        (_NUMBER, "number"),
        (_DATE, "date"),
        (_PERSON, "person"),
        (_PLACE, "place"),
    )
    named = _NAMED_NOUN.search(question)  # "which state will host": the noun decides
    if named and not _NUMBER.search(question) and not _DATE.search(question):
        noun = named.group(1).lower()
        named_kind: Kind = "place" if re.fullmatch(_PLACE_NOUNS, noun) else "person"
        return AnswerType(named_kind, _noun(question))
    for pattern, kind in kinds:
        if pattern.search(question):
            unit = _unit(question) if kind == "number" else None
            return AnswerType(kind, _noun(question), unit)
    if _ACCOUNT.search(question):
        return None
    if _NAME.search(question):
        return AnswerType("name", _noun(question))
    if question.rstrip().endswith("."):  # "This Hall of Famer ... died this week."
        return AnswerType("name")
    return None


def _noun(question: str) -> str | None:
    """The place noun the question names ("which *country*"), if any."""
    match = _NOUN.search(question)
    return match.group(1).lower() if match else None


def _unit(question: str) -> Unit | None:
    """What a number question counts in, when its form says."""
    if _PERCENT.search(question):
        return "percent"
    if _MONEY.search(question):
        return "money"
    if _COUNT.search(question):
        return "count"
    return None
