"""Questions are asked as of a day: later articles do not exist yet, newer ones weigh
more (strongly for questions about the present, gently for the rest), and an answer
about the present says when its newest source is old."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from index.calendar import UNDATED, latest_allowed
from index.knowledge_base import KnowledgeBase
from index.records import SearchFilters
from index.search.recency import (
    Freshness,
    TimePrior,
    outdated_coverage,
    stated_span,
)

PRIOR = TimePrior(present_weight=1.0, weight=0.1, half_life_days=30)
ASKED = date(2024, 6, 30)


def ordinals(*days: date | None) -> np.ndarray:
    return np.array([d.toordinal() if d else UNDATED for d in days])


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("What happened in Eastholm yesterday?", 2),
        ("Which airline found loose bolts this week?", 7),
        ("Who won the final last Sunday?", 7),
        ("What did the council decide this month?", 30),  # calendar: 30 June
        ("What did the council decide last month?", 31),
        ("What is the latest on the bridge?", 30),
        ("Who leads the council now?", 30),
        ("How many people has the flu killed so far this year?", 30),
        ("Which film topped the box office last year?", 365),
        ("Which film won this year's Razzie for worst picture?", 182),  # since 1 January
        ("When did the tram line open?", None),
        ("Who wants Iran out of Syria?", None),
        ("What is the capital of Iceland?", None),
        ("Is the snowfall known to be unusual?", None),  # "now" only as a whole word
    ],
)
def test_a_question_about_the_present_states_its_span(question, span):
    assert stated_span(question, ASKED) == span


@pytest.mark.parametrize(
    ("asked", "span"),
    [(date(2024, 1, 26), 26), (date(2024, 1, 2), 7), (date(2024, 12, 31), 366)],
)
def test_this_year_is_the_calendar_year_so_far_and_at_least_a_week(asked, span):
    assert stated_span("Which film won this year's Razzie for worst picture?", asked) == span


def test_this_years_awards_asked_in_january_prefer_them_to_last_years():
    asked = date(2024, 1, 26)
    published = ordinals(date(2024, 1, 22), date(2023, 3, 11), date(2023, 1, 23))
    factors = PRIOR.factors(
        "Which film was not nominated in this year's Razzies?", asked, published, np.ones(3)
    )
    assert factors[0] == pytest.approx(2.0)
    assert factors[1] < 1.001 and factors[2] < 1.001  # last year's awards: no boost left


def test_the_strong_prior_is_flat_within_the_stated_span_then_halves_each_span():
    published = ordinals(ASKED, ASKED - timedelta(days=7), ASKED - timedelta(days=14), None)
    unrelated = np.array([0.9, 0.1, np.nan, 0.9])  # no say in a question about the present
    factors = PRIOR.factors("Who resigned this week?", ASKED, published, unrelated)
    assert factors.tolist() == pytest.approx([2.0, 2.0, 1.5, 1.0])


def test_the_gentle_prior_halves_every_half_life_and_leaves_undated_articles_alone():
    published = ordinals(ASKED, ASKED - timedelta(days=30), ASKED - timedelta(days=3650), None)
    as_close = np.full(4, 0.6)
    factors = PRIOR.factors("Who wants Iran out of Syria?", ASKED, published, as_close)
    assert factors.tolist() == pytest.approx([1.1, 1.05, 1.0, 1.0])


def test_the_gentle_prior_breaks_near_ties_only():
    today = ordinals(ASKED, ASKED, ASKED, ASKED)
    similarity = np.array([0.7, 0.6, 0.45, np.nan])  # the closest, a near-tie, far, unknown
    factors = PRIOR.factors("Who wants Iran out of Syria?", ASKED, today, similarity)
    assert factors.tolist() == pytest.approx([1.1, 1.05, 1.0, 1.0])


def test_articles_dated_within_the_days_slack_count_as_of_the_ask_day():
    tomorrow = ordinals(ASKED + timedelta(days=1))
    factors = PRIOR.factors("Who resigned this week?", ASKED, tomorrow, np.array([0.5]))
    assert factors.tolist() == [2.0]
    assert latest_allowed(ASKED) == ASKED + timedelta(days=1)


def test_an_answer_about_the_present_says_when_its_newest_source_is_old():
    old = [date(2024, 3, 12), None, date(2024, 1, 2)]
    assert outdated_coverage("What is the latest on the bridge?", ASKED, old) == date(2024, 3, 12)
    recent = [*old, ASKED - timedelta(days=6)]
    assert outdated_coverage("What is the latest on the bridge?", ASKED, recent) is None
    assert outdated_coverage("When did the bridge open?", ASKED, old) is None, "not about now"
    assert outdated_coverage("What is the latest on the bridge?", ASKED, [None]) is None


# -- over a real index ------------------------------------------------------------------


def _write(folder, name, title, day, text, source="River Post"):
    dated = f"date: {day.isoformat()}\n" if day else ""
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {title}\n{dated}source: {source}\n---\n\n{text}\n"
    )


BRIDGE = (
    "Repairs of the Kestrel bridge moved forward as {detail} work on its deck, the river "
    "authority said, adding that the crossing stays closed to heavy traffic."
)


@pytest.fixture
def bridge_kb(settings, embedder, articles_dir):
    """Four reports on the Kestrel bridge around ASKED, one of them undated."""
    for name, day, detail in (
        ("january", date(2024, 1, 10), "the council approved"),
        ("on-the-day", ASKED, "engineers inspected"),
        ("next-day", ASKED + timedelta(days=1), "crews began"),
        ("two-days-later", ASKED + timedelta(days=2), "the contractor finished"),
        ("undated", None, "volunteers surveyed"),
    ):
        _write(
            articles_dir,
            f"bridge-{name}",
            "Kestrel bridge repairs",
            day,
            BRIDGE.format(detail=detail),
        )
    kb = KnowledgeBase(settings, embedder)
    kb.reindex()
    return kb


@pytest.mark.model
def test_as_of_a_day_later_articles_do_not_exist_but_undated_ones_do(bridge_kb):
    bridge = SearchFilters(sources=("River Post",))
    hits = bridge_kb.search("Kestrel bridge repairs deck", k=10, filters=bridge, as_of=ASKED)
    days = {h.article.published for h in hits}
    assert days == {date(2024, 1, 10), ASKED, ASKED + timedelta(days=1), None}
    everything = bridge_kb.search("Kestrel bridge repairs deck", k=10, filters=bridge)
    assert ASKED + timedelta(days=2) in {h.article.published for h in everything}


@pytest.mark.model
def test_a_question_asked_as_of_an_earlier_day_never_cites_a_later_article(bridge_kb):
    for question in ("What is the latest on the Kestrel bridge?", "Who works on the bridge?"):
        answer = bridge_kb.ask(question, as_of=date(2024, 2, 1))
        assert answer.answered and answer.as_of == date(2024, 2, 1)
        shown = [c.article for c in answer.citations] + [h.article for h in answer.hits]
        assert all(a.published is None or a.published <= date(2024, 2, 2) for a in shown)
        assert date(2024, 1, 10) in {c.article.published for c in answer.citations}


@pytest.mark.model
def test_questions_about_the_present_prefer_articles_near_the_ask_day(bridge_kb):
    question = "What is the latest on the Kestrel bridge repairs?"
    in_june = bridge_kb.search(question, k=1, as_of=ASKED)
    assert in_june[0].article.published in (ASKED, ASKED + timedelta(days=1))
    in_february = bridge_kb.search(question, k=1, as_of=date(2024, 2, 1))
    assert in_february[0].article.published == date(2024, 1, 10)


@pytest.mark.model
def test_an_answer_about_the_present_from_old_articles_says_how_old(bridge_kb):
    answer = bridge_kb.ask("What is the latest on the Kestrel bridge?", as_of=date(2024, 5, 1))
    # Only January's report (and the undated one) exist by May.
    assert answer.latest_coverage == date(2024, 1, 10)
    current = bridge_kb.ask("What is the latest on the Kestrel bridge?", as_of=ASKED)
    assert current.latest_coverage is None


@pytest.mark.model
def test_a_timeless_question_keeps_its_old_answer_among_recent_articles(
    settings, embedder, articles_dir
):
    _write(
        articles_dir,
        "capital",
        "A guide to Iceland",
        date(2014, 5, 2),
        "Reykjavik is the capital of Iceland and home to about two thirds of its people. "
        "The city lies on the south-western coast, on the shore of Faxafloi bay.",
        source="Travel Desk",
    )
    for day in range(20):
        _write(
            articles_dir,
            f"iceland-news-{day}",
            f"Iceland news roundup {day}",
            ASKED - timedelta(days=day),
            "Icelandic officials met this week to discuss tourism, fishing quotas and the "
            "roads around the country's towns, and the weather service warned of storms.",
            source="Arctic Wire",
        )
    kb = KnowledgeBase(settings, embedder)
    kb.reindex()
    for question in ("What is the capital of Iceland?", "Which city is Iceland's capital?"):
        top = kb.search(question, k=1, as_of=ASKED)[0]
        assert top.article.title == "A guide to Iceland"
        assert "Reykjavik" in kb.ask(question, as_of=ASKED).text


def test_freshness_halves_every_half_life_before_the_day_asked():
    fresh = Freshness(date(2024, 3, 31), half_life_days=30)

    assert fresh(date(2024, 3, 31)) == fresh(date(2024, 4, 1)) == 1.0  # a day ahead: 1
    assert fresh(date(2024, 3, 1)) == pytest.approx(0.5)
    assert fresh(date(2024, 1, 31)) == pytest.approx(0.25)
    assert fresh(None) == 1.0  # undated: no evidence of age
