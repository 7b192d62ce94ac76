"""Citation markers of a model's draft."""

from __future__ import annotations

from index.llm.draft import cited_numbers, without_markers

DRAFT = "Putin wants Iran out [1]. Netanyahu agrees [1][2], as do others [3, 4] [2-3].\x1b[2J"


def test_markers_cite_passages_in_order_without_repeats():
    assert cited_numbers(DRAFT) == [1, 2, 3, 4]
    assert cited_numbers("a [2020 figures] b [x]") == []


def test_a_range_too_wide_cites_only_its_ends():
    assert cited_numbers("[1-999]") == [1, 999]


def test_markers_are_removed_with_the_space_before_them():
    assert without_markers("out [1]. Next [2][3] one.") == "out. Next one."
