"""printable(): names from outside shown on one line, escaped and, if asked, shortened."""

from __future__ import annotations

import os

import pytest

from index.display import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain name.txt", "plain name.txt"),
        ("Zürich — 東京.md", "Zürich — 東京.md"),
        ("two\r\nlines", "two\\r\\nlines"),
        ("tab\there", "tab\\there"),
        ("\x1b[31mred\x00", "\\x1b[31mred\\x00"),
        ("line\u2028separator", "line\\u2028separator"),
        ("evil\u202egnp.txt", "evil\\u202egnp.txt"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        (os.fsdecode(b"bad\xffname.txt"), "bad\\xffname.txt"),
    ],
)
def test_control_characters_separators_and_surrogates_are_escaped(text: str, shown: str):
    assert printable(text) == shown
    assert shown.encode("utf-8")  # prints anywhere


def test_a_limit_keeps_the_first_characters_and_marks_the_cut():
    assert printable("x" * 100_000, 200) == "x" * 200 + "…"
    assert printable("short", 200) == "short"


def test_escaping_twice_changes_nothing():
    once = printable("a\nb\udcff\u202e", 50)
    assert printable(once, 50) == once
