"""An answer's lead line: the clause that answers, and quotes without the lead's sentence."""

from __future__ import annotations

from index.answer.lead import answering_clause, lead_of, quote_sentences
from index.records import Answer, AnswerSentence, ArticleInfo, Citation

QUESTION = "who wants Iran out of Syria?"
NETANYAHU = (
    "Meanwhile, from the perspective of Israeli Prime Minister Benjamin Netanyahu — who met "
    "with Putin a couple weeks ago — a cold peace with a Russian-backed Assad is probably "
    "perfectly acceptable (Israel was entirely pragmatic in dealing with Assad’s father), "
    "provided that Iranian forces are squeezed out of Syria."
)
PUTIN = (
    "But last week a fresh fissure opened in an unexpected place — Russian President Vladimir "
    "Putin warned that all foreign forces would ultimately have to leave Syria."
)
HARDLINERS = (
    "You can bet that Iranian hardliners — confronted with the collapse of the Iran deal — "
    "won’t accept being pushed out of a Syrian peace easily."
)


def answer(*texts: str, mode: str = "extractive") -> Answer:
    seed = ArticleInfo("a1", "Running Iran Out of Syria", None, None, None, None)
    return Answer(
        question=QUESTION,
        sentences=tuple(AnswerSentence(t, (1,)) for t in texts),
        citations=(Citation(1, seed),),
        mode=mode,  # type: ignore[arg-type]
    )


def test_asides_off_the_question_and_opening_connectives_are_left_out() -> None:
    assert answering_clause(NETANYAHU, QUESTION) == (
        "From the perspective of Israeli Prime Minister Benjamin Netanyahu, a cold peace with "
        "a Russian-backed Assad is probably perfectly acceptable, provided that Iranian forces "
        "are squeezed out of Syria."
    )


def test_a_lone_dash_splits_the_sentence_and_the_clause_that_answers_is_kept() -> None:
    assert answering_clause(PUTIN, QUESTION) == (
        "Russian President Vladimir Putin warned that all foreign forces would ultimately have "
        "to leave Syria."
    )


def test_an_aside_about_the_question_stays_and_the_sentence_is_not_cut_apart() -> None:
    assert answering_clause(HARDLINERS, QUESTION) == HARDLINERS


def test_the_lead_is_the_sentence_covering_most_of_the_question_and_is_not_quoted_again() -> None:
    seed = answer(PUTIN, NETANYAHU, HARDLINERS)

    lead = lead_of(seed)

    assert lead is not None and lead.sentence == 1 and lead.text.startswith("From the perspective")
    assert [s.text for s in quote_sentences(seed, lead)] == [PUTIN, HARDLINERS]


def test_a_model_answer_leads_with_its_first_sentence_as_written() -> None:
    lead = lead_of(answer("Putin and Netanyahu — both of them — want it.", "More.", mode="llm"))

    assert lead is not None and lead.text == "Putin and Netanyahu — both of them — want it."


def test_an_empty_answer_has_no_lead() -> None:
    assert lead_of(answer()) is None
