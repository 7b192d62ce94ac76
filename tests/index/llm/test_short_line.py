"""The model's short-answer line: found at the head of its reply (also while streaming)
and kept only when a cited passage holds it word for word."""

from __future__ import annotations

import pytest

from index.llm.short_line import split_short_line, verify_short_line
from tests.index.llm.test_verify import PASSAGES

SYRIA_QUESTION = "who wants Iran out of Syria?"
RECALL_QUESTION = "How many SUVs did Halden Motors recall?"


def test_the_answer_line_is_split_from_the_sentences():
    reply = "**Answer:** 84,000 [2]\nHalden Motors is recalling 84,000 Tarn SUVs [2]."

    line, rest = split_short_line(reply, complete=True)

    assert line == "**Answer:** 84,000 [2]"
    assert rest == "Halden Motors is recalling 84,000 Tarn SUVs [2]."


def test_a_reply_without_one_is_all_sentences():
    reply = "Halden Motors is recalling 84,000 Tarn SUVs [2]."
    assert split_short_line(reply, complete=True) == (None, reply)
    assert split_short_line(reply, complete=False) == (None, reply)


def test_while_streaming_an_unfinished_answer_line_is_held_back():
    assert split_short_line("Answer: 84,0", complete=False) == (None, "")
    assert split_short_line("Answer: 84,000 [2]\nHal", complete=False) == (
        "Answer: 84,000 [2]",
        "Hal",
    )
    # A reply that is only the line is complete when the stream ends.
    assert split_short_line("Answer: 84,000 [2]", complete=True) == ("Answer: 84,000 [2]", "")


def test_a_short_answer_the_cited_passage_holds_is_kept_with_its_sentence():
    short, reason = verify_short_line("Answer: 84,000 [2]", RECALL_QUESTION, PASSAGES)

    assert reason is None and short is not None
    assert (short.text, short.passages) == ("84,000", (2,))
    assert short.sentence.startswith("Halden Motors is recalling 84,000 Tarn SUVs")


def test_several_actors_each_held_by_a_cited_passage_are_kept():
    line = "Answer: Vladimir Putin and Benjamin Netanyahu [1]"

    short, reason = verify_short_line(line, SYRIA_QUESTION, PASSAGES)

    assert reason is None and short is not None
    assert short.text == "Vladimir Putin and Benjamin Netanyahu"
    assert "Putin warned" in short.sentence and "Netanyahu wants" in short.sentence


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Answer: 48,000 [2]", "not word for word in [2]"),  # invented
        ("Answer: Benjamin Putin [1]", "not word for word in [1]"),  # a blend of names
        ("Answer: 84,000 [1]", "not word for word in [1]"),  # in another passage
        ("Answer: 84,000", "cites no passage"),
        ("Answer: 84,000 [7]", "cites a passage not given"),
        ("Answer: Halden Motors [2]", "only repeats the question"),
        ("Answer: halden-refunds.example [2]", "holds a link or addresses the reader"),
        ("Answer: [2]", "says nothing"),
        (f"Answer: {'Tarn SUVs ' * 8}[2]", "longer than 60 characters"),
    ],
)
def test_a_short_answer_that_is_not_in_its_passage_is_dropped_with_the_reason(line, reason):
    question = RECALL_QUESTION if "[2]" in line or "84,000" in line else SYRIA_QUESTION
    short, why = verify_short_line(line, question, PASSAGES)

    assert short is None and why == reason


def test_case_spacing_and_curly_quotes_do_not_matter_but_whole_words_do():
    ok, _ = verify_short_line("Answer:  ‘vladimir   putin’ [1]", SYRIA_QUESTION, PASSAGES)
    part, why = verify_short_line("Answer: Vladimir Put [1]", SYRIA_QUESTION, PASSAGES)

    assert ok is not None and ok.text == "vladimir putin"
    assert part is None and why == "not word for word in [1]"
