"""Sentence facts of a passage: which sentences hold each term, how many names, numbers
and dates each holds."""

from __future__ import annotations

import numpy as np

from index.ingest.answer_kinds import KINDS, NAME, NUMBER
from index.ingest.sentence_terms import MAX_SENTENCES, expand_prefixes, sentence_terms
from index.ingest.terms import term_counts

NAMES, NUMBERS, DATES = (KINDS.index(k) for k in KINDS)

PASSAGE = (
    "Tehran backs Assad. Israel wants Iranian forces out of Syria, officials said on "
    "Monday. The talks lasted 3 hours."
)


def test_each_term_marks_the_sentences_that_hold_it():
    facts = sentence_terms(PASSAGE)
    assert facts.masks["assad"] == 0b001
    assert facts.masks["syria"] == 0b010
    assert facts.masks["hour"] == 0b100
    assert "the" not in facts.masks  # stopwords are no terms, as in BM25
    assert facts.counts == term_counts(PASSAGE)  # one tokenising serves BM25 too
    assert facts.counts.keys() == facts.masks.keys()


def test_each_sentence_counts_its_distinct_names_numbers_and_dates():
    facts = sentence_terms(PASSAGE)
    assert facts.kinds.shape == (MAX_SENTENCES, len(KINDS))
    assert facts.kinds.dtype == np.uint8
    assert facts.kinds[0].tolist() == [2, 0, 0]  # Tehran, Assad
    assert facts.kinds[1, NAMES] == 4  # Israel, Iranian, Syria, Monday
    assert facts.kinds[1, DATES] == 1  # Monday
    assert facts.kinds[2, NUMBERS] == 1  # 3 ("The" opening a sentence names nothing)
    assert facts.kinds[2, NAMES] == 0
    assert not facts.kinds[3:].any()


def test_sentences_past_the_last_slot_share_it():
    names = [f"Z{chr(ord('a') + i)}x" for i in range(MAX_SENTENCES + 4)]
    facts = sentence_terms(" ".join(f"Then came {name}." for name in names))
    last = 1 << (MAX_SENTENCES - 1)
    assert facts.masks["zax"] == 1
    assert facts.masks[names[MAX_SENTENCES - 1].lower()] == last
    assert facts.masks[names[-1].lower()] == last
    assert facts.kinds[MAX_SENTENCES - 2, NAMES] == 1
    assert facts.kinds[MAX_SENTENCES - 1, NAMES] == 5  # its own name and the four after
    assert max(facts.masks.values()) < 1 << MAX_SENTENCES


def test_a_term_of_four_letters_or_more_takes_in_the_words_it_begins():
    masks = sentence_terms(PASSAGE).masks
    assert expand_prefixes(masks, "iran") == 0b010  # "Iranian"
    assert expand_prefixes(masks, "talk") == 0b100
    assert expand_prefixes(masks, "3") == 0b100  # short terms match whole words only
    assert expand_prefixes(masks, "ha") == 0


def test_kind_patterns_are_the_ones_the_composer_quotes_by():
    from index.answer import extractive as answer

    assert answer.NAME is NAME and NUMBER in KINDS
