"""A language model's answer on a terminal while it is written, then the whole of it.

Only verified sentences are shown, dimmed, each as soon as it has passed, with its [n]
markers (sources are numbered in the order first cited, so a number never changes).
Once the reply is complete they are erased and the answer is printed in their place, as
every answer is printed, with its sources, and a line saying what checking left out.
Nothing unchecked ever reaches the screen.

Off a terminal (a pipe, a file) nothing is streamed: only the answer is printed.
"""

from __future__ import annotations

import math
import shutil
from typing import TextIO

from bot.render import answer_text
from index.llm.draft import clean
from index.records import Answer

_DIM, _NORMAL = "\x1b[2m", "\x1b[0m"
_ERASE_TO_END = "\x1b[J"
_LEAD = "… "  # before the draft: it is being written


class DraftPrinter:
    """``on_progress`` for ``KnowledgeBase.ask``; ``finish(answer)`` prints the answer."""

    def __init__(self, out: TextIO, *, streaming: bool, width: int | None = None) -> None:
        self._out = out
        self._streaming = streaming
        self._width = width
        self._shown = ""

    def __call__(self, verified: Answer) -> None:
        if not self._streaming:
            return
        now = clean(verified.text)
        if not now.startswith(self._shown) or now == self._shown:
            return  # never rewrite what is on the screen; the answer replaces it all
        if not self._shown:
            self._out.write(_DIM + _LEAD)
        self._out.write(now[len(self._shown) :])
        self._out.flush()
        self._shown = now

    def finish(self, answer: Answer, width: int = 100) -> None:
        """Erase the draft (if one was shown) and print ``answer`` with its sources."""
        if self._shown:
            self._out.write(_NORMAL + self._erase())
        self._out.write(answer_text(answer, width) + "\n")
        if note := checked_note(answer):
            self._out.write(note + "\n")
        self._out.flush()
        self._shown = ""

    def _erase(self) -> str:
        """Back to the draft's first row, and clear from there down."""
        columns = self._width or shutil.get_terminal_size().columns
        lines = (_LEAD + self._shown).split("\n")
        rows = sum(max(1, math.ceil(len(line) / columns)) for line in lines)
        up = f"\x1b[{rows - 1}A" if rows > 1 else ""
        return "\r" + up + _ERASE_TO_END


def checked_note(answer: Answer) -> str | None:
    """What checking the model's draft left out, when it left something out."""
    run = answer.model_run
    if answer.mode != "llm" or run is None or not run.dropped:
        return None
    count = len(run.dropped)
    sentences = "sentence" if count == 1 else "sentences"
    return f"({count} {sentences} of the draft left out: not supported by the sources cited.)"
