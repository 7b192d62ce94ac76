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
- the actor comes first where it acts: of the names of a clause, the one that opens it
  (or follows "by" or "according to") is the first of them in the passage ("Iran wants
  Russia out" against "Putin … Iranian troops" fails).

Passage sentences that address a reader or a model (``index.injection``) support
nothing: a reply that repeats an article's orders is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from itertools import pairwise

from index.ingest.sentence_terms import addressed
from index.ingest.sentences import split_sentences
from index.ingest.terms import lexical_tokens
from index.llm.statements import (
    COPULAS,
    PREPOSITIONS,
    ROLE_CLAUSE,
    WORD,
    Reading,
    compared,
    key,
    name_spans,
    normal,
    numeric,
    quotes_of,
    read,
    same_word,
    supports_time,
)
from index.records import Hit

# Words a faithful paraphrase adds to frame what a passage says, without stating more.
_FRAMING = frozenset(
    lexical_tokens(
        """said say says told according also too both want wants wanted note noted added
        reported stated explained described mentioned however meanwhile still even already
        indeed article passage per view perspective must would could should may might can
        shall has have had having were been being do does did never none nobody nothing
        neither nor without cannot nowhere"""
    )
)
_PARTICIPLES = frozenset(
    """built made held sold paid told found kept left brought bought caught taught thought
    sent spent lent lost shut put set cut hit hurt led fed met won hung struck stuck""".split()
)
_DIRECTIONS = frozenset({"to", "from"})
_GOVERNING = PREPOSITIONS | {"including", "than", "as"}
_PASSIVE_AGENT = re.compile(r"\b(?:by|according to)\s+$", re.IGNORECASE)
_JOINED = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|&)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Role:
    """The names of a clause of a claim, which of them act, which are acted on (no
    preposition before them: "backed Assad", not "out of Syria"), and (when the clause
    opens with its actors) what they do: the content words after them, in order."""

    runs: tuple[tuple[str, ...], ...]
    acting: frozenset[int]
    objects: frozenset[int]
    deeds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """A model's sentence as verification reads it."""

    reading: Reading
    quotes: tuple[str, ...]
    roles: tuple[Role, ...]  # one for each clause with names


def claim(text: str, openers: Set[str]) -> Claim:
    """The claim ``text`` (without markers) makes; ``openers`` are the words the passages
    write in lower case (see ``index.llm.statements.read``)."""
    return Claim(read(text, openers), tuple(quotes_of(text)), tuple(_roles(normal(text), openers)))


@dataclass(frozen=True, slots=True)
class Windows:
    """What a claim citing a passage may rest on: its title and each of its sentences
    (``single``), and each two sentences next to each other (``pairs``)."""

    single: list[Reading]
    pairs: list[Reading]


def windows(hit: Hit) -> Windows:
    """The windows of ``hit``, each with its article's publisher, date and title beside
    it; sentences that address a reader left out."""
    article = hit.article
    context = [article.source or ""]
    if article.published:
        day = article.published
        context.append(f"{day.day} {day:%B %Y, %A}")
    context.append(article.title)
    about = ", ".join(c for c in context if c)
    spans = split_sentences(hit.text)
    texts = [
        None if addressed(hit, number, hit.text[start:end]) else hit.text[start:end]
        for number, (start, end) in enumerate(spans)
    ]
    single = [article.title, *(t for t in texts if t)]
    pairs = [f"{a} {b}" for a, b in pairwise(texts) if a and b]
    return Windows(
        [read(text, frozenset(), about) for text in single],
        [read(text, frozenset(), about) for text in pairs],
    )


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
    stems = said.stems - _FRAMING
    unnamed = stems - named
    mismatch = _negation_mismatch(said, window, unnamed)
    if mismatch:
        found.append(mismatch)
    if said.cause and not window.cause:
        found.append("gives a cause its source does not")
    if said.time and not window.time:
        found.append("orders events in time as its source does not")
    unsupported = sorted(s for s in unnamed if not _has_stem(s, window.stems))
    if unsupported:
        found.append("says " + ", ".join(unsupported[:4]))
    swapped = _swapped_roles(claimed, window)
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
        before = [t for t in before if t not in _FRAMING | _DIRECTIONS | named]
        if before and not any(
            _has_stem(before[-1], {t for t in window.tokens[max(0, j - 4) : j + 5] if t})
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


def _has_stem(stem: str, stems: Set[str]) -> bool:
    """``stem`` or a word that it begins or that begins it ("iran" and "iranian")."""
    if stem in stems:
        return True
    return len(stem) >= 4 and any(
        len(s) >= 4 and (s.startswith(stem) or stem.startswith(s)) for s in stems
    )


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
        held = [sum(_has_stem(s, other) for s in words) for other, _ in window.clauses]
        most = max(held, default=0)
        if not most:
            continue
        source = any(n for (_, n), count in zip(window.clauses, held, strict=True) if count == most)
        if claimed != source:
            return "is negated where its source is not" if claimed else "drops a negation"
    return None


def _roles(text: str, openers: Set[str]) -> list[Role]:
    """Each clause's names and the positions of those that act: the name that opens the
    clause and those joined to it by "and" or a comma, or the name after "by" or
    "according to"."""
    found = []
    for clause in ROLE_CLAUSE.split(text):
        spans = name_spans(clause, openers)
        if not spans:
            continue
        acting = {0}
        for i in range(1, len(spans)):
            if i - 1 in acting and _JOINED.match(clause[spans[i - 1][2] : spans[i][1]]):
                acting.add(i)
        passive = {i for i, span in enumerate(spans) if _PASSIVE_AGENT.search(clause[: span[1]])}
        runs = tuple(run for run, _, _ in spans)
        named = {word for run in runs for word in lexical_tokens(" ".join(run))}
        opening = not passive and not lexical_tokens(clause[: spans[0][1]])
        after = clause[spans[max(acting)][2] :] if opening else ""
        if _passive(after):
            after = ""  # "the SUVs were built": what was done to them, not by them
        deeds = tuple(
            t
            for t in lexical_tokens(after)
            if t not in _FRAMING and t not in named and not numeric(t)
        )
        actors = passive or acting
        objects = {
            i
            for i, (_, start, _) in enumerate(spans)
            if i not in actors and _word_before(clause, start) not in _GOVERNING
        }
        found.append(Role(runs, frozenset(actors), frozenset(objects), deeds))
    return found


def _passive(text: str) -> bool:
    """Whether ``text`` (what follows a clause's actors) opens with a passive verb: a
    form of "be", perhaps an adverb, and a past participle ("were built", "was not
    told", "has been recalled")."""
    words = [key(w) for w in WORD.findall(text)[:5]]
    for i, word in enumerate(words[:3]):
        if word in COPULAS:
            rest = [w for w in words[i + 1 :] if w not in COPULAS and not w.endswith("ly")]
            rest = [w for w in rest if w not in ("not", "also", "still", "already")]
            return bool(rest) and (rest[0].endswith(("ed", "en")) or rest[0] in _PARTICIPLES)
    return False


def _word_before(text: str, position: int) -> str:
    words = WORD.findall(text[:position][-40:])
    return key(words[-1]) if words else ""


def _swapped_roles(claimed: Claim, window: Reading) -> str | None:
    """The actor of a clause of the claim that ``window`` does not show acting: named
    after every mention of another of the clause's names, or not the name nearest before
    what the claim says it does ("Tehran warned" against "Putin warned")."""
    for role in claimed.roles:
        actor = " ".join(role.runs[min(role.acting)])
        if _named_after_the_rest(role, window) or not _does(role, window):
            return actor
    return None


def _named_after_the_rest(role: Role, window: Reading) -> bool:
    places = [
        [
            i
            for i, word in enumerate(window.words[window.body :], window.body)
            if same_word(run[-1], word)
        ]
        for run in role.runs
    ]
    actors = [places[i] for i in role.acting if places[i]]
    others = [places[i] for i in range(len(role.runs)) if i not in role.acting and places[i]]
    if not actors or not others:
        return False
    first_actor = min(min(p) for p in actors)
    return any(max(p) < first_actor for p in others)


def _does(role: Role, window: Reading) -> bool:
    """Whether the first of the clause's deeds that ``window`` says is done there by one
    of the clause's actors: the first name of the window's clause that says it (a
    preposition's name aside) is an actor; or that clause names no one (a pronoun) and
    the window names no actor after it but as a complement ("… would be Iran")."""
    stems = window.word_stems
    actors = [role.runs[i] for i in role.acting]

    def acts(name: tuple[str, ...]) -> bool:
        return any(same_word(word, other) for run in actors for word in run for other in name)

    for deed in role.deeds:
        at = [i for i in range(window.body, len(stems)) if stems[i] and _has_stem(deed, {stems[i]})]
        if not at:
            continue
        for position in at:
            named = _first_names(window, position)
            later = [
                run
                for run, first, _, word in window.placed
                if first > position and word not in COPULAS
            ]
            done = any(map(acts, named)) or (not named and not any(map(acts, later)))
            if done and _acted_on(role, window, position):
                return True
        return False
    return True


def _acted_on(role: Role, window: Reading, position: int) -> bool:
    """Whether every name the clause acts on follows word ``position`` in the window's
    sentence, outside its parentheses unless that word is inside them (or is in the
    article's title and publisher): "Russia backed Israel" fails against "a
    Russian-backed Assad is … acceptable (Israel was …)"."""
    end = min((s for s in window.sentence_starts if s > position), default=len(window.words))
    inside = position in window.aside
    near = list(window.words[: window.body]) + [
        window.words[i] for i in range(position + 1, end) if (i in window.aside) == inside
    ]
    return all(any(same_word(role.runs[i][-1], word) for word in near) for i in role.objects)


def _first_names(window: Reading, position: int) -> list[tuple[str, ...]]:
    """The first name (a preposition's aside) of the window's clause holding word
    ``position``; when that clause is a complement ("… warned that …"), the first name
    of the clause before it too, and when it is a relative one ("… Netanyahu, who …"),
    the last name before it."""
    starts = window.clause_starts
    at = max(i for i, start in enumerate(starts) if start <= position)

    def names(clause: int) -> list[tuple[tuple[str, ...], str]]:
        end = starts[clause + 1] if clause + 1 < len(starts) else len(window.words)
        return [
            (run, word) for run, first, _, word in window.placed if starts[clause] <= first < end
        ]

    found = [run for run, word in names(at) if word not in PREPOSITIONS][:1]
    opening = window.words[starts[at]] if at > 0 else ""
    if opening == "that":
        found += [run for run, word in names(at - 1) if word not in PREPOSITIONS][:1]
    elif opening in ("who", "which"):
        found += [run for run, _ in names(at - 1)][-1:]
    return found
