"""Candidate short answers of a kind in a sentence."""

from __future__ import annotations

from index.answer.candidates import mentions, untitled
from index.answer.places import place_pattern


def texts(sentence: str, kind: str, **options) -> list[str]:
    return [m.text for m in mentions(sentence, kind, **options)]  # type: ignore[arg-type]


def test_names_are_runs_of_capitalised_words_without_sentence_openers():
    sentence = "The Bank of England raised rates, and Adrien Brody’s film won."
    assert texts(sentence, "name") == ["Bank of England", "Adrien Brody"]


def test_words_capitalised_only_to_open_a_sentence_or_a_clause_are_no_name():
    assert texts("Despite the storm, Jimmy Kimmel hosted.", "name") == ["Jimmy Kimmel"]
    assert texts("Here’s what Korean Air said.", "name") == ["Korean Air"]
    assert texts("Thursday the U.S. Senate voted.", "name") == ["U.S", "Senate"]
    assert texts("I'm told Sept. was busy.", "name") == []


def test_what_describes_a_name_and_a_pages_furniture_are_left_out():
    assert texts("She lost to Trump-backed Harriet Hageman.", "name") == ["Harriet Hageman"]
    assert texts("It bought San Francisco-based Virgin America.", "name") == ["Virgin America"]
    assert texts("Stream on Apple TV now.", "name") == ["Apple TV"]


def test_an_office_alone_or_a_party_and_state_is_no_name():
    assert texts("Sen. Ben Cardin, D-Md., and Dr. Ruth met.", "name") == ["Ben Cardin", "Ruth"]


def test_a_name_ends_before_a_calendar_word_it_is_joined_to():
    assert texts("They met in New York on Monday for the U.N.", "name") == ["New York"]
    assert texts("Kimmel hosts the Oscars on March 10.", "name") == ["Kimmel", "Oscars"]
    assert texts("Theresa May resigned.", "name") == ["Theresa May"]  # a name, not a month


def test_common_nouns_opening_a_sentence_stay_candidates():
    assert texts("Eggs rose most in price.", "name") == ["Eggs"]  # "which food ...?"


def test_a_quoted_title_is_a_name():
    assert "Break My Soul" in texts("She released “Break My Soul” on Monday.", "name")


def test_numbers_keep_their_currency_and_scale_and_leave_years_to_dates():
    sentence = "In 2024 the truck cost $96,390, up 3.75% on 1.2 million units."
    assert texts(sentence, "number") == ["$96,390", "3.75%", "1.2 million"]
    assert texts(sentence, "date") == ["2024"]


def test_a_list_of_places_gives_only_its_names():
    sentence = "Officials in New York and the Florida Panhandle met Paris envoys."
    assert texts(sentence, "place", names=place_pattern("state")) == ["New York", "Florida"]


def test_an_office_before_a_name_is_left_out_of_the_answer():
    assert untitled("Russian President Vladimir Putin") == "Vladimir Putin"
    assert untitled("Israeli Prime Minister Benjamin Netanyahu") == "Benjamin Netanyahu"
    assert untitled("Bank of England") == "Bank of England"
