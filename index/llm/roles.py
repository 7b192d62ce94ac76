"""Who does what in a claim, and whether a passage's sentence has them in the same roles.

Of the names of a clause of a claim, the one that opens it (with those joined to it by
"and" or a comma), or the one after "by" or "according to", acts; the names with no
preposition before them are acted on. A passage window shows them in those roles when
the actor comes first among the clause's names, when what the claim says it does is said
there by a clause whose first name is the actor (or, for "… who …", the name before),
and when the names it acts on follow that word in the same sentence ("Iran wants Russia
out of Syria", "Tehran warned …" and "Russia and Iran backed Israel" fail against "Putin
warned … Iranian troops" and "a Russian-backed Assad … (Israel was …)").
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

from index.ingest.terms import lexical_tokens
from index.llm.statements import (
    COPULAS,
    FRAMING,
    PREPOSITIONS,
    ROLE_CLAUSE,
    WORD,
    Reading,
    has_stem,
    key,
    name_spans,
    numeric,
    same_word,
)

_PARTICIPLES = frozenset(
    """built made held sold paid told found kept left brought bought caught taught thought
    sent spent lent lost shut put set cut hit hurt led fed met won hung struck stuck""".split()
)
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


def roles(text: str, openers: Set[str]) -> list[Role]:
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
            if t not in FRAMING and t not in named and not numeric(t)
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


def swapped_roles(clauses: tuple[Role, ...], window: Reading) -> str | None:
    """The actor of a clause of the claim that ``window`` does not show acting: named
    after every mention of another of the clause's names, or not the name nearest before
    what the claim says it does ("Tehran warned" against "Putin warned")."""
    for role in clauses:
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
        at = [i for i in range(window.body, len(stems)) if stems[i] and has_stem(deed, {stems[i]})]
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
