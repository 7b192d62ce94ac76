"""Whether a question in a conversation stands on its own: then it is searched alone, not
mixed with the earlier questions (a new topic in a thread must not lead with a sentence
from the last one)."""

from __future__ import annotations

import re

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
    if _REFERS_BACK.match(question) or len(question.split()) < _MIN_WORDS:
        return False
    return strength >= STANDS_ALONE_STRENGTH
