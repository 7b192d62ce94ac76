"""The options of the slash commands as the knowledge base takes them: dates as
YYYY-MM-DD, a publisher the index knows (suggested as the member types)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date
from typing import Any

import discord
from discord import app_commands

from bot.discord.markdown import escape, shorten
from bot.discord.services import BotServices
from index.calendar import parse_day
from index.errors import InvalidQueryError, NewsbotError
from index.knowledge_base import QUESTION_LIMIT
from index.records import SearchFilters
from index.search.publishers import matching_publishers, resolve_publisher

UNKNOWN_PUBLISHER = "unknown"  # how the index counts articles without a publisher
CHOICES = 25  # autocomplete suggestions Discord shows at most

QUESTION = app_commands.Range[str, 1, QUESTION_LIMIT]
SOURCE = "Only articles from this publisher (suggestions as you type)"
SINCE = "Only articles published on or after this day, as YYYY-MM-DD"
UNTIL = "Only articles published on or before this day, as YYYY-MM-DD"
AS_OF = "Answer as of this day, as YYYY-MM-DD: later articles are left out (default: today)"


async def filters_of(
    bot: BotServices, source: str | None, since: str | None, until: str | None = None
) -> SearchFilters:
    """The filters the options ask for; a publisher the index does not know (the error
    lists close matches), a day that is not YYYY-MM-DD or ``since`` after ``until`` is
    the member's error."""
    filters = search_filters(source, since, until)
    if not filters.sources:
        return filters
    publisher = resolve_publisher(filters.sources[0], await publishers(bot))
    return replace(filters, sources=(publisher,))


class OptionError(InvalidQueryError):
    """A slash option the member got wrong, its message Discord markdown already (what
    they typed escaped)."""

    markdown = True


def asked_day(as_of: str | None, filters: SearchFilters, today: date) -> date | None:
    """The day ``as_of`` names (None: today), refused when it has not come yet or when
    ``since`` is after it, each time saying why."""
    day = option_day(as_of, "as_of")
    if day is not None and day > today:
        raise OptionError(
            f"`as_of` ({day}) has not come yet (today is {today}): newsbot answers as of "
            "a day that has passed, or today without `as_of`."
        )
    asked = day or today
    if filters.since is not None and filters.since > asked:
        raise OptionError(
            f"`since` ({filters.since}) is after the day asked about ({asked}): no article "
            "published by then is that recent."
        )
    return day


async def publishers(bot: BotServices) -> list[str]:
    """The indexed publishers, largest first (off the query workers: it is quick, and
    must not wait behind questions)."""
    stats = await asyncio.to_thread(bot.knowledge_base.stats)
    return [name for name, _ in stats.sources if name != UNKNOWN_PUBLISHER]


async def complete_source(
    interaction: discord.Interaction[Any], typed: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete of ``source``: the indexed publishers that match what was typed."""
    try:
        known = await publishers(interaction.client)
    except NewsbotError:
        return []  # no index yet: nothing to suggest
    matches = matching_publishers(typed, known, CHOICES)
    return [app_commands.Choice(name=shorten(p, 100), value=p[:100]) for p in matches]


def search_filters(
    source: str | None, since: str | None, until: str | None = None
) -> SearchFilters:
    """Filters from the slash options; a date that is not YYYY-MM-DD is the user's error."""
    sources = (source.strip(),) if source and source.strip() else ()
    return SearchFilters(
        sources=sources, since=option_day(since, "since"), until=option_day(until, "until")
    )


def option_day(value: str | None, option: str) -> date | None:
    """The day a date option names (``index.calendar.parse_day``), None when it is
    empty; else the user's error, naming the option."""
    if not value or not value.strip():
        return None
    try:
        return parse_day(value)
    except InvalidQueryError as error:
        raise OptionError(f"`{option}`: {escape(str(error))}") from None
