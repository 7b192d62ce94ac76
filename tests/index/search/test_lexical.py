"""The lexical side of retrieval: tokens for BM25 and sentence scoring, and BM25 itself."""

from __future__ import annotations

import numpy as np

from index.search.lexical import LexicalIndex, lexical_tokens

PASSAGES = [
    "Harbour cranes stood still all day.",
    "The ferry strike ends in Port Aven after nine days.",
    "The council votes on the budget.",
    "Ferry timetables for the winter.",
]


def test_tokens_are_lower_case_stems_without_stopwords():
    tokens = lexical_tokens("The Ministers were Running the elections in Iran's capital")
    assert tokens == ["minist", "were", "run", "elect", "iran", "capit"]
    assert lexical_tokens("Elections") == lexical_tokens("election") == ["elect"]


def test_a_text_of_only_stopwords_has_no_tokens():
    assert lexical_tokens("the and of it was") == []
    assert lexical_tokens("") == []


def test_bm25_ranks_the_passage_with_every_query_term_first():
    scores = LexicalIndex(PASSAGES).scores("ferry strike")
    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[3] > 0  # one term of two still counts, for less
    assert scores[0] == scores[2] == 0


def test_stemming_matches_other_forms_of_a_word():
    scores = LexicalIndex(PASSAGES).scores("striking ferries")
    assert int(np.argmax(scores)) == 1


def test_unknown_words_and_stopwords_give_zeros_for_every_passage():
    index = LexicalIndex(PASSAGES)
    for query in ("zeppelin", "the of and", ""):
        scores = index.scores(query)
        assert scores.shape == (len(PASSAGES),) and not scores.any()


def test_an_empty_index_scores_nothing():
    assert LexicalIndex([]).scores("ferry").shape == (0,)
