"""What an answer says first when the passages give no short answer to a question that
asks for a thing: that it is not said directly, then the clause naming the likeliest
answers."""

from __future__ import annotations

from index.answer.leading import NOT_DIRECT, with_short_answer
from index.records import Answer, AnswerSentence, Citation
from tests.index.answer.test_short_answer import hit

QUESTION = "Which club won the Eastholm cup final?"
# Two clubs, each said to have won: the passages disagree, so no short answer.
PASSAGES = [
    hit(1, "Cup final", "Rovers won the Eastholm cup final on penalties, fans said."),
    hit(2, "Final report", "The Eastholm cup final drew a record crowd of 9,000 fans."),
    hit(3, "Late news", "United won the Eastholm cup final, the club said on its website."),
]


def extractive(*sentences: tuple[str, int]) -> Answer:
    citations = tuple(
        Citation(n, PASSAGES[n - 1].article) for n in sorted({n for _, n in sentences})
    )
    return Answer(
        QUESTION,
        tuple(AnswerSentence(text, (n,)) for text, n in sentences),
        citations,
        hits=tuple(PASSAGES),
    )


def test_a_lead_naming_no_likely_answer_gives_way_to_the_best_candidates_sentence():
    answer = with_short_answer(
        extractive(("The Eastholm cup final drew a record crowd of 9,000 fans.", 2)), 5
    )

    assert answer.short_answer is None
    assert answer.lead == f"{NOT_DIRECT} Rovers won the Eastholm cup final on penalties, fans said."
    # That sentence opens the answer, citing its article, so every front end shows it.
    assert answer.sentences[0] == AnswerSentence(
        "Rovers won the Eastholm cup final on penalties, fans said.", (2,)
    )
    assert [c.article.id for c in answer.citations] == ["a2", "a1"]


def test_a_lead_that_names_a_likely_answer_stays():
    sentence = "United won the Eastholm cup final, the club said on its website."
    answer = with_short_answer(extractive((sentence, 3)), 5)

    assert answer.short_answer is None
    assert answer.lead == f"{NOT_DIRECT} {sentence}"
    assert [s.text for s in answer.sentences] == [sentence]
