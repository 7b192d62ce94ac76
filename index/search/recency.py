"""When a question is asked: which articles exist by then, and how much newer ones count.

Every question is asked as of a day. Articles published after it do not exist yet (a
day of slack for time zones). Among the rest, a time prior multiplies a passage's fused
score by ``1 + weight * freshness``, where freshness is 1 for an article of the ask day
and falls with its age:

- A question that states its own span ("this week", "yesterday", "this month", "latest",
  "so far this year") gets the strong prior: full freshness within that span, then
  halving with every further span (a "this week" question: an article three weeks old
  counts a quarter). "This month" and "this year" are the calendar's: "this year's
  Razzies" asked on 26 January are the ones of the last 26 days, not last March's.
- Any other question gets a gentle prior that halves every ``half_life_days`` and only
  acts among passages about as close in meaning to the question as the closest one
  (within ``TIE_MARGIN`` of cosine similarity, fading out linearly): it breaks near-ties
  in favour of the news around the ask date, and never lifts a recent article over an
  old one that matches much better, so a timeless question keeps its answer. (Fused
  ranks alone cannot tell a near-tie from a rout: the first and second of both rankings
  differ by under 2% in reciprocal rank fusion, whatever their similarities.)

Undated articles get no boost, and are never cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from index.calendar import UNDATED

CURRENT_FOR = timedelta(days=7)  # coverage older than this is worth a word in the answer
CALENDAR_SPAN_MIN = 7  # "this month" asked on the 2nd still means its first week of news
TIE_MARGIN = 0.2  # cosine similarity below the closest passage within which recency counts


def _since_first_of_month(as_of: date) -> int:
    return max(as_of.day, CALENDAR_SPAN_MIN)


def _since_new_year(as_of: date) -> int:
    return max(as_of.timetuple().tm_yday, CALENDAR_SPAN_MIN)


# The span a question speaks of, in days (or, for the calendar's month and year, days
# since they began as of the ask day); the first pattern that matches decides.
_SPANS: tuple[tuple[re.Pattern[str], int | Callable[[date], int]], ...] = (
    (re.compile(r"\b(?:today|tonight|yesterday|this (?:morning|afternoon|evening))\b"), 2),
    (
        re.compile(
            r"\b(?:this|last|past) (?:week|weekend)\b|\bdays? ago\b|\bthis past\b"
            r"|\b(?:on |last |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
            r"sunday)\b"
        ),
        7,
    ),
    (re.compile(r"\bthis month\b"), _since_first_of_month),
    (re.compile(r"\b(?:last|past) month\b|\bweeks? ago\b"), 31),
    (
        re.compile(
            r"\b(?:latest|newest|most recent|recent(?:ly)?|now|nowadays|currently|current|"
            r"these days|up to date|so far|at the moment|right now)\b"
        ),
        30,
    ),
    (re.compile(r"\bthis year\b"), _since_new_year),
    (re.compile(r"\b(?:last|past) year\b|\bmonths? ago\b"), 365),
)


@dataclass(frozen=True, slots=True)
class Freshness:
    """How much an article counts as news on the day ``as_of``: 1 on that day, halving
    every ``half_life_days`` before it; an undated article counts 1."""

    as_of: date
    half_life_days: float

    def __call__(self, published: date | None) -> float:
        if published is None:
            return 1.0
        return 0.5 ** (max((self.as_of - published).days, 0) / self.half_life_days)


@dataclass(frozen=True, slots=True)
class TimePrior:
    """How strongly recent articles are preferred; see the module's docstring."""

    present_weight: float  # for questions that state their span
    weight: float  # for the others
    half_life_days: float

    def factors(
        self, question: str, as_of: date, published: np.ndarray, similarity: np.ndarray
    ) -> np.ndarray:
        """The multiplier of each passage's score. ``published`` holds date ordinals
        (``UNDATED`` for none), ``similarity`` cosine similarities to the question (NaN
        where unknown: such a passage was not among the closest, and gets no boost from
        the gentle prior)."""
        ages = np.maximum(as_of.toordinal() - published, 0).astype(np.float64)
        span = stated_span(question, as_of)
        if span is None:
            closest = np.nanmax(similarity, initial=-1.0)
            ties = np.nan_to_num(1.0 - (closest - similarity) / TIE_MARGIN, nan=0.0)
            boost = self.weight * np.clip(ties, 0.0, 1.0) * 0.5 ** (ages / self.half_life_days)
        else:
            boost = self.present_weight * np.where(ages <= span, 1.0, 0.5 ** ((ages - span) / span))
        return np.where(published == UNDATED, 1.0, 1.0 + boost)


def stated_span(question: str, as_of: date) -> int | None:
    """The days a question about the present speaks of as of ``as_of`` ("this week": 7,
    "this year's" asked on 26 January: 26), else None."""
    span = _stated(question)
    return span(as_of) if callable(span) else span


def asks_about_the_present(question: str) -> bool:
    return _stated(question) is not None


def _stated(question: str) -> int | Callable[[date], int] | None:
    lowered = question.casefold()
    for pattern, span in _SPANS:
        if pattern.search(lowered):
            return span
    return None


def outdated_coverage(question: str, as_of: date, published: list[date | None]) -> date | None:
    """For a question about the present whose newest source is more than a week older
    than ``as_of``: that source's date (else None)."""
    dates = [day for day in published if day is not None]
    if not dates or not asks_about_the_present(question):
        return None
    newest = max(dates)
    return newest if newest < as_of - CURRENT_FOR else None
