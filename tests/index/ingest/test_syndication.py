from datetime import date

from index.ingest.syndication import find_groups
from index.records import Article

STORY = (
    "Dock workers in Port Aven ended a nine-day ferry strike on Monday after the operator "
    "agreed to a six per cent pay rise and new rest rules for crews. Services to the islands "
    "resume on Tuesday morning, the company said, with extra sailings to clear the backlog "
    "of freight and passengers that built up during the dispute. Union leaders called the "
    "deal a fair settlement and said members had voted by a large majority to accept it, "
    "while the island council asked the operator to publish a winter timetable soon so "
    "that schools and clinics can plan their transport for the coming months. "
)


def article(i: int, text: str, published: date | None = None) -> Article:
    return Article(id=str(i), title=f"t{i}", text=text, published=published)


def test_near_identical_copies_form_one_group_with_the_earliest_as_original():
    edited = STORY.replace("on Monday", "on Monday evening") + "Reporting by a wire service."
    articles = [
        article(0, STORY, date(2024, 3, 2)),
        article(1, "An unrelated story about a library and its new opening hours. " * 5),
        article(2, edited, date(2024, 3, 1)),
    ]
    [group] = find_groups(articles)
    assert (group.original, group.copies) == (2, (0,))


def test_stories_that_merely_share_a_topic_are_not_grouped():
    other = (
        "Ferry crews in Port Aven voted on Friday to strike over pay and rest rules, the "
        "union said, warning that services to the islands could stop within a week unless "
        "the operator improved its offer of a four per cent rise for this year. "
    )
    assert find_groups([article(0, STORY), article(1, other)]) == []


def test_grouping_is_the_same_on_every_run():
    articles = [article(i, STORY + f"Update {i // 2}." * (i % 2)) for i in range(6)]
    assert find_groups(articles) == find_groups(articles)
