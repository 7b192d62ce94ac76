"""Where a passage's words stand: which of its sentences hold each lexical term, how
many distinct words of each answer kind (names, numbers, dates) each sentence holds, and
which sentences address a reader or a model instead of reporting (``index.injection``).

Worked out once when a passage is indexed and stored with its postings (see
``index.store.segments``), so that a question can tell which passages have one sentence
that both covers it and names something it does not say (``index.search.answerability``)
without re-reading any text, and no answer quotes or rests on a sentence that gives
orders (``addressed``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from index.ingest.answer_kinds import KINDS, kind_terms
from index.ingest.sentences import split_sentences
from index.ingest.terms import lexical_tokens
from index.injection import addresses_a_reader
from index.records import Hit

# Sentences are bits of a 16-bit mask; a passage's sentences from the 16th on share the
# last bit (a 256-word-piece passage has about nine).
MAX_SENTENCES = 16
KIND_COUNT_MAX = 255  # kind counts are stored in a byte


@dataclass(frozen=True, slots=True)
class SentenceTerms:
    counts: Counter[str]  # lexical term -> occurrences in the whole text (as term_counts)
    masks: dict[str, int]  # lexical term -> bit i set when sentence i holds it
    kinds: np.ndarray  # uint8 (MAX_SENTENCES, len(KINDS)): distinct terms of each kind
    addressing: int  # bit i set when sentence i addresses a reader (index.injection)


def sentence_terms(text: str) -> SentenceTerms:
    """The facts of ``text``, tokenised once: sentences hold every word of it."""
    counts: Counter[str] = Counter()
    masks: dict[str, int] = {}
    kinds = np.zeros((MAX_SENTENCES, len(KINDS)), dtype=np.int64)
    for number, (start, end) in enumerate(split_sentences(text)):
        slot = min(number, MAX_SENTENCES - 1)
        sentence = text[start:end]
        bit = 1 << slot
        tokens = lexical_tokens(sentence)
        counts.update(tokens)
        for term in set(tokens):
            masks[term] = masks.get(term, 0) | bit
        for kind, pattern in enumerate(KINDS):
            kinds[slot, kind] += len(kind_terms(sentence, pattern))
    kinds = np.minimum(kinds, KIND_COUNT_MAX).astype(np.uint8)
    return SentenceTerms(counts, masks, kinds, addressing_mask(text))


def addressing_mask(text: str) -> int:
    """Bit i set when sentence i of ``text`` addresses a reader or a model (sentences
    from the 16th on share the last bit)."""
    mask = 0
    for number, (start, end) in enumerate(split_sentences(text)):
        if addresses_a_reader(text[start:end]):
            mask |= 1 << min(number, MAX_SENTENCES - 1)
    return mask


def addressed(hit: Hit, number: int, sentence: str) -> bool:
    """Whether sentence ``number`` of ``hit``'s passage (its text ``sentence``) addresses
    a reader: as stored when the passage was indexed, or worked out from the text (an
    index of earlier builds, and the sentences that share the last slot)."""
    if hit.addressing is None or number >= MAX_SENTENCES - 1:
        return addresses_a_reader(sentence)
    return bool(hit.addressing >> number & 1)


def expand_prefixes(masks: dict[str, int], term: str) -> int:
    """The sentences holding ``term`` or, for terms of four letters or more, a longer
    word starting with it ("iranian" for "iran"), as the answer composer counts them."""
    if len(term) < 4:
        return masks.get(term, 0)
    found = 0
    for word, mask in masks.items():
        if word.startswith(term):
            found |= mask
    return found
