"""Lexical side of retrieval: word tokens for BM25 and for sentence scoring."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer

# bm25s sets its own logger to DEBUG on import, which would print every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"\w+")
_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) | {"s", "t"}


def lexical_tokens(text: str) -> list[str]:
    """Lower-cased, stemmed words without English stopwords."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    return _STEMMER.stemWords(words)


class LexicalIndex:
    """BM25 over passages; built in memory from the generation's chunk texts."""

    def __init__(self, passages: Sequence[str], k1: float = 0.9, b: float = 0.4) -> None:
        self._size = len(passages)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if passages:
            self._bm25.index([lexical_tokens(p) or ["\x00"] for p in passages], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no word is known)."""
        tokens = lexical_tokens(query)
        if not tokens or not self._size:
            return np.zeros(self._size, dtype=np.float32)
        known = self._bm25.get_tokens_ids(tokens)
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(known), dtype=np.float32)
