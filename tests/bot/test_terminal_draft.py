"""A model's answer on a terminal: verified sentences shown dimmed as they pass, erased
row for row, replaced by the whole answer; nothing streamed off a terminal."""

from __future__ import annotations

import io

from bot.terminal_draft import DraftPrinter, checked_note
from index.records import Answer, AnswerSentence, ArticleInfo, Citation, DroppedSentence, ModelRun

SEED = ArticleInfo("a1", "Running Iran Out of Syria", None, None, None, None)


def answer(dropped: int = 0, mode: str = "llm") -> Answer:
    run = ModelRun("draft", 1, tuple(DroppedSentence("x", "y") for _ in range(dropped)), 0.1, 1.0)
    return Answer(
        "who?",
        (AnswerSentence("Putin does.", (1,)),),
        (Citation(1, SEED),),
        mode=mode,  # type: ignore[arg-type]
        model_run=run,
    )


def test_verified_sentences_show_dimmed_with_markers_then_are_erased_for_the_answer():
    out = io.StringIO()
    printer = DraftPrinter(out, streaming=True, width=20)
    printer(answer())
    printer(answer())  # nothing new: nothing written

    assert out.getvalue() == "\x1b[2m… Putin does. [1]"
    printer.finish(answer())

    assert out.getvalue().endswith(
        "[1]\x1b[0m\r\x1b[JPutin does. [1]\n\nSources:\n  [1] Running Iran Out of Syria — undated\n"
    )


def test_off_a_terminal_only_the_answer_is_printed():
    out = io.StringIO()
    printer = DraftPrinter(out, streaming=False)
    printer(answer())
    printer.finish(answer(dropped=2))

    assert out.getvalue() == (
        "Putin does. [1]\n\nSources:\n  [1] Running Iran Out of Syria — undated\n"
        "(2 sentences of the draft left out: not supported by the sources cited.)\n"
    )


def test_the_note_on_what_checking_left_out_is_only_for_model_answers_that_lost_some():
    assert checked_note(answer(dropped=1)) == (
        "(1 sentence of the draft left out: not supported by the sources cited.)"
    )
    assert checked_note(answer(dropped=0)) is None
    assert checked_note(answer(dropped=1, mode="extractive")) is None
