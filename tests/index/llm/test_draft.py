"""Citation markers of a draft, and the preview a reader sees while it is written."""

from __future__ import annotations

import pytest

from index.llm.draft import MARKER, cited_numbers, preview, without_markers

DRAFT = "Putin wants Iran out [1]. Netanyahu agrees [1][2], as do others [3, 4] [2-3].\x1b[2J"


def test_markers_cite_passages_in_order_without_repeats():
    assert cited_numbers(DRAFT) == [1, 2, 3, 4]
    assert cited_numbers("a [2020 figures] b [x]") == []


def test_a_range_too_wide_cites_only_its_ends():
    assert cited_numbers("[1-999]") == [1, 999]


def test_markers_are_removed_with_the_space_before_them():
    assert without_markers("out [1]. Next [2][3] one.") == "out. Next one."


def test_the_preview_only_ever_grows_and_never_shows_a_marker_or_a_control_character():
    shown = ""
    for end in range(len(DRAFT) + 1):
        now = preview(DRAFT[:end])
        assert now.startswith(shown), (shown, now)
        assert MARKER.search(now) is None and "\x1b" not in now
        shown = now
    assert shown == "Putin wants Iran out. Netanyahu agrees, as do others.[2J"


@pytest.mark.parametrize(("draft", "shown"), [("Putin [", "Putin"), ("Putin [1", "Putin")])
def test_the_start_of_a_marker_is_held_back_until_it_is_complete(draft: str, shown: str):
    assert preview(draft) == shown
