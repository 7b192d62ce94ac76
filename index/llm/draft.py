"""The model's draft as text: its citation markers and control characters.

A marker is ``[2]``, ``[1, 3]`` or ``[1-3]`` (``[1][3]`` is two markers); it numbers the
passages the model was given, not yet the sources of the answer (those are numbered once
it has been checked).
"""

from __future__ import annotations

import re

_ITEM = r"\d{1,3}(?:\s*[-–]\s*\d{1,3})?"
MARKER = re.compile(rf"\[\s*{_ITEM}(?:\s*[,;]\s*{_ITEM})*\s*\]")
_MARKER_WITH_SPACE = re.compile(rf"\s*{MARKER.pattern}")
# Control characters other than newline and tab: a terminal would act on them.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MAX_RANGE = 20  # "[1-999]" cites no more than this many passages


def cited_numbers(text: str) -> list[int]:
    """The passage numbers the markers in ``text`` cite, in order, without repeats."""
    numbers: list[int] = []
    for marker in MARKER.finditer(text):
        for item in re.split(r"[,;]", marker.group()[1:-1]):
            ends = [int(n) for n in re.findall(r"\d+", item)]
            first, last = ends[0], ends[-1]
            span = range(first, last + 1) if first <= last <= first + _MAX_RANGE else ends
            numbers.extend(n for n in span if n not in numbers)
    return numbers


def without_markers(text: str) -> str:
    """``text`` with its markers (and the space before each) removed."""
    return _MARKER_WITH_SPACE.sub("", text)


def clean(text: str) -> str:
    """``text`` without control characters (newlines and tabs stay)."""
    return _CONTROLS.sub("", text)
