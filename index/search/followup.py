"""Which earlier turn of a conversation a question follows up, if any: a question that
stands on its own is searched alone (a new topic in a thread must not lead with a
sentence from the last one); a follow-up continues the turn it fits best, not merely the
latest one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from index.records import Turn

# It refers back when it opens like this ("and why?", "what about Russia?", "it…").
_REFERS_BACK = re.compile(
    r"^\W*(?:and|but|so|also|then|what about|how about|why|same|it|its|they|them|their|"
    r"that|this|those|these|he|she|his|her|there)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 4  # fewer ("who else?", "since when?") leans on what came before
# Cosine similarity of its best passage at which a question retrieves well by itself
# (the fixture questions that do score 0.47 to 0.78; "what about Russia?" 0.33).
STANDS_ALONE_STRENGTH = 0.45


def stands_alone(question: str, strength: float) -> bool:
    """Whether ``question`` needs no earlier question: it does not open by referring back,
    has a few words, and its best passage alone is close (``strength``, the cosine of
    ``index.answer.extractive.evidence_strength``)."""
    return not _leans_back(question) and strength >= STANDS_ALONE_STRENGTH


# An earlier turn is preferred over a later one only when it fits this much better (cosine
# similarity): a bare "why?" fits nothing well and continues the latest turn.
_CLEARLY_BETTER = 0.05
_TURN_CHARS = 600  # of a turn's question and answer, embedded to see what it is about


def continued_turns(
    question: str,
    strength: float,
    turns: Sequence[Turn],
    embed: Callable[[str], np.ndarray],
) -> list[Turn]:
    """The earlier turns of a conversation (``turns``: oldest first, every member's)
    that ``question`` follows up, oldest first: none when it stands alone
    (``stands_alone``) or there are none; else the turn whose question and answer are
    closest in meaning to it (the latest one unless an earlier one fits clearly better:
    "and what does Moscow want?" continues the Syria turn even after one about American
    football), preceded by the turn that one continued when it was a follow-up itself
    ("and what does Tehran say?" asked again continues the Syria question too)."""
    if not turns or stands_alone(question, strength):
        return []
    best = _best_fit(question, turns, embed)
    position = turns.index(best)
    if position > 0 and _leans_back(best.question):
        return [_best_fit(best.question, turns[:position], embed), best]
    return [best]


def _leans_back(question: str) -> bool:
    """Whether a question's form says it continues an earlier one."""
    return bool(_REFERS_BACK.match(question)) or len(question.split()) < _MIN_WORDS


def _best_fit(question: str, turns: Sequence[Turn], embed: Callable[[str], np.ndarray]) -> Turn:
    asked = embed(question)
    best, best_fit = turns[-1], -2.0
    for turn in reversed(turns):
        fit = float(np.dot(asked, embed(f"{turn.question} {turn.answer}"[:_TURN_CHARS])))
        if fit > best_fit + (_CLEARLY_BETTER if best_fit > -2.0 else 0.0):
            best, best_fit = turn, fit
    return best
