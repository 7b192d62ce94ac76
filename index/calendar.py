"""Days as the knowledge base keeps and takes them: one ordinal for "undated", the day
an article may still be published as of an ask day, and the one parser of a day a
person gives (``YYYY-MM-DD``) that every front end uses."""

from __future__ import annotations

from datetime import date, timedelta

from index.errors import InvalidQueryError

UNDATED = -1  # the date ordinal stored for an article without a publication date
AS_OF_SLACK = timedelta(days=1)  # a publisher's time zone may be ahead of the asker's


def ordinal(day: date | None) -> int:
    """How a publication day is stored: its ordinal, ``UNDATED`` for none."""
    return day.toordinal() if day is not None else UNDATED


def from_ordinal(value: int) -> date | None:
    return date.fromordinal(value) if value != UNDATED else None


def latest_allowed(as_of: date) -> date:
    """The last publication day that exists as of ``as_of``."""
    return as_of + AS_OF_SLACK


def parse_day(value: str) -> date:
    """The day ``value`` names as YYYY-MM-DD; else ``InvalidQueryError`` saying what was
    expected (a front end names its own option or flag around it)."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidQueryError(
            f"expected a date like 2024-03-01 (YYYY-MM-DD), got {value.strip()!r}"
        ) from None
