"""Answers written by the language model: the prompt, the reply as it streams (each
sentence verified as soon as it is complete, only verified ones reported), the
verification of the whole reply, and the sources numbered as the kept sentences cite them.

When the model cannot be used (it took longer than ``timeout_seconds``, failed, found no
answer, or wrote no sentence that survives verification) the writer says why, and the
knowledge base composes the answer from the articles directly.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from index.config import LLMSettings
from index.llm.client import ChatFailed, ChatModel
from index.llm.draft import without_markers
from index.llm.prompt import DECLINED, messages
from index.llm.short_line import ModelShortAnswer, split_short_line, verify_short_line
from index.llm.verify import Checked, split_draft, verify
from index.records import (
    Answer,
    AnswerSentence,
    Citation,
    DroppedSentence,
    Fallback,
    Hit,
    ModelRun,
    ShortAnswer,
    Turn,
)

log = logging.getLogger(__name__)

_WORDS = re.compile(r"[^\W\d_]")
_PARTIAL_MARKER = re.compile(r"\[[\d\s,;\-–]*$")


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
        on_progress: Callable[[Answer], None] | None = None,
        *,
        short_answer: bool = False,
    ) -> Written:
        """The model's verified answer to ``question``; with ``short_answer`` (the
        question asks for a thing), asked to begin with it (``index.llm.short_line``).
        While it streams, each sentence is verified as soon as it is complete, and
        ``on_progress`` gets the answer made of what is verified so far whenever one more
        sentence (or the short answer) passes: nothing unverified ever leaves this method."""
        passages = list(hits[: self.settings.passages])
        prompt = messages(
            question,
            as_of,
            passages,
            earlier,
            max_sentences=self.max_sentences,
            short_answer=short_answer,
        )
        started = time.monotonic()
        draft: list[str] = []
        first_text: float | None = None
        progress = _Progress(question, passages, hits, on_progress, self.max_sentences)

        def arrived(text: str) -> None:
            nonlocal first_text
            if first_text is None:
                first_text = time.monotonic() - started
            draft.append(text)
            progress.update("".join(draft))

        def run(kept: int = 0, dropped: tuple[DroppedSentence, ...] = ()) -> ModelRun:
            seconds = time.monotonic() - started
            return ModelRun("".join(draft), kept, dropped, first_text, seconds)

        deadline = started + self.settings.timeout_seconds
        try:
            reply = self.chat.reply(prompt, deadline=deadline, on_text=arrived)
        except ChatFailed as failure:
            log.warning("language model: %s; answering from the articles", failure)
            return Written(None, failure.reason, run())
        line, body = split_short_line(reply.text, complete=True)
        if _declines(reply.text) or _declines(body):
            log.info("language model found no answer in the passages: %r", question)
            return Written(None, "declined", run())
        complete = reply.finish_reason != "length"
        short, dropped = _short_answer(line, question, passages)
        kept, dropped_sentences = verify(
            body, passages, complete=complete, max_sentences=self.max_sentences
        )
        dropped += dropped_sentences
        for sentence in dropped:
            log.info("dropped from the model's answer (%s): %s", sentence.reason, sentence.text)
        outcome = run(len(kept), tuple(dropped))
        if not kept:
            log.warning("no sentence of the model's answer passed verification: %r", question)
            return Written(None, "unverified", outcome)
        return Written(_answer(question, kept, passages, hits, outcome, short), None, outcome)


class _Progress:
    """The verified answer so far, while the draft streams: the draft's complete
    sentences (those a later sentence has begun after) are verified once each, and
    ``report`` is called whenever one more has passed."""

    def __init__(
        self,
        question: str,
        passages: list[Hit],
        hits: Sequence[Hit],
        report: Callable[[Answer], None] | None,
        max_sentences: int,
    ) -> None:
        self._question, self._passages, self._hits = question, passages, hits
        self._report = report
        self._max_sentences = max_sentences  # never more shown than the answer may hold
        self._complete = 0  # sentences of the draft verified so far
        self._kept: list[Checked] = []
        self._short_checked = False
        self._short: ModelShortAnswer | None = None

    def update(self, draft: str) -> None:
        if self._report is None:
            return
        line, body = split_short_line(draft, complete=False)
        if line is not None and not self._short_checked:  # checked once, when it ends
            self._short_checked = True
            self._short, _ = verify_short_line(line, self._question, self._passages)
        sentences = split_draft(body)
        complete = len(sentences) - 1 if sentences and _begun(sentences[-1]) else 0
        if complete <= self._complete:
            return
        fresh = " ".join(sentences[self._complete : complete])
        self._complete = complete
        kept, _ = verify(fresh, self._passages)
        kept = kept[: max(0, self._max_sentences - len(self._kept))]
        if kept:
            self._kept += kept
            run = ModelRun(draft, len(self._kept), (), None, 0.0)
            self._report(
                _answer(self._question, self._kept, self._passages, self._hits, run, self._short)
            )


def _begun(sentence: str) -> bool:
    """Whether the draft's last sentence has begun with words (not merely a marker of
    the one before, still being written): then the one before it is complete."""
    return bool(_WORDS.search(_PARTIAL_MARKER.sub("", without_markers(sentence))))


def _declines(reply: str) -> bool:
    return " ".join(reply.split()).strip(" .!").upper() == DECLINED


def _short_answer(
    line: str | None, question: str, passages: list[Hit]
) -> tuple[ModelShortAnswer | None, list[DroppedSentence]]:
    """The reply's short answer when its line passes; a line that fails is dropped."""
    if line is None:
        return None, []
    short, reason = verify_short_line(line, question, passages)
    if short is None:  # logged with the dropped sentences
        return None, [DroppedSentence(line, f"short answer {reason}")]
    return short, []


def _answer(
    question: str,
    kept: list[Checked],
    passages: list[Hit],
    hits: Sequence[Hit],
    run: ModelRun,
    short: ModelShortAnswer | None = None,
) -> Answer:
    """The kept sentences (and the short answer, first) with sources numbered by the
    articles they cite, in the order first cited: two passages of one article are one
    source, uncited ones are none."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []

    def cite(passage_numbers: tuple[int, ...]) -> tuple[int, ...]:
        cited: list[int] = []
        for passage in passage_numbers:
            article = passages[passage - 1].article
            if article.id not in numbers:
                numbers[article.id] = len(numbers) + 1
                citations.append(Citation(numbers[article.id], article))
            if numbers[article.id] not in cited:
                cited.append(numbers[article.id])
        return tuple(cited)

    said = ShortAnswer(short.text, cite(short.passages), short.sentence) if short else None
    sentences = tuple(AnswerSentence(s.text, cite(s.passages)) for s in kept)
    return Answer(
        question=question,
        sentences=sentences,
        citations=tuple(citations),
        hits=tuple(hits),
        mode="llm",
        model_run=run,
        short_answer=said,
    )
