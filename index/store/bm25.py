"""Lexical side of retrieval: BM25 scores computed from each segment's postings with the
whole index's statistics (tokens come from ``index.ingest.terms``).

Scores follow Lucene's BM25 (as bm25s's default does): ``idf * tf / (tf + k1 * (1 - b +
b * length / average length))`` with ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``.
Document frequencies and lengths are summed over every segment, so a passage scores the
same whichever segment holds it. (Deleted passages still count in these statistics
until their segment is merged away: a small, temporary skew.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

Postings = Mapping[str, tuple[np.ndarray, np.ndarray]]  # term -> (chunks, counts)


def bm25_scores(
    terms: Sequence[str],
    postings: Sequence[Postings],
    lengths: Sequence[np.ndarray],
    corpus_chunks: int,
    corpus_tokens: int,
    k1: float,
    b: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each segment: the chunks with any of ``terms`` and their BM25 scores.

    ``postings[i]`` holds segment i's postings of the query terms it knows and
    ``lengths[i]`` its chunks' lengths in tokens.
    """
    average = corpus_tokens / corpus_chunks if corpus_chunks else 1.0
    frequency = Counter({t: sum(len(p[t][0]) for p in postings if t in p) for t in terms})
    weights = Counter(terms)  # a word asked twice counts twice, as in bm25s
    scored = []
    for segment_postings, length in zip(postings, lengths, strict=True):
        chunks_parts, score_parts = [], []
        for term, (chunks, counts) in segment_postings.items():
            df = frequency[term]
            idf = np.log(1.0 + (corpus_chunks - df + 0.5) / (df + 0.5))
            tf = np.asarray(counts, dtype=np.float32)
            norm = k1 * (1.0 - b + b * np.asarray(length[chunks], dtype=np.float32) / average)
            chunks_parts.append(np.asarray(chunks, dtype=np.int64))
            score_parts.append(weights[term] * idf * tf / (tf + norm))
        if not chunks_parts:
            scored.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)))
            continue
        # Summed per chunk by counting into a dense array: linear, where sorting the
        # postings of common words (tens of thousands a segment) took most of a search.
        totals = np.bincount(
            np.concatenate(chunks_parts),
            weights=np.concatenate(score_parts),
            minlength=len(length),
        )
        present = np.flatnonzero(totals)  # every posting scores above 0 (idf > 0, tf > 0)
        scored.append((present, totals[present].astype(np.float32)))
    return scored
