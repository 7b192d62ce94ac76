"""Syndicated copies: the same story under other urls or publishers, found by MinHash.

Two articles tell the same story when their sets of word 5-grams overlap by at least
``THRESHOLD`` (Jaccard). Each article keeps a MinHash signature of 64 hashes, whose
share of equal positions estimates that overlap; its 16 bands of 4 hashes are the keys
of locality-sensitive hashing buckets, so a new article is compared only with the
stored ones it shares a band with, never with the whole collection. Pairs near 0.8
overlap share a band with a probability of 0.9996; signatures are fixed, so the same
texts give the same groups on every run.
"""

from __future__ import annotations

import re
import zlib
from datetime import date

import numpy as np

SHINGLE_WORDS = 5
THRESHOLD = 0.8
BANDS, ROWS = 16, 4
_PRIME = (1 << 61) - 1
_RANDOM = np.random.default_rng(20261124)  # fixed: signatures must not change per run
_A = _RANDOM.integers(1, _PRIME, size=(BANDS * ROWS, 1), dtype=np.uint64)
_B = _RANDOM.integers(0, _PRIME, size=(BANDS * ROWS, 1), dtype=np.uint64)
_WORD = re.compile(r"\w+")
_UNDATED = 10**9  # an undated article counts as the latest


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of ``text`` (64 uint64), None for a text without words."""
    words = _WORD.findall(text.casefold())
    if not words:
        return None
    if len(words) < SHINGLE_WORDS:
        shingles = {zlib.crc32(" ".join(words).encode())}
    else:
        shingles = {
            zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
            for i in range(len(words) - SHINGLE_WORDS + 1)
        }
    values = np.fromiter(shingles, dtype=np.uint64, count=len(shingles))
    # (a * x + b) mod p over 61-bit values overflows uint64; the wrap-around is still a
    # fixed hash of x, which is all MinHash needs.
    return ((_A * values + _B) % np.uint64(_PRIME)).min(axis=1)


def band_keys(signature: np.ndarray) -> list[bytes]:
    """The bucket key of each band of ``signature``."""
    return [signature[band * ROWS : (band + 1) * ROWS].tobytes() for band in range(BANDS)]


def same_story(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two signatures' estimated overlap reaches ``THRESHOLD``."""
    return float(np.mean(a == b)) >= THRESHOLD


def goes_first(a: date | None, b: date | None) -> bool:
    """Whether an article published ``a`` is the original rather than one of ``b``:
    strictly earlier (undated counts as latest); on a tie the one already known stays."""
    return (a.toordinal() if a else _UNDATED) < (b.toordinal() if b else _UNDATED)
