"""What a message asks: whether it is a question at all, and which sentence of a long
message is the question (for titles). No model: the message's form decides."""

from __future__ import annotations

import re

from index.ingest.sentences import split_sentences

_WORD = re.compile(r"[^\W\d_]+")
# A sentence opening like this asks something, with or without a question mark.
_ASKING = re.compile(
    r"^(?:(?:and|so|but|ok|okay|also|then|now|hey|hi|please)\W+)*"
    r"(?:who|whom|whose|what|what's|whats|which|when|where|why|how|is|are|was|were|do|does|"
    r"did|can|could|will|would|should|has|have|had|tell me|explain|describe|summari[sz]e|"
    r"list|give me|show me|compare|any news|news on|news about)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 2  # "ok?" and "lol?" ask nothing


def looks_like_question(text: str) -> bool:
    """Whether ``text`` asks something: a question mark after a few words, or a sentence
    that opens as a question or a request ("what…", "tell me about…"). "thanks! lol" and
    "ok" do not."""
    words = _WORD.findall(text)
    if "?" in text and (len(words) >= _MIN_WORDS or _ASKING.match(text.strip())):
        return True  # "why?" asks too
    if len(words) < _MIN_WORDS:
        return False
    return any(_ASKING.match(sentence) for sentence in _sentences(text))


def last_question(text: str, limit: int) -> str:
    """``text`` when it fits in ``limit`` characters, else its last sentence that asks
    something (its context sentences left out), else ``text`` itself."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    asking = [s for s in _sentences(text) if s.endswith("?") or _ASKING.match(s)]
    return asking[-1] if asking else text


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]
