"""Modals as Discord checks them and as a person's client submits them."""

from __future__ import annotations

import pytest

from tests.fakediscord.modals import modal_errors, submission

LABELLED = {
    "custom_id": "form",
    "title": "What was wrong?",
    "components": [
        {
            "type": 18,
            "label": "What was wrong with this answer?",
            "component": {"type": 4, "custom_id": "why", "style": 2, "required": False},
        },
        {"type": 1, "components": [{"type": 4, "custom_id": "old", "style": 1, "label": "Old"}]},
    ],
}


def test_a_submit_echoes_the_labels_and_rows_with_each_value_empty_unless_given() -> None:
    assert submission(LABELLED, {"why": "wrong country"}) == {
        "custom_id": "form",
        "components": [
            {"type": 18, "component": {"type": 4, "custom_id": "why", "value": "wrong country"}},
            {"type": 1, "components": [{"type": 4, "custom_id": "old", "value": ""}]},
        ],
    }


def test_a_value_for_an_input_the_modal_lacks_is_a_test_error() -> None:
    with pytest.raises(ValueError, match="no text inputs"):
        submission(LABELLED, {"nope": "x"})


def test_modals_break_discords_limits_as_discord_says() -> None:
    too_long = LABELLED | {"title": "x" * 46}
    empty = LABELLED | {"components": []}

    assert modal_errors(LABELLED) == []
    assert [path for path, _ in modal_errors(too_long)] == ["data.title"]
    assert [path for path, _ in modal_errors(empty)] == ["data.components"]
