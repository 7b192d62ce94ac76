"""What a question asks for, read from its form."""

from __future__ import annotations

import pytest

from index.answer.answer_types import AnswerType, answer_type


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who designed the garment?", AnswerType("person")),
        ("Which actor won Best Actor at the Academy Awards?", AnswerType("person")),
        ("This Pro Football Hall of Famer died this week at age 72.", AnswerType("person")),
        ("Which country announced a plan to save species?", AnswerType("place", "country")),
        ("Which US state passed the bill?", AnswerType("place", "state")),
        ("Where did the rally take place?", AnswerType("place")),
        ("When did the Eastholm tram Line 4 open?", AnswerType("date")),
        ("This was the highest hike since:", AnswerType("date")),
        ("How many SUVs did Halden Motors recall?", AnswerType("number", unit="count")),
        ("What percentage of voters backed the measure?", AnswerType("number", unit="percent")),
        ("How much did the telescope cost?", AnswerType("number", unit="money")),
        ("By how much did podcasts drop?", AnswerType("number")),  # unsaid
        ("What is the starting price of the Cyberbeast?", AnswerType("number", unit="money")),
        ("Which company will Bob Iger lead again?", AnswerType("name")),
        ("What is the name of the storm?", AnswerType("name")),
        ("Beyoncé released a new song this week, titled:", AnswerType("name")),
        ("Which state will host the 2026 World Cup final?", AnswerType("place", "state")),
        ("A record previously held by:", AnswerType("name")),  # a blank to fill, no date
        ("Miami is the first No. 8 seed to win a series since:", AnswerType("date")),
        ("Who wants Iran out of Syria?", AnswerType("actors")),
        ("Who opposes the new border deal?", AnswerType("actors")),
    ],
)
def test_the_question_form_says_what_kind_of_thing_is_asked(question, expected):
    assert answer_type(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Why were some Kia and Hyundai SUVs recalled this week?",
        "How does the new tram line change commuting?",
        "What happened at the Eastholm council meeting?",
    ],
)
def test_a_question_asking_for_an_account_wants_no_short_answer(question):
    assert answer_type(question) is None
