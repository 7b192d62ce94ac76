"""What a message asks: whether it is a question, which sentence of it is, whether it
stands on its own in a conversation, which publisher it names."""

from __future__ import annotations

import pytest

from index.errors import InvalidQueryError
from index.search.followup import STANDS_ALONE_STRENGTH, stands_alone
from index.search.publishers import (
    UnknownPublisherError,
    matching_publishers,
    resolve_publisher,
)
from index.search.questions import last_question, looks_like_question, thanks
from index.search.snippets import snippet

PUBLISHERS = ["Lakeside Courier", "Northern Ledger", "GZERO Media", "Lakeside Gazette"]


@pytest.mark.parametrize(
    "text",
    ["who wants Iran out of Syria?", "tell me about the tram", "why?", "and Tehran?",
     "When did the tram open", "so what did the bank decide", "Syria?"],
)  # fmt: skip
def test_questions_and_requests_are_questions(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text", ["thanks! lol", "ok", "great answer, thanks", "lol?", "👍", "what?", "hi", "huh?"]
)
def test_thanks_and_chatter_are_not(text: str) -> None:
    assert not looks_like_question(text)


def test_thanks_are_told_from_other_chatter() -> None:
    assert thanks("thanks for the answer!") and thanks("ty") and not thanks("hi there")


def test_a_long_message_is_named_by_its_last_question_sentence() -> None:
    text = "I read a lot about this. " * 5 + "So who wants Iran out of Syria? Thanks in advance."

    assert last_question(text, 100) == "So who wants Iran out of Syria?"
    assert last_question("who wants Iran out?", 100) == "who wants Iran out?"


def test_a_question_stands_alone_when_it_retrieves_well_and_does_not_refer_back() -> None:
    strong, weak = STANDS_ALONE_STRENGTH + 0.1, STANDS_ALONE_STRENGTH - 0.1
    assert stands_alone("When did the Eastholm tram Line 4 open?", strong)
    assert not stands_alone("When did the Eastholm tram Line 4 open?", weak)
    assert not stands_alone("and what does Tehran say about it?", strong)
    assert not stands_alone("why though?", strong)


def test_a_publisher_is_matched_regardless_of_case_and_an_unknown_one_lists_close_matches() -> None:
    assert resolve_publisher("  lakeside COURIER ", PUBLISHERS) == "Lakeside Courier"
    with pytest.raises(InvalidQueryError, match="Did you mean “Lakeside Courier”"):
        resolve_publisher("Lakside Courrier", PUBLISHERS)
    with pytest.raises(UnknownPublisherError) as refused:
        resolve_publisher("Reuters", PUBLISHERS)
    assert str(refused.value) == "No indexed publisher is called “Reuters”."
    assert refused.value.close == []


def test_publishers_are_completed_by_prefix_then_by_contained_words() -> None:
    assert matching_publishers("lake", PUBLISHERS, 25) == ["Lakeside Courier", "Lakeside Gazette"]
    assert matching_publishers("media", PUBLISHERS, 25) == ["GZERO Media"]
    assert matching_publishers("", PUBLISHERS, 2) == PUBLISHERS[:2]


def test_a_snippet_is_about_200_characters_around_the_best_matching_sentence() -> None:
    filler = "Nothing to see in this sentence at all. " * 10
    text = filler + "The tram to the university opened on Monday. " + filler

    piece = snippet(text, "tram university")

    assert "The tram to the university opened on Monday." in piece
    assert len(piece) <= 200 + 4 and piece.startswith("… ") and piece.endswith(" …")
