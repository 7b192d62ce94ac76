import time

import pytest

from index.ingest.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_splits_on_terminal_punctuation_before_a_capital():
    assert texts("It rained. Then it snowed! Did it stop? Yes.") == [
        "It rained.",
        "Then it snowed!",
        "Did it stop?",
        "Yes.",
    ]


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = "Mr. Smith met Dr. Jones in the U.S. on Jan. 5. George W. Bush paid $3.5 billion."
    assert texts(text) == [
        "Mr. Smith met Dr. Jones in the U.S. on Jan. 5.",
        "George W. Bush paid $3.5 billion.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    assert texts("He said “no one can tell us.” Tehran agreed.") == [
        "He said “no one can tell us.”",
        "Tehran agreed.",
    ]


def test_paragraph_breaks_end_a_sentence_without_punctuation():
    assert texts("A heading\n\nBody text here.") == ["A heading", "Body text here."]


def test_spans_are_offsets_into_the_original_text():
    text = "  First one.   Second one.  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end] in ("First one.", "Second one.")


@pytest.mark.parametrize(
    "text",
    [
        "." * 2_000_000,  # one run of full stops
        "talks with Mr. A. Smith and Dr. Jones " * 50_000,  # 1.9 MB, every stop an abbreviation
        "lanes " * 300_000,  # no punctuation at all
    ],
    ids=["dots", "abbreviations", "no-punctuation"],
)
def test_a_huge_single_sentence_is_split_in_linear_time(text):
    """Each of these took hours (quadratic in the length of the sentence); now well
    under a second. The bound is generous so that a busy machine cannot fail it."""
    started = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - started < 10
    assert len(spans) == 1
