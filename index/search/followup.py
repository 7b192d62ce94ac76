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
    ``index.search.answer.evidence_strength``)."""
    if _REFERS_BACK.match(question) or len(question.split()) < _MIN_WORDS:
        return False
    return strength >= STANDS_ALONE_STRENGTH


# An earlier turn is preferred over a later one only when it fits this much better (cosine
# similarity): a bare "why?" fits nothing well and continues the latest turn.
_CLEARLY_BETTER = 0.05
_TURN_CHARS = 600  # of a turn's question and answer, embedded to see what it is about


def continued_turn(
    question: str,
    strength: float,
    turns: Sequence[Turn],
    embed: Callable[[str], np.ndarray],
) -> Turn | None:
    """The earlier turn of a conversation (oldest first, every member's) that
    ``question`` follows up: None when it stands alone (``stands_alone``) or there is
    none, else the turn whose question and answer are closest in meaning to it, the
    latest one unless an earlier one fits clearly better ("and what does Moscow want?"
    continues the Syria turn even after one about American football)."""
    if not turns or stands_alone(question, strength):
        return None
    asked = embed(question)
    best, best_fit = turns[-1], -2.0
    for turn in reversed(turns):
        fit = float(np.dot(asked, embed(f"{turn.question} {turn.answer}"[:_TURN_CHARS])))
        if fit > best_fit + (_CLEARLY_BETTER if best_fit > -2.0 else 0.0):
            best, best_fit = turn, fit
    return best
