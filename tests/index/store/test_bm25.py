"""The lexical side of retrieval: tokens for BM25 and sentence scoring, and BM25 itself."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.ingest.terms import lexical_tokens, term_counts
from index.store.bm25 import bm25_scores

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


def segment(passages: list[str]) -> tuple[dict, np.ndarray]:
    """Postings and lengths of ``passages``, as a segment stores them."""
    counts = [term_counts(p) for p in passages]
    postings: dict[str, tuple[list[int], list[int]]] = {}
    for chunk, terms in enumerate(counts):
        for term, count in terms.items():
            postings.setdefault(term, ([], []))
            postings[term][0].append(chunk)
            postings[term][1].append(count)
    arrays = {t: (np.array(c), np.array(n, dtype=np.uint16)) for t, (c, n) in postings.items()}
    return arrays, np.array([sum(c.values()) for c in counts])


def scores(query: str, parts: list[list[str]], k1: float = 0.9, b: float = 0.4) -> list[float]:
    """BM25 of every passage, the passages split into segments as ``parts`` says."""
    built = [segment(part) for part in parts]
    total_chunks = sum(len(part) for part in parts)
    total_tokens = sum(int(lengths.sum()) for _, lengths in built)
    found = bm25_scores(
        lexical_tokens(query),
        [postings for postings, _ in built],
        [lengths for _, lengths in built],
        total_chunks,
        total_tokens,
        k1,
        b,
    )
    flat: list[float] = []
    for part, (chunks, values) in zip(parts, found, strict=True):
        row = [0.0] * len(part)
        for chunk, value in zip(chunks, values, strict=True):
            row[int(chunk)] = float(value)
        flat += row
    return flat


def test_bm25_ranks_the_passage_with_every_query_term_first():
    found = scores("ferry strike", [PASSAGES])
    assert int(np.argmax(found)) == 1
    assert found[1] > found[3] > 0  # one term of two still counts, for less
    assert found[0] == found[2] == 0


def test_bm25_matches_lucenes_formula_computed_by_hand():
    k1, b = 0.9, 0.4
    counts = [term_counts(p) for p in PASSAGES]
    average = sum(sum(c.values()) for c in counts) / len(counts)
    expected = []
    for passage in counts:
        total = 0.0
        for term in lexical_tokens("ferry strike"):
            df = sum(1 for c in counts if term in c)
            idf = math.log(1 + (len(counts) - df + 0.5) / (df + 0.5))
            tf = passage[term]
            length = sum(passage.values())
            total += idf * tf / (tf + k1 * (1 - b + b * length / average)) if tf else 0.0
        expected.append(total)
    assert scores("ferry strike", [PASSAGES], k1, b) == pytest.approx(expected, rel=1e-5)


def test_a_passage_scores_the_same_whichever_segment_holds_it():
    whole = scores("ferry strike council", [PASSAGES])
    split = scores("ferry strike council", [PASSAGES[:1], PASSAGES[1:3], PASSAGES[3:]])
    assert split == pytest.approx(whole, rel=1e-6)


def test_stemming_matches_other_forms_of_a_word():
    assert int(np.argmax(scores("striking ferries", [PASSAGES]))) == 1


def test_unknown_words_and_stopwords_score_nothing():
    for query in ("zeppelin", "the of and", ""):
        assert not any(scores(query, [PASSAGES]))


def test_an_empty_segment_scores_nothing():
    assert scores("ferry", [[], PASSAGES])[3] > 0
    assert scores("ferry", [[]]) == []
