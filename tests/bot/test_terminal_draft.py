"""A model's answer on a terminal: verified sentences shown dimmed as they pass, erased
row for row, replaced by the whole answer; nothing streamed off a terminal."""

from __future__ import annotations

import io

import pyte
import pytest

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


# -- on an emulated terminal (pyte): what stays is what a terminal would show had the
# draft never been drawn ----------------------------------------------------------------

EARLIER = "".join(f"earlier line {n}\n" for n in range(40))  # the screen is full already
DRAFT_WORD = "Zanzibar"  # in every draft, in no answer


def terminal(columns: int, lines: int, pieces: list[str]) -> pyte.HistoryScreen:
    """A terminal of that size after earlier output, the verified sentences shown as
    they pass (each of ``pieces`` one more sentence) and the answer that replaces them
    (LF as a tty's ONLCR sends it: CR LF)."""
    screen = pyte.HistoryScreen(columns, lines, history=10_000)
    stream = pyte.Stream(screen)
    stream.feed(EARLIER.replace("\n", "\r\n"))
    out = io.StringIO()
    printer = DraftPrinter(out, streaming=True, width=columns, height=lines)
    for passed in range(1, len(pieces) + 1):
        sentences = tuple(AnswerSentence(piece, (1,)) for piece in pieces[:passed])
        printer(Answer("who?", sentences, (Citation(1, SEED),), mode="llm"))
        stream.feed(out.getvalue().replace("\n", "\r\n"))
        out.seek(0)
        out.truncate()
    printer.finish(answer(), width=columns)
    stream.feed(out.getvalue().replace("\n", "\r\n"))
    return screen


def every_row(screen: pyte.HistoryScreen) -> list[str]:
    history = [
        "".join(row[x].data for x in range(screen.columns)).rstrip() for row in screen.history.top
    ]
    return history + [line.rstrip() for line in screen.display]


@pytest.mark.parametrize(
    "draft",
    [
        pytest.param(f"{DRAFT_WORD} 普京警告说，所有外国军队最终都必须离开叙利亚。" * 8, id="wide"),
        pytest.param(f"{DRAFT_WORD}\tsaid\t\tthat\n\nforeign\tforces " * 12, id="tabs"),
        pytest.param(f"{DRAFT_WORD} e\u0301te\u0301 na\u0308ive " * 20, id="combining"),
        pytest.param(f"{DRAFT_WORD} " + "word " * 4000, id="20000-chars"),
        pytest.param(
            f"{DRAFT_WORD} \x1b]0;pwned\x07 \x1b[31mred \u202eevil\r\n" * 9, id="controls"
        ),
    ],
)
@pytest.mark.parametrize("columns,lines", [(80, 24), (20, 6)])
def test_the_draft_leaves_nothing_behind_whatever_its_length_and_width(draft, columns, lines):
    pieces = [draft[i : i + 70] for i in range(0, len(draft), 70)]

    screen = terminal(columns, lines, pieces)

    rows = every_row(screen)
    assert not any(DRAFT_WORD in row for row in rows), rows  # erased, none scrolled away
    assert [r for r in rows if r.startswith("earlier")] == [
        f"earlier line {n}" for n in range(40)
    ]  # what was there before is all still there, in order
    assert "Putin does. [1]" in rows and screen.title == ""  # no window title set
    assert all(char.fg == "default" for row in screen.buffer.values() for char in row.values())
