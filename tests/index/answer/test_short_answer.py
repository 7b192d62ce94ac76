"""The short answer found in ranked passages: support, the question's own words, several
actors, abstention."""

from __future__ import annotations

from datetime import date

from index.answer.answer_types import AnswerType
from index.answer.short_answer import find_short_answer, ranked_candidates
from index.records import ArticleInfo, Hit
from index.search.recency import Freshness


def hit(number: int, title: str, text: str) -> Hit:
    article = ArticleInfo(f"a{number}", title, None, "Wire", date(2025, 3, 3), None)
    return Hit(article, f"s:{number}", 0, len(text), text, score=1.0 / (number + 1))


OSCARS = [
    hit(
        1,
        "Oscars 2025 winners",
        "Adrien Brody won best actor at the Academy Awards. The Academy Awards ceremony ran long.",
    ),
    hit(2, "Brody's second Oscar", "Adrien Brody won the best actor Oscar on Sunday night."),
    hit(3, "Best actor", "Best actor went to Adrien Brody, his second win in the category."),
]


def test_the_questions_own_words_are_not_the_answer():
    question = "Which actor won best actor at the Academy Awards?"
    ranked = ranked_candidates(question, AnswerType("person"), OSCARS)
    assert "Academy Awards" not in [c.text for c in ranked]
    found = find_short_answer(question, OSCARS)
    assert found is not None and found.text == "Adrien Brody"
    assert found.articles[0].id == "a1" and "Adrien Brody won" in found.sentences[0]


def test_support_adds_up_across_articles():
    passages = [
        hit(1, "Recall", "Halden Motors recalls 84,000 Tarn SUVs over a brake fault."),
        hit(2, "Brake fault", "The recall of 84,000 SUVs follows 12 complaints in 2023."),
    ]
    found = find_short_answer("How many SUVs did Halden Motors recall?", passages)
    assert found is not None and found.text == "84,000"


def test_a_number_is_in_the_unit_the_question_asks_for():
    passages = [
        hit(1, "Poll", "Six in ten voters, 60%, backed the measure in 2 polls of 1,000 adults."),
        hit(2, "Vote", "The measure cost $2 million; 60% of voters backed it."),
    ]
    share = find_short_answer("What percentage of voters backed the measure?", passages)
    cost = find_short_answer("How much did the measure cost?", passages)

    assert share is not None and share.text == "60%"
    assert cost is not None and cost.text == "$2 million"


def test_the_answer_in_the_news_of_the_day_asked_beats_last_years():
    last_year = ArticleInfo("old", "Cup final 2024", None, "Wire", date(2024, 5, 4), None)
    this_week = ArticleInfo("new", "Cup final 2025", None, "Wire", date(2025, 5, 3), None)
    passages = [
        Hit(last_year, "s:old", 0, 60, "Rovers won the Eastholm cup final after extra time.", 1.0),
        Hit(this_week, "s:new", 0, 60, "United won the Eastholm cup final on Saturday.", 0.9),
        Hit(last_year, "s:old2", 60, 90, "Rovers won the Eastholm cup final in style.", 0.8),
    ]
    question = "Which club won the Eastholm cup final?"
    asked = Freshness(date(2025, 5, 5), half_life_days=30)

    undated = find_short_answer(question, passages)  # told twice, a year ago
    assert undated is not None and undated.text == "Rovers"
    found = find_short_answer(question, passages, asked)
    assert found is not None and found.text == "United"


def test_who_wants_gets_every_actor_named_by_office():
    passages = [
        hit(
            1,
            "Running Iran Out of Syria",
            "Russian President Vladimir Putin warned that all foreign forces would have to "
            "leave Syria, including Iranian troops. From the perspective of Israeli Prime "
            "Minister Benjamin Netanyahu, peace with Assad is acceptable provided that "
            "Iranian forces are squeezed out of Syria. Assad has clung to power.",
        )
    ]
    found = find_short_answer("Who wants Iran out of Syria?", passages)
    assert found is not None
    assert set(found.names) == {"Vladimir Putin", "Benjamin Netanyahu"}  # not Assad
    assert len(found.sentences) == 2


def test_no_short_answer_when_the_passages_name_nothing_of_the_kind():
    passages = [hit(1, "Tram", "the new tram line opened to riders after three years of works.")]
    assert find_short_answer("Who won the 2030 FIFA World Cup final?", passages) is None


def test_no_short_answer_when_the_candidates_disagree():
    names = ["Lena Ortiz", "Maya Chen", "Omar Haddad", "Ivo Petrov", "Sara Lind"]
    passages = [
        hit(n, f"Panel {n}", f"{name} spoke about the council's new budget plan today.")
        for n, name in enumerate(names)
    ]
    assert find_short_answer("Who drafted the council's new budget plan?", passages) is None


def test_no_short_answer_for_a_question_asking_why():
    assert find_short_answer("Why did Adrien Brody win best actor?", OSCARS) is None
