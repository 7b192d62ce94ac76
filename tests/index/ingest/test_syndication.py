"""Copies of a story are recognised by their MinHash signatures, whose bands find the
candidates; the original is the earliest."""

from datetime import date

from index.ingest.syndication import band_keys, goes_first, same_story, signature

STORY = (
    "Dock workers in Port Aven ended a nine-day ferry strike on Monday after the operator "
    "agreed to a six per cent pay rise and new rest rules for crews. Services to the islands "
    "resume on Tuesday morning, the company said, with extra sailings to clear the backlog "
    "of freight and passengers that built up during the dispute. Union leaders called the "
    "deal a fair settlement and said members had voted by a large majority to accept it, "
    "while the island council asked the operator to publish a winter timetable soon so "
    "that schools and clinics can plan their transport for the coming months. "
)


def test_near_identical_copies_are_the_same_story_and_share_a_band():
    edited = STORY.replace("on Monday", "on Monday evening") + "Reporting by a wire service."
    original, copy = signature(STORY), signature(edited)
    assert same_story(original, copy)
    assert set(band_keys(original)) & set(band_keys(copy))


def test_stories_that_merely_share_a_topic_are_not_the_same_story():
    other = (
        "Ferry crews in Port Aven voted on Friday to strike over pay and rest rules, the "
        "union said, warning that services to the islands could stop within a week unless "
        "the operator improved its offer of a four per cent rise for this year. "
    )
    unrelated = "An unrelated story about a library and its new opening hours. " * 5
    assert not same_story(signature(STORY), signature(other))
    assert not same_story(signature(STORY), signature(unrelated))


def test_signatures_are_the_same_on_every_run_and_none_without_words():
    assert (signature(STORY) == signature(STORY)).all()
    assert signature(STORY).dtype.name == "uint64" and len(signature(STORY)) == 64
    assert signature("  ... !!! ") is None
    assert len(signature("Short text")) == 64  # fewer words than a shingle still count


def test_the_earliest_is_the_original_undated_counts_as_latest_ties_keep_the_known():
    assert goes_first(date(2024, 3, 1), date(2024, 3, 2))
    assert not goes_first(date(2024, 3, 2), date(2024, 3, 1))
    assert goes_first(date(2024, 3, 1), None) and not goes_first(None, date(2024, 3, 1))
    assert not goes_first(date(2024, 3, 1), date(2024, 3, 1))
    assert not goes_first(None, None)
