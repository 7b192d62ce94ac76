"""How names from outside (file names, URLs, record origins) appear in one-line reports.

A file name may hold bytes that are not UTF-8 (Python keeps them as lone surrogates) or a
newline; a URL may hold CR LF or be 100,000 characters long. Printed as they are, they
split a report line, change what the terminal shows, or crash the print. ``printable``
writes every such character as a Python-style escape and can shorten the result; the
original stays with the caller for ids and logic. Text from articles and models is
shown through it too (titles, publishers, passages, answers): an ANSI or OSC sequence
or a right-to-left override in a title would otherwise recolour the terminal, retitle
its window or reverse what follows. ``json_safe`` does the same for JSON output.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
# C0 and C1 controls, DEL, the Unicode line and paragraph separators, the marks and
# overrides that reorder text (bidi), and surrogates (never valid on their own).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED_BYTES = range(0xDC80, 0xDD00)  # how os.fsdecode keeps a byte that is not UTF-8


def printable(text: str, limit: int | None = None) -> str:
    """``text`` on one line with every control character, separator, bidi mark and lone
    surrogate escaped ("\\n", "\\x1b", "\\u202e"; an undecodable byte of a file name as
    "\\xff"); with ``limit``, the first ``limit`` characters and "…"."""
    shortened = limit is not None and len(text) > limit
    if shortened:
        text = text[:limit]
    text = _UNPRINTABLE.sub(_escape, text)
    return text + ELLIPSIS if shortened else text


def json_safe(serialised: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with every character
    ``printable`` escapes written as a JSON escape ("\\u001b", "\\u202e"): the same
    value to a JSON reader, nothing a terminal acts on. A newline is left alone: JSON
    escapes those within strings, so the only ones are the layout's."""
    return _UNPRINTABLE.sub(
        lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}", serialised
    )


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
