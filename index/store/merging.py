"""When segments are merged: often enough that a search visits few of them and deleted
articles do not pile up, rarely enough that a reindex stays proportional to what
changed (a merge rewrites the segments it takes, so big ones are taken seldom).

- Small segments (below ``approximate_from`` live passages, searched exactly) are merged
  together once there are more than ``MAX_SMALL`` of them or they add up to a big one.
- A segment with more than ``MAX_DELETED`` of its passages deleted is rewritten.
- Beyond ``MAX_LARGE`` big segments, the two smallest are merged.
- A segment whose index no longer fits the vector index setting (a quantised index where
  "flat" wants none, none where "pq" or "auto" wants one), or written before sentence
  facts were stored, is rewritten, without re-embedding.

What a merge produces is approximate (a quantised index) when the vector index setting
says so: always for "pq", never for "flat", from ``approximate_from`` passages for "auto".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from index.config import IndexSettings

MAX_SMALL = 4
MAX_LARGE = 4
MAX_DELETED = 0.25


class SegmentShape(NamedTuple):
    """What the merge policy needs to know of a segment."""

    live: int  # passages not deleted
    total: int  # all its passages
    quantised: bool  # has a quantised index
    sentences: bool  # stores sentence facts (format 2 on)


@dataclass(frozen=True, slots=True)
class MergePolicy:
    vector_index: str  # "flat", "pq" or "auto"
    approximate_from: int  # live passages from which "auto" builds a quantised index

    @classmethod
    def of(cls, settings: IndexSettings) -> MergePolicy:
        return cls(settings.vector_index, settings.approximate_from)

    def approximate(self, passages: int) -> bool:
        if self.vector_index == "auto":
            return passages >= self.approximate_from
        return self.vector_index == "pq"

    def choose(self, sizes: dict[str, SegmentShape]) -> list[str]:
        """Segments to merge into one, oldest first, given every segment's shape in order
        of age; empty when none need it."""
        small = [n for n, shape in sizes.items() if shape.live < self.approximate_from]
        large = [n for n in sizes if n not in small]
        chosen = self.misfits(sizes)
        if len(small) > MAX_SMALL or sum(sizes[n].live for n in small) >= self.approximate_from:
            chosen.update(small)
        chosen.update(n for n, s in sizes.items() if s.total and 1 - s.live / s.total > MAX_DELETED)
        if len(large) > MAX_LARGE:
            chosen.update(sorted(large, key=lambda n: sizes[n].live)[:2])
        return [n for n in sizes if n in chosen]

    def misfits(self, sizes: dict[str, SegmentShape]) -> set[str]:
        """Segments whose vector index does not fit the setting or that store no sentence
        facts, given what ``choose`` is given: they are rewritten, without re-embedding."""
        return {
            n
            for n, s in sizes.items()
            if s.quantised != self.approximate(s.live) or not s.sentences
        }
