"""Answers written by the language model: the prompt, the reply as it streams, the
verification of every sentence, and the sources numbered as the kept sentences cite them.

When the model cannot be used (it took longer than ``timeout_seconds``, failed, found no
answer, or wrote no sentence that survives verification) the writer says why, and the
knowledge base composes the answer from the articles directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from index.config import LLMSettings
from index.llm.client import ChatFailed, ChatModel
from index.llm.prompt import DECLINED, messages
from index.llm.verify import Checked, verify
from index.records import (
    Answer,
    AnswerSentence,
    Citation,
    DroppedSentence,
    Fallback,
    Hit,
    ModelRun,
    Turn,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Written:
    """The model's answer, or (``answer`` None) why the articles must answer instead."""

    answer: Answer | None
    fallback: Fallback | None
    run: ModelRun


class LLMWriter:
    """Writes answers with ``chat`` from the top ``settings.passages`` hits."""

    def __init__(self, chat: ChatModel, settings: LLMSettings, max_sentences: int = 4) -> None:
        self.chat = chat
        self.settings = settings
        self.max_sentences = max_sentences

    def write(
        self,
        question: str,
        hits: Sequence[Hit],
        as_of: date,
        earlier: Sequence[Turn] = (),
        on_text: Callable[[str], None] | None = None,
    ) -> Written:
        """The model's verified answer to ``question``; each piece of the draft goes to
        ``on_text`` as it arrives (markers and all: ``index.llm.draft.preview`` shows it)."""
        passages = list(hits[: self.settings.passages])
        prompt = messages(question, as_of, passages, earlier, max_sentences=self.max_sentences)
        started = time.monotonic()
        draft: list[str] = []
        first_text: float | None = None

        def arrived(text: str) -> None:
            nonlocal first_text
            if first_text is None:
                first_text = time.monotonic() - started
            draft.append(text)
            if on_text is not None:
                on_text(text)

        def run(kept: int = 0, dropped: tuple[DroppedSentence, ...] = ()) -> ModelRun:
            seconds = time.monotonic() - started
            return ModelRun("".join(draft), kept, dropped, first_text, seconds)

        deadline = started + self.settings.timeout_seconds
        try:
            reply = self.chat.reply(prompt, deadline=deadline, on_text=arrived)
        except ChatFailed as failure:
            log.warning("language model: %s; answering from the articles", failure)
            return Written(None, failure.reason, run())
        if _declines(reply.text):
            log.info("language model found no answer in the passages: %r", question)
            return Written(None, "declined", run())
        kept, dropped = verify(
            reply.text,
            passages,
            complete=reply.finish_reason != "length",
            max_sentences=self.max_sentences,
        )
        for sentence in dropped:
            log.info("dropped from the model's answer (%s): %s", sentence.reason, sentence.text)
        outcome = run(len(kept), tuple(dropped))
        if not kept:
            log.warning("no sentence of the model's answer passed verification: %r", question)
            return Written(None, "unverified", outcome)
        return Written(_answer(question, kept, passages, hits, outcome), None, outcome)


def _declines(reply: str) -> bool:
    return " ".join(reply.split()).strip(" .!").upper() == DECLINED


def _answer(
    question: str, kept: list[Checked], passages: list[Hit], hits: Sequence[Hit], run: ModelRun
) -> Answer:
    """The kept sentences with sources numbered by the articles they cite, in the order
    first cited: two passages of one article are one source, uncited ones are none."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for sentence in kept:
        cited: list[int] = []
        for passage in sentence.passages:
            article = passages[passage - 1].article
            if article.id not in numbers:
                numbers[article.id] = len(numbers) + 1
                citations.append(Citation(numbers[article.id], article))
            if numbers[article.id] not in cited:
                cited.append(numbers[article.id])
        sentences.append(AnswerSentence(sentence.text, tuple(cited)))
    return Answer(
        question=question,
        sentences=tuple(sentences),
        citations=tuple(citations),
        hits=tuple(hits),
        mode="llm",
        model_run=run,
    )
