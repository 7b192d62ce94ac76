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
_MIN_WORDS = 2  # without a question mark, "news Syria" is a topic, not a request
# Words that carry no topic: greetings, thanks, acknowledgements and bare interjections
# ("what?", "huh?", "really?"). A message made only of them asks nothing.
_GREETINGS = frozenset(
    "hi hello hey hiya heya yo hej howdy greetings morning evening afternoon gm".split()
)
_THANKS = frozenset("thanks thank thx ty tysm cheers ta appreciated".split())
_CHATTER = frozenset(
    """you u very much so a lot lol lmao rofl haha hahaha heh ok okay k kk cool nice great
    awesome perfect good bad wow oh ah ahh what huh eh hmm hm hmmm really sure seriously
    wait yes yeah yep no nope nah bye cya later np welcome got it fine alright right
    bot newsbot there all again""".split()
)
_NO_TOPIC = _GREETINGS | _THANKS | _CHATTER


def looks_like_question(text: str) -> bool:
    """Whether ``text`` asks something, by one rule: it names something beyond greetings,
    thanks and interjections, and either has a question mark or opens (any of its
    sentences) as a question or a request ("what…", "tell me about…"). "Syria?" and
    "why?" ask; "what?", "thanks! lol" and "ok" do not."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if all(word in _NO_TOPIC for word in words):
        return False
    if "?" in text:
        return True
    if len(words) < _MIN_WORDS:
        return False
    return any(_ASKING.match(sentence) for sentence in _sentences(text))


def thanks(text: str) -> bool:
    """Whether a message that asks nothing thanks someone ("thanks for the answer!")."""
    return any(w.casefold() in _THANKS for w in _WORD.findall(text))


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
