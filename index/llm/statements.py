"""What a sentence states, as verification compares it: its names as whole names, its
numbers (in digits or words), its times (dates and relative times), whether it is negated
and where, its connectives of cause and time, its quotes and its content words.

The same reading applies to a model's sentence and to the passage sentences that may
support it (``index.llm.support``). Words are compared case-insensitively with typographic
quotes, hyphens and possessives normalised; a demonym matches its country ("Iranian" and
"Iran").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Set
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from index.ingest.terms import lexical_tokens

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
WORD = re.compile(r"[^\W\d_](?:[\w'.]*\w)?")
_POSSESSIVE = re.compile(r"'s?$")
NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen".split()
)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
NUMBER_WORDS = (
    {word: value for value, word in enumerate(_UNITS)}
    | {word: 20 + 10 * i for i, word in enumerate(_TENS)}
    | {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
)
_ORDINALS = {
    word: f"{n}th"
    for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth".split(), 1
    )
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALED = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|bn|m)\b", re.IGNORECASE
)
_SPELLED = re.compile(rf"\b({'|'.join(_TENS)})-({'|'.join(_UNITS[1:10])})\b", re.IGNORECASE)
# Relative times: "a couple of weeks ago", "last week", "yesterday", "recently".
_QUANTITY = r"a couple(?: of)?|couple(?: of)?|a few|few|several|some|many|an?|\w+"
_UNIT = r"(second|minute|hour|day|week|fortnight|month|year|decade|centur)(?:y|ies|s)?"
_AGO = re.compile(rf"\b(?:({_QUANTITY})\s+)?{_UNIT}\s+ago\b", re.IGNORECASE)
_DEICTIC = re.compile(
    r"\b(last|this|next|past|coming|previous|following)\s+(week|weekend|month|year|decade"
    r"|century|night|morning|evening|spring|summer|autumn|fall|winter|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june"
    r"|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_SINGLE_TIMES = re.compile(
    r"\b(yesterday|today|tonight|tomorrow|recently|recent|lately|soon|formerly)\b", re.IGNORECASE
)
_RECENT = frozenset({"recently", "recent", "lately"})
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|nowhere)\b|n't\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\b(?:because|since|due to|owing to|thanks to|as a result|so that|therefore|thus|hence"
    r"|consequently|led to|leads? to|caused?|causes|causing|reasons?|why|in order to|so as to)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:before|after|until|till|since|following|prior to|afterwards?|subsequently|then"
    r"|later|earlier|while|during|once|when|meanwhile|ago)\b",
    re.IGNORECASE,
)
# Where a clause starts, for finding who acts in it.
ROLE_CLAUSE = re.compile(
    r";|[.!?]\s|[()]|,\s*(?:and|but|while|whereas)\b|\b(?:because|since|after|before|while|whereas"
    r"|although|though|when|who|which|that|so)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:()\"]|\s-\s|\s-(?=\w)|(?<=\w)-\s|\b(?:and|but|while|whereas|that)\b")
_QUOTED = re.compile(r'"([^"]+)"')
_TOKEN = re.compile(rf"{NUMBER.pattern}|[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?]\s")
_PARENTHESES = re.compile(r"\([^()]*\)")
COPULAS = frozenset("be is was are were been".split())
PREPOSITIONS = frozenset(
    """in with of from to for at on by between against about into onto near across over
    under toward towards among inside outside beyond""".split()
)
_HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "prof", "sir", "i"})
_DEMONYM_ENDINGS = ("n", "an", "ian", "i", "ese", "ish", "s", "es")
# Capitalised words that open sentences without naming anything: function words, and
# the people and things news sentences commonly start with.
FUNCTION_WORDS = frozenset(
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
class Reading:
    """What a piece of text states, as verification compares it."""

    text: str  # normalised: straight quotes and dashes, single spaces
    words: tuple[str, ...]  # every word's key, in order (the context's first)
    word_stems: tuple[str, ...]  # each word's lexical token ("" for a stopword)
    body: int  # where in ``words`` the text itself starts, after its context
    runs: tuple[tuple[str, ...], ...]  # names: runs of capitalised words' keys, in order
    # The names of the text itself: where each starts and ends in ``words`` and the word
    # before it (a preposition's name, "in Moscow", acts in nothing).
    placed: tuple[tuple[tuple[str, ...], int, int, str], ...]
    clause_starts: tuple[int, ...]  # where in ``words`` each clause of the text starts
    sentence_starts: tuple[int, ...]  # where in ``words`` each of its sentences starts
    # The text's words and numbers in order: a word's lexical token ("" for a stopword
    # but "to"), a number as "#" and its value ("#84000", "#3th").
    tokens: tuple[str, ...]
    aside: frozenset[int]  # the words in parentheses
    numbers: frozenset[str]
    times: frozenset[str]
    stems: frozenset[str]  # content words as BM25 sees them, numbers left out
    clauses: tuple[tuple[frozenset[str], bool], ...]  # each clause's stems, negated or not
    cause: bool  # holds a connective of cause
    time: bool  # holds a connective of time


def read(text: str, openers: Set[str] | None = None, context: str = "") -> Reading:
    """The reading of ``text``. With ``openers`` (the words written in lower case in the
    passages), a capitalised word that opens the text or a clause names something only
    when it is no function word and not in ``openers``; without, every capitalised word
    counts (as for passages, whose names are looked up, not checked). ``context`` (an
    article's publisher, date and title) lends its names, numbers and times, but no
    content word, clause, connective or place."""
    text, context = normal(text), normal(context)
    whole = f"{context}\n{text}" if context else text
    context_words = [key(w) for w in WORD.findall(context)]
    matches = list(WORD.finditer(text))
    words = (*context_words, *(key(m.group()) for m in matches))
    starts = [m.start() for m in matches]
    spans = name_spans(text, openers)
    placed = []
    for run, start, end in spans:
        first = bisect_left(starts, start)
        before = key(matches[first - 1].group()) if first > 0 else ""
        last = bisect_left(starts, end) - 1
        placed.append((run, len(context_words) + first, len(context_words) + last, before))
    breaks = [bisect_left(starts, m.start()) for m in ROLE_CLAUSE.finditer(text)]
    ends = [bisect_left(starts, m.end()) for m in _SENTENCE_END.finditer(text)]
    aside = {
        len(context_words) + i
        for m in _PARENTHESES.finditer(text)
        for i in range(bisect_left(starts, m.start()), bisect_left(starts, m.end()))
    }
    return Reading(
        text=whole,
        words=words,
        word_stems=tuple(_stem(w) for w in words),
        body=len(context_words),
        runs=(*name_runs(context), *(run for run, _, _ in spans)),
        placed=tuple(placed),
        clause_starts=tuple(
            sorted({len(context_words), *(len(context_words) + b for b in breaks)})
        ),
        sentence_starts=tuple(
            sorted({len(context_words), *(len(context_words) + e for e in ends)})
        ),
        aside=frozenset(aside),
        tokens=tuple(_tokens(text)),
        numbers=frozenset(numbers_of(whole)),
        times=frozenset(times_of(whole)),
        stems=frozenset(t for t in lexical_tokens(text) if not numeric(t)),
        clauses=tuple(
            (frozenset(t for t in lexical_tokens(c) if not numeric(t)), bool(_NEGATION.search(c)))
            for c in _CLAUSE.split(text)
            if c and c.strip()
        ),
        cause=bool(_CAUSE.search(text)),
        time=bool(_TIME.search(text)),
    )


def name_runs(text: str, openers: Set[str] | None = None) -> list[tuple[str, ...]]:
    """The names of ``text``: runs of capitalised words next to each other (one name,
    "Benjamin Netanyahu"), their keys in order; honorifics ("Mr") left out."""
    return [run for run, _, _ in name_spans(text, openers)]


def name_spans(
    text: str, openers: Set[str] | None = None
) -> list[tuple[tuple[str, ...], int, int]]:
    """``name_runs`` with where each starts and ends in ``text``."""
    runs: list[tuple[list[str], int, int]] = []
    for match in WORD.finditer(text):
        word = match.group()
        word_key = key(word)
        if not word[:1].isupper() or word_key in _HONORIFICS:
            continue
        if (
            openers is not None
            and opens(text, match.start())
            and (word_key in FUNCTION_WORDS or word_key in openers)
        ):
            continue
        if (
            runs
            and text[runs[-1][2] : match.start()].strip() == ""
            and not _POSSESSIVE.search(text[runs[-1][1] : runs[-1][2]])
        ):
            runs[-1][0].append(word_key)
            runs[-1] = (runs[-1][0], runs[-1][1], match.end())
        else:
            runs.append(([word_key], match.start(), match.end()))
    return [(tuple(run), start, end) for run, start, end in runs]


def names(sentence: str, openers: Set[str] = frozenset()) -> list[str]:
    """The capitalised words of a sentence that name someone or something, as written
    (possessives removed), without repeats; see ``read`` for ``openers``."""
    text = normal(sentence)
    spelled = {key(w): _POSSESSIVE.sub("", w) for w in WORD.findall(text)}
    found = [spelled[word] for run in name_runs(text, openers) for word in run]
    return list(dict.fromkeys(found))


def quotes_of(text: str) -> list[str]:
    """The quoted parts of ``text`` (each part of a quote cut with "…" on its own),
    normalised for comparison."""
    parts = []
    for quote in _QUOTED.findall(normal(text)):
        parts += [compared(p) for p in re.split(r"\.\.\.|…", quote) if compared(p)]
    return parts


def compared(text: str) -> str:
    """Text as quotes are compared: lower case, words only, single spaces."""
    return " ".join(re.findall(r"\w+(?:'\w+)?", normal(text).casefold()))


def numbers_of(text: str) -> set[str]:
    """Every number of ``text``: in digits ("84,000" is "84000"), in words ("nine",
    "twenty-five", "a dozen"), scaled ("1.2 million"), ordinals ("third" is "3th")."""
    found = {as_number(n) for n in NUMBER.findall(text)}
    for value, scale in _SCALED.findall(text):
        factor = _SCALES.get(scale.casefold(), 10**9 if scale.casefold() == "bn" else 10**6)
        found.add(as_number(str(Decimal(value) * factor)))
    for tens, unit in _SPELLED.findall(text):
        found.add(str(NUMBER_WORDS[tens.casefold()] + NUMBER_WORDS[unit.casefold()]))
    for word in WORD.findall(_SPELLED.sub(" ", text).casefold()):
        if word in NUMBER_WORDS and word not in _SCALES:
            found.add(str(NUMBER_WORDS[word]))
        elif word in _ORDINALS:
            found.add(_ORDINALS[word])
    return found


def times_of(text: str) -> set[str]:
    """The relative times of ``text``, normalised: "a couple of weeks ago" is
    "2 week ago", "last Friday" is "last friday", "recently" is "recent"."""
    found = set()
    for quantity, unit in _AGO.findall(text):
        found.add(f"{_quantity(quantity)} {unit.casefold()} ago")
    for which, unit in _DEICTIC.findall(text):
        found.add(f"{which.casefold()} {unit.casefold()}")
    for word in _SINGLE_TIMES.findall(text):
        found.add("recent" if word.casefold() in _RECENT else word.casefold())
    return found


def supports_time(claimed: str, evidence: frozenset[str]) -> bool:
    """Whether the ``evidence`` times support the claimed one: the same, or for
    "recently" a time of days, weeks or a month ago or last week or month."""
    if claimed in evidence:
        return True
    return claimed == "recent" and any(
        t.endswith(("day ago", "week ago", "fortnight ago")) or t in ("last week", "last month")
        for t in evidence
    )


# Words a faithful paraphrase adds to frame what a passage says, without stating more.
FRAMING = frozenset(
    lexical_tokens(
        """said say says told according also too both want wants wanted note noted added
        reported stated explained described mentioned however meanwhile still even already
        indeed article passage per view perspective must would could should may might can
        shall has have had having were been being do does did never none nobody nothing
        neither nor without cannot nowhere"""
    )
)


def has_stem(stem: str, stems: Set[str]) -> bool:
    """``stem`` or a word that it begins or that begins it ("iran" and "iranian")."""
    if stem in stems:
        return True
    return len(stem) >= 4 and any(
        len(s) >= 4 and (s.startswith(stem) or stem.startswith(s)) for s in stems
    )


def same_word(one: str, other: str) -> bool:
    """Equal keys, or a country and its demonym ("iran" and "iranian")."""
    if one == other:
        return True
    if len(one) < 4 or len(other) < 4:
        return False
    short, long = sorted((one, other), key=len)
    return long.startswith(short) and long[len(short) :] in _DEMONYM_ENDINGS


def opens(text: str, position: int) -> bool:
    """Whether the word at ``position`` opens the sentence, a quote or a clause."""
    before = text[:position].rstrip(" (")
    return not before or before[-1] in "\"':;.!?" or before.endswith(" -")


def normal(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split())


def key(word: str) -> str:
    """How a word is compared: case-folded, without possessive or dots ("U.S." is "us")."""
    return _POSSESSIVE.sub("", word.casefold().replace(".", ""))


def as_number(written: str) -> str:
    """'84,000' -> '84000', '3.50' -> '3.5', '007' -> '7'."""
    try:
        return format(Decimal(written.replace(",", "")).normalize(), "f")
    except InvalidOperation:
        return written


def _quantity(written: str) -> str:
    word = written.casefold().removesuffix(" of")
    if word in ("", "a few", "few", "several", "some", "many"):
        return "few"
    if word in ("a", "an", "one"):
        return "1"
    if word in ("a couple", "couple"):
        return "2"
    if word in NUMBER_WORDS:
        return str(NUMBER_WORDS[word])
    return as_number(word) if NUMBER.fullmatch(word) else word


def _tokens(text: str) -> list[str]:
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        word = token.casefold()
        if token[0].isdigit():
            found.append("#" + as_number(token))
        elif word in NUMBER_WORDS and word not in _SCALES:
            found.append(f"#{NUMBER_WORDS[word]}")
        elif word in _ORDINALS:
            found.append("#" + _ORDINALS[word])
        else:  # "to" and "from" kept: they tell which way a number goes
            found.append(word if word in ("to", "from") else _stem(word))
    return found


def _stem(word: str) -> str:
    tokens = lexical_tokens(word)
    return tokens[0] if tokens else ""


_NUMBER_STEMS = frozenset(lexical_tokens(" ".join([*NUMBER_WORDS, *_ORDINALS])))


def numeric(token: str) -> bool:
    """Whether a lexical token is a number (compared as one, not as a word)."""
    return token.isdigit() or token in _NUMBER_STEMS
