"""Lenient publication dates (index/ingest/dates.py, used by every format and by feeds)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from index.ingest.dates import parse_date


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01",
        "2024-03-01T10:00:00Z",
        "2024-03-01T23:30:00-05:00",
        "2024/03/01",
        "Fri, 01 Mar 2024 10:00:00 GMT",
        "March 1, 2024",
        "Mar. 1 2024",
        "1 March 2024",
        "Friday, 1st March 2024",
        " 2024-3-1 ",
        date(2024, 3, 1),
        datetime(2024, 3, 1, 10, 0),
    ],
)
def test_parse_date_reads_common_formats(value: object) -> None:
    assert parse_date(value) == date(2024, 3, 1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "yesterday",
        "2024-02-30",
        "Smarch 1, 2024",
        "03/01/2024",
        "1899-12-31",
        (date.today() + timedelta(days=3)).isoformat(),
        20240301,
        ["2024-03-01"],
    ],
)
def test_parse_date_gives_none_for_unparseable_or_absurd_values(value: object) -> None:
    assert parse_date(value) is None


def test_parse_date_allows_two_days_of_clock_skew() -> None:
    soon = date.today() + timedelta(days=2)
    assert parse_date(soon.isoformat()) == soon
