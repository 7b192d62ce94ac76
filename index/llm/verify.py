"""Sentence-level verification of the model's draft against the passages it was given.

A sentence is kept only if

1. it cites at least one passage, and every passage it cites was given;
2. every name it states (a capitalised word: "Netanyahu", "Halden", "NATO") is in the
   passages it cites; a sentence's first word counts as a name unless it is a function
   word or written in lower case somewhere in the passages ("Officials said …");
3. every number it states ("84,000", "3.75%", "$35", "2024") is in them, compared as
   numbers ("84,000" is "84000"; "3.50" is "3.5"; "seven" in a passage is "7");
4. at least half of its content words (stemmed, as BM25 sees them) are in them: a
   sentence that names nothing cannot say what no passage says either.

The evidence of a passage is its title, publisher, date (also as "14 February 2024")
and text, minus any sentence of it that addresses an AI ("ignore previous instructions",
"note to AI assistants"): a claim found only in such a sentence is the article talking
to the model, not news, and a reply that obeys it is dropped. Names and words are
compared case-insensitively with typographic quotes, hyphens and possessives
normalised; a demonym matches its country ("Iranian" and "Iran").
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from index.ingest.sentences import split_sentences
from index.ingest.terms import lexical_tokens
from index.injection import addresses_an_ai
from index.llm.draft import MARKER, cited_numbers, clean, without_markers
from index.records import DroppedSentence, Hit

MIN_SUPPORT = 0.5  # share of a sentence's content words that its passages must contain

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_WORD = re.compile(r"[^\W\d_](?:[\w'.]*\w)?")
_POSSESSIVE = re.compile(r"'s?$")
_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
# A word in lower case, not part of an address ("halden-refunds.example").
_LOWER_WORD = re.compile(r"(?<![\w\-./@])[a-z]+(?![\w\-/@]|\.\w)")
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12"}
_DEMONYM_ENDINGS = ("n", "an", "ian", "i", "ese", "ish", "s", "es")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|`")
_HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "prof", "sir", "i"})
# Capitalised words that open sentences without naming anything: function words, and
# the people and things news sentences commonly start with.
_FUNCTION_WORDS = frozenset(
    """a an the and but or nor so yet for if then than that this these those there here
    it its he she they we i you his her their our your my me him them us who whom whose
    what which when where why how while after before since until as at by from in into of
    on onto to with without within about above below over under between among against
    during through also however meanwhile moreover furthermore still thus therefore both
    either neither each every all some many most more few several no not one according
    despite although though because instead rather yes other others such only even just
    today yesterday tomorrow now later earlier recently last next first second finally
    officials analysts experts critics residents authorities police investors economists
    lawmakers protesters witnesses observers sources reports people researchers scientists
    leaders voters workers employees customers owners drivers passengers fans""".split()
)


@dataclass(frozen=True, slots=True)
class Checked:
    """A kept sentence, without its markers, and the passages (1-based) it cites."""

    text: str
    passages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Evidence:
    words: frozenset[str]  # normalised words, for names
    numbers: frozenset[str]
    stems: frozenset[str]  # content words as BM25 sees them


def verify(
    draft: str, passages: Sequence[Hit], *, complete: bool = True
) -> tuple[list[Checked], list[DroppedSentence]]:
    """The sentences of ``draft`` that pass, and those that do not with the reason.
    ``passages`` are the hits given to the model, [1] first; an incomplete draft (cut
    at max_tokens) loses its last sentence unless that one ended."""
    evidence = [_evidence(hit) for hit in passages]
    lowercase = {word for hit in passages for word in _LOWER_WORD.findall(hit.text)}
    sentences = split_draft(draft)
    kept: list[Checked] = []
    dropped: list[DroppedSentence] = []
    for position, sentence in enumerate(sentences):
        if not complete and position == len(sentences) - 1 and not _ended(sentence):
            dropped.append(DroppedSentence(sentence, "cut off at max_tokens"))
            continue
        reason = _problem(sentence, evidence, lowercase)
        if reason:
            dropped.append(DroppedSentence(sentence, reason))
        else:
            text = " ".join(without_markers(sentence).split())
            kept.append(Checked(text, tuple(cited_numbers(sentence))))
    return kept, dropped


def split_draft(draft: str) -> list[str]:
    """The draft's sentences with their markers; a marker that opens a sentence
    ("… out. [1] Netanyahu …") belongs to the one before it."""
    sentences: list[str] = []
    for line in clean(draft).splitlines():
        line = _EMPHASIS.sub("", _BULLET.sub("", line)).strip()
        for start, end in split_sentences(line):
            sentence = line[start:end]
            leading = re.match(rf"(?:\s*{MARKER.pattern})+", sentence)
            if leading and sentences:
                sentences[-1] += " " + leading.group().strip()
                sentence = sentence[leading.end() :].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def _problem(sentence: str, evidence: list[_Evidence], lowercase: set[str]) -> str | None:
    cited = cited_numbers(sentence)
    if not cited:
        return "cites no passage"
    unknown = [n for n in cited if not 1 <= n <= len(evidence)]
    if unknown:
        given = f"[1]-[{len(evidence)}]" if evidence else "none"
        return f"cites {_markers(unknown)}, not a passage given ({given})"
    words = frozenset().union(*(evidence[n - 1].words for n in cited))
    numbers = frozenset().union(*(evidence[n - 1].numbers for n in cited))
    stems = frozenset().union(*(evidence[n - 1].stems for n in cited))
    text = without_markers(sentence)
    where = f"in {_markers(cited)}"
    missing_names = [name for name in names(text, lowercase) if not _known(name, words)]
    if missing_names:
        return f"names {', '.join(missing_names)}, not {where}"
    missing_numbers = [n for n in numbers_in(text) if _number(n) not in numbers]
    if missing_numbers:
        return f"states {', '.join(missing_numbers)}, not {where}"
    content = set(lexical_tokens(text))
    if content and len(content & stems) < MIN_SUPPORT * len(content):
        return f"most of its words are not {where}"
    return None


def names(sentence: str, lowercase: Set[str] = frozenset()) -> list[str]:
    """The capitalised words of a sentence that name someone or something. The word
    that opens the sentence (or a quote or a clause after a colon or dash) counts only
    when it is no function word and ``lowercase`` (the words written in lower case in
    the passages) does not hold it; honorifics ("Mr") never count."""
    found: list[str] = []
    text = _normal_quotes(sentence)
    for match in _WORD.finditer(text):
        word = match.group()
        key = _key(word)
        if not word[:1].isupper() or key in _HONORIFICS:
            continue
        if _opens(text, match.start()) and (key in _FUNCTION_WORDS or key in lowercase):
            continue
        found.append(_POSSESSIVE.sub("", word))
    return list(dict.fromkeys(found))


def numbers_in(text: str) -> list[str]:
    """The numbers written in digits in ``text``, as written."""
    return [m.group() for m in _NUMBER.finditer(_normal_quotes(text))]


def _opens(text: str, position: int) -> bool:
    """Whether the word at ``position`` opens the sentence, a quote or a clause."""
    before = text[:position].rstrip(" (")
    return not before or before[-1] in "\"':;" or before.endswith(" -")


def _known(name: str, words: frozenset[str]) -> bool:
    key = _key(name)
    if key in words:
        return True
    return any(
        (key.startswith(w) and key[len(w) :] in _DEMONYM_ENDINGS)
        or (w.startswith(key) and w[len(key) :] in _DEMONYM_ENDINGS)
        for w in words
        if len(w) >= 4 and len(key) >= 4
    )


def _evidence(hit: Hit) -> _Evidence:
    article = hit.article
    parts = [article.title, article.source or ""]
    if article.published:
        day = article.published
        parts.append(f"{day.isoformat()} {day.day} {day:%B %Y %A}")
    parts += [
        hit.text[start:end]
        for start, end in split_sentences(hit.text)
        if not addresses_an_ai(hit.text[start:end])
    ]
    text = _normal("\n".join(parts))
    words = {_key(word) for word in _WORD.findall(text)}
    numbers = {_number(n) for n in _NUMBER.findall(text)}
    numbers |= {_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS}
    return _Evidence(frozenset(words), frozenset(numbers), frozenset(lexical_tokens(text)))


def _normal_quotes(text: str) -> str:
    return text.translate(_QUOTES)


def _normal(text: str) -> str:
    return " ".join(_normal_quotes(text).split())


def _key(word: str) -> str:
    """How a word is compared: case-folded, without possessive or dots ("U.S." is "us")."""
    return _POSSESSIVE.sub("", word.casefold().replace(".", ""))


def _number(written: str) -> str:
    """'84,000' -> '84000', '3.50' -> '3.5', '007' -> '7'."""
    try:
        return format(Decimal(written.replace(",", "")).normalize(), "f")
    except InvalidOperation:
        return written


def _ended(sentence: str) -> bool:
    return bool(re.search(rf"(?:[.!?…]['\")\]]*|{MARKER.pattern})\s*$", sentence))


def _markers(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)
