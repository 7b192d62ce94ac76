"""Lenient publication-date parsing for article metadata (stdlib only, never raises)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_EARLIEST = date(1900, 1, 1)
# Clocks and time zones differ between publisher and reader; a little slack is honest.
_FUTURE_SLACK = timedelta(days=2)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_WEEKDAY = r"(?:[a-z]{3,9}\.?,?\s+)?"
# A time of day, zone or offset may follow the date; the date as written is what counts.
_TIME_TAIL = r"(?:\s*(?:,|at)?\s*\d{1,2}[:.]\d{2}.*)?"
_NUMERIC = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T\s].*)?")
_DAY_MONTH_YEAR = re.compile(
    _WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})" + _TIME_TAIL,
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    _WEEKDAY + r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME_TAIL,
    re.IGNORECASE,
)


def parse_date(value: object) -> date | None:
    """The calendar date in ``value``, or None if it is missing, unparseable or absurd.

    Accepts date/datetime objects and strings in ISO 8601 ("2024-03-01",
    "2024-03-01T10:00:00Z"), "2023/09/07", RFC 2822 ("Fri, 01 Mar 2024 10:00:00 GMT"),
    "March 1, 2024" and "1 March 2024". Dates before 1900 or more than two days in the
    future are treated as wrong metadata and give None.
    """
    if isinstance(value, datetime):
        parsed: date | None = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        parsed = _parse_string(value.strip())
    else:
        return None
    if parsed is None or parsed < _EARLIEST or parsed > date.today() + _FUTURE_SLACK:
        return None
    return parsed


def _parse_string(text: str) -> date | None:
    if match := _NUMERIC.fullmatch(text):
        year, month, day = match.group(1), match.group(3), match.group(4)
    elif match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month_name, year = match.groups()
        month = str(_MONTHS.get(month_name.lower(), 0))
    elif match := _MONTH_DAY_YEAR.fullmatch(text):
        month_name, day, year = match.groups()
        month = str(_MONTHS.get(month_name.lower(), 0))
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # month 0 (unknown name), 31 February and the like
        return None
