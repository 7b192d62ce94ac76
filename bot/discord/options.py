"""The options of the slash commands as the knowledge base takes them: dates as
YYYY-MM-DD, a publisher the index knows (suggested as the member types)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date
from typing import Any

import discord
from discord import app_commands

from bot.discord.markdown import shorten
from bot.discord.services import BotServices
from index.errors import InvalidQueryError, NewsbotError
from index.knowledge_base import QUESTION_LIMIT
from index.records import SearchFilters
from index.search.publishers import matching_publishers, resolve_publisher

UNKNOWN_PUBLISHER = "unknown"  # how the index counts articles without a publisher
CHOICES = 25  # autocomplete suggestions Discord shows at most

QUESTION = app_commands.Range[str, 1, QUESTION_LIMIT]
SOURCE = "Only articles from this publisher (suggestions as you type)"
SINCE = "Only articles published on or after this day, as YYYY-MM-DD"
AS_OF = "Answer as of this day, as YYYY-MM-DD: later articles are left out (default: today)"


async def filters_of(bot: BotServices, source: str | None, since: str | None) -> SearchFilters:
    """The filters the options ask for; a publisher the index does not know (the error
    lists close matches) or a day that is not YYYY-MM-DD is the member's error."""
    filters = search_filters(source, since)
    if not filters.sources:
        return filters
    publisher = resolve_publisher(filters.sources[0], await publishers(bot))
    return replace(filters, sources=(publisher,))


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


def search_filters(source: str | None, since: str | None) -> SearchFilters:
    """Filters from the slash options; a date that is not YYYY-MM-DD is the user's error."""
    sources = (source.strip(),) if source and source.strip() else ()
    return SearchFilters(sources=sources, since=option_day(since, "since"))


def option_day(value: str | None, option: str) -> date | None:
    """The day a date option names, None when it is empty; else the user's error."""
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        message = f"'{option}' must be a date like 2024-03-01 (YYYY-MM-DD), not “{value}”"
        raise InvalidQueryError(message) from None
