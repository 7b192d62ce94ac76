"""Ranking passages by how they answer: one sentence covering the question and naming
what it asks for comes first; the facts stored in the index rank as the text does."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from index.ingest.answer_kinds import KINDS, NAME, NUMBER
from index.ingest.sentence_facts import asked, evidence_from_texts
from index.ingest.sentence_terms import sentence_terms
from index.ingest.terms import term_counts
from index.records import Article, Chunk
from index.search.answerability import answering_first, answering_order
from index.store.segment_writer import SegmentWriter
from index.store.segments import Segment

QUESTION = "Who did the Port Aven ferry union elect as its leader?"
RESTATES = (
    "The Port Aven ferry union will elect a new leader. Members of the ferry union in "
    "Port Aven say their leader matters."
)
ANSWERS = "Dock workers met on Friday. The Port Aven ferry union elected Marta Olsen as its leader."
ELSEWHERE = "Marta Olsen is a dock worker. The ferry union met in Port Aven."


@dataclass(frozen=True, slots=True)
class Fused:
    position: int
    text: str
    score: float


def rerank(fused: list[Fused], depth: int) -> list[Fused]:
    """``answering_first`` over candidates that carry their text, as Milvus's do."""
    return answering_first(
        fused,
        QUESTION,
        depth=depth,
        rrf_k=60,
        evidence=lambda wanted, pool: evidence_from_texts(wanted, [c.text for c in pool]),
        order=lambda c: -c.score,
    )


def order(question, texts):
    return answering_order(asked(question), evidence_from_texts(asked(question), texts)).tolist()


def test_the_question_says_what_kind_of_word_it_wants_and_which_it_has():
    who = asked(QUESTION)
    assert KINDS[who.kind] is NAME
    assert who.kind_terms == ("aven", "port")  # its own names ("Who" names nothing)
    assert "who" not in who.terms and {"ferri", "union", "leader"} <= set(who.terms)
    how_many = asked("How many ferries sail from Port Aven?")
    assert KINDS[how_many.kind] is NUMBER
    assert asked("Explain the ferry strike").kind is None


def test_a_sentence_naming_a_new_name_among_the_questions_words_comes_first():
    # The restating passage holds more of the question, the scattered one a new name,
    # but only the answering passage has both in one sentence.
    assert order(QUESTION, [RESTATES, ELSEWHERE, ANSWERS]) == [2, 0, 1]


def test_the_questions_own_names_are_no_answer():
    only_said = "Port Aven's ferry union will elect its leader in Port Aven."
    assert order(QUESTION, [only_said, ANSWERS]) == [1, 0]


def test_without_a_wanted_kind_one_sentence_covering_most_of_the_question_ranks():
    scattered = "The ferry sails. A strike began. Talks ended."
    together = "The ferry strike talks ended."
    assert order("Explain the ferry strike talks", [scattered, together]) == [1, 0]


def test_ties_keep_the_fused_order_and_shares_follow_the_ranks():
    texts = [RESTATES, RESTATES, ANSWERS]
    question = asked(QUESTION)
    evidence = evidence_from_texts(question, texts)
    assert answering_order(question, evidence).tolist() == [2, 0, 1]
    fused = [Fused(position, text, 0.0) for position, text in enumerate(texts)]
    ranked = rerank(fused, depth=3)
    shares = {c.position: c.score for c in ranked}
    assert [shares[p] for p in range(3)] == [1 / 62, 1 / 63, 1 / 61]
    assert [c.position for c in ranked] == [2, 0, 1]
    assert order(QUESTION, []) == []


def test_only_the_first_depth_candidates_are_ranked_again():
    fused = [Fused(0, RESTATES, 1.0), Fused(1, ANSWERS, 0.5)]
    ranked = rerank(fused, depth=1)
    assert [c.score for c in ranked] == [1.0 + 1 / 61, 0.5]


def test_facts_stored_in_a_segment_rank_as_the_text_does(tmp_path):
    texts = [RESTATES, ELSEWHERE, ANSWERS, "Iranian ferries sail daily. 3 left on Monday."]
    writer = SegmentWriter(tmp_path / "seg-000001", 4)
    for number, text in enumerate(texts):
        article = Article(id=f"a{number}", title=f"Ferry news {number}", text=text)
        chunk = Chunk(article.id, 0, 0, len(text), text, 10)
        writer.add(
            article,
            [chunk],
            np.eye(4, dtype=np.float32)[[number]],
            [Counter(term_counts(f"{article.title}\n{text}"))],
            [sentence_terms(text)],
        )
    writer.finish(False)
    segment = Segment(tmp_path / "seg-000001")
    for question in (QUESTION, "When did the Iran ferries leave?", "How many left?"):
        wanted = asked(question)
        chunks = np.array([3, 1, 0, 2])
        stored = segment.sentence_masks(wanted.terms, chunks)
        from_text = evidence_from_texts(wanted, [texts[c] for c in chunks])
        assert np.array_equal(stored, from_text.term_masks)
        assert np.array_equal(
            segment.sentence_masks(wanted.kind_terms, chunks), from_text.kind_term_masks
        )
        assert np.array_equal(np.asarray(segment.chunk_kinds[chunks]), from_text.kinds)
