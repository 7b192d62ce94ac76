"""Syndicated copies: the same story under other urls or publishers, found by MinHash.

Articles whose word 5-gram sets overlap by at least ``threshold`` (Jaccard) form one
group. Locality-sensitive hashing over MinHash signatures finds candidate pairs in
about linear time; each candidate is then checked against the exact overlap.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Article

SHINGLE_WORDS = 5
_BANDS, _ROWS = 16, 4  # 64 hashes; pairs near 0.8 overlap collide in some band
_PRIME = (1 << 61) - 1
_RANDOM = np.random.default_rng(20261124)  # fixed: signatures must not change per run
_A = _RANDOM.integers(1, _PRIME, size=(_BANDS * _ROWS, 1), dtype=np.uint64)
_B = _RANDOM.integers(0, _PRIME, size=(_BANDS * _ROWS, 1), dtype=np.uint64)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Group:
    """``original`` is indexed; ``copies`` are the same story elsewhere."""

    original: int  # positions in the input sequence
    copies: tuple[int, ...]


def find_groups(articles: Sequence[Article], threshold: float = 0.8) -> list[Group]:
    """Groups of at least two articles telling the same story; the rest are left out.

    The original of a group is its earliest-published article (undated ones count as
    latest), then the first in input order.
    """
    shingles = [_shingles(a.text) for a in articles]
    signatures = [_signature(s) for s in shingles]
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for band in range(_BANDS):
        buckets: dict[bytes, list[int]] = {}
        for i, signature in enumerate(signatures):
            if signature is not None:
                key = signature[band * _ROWS : (band + 1) * _ROWS].tobytes()
                buckets.setdefault(key, []).append(i)
        for members in buckets.values():
            for other in members[1:]:
                a, b = root(members[0]), root(other)
                if a != b and _jaccard(shingles[members[0]], shingles[other]) >= threshold:
                    parent[max(a, b)] = min(a, b)
    grouped: dict[int, list[int]] = {}
    for i in range(len(articles)):
        grouped.setdefault(root(i), []).append(i)
    groups = []
    for members in grouped.values():
        if len(members) < 2:
            continue
        original = min(members, key=lambda i: (_date_key(articles[i]), i))
        groups.append(Group(original, tuple(i for i in members if i != original)))
    return sorted(groups, key=lambda g: g.original)


def _shingles(text: str) -> set[int]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {
        zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


def _signature(shingles: set[int]) -> np.ndarray | None:
    if not shingles:
        return None
    values = np.fromiter(shingles, dtype=np.uint64, count=len(shingles))
    # (a * x + b) mod p over 61-bit values overflows uint64; the wrap-around is still a
    # fixed hash of x, which is all MinHash needs.
    return ((_A * values + _B) % np.uint64(_PRIME)).min(axis=1)


def _jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _date_key(article: Article) -> int:
    return article.published.toordinal() if article.published else 10**9
