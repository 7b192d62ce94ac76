"""Candidate short answers of a kind in a sentence: names (runs of capitalised words),
numbers with their units, dates. No model: capitals, digits and calendar words decide,
as in ``index.ingest.answer_kinds``. A NER model (spaCy's small English pipeline, from
PyPI only as an unofficial re-upload) took ~100-500 ms for five passages on this
machine's shared CPUs, against a 50 ms budget for the whole question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answer.answer_types import Kind
from index.ingest.answer_kinds import STOP_NAMES

_CONNECTORS = "of de da del della di du la le van von der al bin y the & for on upon".split()
_CONNECTOR = rf"(?:{'|'.join(_CONNECTORS)})"
_CAPITAL_WORD = r"(?:[A-Z][\w’'.-]*[\w]|[A-Z])"
_NAME = re.compile(
    rf"(?<![\w’'-]){_CAPITAL_WORD}(?:\s+(?:{_CONNECTOR}\s+)*{_CAPITAL_WORD})*(?![\w-])"
)
# Offices that name who holds them ("President Vladimir Putin": an actor, and no answer
# to a which-thing question); the rest of _OFFICE only ever stands by a name.
_TITLE_WORDS = (
    r"President|Prime Minister|Minister|Chancellor|King|Queen|Prince|Secretary|"
    r"Leader|Gov|Governor|Sen|Senator|Rep|Mayor|CEO|Chairman|General|Gen|Pope|Ambassador"
)
_OFFICE = (
    rf"(?:{_TITLE_WORDS}|Executive|Director|Chief|Judge|Justice|Sheriff|Speaker|"
    r"Commissioner|Attorney General|Lt|Col|Sgt|Dr|Mr|Mrs|Ms)"
)
_TITLES = re.compile(rf"\b(?:{_TITLE_WORDS})\b")
# Words that only stand by a name: an office alone, a party and state ("D-Md.").
_NOT_A_NAME = re.compile(rf"^(?:{_OFFICE}\.?\s*)+$|^[DRI]-[A-Z][A-Za-z]*\.?$")
_QUOTED = re.compile(r"[\"“]([A-Z][^\"“”]{1,58}?)[\"”]")
_SCALE = r"(?:hundred|thousand|million|billion|trillion)"
_NUMBER = re.compile(
    rf"(?:[$€£¥]\s?)?\b\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:%|percent\b|{_SCALE}\b))?"
    rf"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|"
    rf"twenty|thirty|forty|fifty|hundred)(?:\s{_SCALE})?\b",
    re.IGNORECASE,
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})(?:\s+\d{{1,2}})?(?:,?\s+(?:1[89]|20)\d\d)?|(?:1[89]|20)\d\d)\b"
)
_CALENDAR = re.compile(
    rf"^(?:{_MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|Today|Tonight|Yesterday|Tomorrow|ET|PT|EST|EDT|GMT|UTC)$"
)
_DESCRIBED = re.compile(r"-(?:based|backed|born|bred|led|owned|run|funded|made|raised)$")
_CONTRACTION = re.compile(r"[’'](?:m|t|re|ve|ll|d)\b")  # "I'm", "Don't"
_WEEKDAY = re.compile(r"^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$")
# Closed-class words that open sentences and are capitalised only for that.
_OPENERS = frozenset(
    """about according across after again against all almost already although among
    another any anyone anything around because before being below beneath beside besides
    both despite during each earlier either even every everyone everything except few
    following further here how however instead just last later less like meanwhile
    much nearly neither never next no nobody none nor not nothing now once only other
    otherwise over perhaps please rather same several should since still such than though
    through throughout thus today together too toward towards under unless unlike until
    upon very via what whatever when whenever whether which while who whom whose why will
    within without would yes yet""".split()
    # and the imperatives and labels of a page's furniture: "Watch", "Stream on Apple TV"
    + """watch follow see add stream check read sign subscribe click listen download share
    photos video related advertisement""".split()
)
_POSSESSIVE = re.compile(r"[’']s?$")
_MAX_CHARS = 60


@dataclass(frozen=True, slots=True)
class Mention:
    """A candidate in a sentence: its text and where it starts and ends there."""

    text: str
    start: int
    end: int

    @property
    def titled(self) -> bool:
        """Whether it names someone by office: "Russian President Vladimir Putin"."""
        return bool(_TITLES.search(self.text))


def mentions(sentence: str, kind: Kind, names: re.Pattern[str] | None = None) -> list[Mention]:
    """The candidates of ``kind`` in ``sentence``; only the ``names`` of a list, given one."""
    if names is not None:
        return [Mention(m.group(), m.start(), m.end()) for m in names.finditer(sentence)]
    if kind == "number":
        found = [Mention(m.group().strip(), m.start(), m.end()) for m in _NUMBER.finditer(sentence)]
        return [m for m in found if not _is_year(m.text)]
    if kind == "date":
        return [Mention(m.group(), m.start(), m.end()) for m in _DATE.finditer(sentence)]
    found = [n for m in _NAME.finditer(sentence) if (n := _trimmed(m.group(), m.start()))]
    found += [Mention(m.group(1), m.start(1), m.end(1)) for m in _QUOTED.finditer(sentence)]
    return [n for n in found if len(n.text) <= _MAX_CHARS]


def untitled(name: str) -> str:
    """``name`` without the office before it: "Vladimir Putin" of "Russian President
    Vladimir Putin"."""
    offices = list(_TITLES.finditer(name))
    rest = name[offices[-1].end() :].lstrip(". ") if offices else name
    return rest if rest[:1].isupper() else name


def _trimmed(text: str, start: int) -> Mention | None:
    """A name without what describes it ("Trump-backed"), without the words that open
    sentences ("The", "But", "Here's", "Despite", "Thursday"), cut before a connected
    calendar word ("Oscars on March") and without a possessive. Common nouns capitalised
    at the start of a sentence stay: "Eggs" is often the answer to "which food ...?"."""
    words = text.split()
    described = [at for at, word in enumerate(words) if _DESCRIBED.search(word)]
    if described:  # "San Francisco-based Virgin America": the name follows
        start += len(" ".join(words[: described[-1] + 1])) + 1
        words = words[described[-1] + 1 :]
    while words and _opener(words[0]):
        start += len(words[0]) + 1
        words = words[1:]
    for at in range(1, len(words) - 1):
        if words[at] in _CONNECTORS and _CALENDAR.match(_POSSESSIVE.sub("", words[at + 1])):
            words = words[:at]
            break
    if not words:
        return None
    name = _POSSESSIVE.sub("", " ".join(words))
    if _CALENDAR.match(name) or len(name) < 2 or _CONTRACTION.search(name):
        return None
    if _NOT_A_NAME.match(name):
        return None
    return Mention(name, start, start + len(name))


def _opener(word: str) -> bool:
    bare = _POSSESSIVE.sub("", word)
    folded = bare.casefold()
    return folded in STOP_NAMES or folded in _OPENERS or bool(_WEEKDAY.match(bare))


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(?:1[89]|20)\d\d", text))
