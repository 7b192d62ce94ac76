"""A language model's answer on a terminal while it is written, then the whole of it.

Only verified sentences are shown, dimmed, each as soon as it has passed, with its [n]
markers (sources are numbered in the order first cited, so a number never changes).
Once the reply is complete they are erased and the answer is printed in their place, as
every answer is printed, with its sources, and a line saying what checking left out.
Nothing unchecked ever reaches the screen.

Off a terminal (a pipe, a file) nothing is streamed: only the answer is printed.
"""

from __future__ import annotations

import shutil
import unicodedata
from typing import TextIO

from bot.render import answer_text, terminal_text
from index.records import Answer

_DIM, _NORMAL = "\x1b[2m", "\x1b[0m"
_ERASE_TO_END = "\x1b[J"
_LEAD = "… "  # before the draft: it is being written
# A terminal smaller than this gets no draft: too little room to draw and erase it.
_MIN_COLUMNS, _MIN_LINES = 10, 3


class DraftPrinter:
    """``on_progress`` for ``KnowledgeBase.ask``; ``finish(answer)`` prints the answer.

    The verified sentences are drawn as one escaped line (newlines and tabs as spaces, other control
    and bidi characters escaped, like every article text), so the rows it takes are
    known exactly: counted as the terminal wraps them, wide (CJK) characters as two
    columns. It is drawn only as far as it fits on the screen above the cursor's row,
    where it can still be erased; the rest waits for the checked answer."""

    def __init__(
        self,
        out: TextIO,
        *,
        streaming: bool,
        width: int | None = None,
        height: int | None = None,
    ) -> None:
        self._out = out
        self._streaming = streaming
        self._width = width
        self._height = height
        self._shown = ""
        self._rows: _Rows | None = None
        self._stopped = False  # this draft is drawn no further

    def __call__(self, verified: Answer) -> None:
        if not self._streaming or self._stopped:
            return
        now = terminal_text(verified.text)
        if not now.startswith(self._shown) or now == self._shown:
            return  # never rewrite what is on the screen; the answer replaces it all
        if self._rows is None:
            size = shutil.get_terminal_size()
            columns, lines = self._width or size.columns, self._height or size.lines
            if columns < _MIN_COLUMNS or lines < _MIN_LINES:
                self._stopped = True
                return
            self._rows = _Rows(columns, max_rows=lines - 1)
            self._rows.fit(_LEAD)
            self._out.write(_DIM + _LEAD)
        added = now[len(self._shown) :]
        fits = self._rows.fit(added)
        if fits:
            self._out.write(added[:fits])
            self._out.flush()
            self._shown += added[:fits]
        if fits < len(added):
            self._stopped = True  # the screen is full: no more until the answer

    def finish(self, answer: Answer, width: int = 100) -> None:
        """Erase the draft (if one was shown) and print ``answer`` with its sources."""
        if self._rows is not None:
            up = self._rows.rows - 1
            self._out.write(_NORMAL + "\r" + (f"\x1b[{up}A" if up else "") + _ERASE_TO_END)
        self._out.write(answer_text(answer, width) + "\n")
        if note := checked_note(answer):
            self._out.write(note + "\n")
        self._out.flush()
        self._shown = ""
        self._rows = None
        self._stopped = False


class _Rows:
    """The rows a line of text takes on a terminal ``columns`` wide, as it autowraps:
    a character that does not fit in what is left of a row starts the next one."""

    def __init__(self, columns: int, max_rows: int) -> None:
        self.columns = columns
        self.max_rows = max_rows
        self.rows = 1
        self._column = 0

    def fit(self, text: str) -> int:
        """Take in as much of ``text`` as fits in ``max_rows``; how many characters."""
        for position, char in enumerate(text):
            width = _width(char)
            if self._column + width > self.columns:
                if self.rows == self.max_rows:
                    return position
                self.rows += 1
                self._column = 0
            self._column += width
        return len(text)


def _width(char: str) -> int:
    """Columns a printable character takes: 2 for wide and full-width ones (CJK), 0 for
    combining marks and format characters."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def checked_note(answer: Answer) -> str | None:
    """What checking the model's draft left out, when it left something out."""
    run = answer.model_run
    if answer.mode != "llm" or run is None or not run.dropped:
        return None
    count = len(run.dropped)
    sentences = "sentence" if count == 1 else "sentences"
    return f"({count} {sentences} of the draft left out: not supported by the sources cited.)"
