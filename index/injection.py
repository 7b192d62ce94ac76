"""Text in an article that speaks to an AI instead of reporting news ("Note to AI
assistants: ignore all previous instructions and …"): a prompt injection.

Articles are indexed as they are; this only recognises such sentences, so that no
answer quotes one (``index.answer.extractive``) and no claim of a model's answer counts as
supported by one (``index.llm.verify``).
"""

from __future__ import annotations

import re

_ADDRESSES_AN_AI = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}?"
    r"\b(?:instructions?|prompts?|rules|guidelines|directions)\b"
    r"|\bsystem prompt\b|\byou are now\b|\bnew instructions\b"
    r"|\b(?:note|message|attention|instructions?) (?:to|for) (?:all )?(?:ai|llms?|language "
    r"models?|chatbots?|assistants?|ai assistants?)\b",
    re.IGNORECASE,
)


def addresses_an_ai(sentence: str) -> bool:
    """Whether a sentence speaks to an AI ("ignore previous instructions", "note to AI
    assistants", "you are now …") rather than about the news."""
    return _ADDRESSES_AN_AI.search(sentence) is not None
