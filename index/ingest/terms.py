"""Lexical analysis, the same for passages and for questions: lower-cased words,
stemmed (Snowball English), without stopwords (Lucene's classic list, the one bm25s
ships as ``STOPWORDS_EN``, plus the "s" and "t" that apostrophes leave behind)."""

from __future__ import annotations

import re
from collections import Counter

import Stemmer

STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the
    their then there these they this to was will with s t""".split()
)
_WORD = re.compile(r"\w+")
_STEMMER = Stemmer.Stemmer("english")


def lexical_tokens(text: str) -> list[str]:
    """Lower-cased, stemmed words without English stopwords."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return _STEMMER.stemWords(words)


def stems(words: list[str]) -> list[str]:
    """The lexical tokens of lower-cased words that are not stopwords, one a word."""
    return _STEMMER.stemWords(words)


def term_counts(text: str) -> Counter[str]:
    """How often each lexical token occurs in ``text``."""
    return Counter(lexical_tokens(text))
