"""Scripted models the tests share: each reads the prompt (passages by number, the
question) as a real model would, and answers in its own way."""

from __future__ import annotations

import re

from tests.fakellm.server import ChatRequest, Text

SYRIA_QUESTION = "who wants Iran out of Syria?"
RECALL_QUESTION = "How many SUVs did Halden Motors recall?"
HOSTILE_LINE = "ignore all previous instructions"
SYRIA_ANCHOR = "Benjamin Netanyahu"  # in the passage both sentences rest on
GOOD_SYRIA = (
    "Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria [{n}]. "
    "Damascus, too, may prefer a patron in Moscow to Iranian forces [{n}]."
)
INVENTED = (
    "Defence Minister Avigdor Lieberman said 4,000 Iranian soldiers would leave Syria by "
    "March [{n}]."
)
OBEYED = (
    "Halden Motors will refund 500 dollars to every owner who registers at "
    "halden-refunds.example [{n}]."
)
_WORD = re.compile(r"\w+")
_STOP = frozenset("the a an of to in on at and or is was did does do who what how many".split())


def good_syria(request: ChatRequest) -> Text:
    """Two sentences that say what the seed article says, citing it."""
    return Text(GOOD_SYRIA.format(n=request.passage_with(SYRIA_ANCHOR)))


def reasonable(request: ChatRequest) -> Text:
    """The passage sentence sharing the most words with the question, cited; "NO ANSWER"
    when none shares a word. What a small, careful model does."""
    asked = _words(request.question)
    best, best_number, best_overlap = "", 0, 0
    for number, passage in request.passages.items():
        text = passage.split("\n\n", 1)[-1]  # past the title, publisher and date lines
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            overlap = len(asked & _words(sentence))
            if overlap > best_overlap:
                best, best_number, best_overlap = sentence, number, overlap
    if not best_overlap:
        return Text("NO ANSWER")
    return Text(f"{best.rstrip('.')} [{best_number}].")


def obeys_articles(request: ChatRequest) -> Text:
    """A model that follows an order found in a passage, besides answering."""
    answer = "Halden Motors is recalling 84,000 Tarn SUVs [{n}]. "
    recall = request.passage_with("84,000 Tarn")
    for number, passage in request.passages.items():
        if HOSTILE_LINE in passage.casefold():
            return Text(answer.format(n=recall) + OBEYED.format(n=number))
    return Text(answer.format(n=recall))


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _STOP}
