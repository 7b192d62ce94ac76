"""Whether a passage supports a model's sentence as a statement.

A sentence is supported when one sentence of the passage (or two next to each other, or
its title) says what it says, with the article's publisher and date beside it:

- its names are whole names there: "President Putin" is part of "Russian President
  Vladimir Putin", "Benjamin Putin" is part of no name;
- its numbers are there, in digits or words ("nine years" needs a nine);
- its times are there ("a couple of years ago" is not "a couple weeks ago");
- its quotes are there word for word;
- it is negated where the passage is ("did not say" against "warned");
- a cause or an order in time it gives ("because …", "after …") is given there too;
- every content word of it is there (a few words that only attribute or frame a claim,
  "said", "according to", "wants", aside);
- its numbers stand by the words they stand by in the claim ("growth of 1.1%" against
  "growth of 0.8% …, revised down from 1.1%" fails), and go the same way ("to", "from");
- its names are in the same roles (``index.llm.roles``).

Passage sentences that address a reader or a model (``index.injection``) support
nothing: a reply that repeats an article's orders is dropped.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

from index.ingest.sentence_terms import addressed
from index.ingest.sentences import split_sentences
from index.ingest.terms import lexical_tokens
from index.llm.roles import Role, roles, swapped_roles
from index.llm.statements import (
    FRAMING,
    Reading,
    compared,
    has_stem,
    normal,
    quotes_of,
    read,
    same_word,
    supports_time,
)
from index.records import Hit

_DIRECTIONS = frozenset({"to", "from"})


@dataclass(frozen=True, slots=True)
class Claim:
    """A model's sentence as verification reads it."""

    reading: Reading
    quotes: tuple[str, ...]
    roles: tuple[Role, ...]  # one for each clause with names


def claim(text: str, openers: Set[str]) -> Claim:
    """The claim ``text`` (without markers) makes; ``openers`` are the words the passages
    write in lower case (see ``index.llm.statements.read``)."""
    return Claim(read(text, openers), tuple(quotes_of(text)), tuple(roles(normal(text), openers)))


class Windows:
    """What a claim citing a passage may rest on: its title and each of its sentences
    (``single``), and each two sentences next to each other (``pairs``, read only when
    a claim needs them), with the article's publisher, date and title beside each."""

    def __init__(self, single: list[str], pairs: list[str], about: str) -> None:
        self.single = [read(text, frozenset(), about) for text in single]
        self._pairs = pairs
        self._about = about

    @cached_property
    def pairs(self) -> list[Reading]:
        return [read(text, frozenset(), self._about) for text in self._pairs]


def windows(hit: Hit) -> Windows:
    """The windows of ``hit``; sentences that address a reader left out."""
    article = hit.article
    context = [article.source or ""]
    if article.published:
        day = article.published
        context.append(f"{day.day} {day:%B %Y, %A}")
    context.append(article.title)
    spans = split_sentences(hit.text)
    texts = [
        None if addressed(hit, number, hit.text[start:end]) else hit.text[start:end]
        for number, (start, end) in enumerate(spans)
    ]
    single = [article.title, *(t for t in texts if t)]
    pairs = [f"{a} {b}" for a, b in pairwise(texts) if a and b]
    return Windows(single, pairs, ", ".join(c for c in context if c))


def problems(claimed: Claim, window: Reading) -> list[str]:
    """What of ``claimed`` the ``window`` does not support (empty: it does)."""
    said = claimed.reading
    found: list[str] = []
    missing_names = [run for run in said.runs if not _named(run, window)]
    if missing_names:
        found.append("names " + ", ".join(" ".join(run).title() for run in missing_names))
    missing_numbers = sorted(said.numbers - window.numbers)
    if missing_numbers:
        found.append("states " + ", ".join(missing_numbers))
    named = frozenset(s for run in said.runs for s in lexical_tokens(" ".join(run)))
    moved = _moved_numbers(said, window, named)
    if moved:
        found.append("states " + ", ".join(moved) + " of another thing")
    missing_times = sorted(t for t in said.times if not supports_time(t, window.times))
    if missing_times:
        found.append("dates it " + ", ".join(repr(t) for t in missing_times))
    text = compared(window.text)
    misquoted = [q for q in claimed.quotes if f" {q} " not in f" {text} "]
    if misquoted:
        found.append("quotes " + ", ".join(f"“{q}”" for q in misquoted) + " not as written")
    stems = said.stems - FRAMING
    unnamed = stems - named
    mismatch = _negation_mismatch(said, window, unnamed)
    if mismatch:
        found.append(mismatch)
    if said.cause and not window.cause:
        found.append("gives a cause its source does not")
    if said.time and not window.time:
        found.append("orders events in time as its source does not")
    unsupported = sorted(s for s in unnamed if not has_stem(s, window.stems))
    if unsupported:
        found.append("says " + ", ".join(unsupported[:4]))
    swapped = swapped_roles(claimed.roles, window)
    if swapped:
        found.append(f"puts {swapped.title()} in a role its source does not")
    return found


def _moved_numbers(said: Reading, window: Reading, named: frozenset[str]) -> list[str]:
    """The claim's numbers that the window gives, but not next to the word the claim
    gives them to ("growth of 1.1%" against "growth of 0.8% …, revised down from 1.1%"),
    or not the same way ("to 4.2%" against "from 4.2%")."""
    moved = []
    for i, token in enumerate(said.tokens):
        if not token.startswith("#"):
            continue
        places = [j for j, other in enumerate(window.tokens) if other == token]
        if not places:
            continue  # a number of the publisher, date or title
        way = said.tokens[i - 1] if i and said.tokens[i - 1] in _DIRECTIONS else None
        ways = {window.tokens[j - 1] for j in places if j}
        if way and way not in ways and ways & _DIRECTIONS:
            moved.append(f"{way} {token[1:]}")  # the source says "from" where it says "to"
            continue
        before = [t for t in said.tokens[max(0, i - 3) : i] if t and not t.startswith("#")]
        before = [t for t in before if t not in FRAMING | _DIRECTIONS | named]
        if before and not any(
            has_stem(before[-1], {t for t in window.tokens[max(0, j - 4) : j + 5] if t})
            for j in places
        ):
            moved.append(f"{token[1:]} ({before[-1]})")
    return moved


def best_problems(claimed: Claim, passage: Windows) -> list[str]:
    """The problems of the window that supports ``claimed`` best (empty: one supports
    it). Two sentences together count only for a claim none of them names and numbers
    all of alone: otherwise a word of the next sentence could change what one says."""
    readings = [w for w in passage.single if _names_and_numbers(claimed, w)]
    if not readings:  # the pairs, and the reason told from the closest window
        readings = [w for w in passage.pairs if _names_and_numbers(claimed, w)]
        readings = readings or passage.single + passage.pairs
    best: list[str] | None = None
    for window in readings:
        found = problems(claimed, window)
        if not found:
            return []
        if best is None or len(found) < len(best):
            best = found
    return best if best is not None else ["its passage has nothing to support it"]


def _names_and_numbers(claimed: Claim, window: Reading) -> bool:
    said = claimed.reading
    return said.numbers <= window.numbers and all(_named(run, window) for run in said.runs)


def _named(run: tuple[str, ...], window: Reading) -> bool:
    """Whether the name ``run`` stands in ``window`` as a whole name: one word anywhere,
    several within one of its names in that order, or next to each other in its words."""
    if len(run) == 1:
        return any(same_word(run[0], word) for word in window.words)
    return any(_within(run, name) for name in window.runs) or any(
        all(same_word(a, b) for a, b in zip(run, window.words[i:], strict=False))
        for i in range(len(window.words) - len(run) + 1)
    )


def _within(run: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """Whether the words of ``run`` occur in ``name`` in the same order."""
    position = 0
    for word in run:
        while position < len(name) and not same_word(word, name[position]):
            position += 1
        if position == len(name):
            return False
        position += 1
    return True


def _negation_mismatch(said: Reading, window: Reading, stems: frozenset[str]) -> str | None:
    """Whether a clause of the claim is negated where the window's clause that holds most
    of its words (``stems``: the claim's, its names aside) is not, or the other way. A
    negated clause of no such words negates the next ("did not say | that …")."""
    carry = False
    for clause, negated in said.clauses:
        words = clause & stems
        if not words:
            carry ^= negated
            continue
        claimed, carry = negated ^ carry, False
        held = [sum(has_stem(s, other) for s in words) for other, _ in window.clauses]
        most = max(held, default=0)
        if not most:
            continue
        source = any(n for (_, n), count in zip(window.clauses, held, strict=True) if count == most)
        if claimed != source:
            return "is negated where its source is not" if claimed else "drops a negation"
    return None
