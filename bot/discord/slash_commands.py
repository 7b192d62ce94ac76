"""Slash commands: /ask, /search, /article, /sources and the admins' /reindex.

Each one defers first (Discord wants an acknowledgement within 3 s), runs the knowledge
base in a worker thread and follows up with a rendered card. Errors go to
``NewsTree.on_error``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from contextlib import nullcontext
from dataclasses import replace
from datetime import date
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import answer_cards, cards
from bot.discord.answer_view import answer_view
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.markdown import shorten
from bot.discord.services import BotServices
from bot.discord.streaming import Draft, stream_answer
from bot.terminal import summary_text
from index.errors import InvalidQueryError, NewsbotError
from index.indexer import ReindexProgress, ReindexSummary
from index.records import SearchFilters
from index.search.publishers import matching_publishers, resolve_publisher

log = logging.getLogger(__name__)

UNKNOWN_PUBLISHER = "unknown"  # how the index counts articles without a publisher
_CHOICES = 25  # autocomplete suggestions Discord shows at most
PROGRESS_INTERVAL = 2.0  # seconds between progress edits of the /reindex reply

_QUESTION = app_commands.Range[str, 1, 2000]
_SOURCE = "Only articles from this publisher (suggestions as you type)"
_SINCE = "Only articles published on or after this day (YYYY-MM-DD)"
_AS_OF = "Answer as of this day (YYYY-MM-DD): later articles are left out; default: today"


class SlashCommands(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

    @app_commands.command(description="Answer a question from the indexed articles, with sources")
    @app_commands.describe(
        question="What you want to know", source=_SOURCE, since=_SINCE, as_of=_AS_OF
    )
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: _QUESTION,
        source: str | None = None,
        since: str | None = None,
        as_of: str | None = None,
    ) -> None:
        bot = self.bot
        chosen_day = option_day(as_of, "as_of")
        # A bad option is refused before the cooldown starts, and privately.
        filters = await self._filters(source, since)
        if (wait := bot.cooldown.retry_after(interaction.user.id)) > 0:
            await interaction.response.send_message(
                cards.cooldown_text(wait), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        async with bot.tracked():
            await interaction.response.defer(thinking=True)  # Discord shows it "thinking"
            asked_on = chosen_day or interaction.created_at.date()
            ask = functools.partial(bot.knowledge_base.ask, question, filters, as_of=asked_on)
            draft = _ResponseDraft(interaction)
            answer = await stream_answer(
                bot.run_blocking, lambda on_text: ask(on_text=on_text), draft, nullcontext()
            )
            view = await answer_view(bot, answer)
            embed = to_embed(answer_cards.answer_card(answer, filters, chosen_day))
            if draft.started:  # the streamed response becomes the answer
                await draft.ready_to_edit()
                await interaction.edit_original_response(
                    content=None, embed=embed, view=view, allowed_mentions=NO_PINGS
                )
            else:
                await interaction.followup.send(embed=embed, view=view, allowed_mentions=NO_PINGS)

    async def _filters(self, source: str | None, since: str | None) -> SearchFilters:
        """The filters of the options; a publisher the index does not know, or a day that
        is not YYYY-MM-DD, is the member's error."""
        filters = search_filters(source, since)
        if not filters.sources:
            return filters
        known = await self._publishers()
        publisher = resolve_publisher(filters.sources[0], known)
        return replace(filters, sources=(publisher,))

    async def _publishers(self) -> list[str]:
        """The indexed publishers, largest first (off the query workers: it is quick, and
        must not wait behind questions)."""
        stats = await asyncio.to_thread(self.bot.knowledge_base.stats)
        return [name for name, _ in stats.sources if name != UNKNOWN_PUBLISHER]

    async def _complete_source(
        self, interaction: discord.Interaction[Any], typed: str
    ) -> list[app_commands.Choice[str]]:
        try:
            known = await self._publishers()
        except NewsbotError:
            return []  # no index yet: nothing to suggest
        matches = matching_publishers(typed, known, _CHOICES)
        return [app_commands.Choice(name=shorten(p, 100), value=p[:100]) for p in matches]

    @app_commands.command(description="List the passages that best match a query")
    @app_commands.describe(
        query="Words to look for",
        k="How many passages to list",
        source=_SOURCE,
        since=_SINCE,
        private="Show the results only to you",
    )
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: _QUESTION,
        k: app_commands.Range[int, 1, 10] | None = None,
        source: str | None = None,
        since: str | None = None,
        private: bool = False,
    ) -> None:
        bot = self.bot
        filters = await self._filters(source, since)
        async with bot.tracked():
            await interaction.response.defer(ephemeral=private, thinking=True)
            search = functools.partial(
                bot.knowledge_base.search, as_of=interaction.created_at.date()
            )
            hits = await bot.run_blocking(search, query, k, filters)
            embed = to_embed(cards.search_card(query, hits, filters))
            await interaction.followup.send(
                embed=embed, ephemeral=private, allowed_mentions=NO_PINGS
            )

    ask.autocomplete("source")(_complete_source)
    search.autocomplete("source")(_complete_source)

    @app_commands.command(description="Show an article: title, publisher, date, link and opening")
    @app_commands.rename(query_or_url="query-or-url")
    @app_commands.describe(query_or_url="The article's link, or words from it")
    async def article(self, interaction: discord.Interaction[Any], query_or_url: _QUESTION) -> None:
        bot = self.bot
        async with bot.tracked():
            await interaction.response.defer(thinking=True)
            detail = await bot.run_blocking(bot.knowledge_base.find_article, query_or_url)
            if detail is None:
                text = cards.no_article_text(query_or_url)
                await interaction.followup.send(text, allowed_mentions=NO_PINGS)
            else:
                embed = to_embed(cards.article_card(detail))
                await interaction.followup.send(embed=embed, allowed_mentions=NO_PINGS)

    @app_commands.command(description="Publishers and article counts, index size, last reindex")
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        bot = self.bot
        async with bot.tracked():
            await interaction.response.defer(thinking=True)
            stats = await bot.run_blocking(bot.knowledge_base.stats)
            embed = to_embed(cards.sources_card(stats))
            await interaction.followup.send(embed=embed, allowed_mentions=NO_PINGS)

    # default_permissions only hides the command in Discord clients (server admins can
    # change who sees it); has_permissions is what enforces it, on every run.
    @app_commands.command(description="Re-read the articles and update the index (admins)")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(administrator=True)
    async def reindex(self, interaction: discord.Interaction[Any]) -> None:
        bot = self.bot
        if not bot.reindex_guard.claim(f"/reindex by {interaction.user.id}"):
            await interaction.response.send_message(
                cards.REINDEX_RUNNING, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        try:
            async with bot.tracked():
                await interaction.response.defer(thinking=True)
                summary = await self._reindex_with_progress(interaction)
                log.info("reindex run by %s: %s", interaction.user.id, summary_text(summary))
                if summary.fetched is not None:
                    bot.announcer.expect(summary.fetched.new_urls)
                embed = to_embed(cards.reindex_summary_card(summary))
                if interaction.is_expired():  # after 15 minutes the reply cannot be edited
                    await _channel_send(interaction, embed)
                else:
                    await interaction.edit_original_response(
                        content=None, embed=embed, allowed_mentions=NO_PINGS
                    )
                await bot.announcer.announce()
        finally:
            bot.reindex_guard.release()

    async def _reindex_with_progress(self, interaction: discord.Interaction[Any]) -> ReindexSummary:
        """Run the reindex in its own thread; edit the reply with its progress, at most
        once every ``PROGRESS_INTERVAL`` seconds, the first time at once."""
        relay = _ProgressRelay(asyncio.get_running_loop())
        reindex = self.bot.run_detached(self.bot.knowledge_base.reindex, relay)
        started = time.monotonic()
        last_edit: float | None = None
        while not reindex.done():
            await _first_of(reindex, relay.changed)
            relay.changed.clear()
            if last_edit is not None:
                pause = last_edit + PROGRESS_INTERVAL - time.monotonic()
                await asyncio.wait([reindex], timeout=max(0.0, pause))
            if reindex.done() or interaction.is_expired():
                continue
            text = cards.reindex_progress_text(relay.latest, time.monotonic() - started)
            try:
                await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
            except discord.HTTPException as error:
                log.warning("could not show reindex progress: %s", error)
            last_edit = time.monotonic()
        return reindex.result()


class _ResponseDraft(Draft):
    """The answer to /ask, streamed in the deferred response."""

    def __init__(self, interaction: discord.Interaction[Any]) -> None:
        super().__init__()
        self._interaction = interaction

    async def post(self, content: str) -> None:
        await self.edit(content)

    async def edit(self, content: str) -> None:
        await self._interaction.edit_original_response(content=content, allowed_mentions=NO_PINGS)


class _ProgressRelay:
    """Hands the reindex thread's latest progress to the event loop, waking it once per
    batch of reports rather than once per report."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.latest: ReindexProgress | None = None
        self.changed = asyncio.Event()
        self._loop = loop
        self._signalled = threading.Event()

    def __call__(self, progress: ReindexProgress) -> None:  # on the reindex thread
        self.latest = progress
        if not self._signalled.is_set():
            self._signalled.set()
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._signalled.clear()
        self.changed.set()


async def _first_of(future: asyncio.Future[Any], event: asyncio.Event) -> None:
    waiter: asyncio.Future[Any] = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait([future, waiter], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


async def _channel_send(interaction: discord.Interaction[Any], embed: discord.Embed) -> None:
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        await channel.send(embed=embed, allowed_mentions=NO_PINGS)


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
        message = f"'{option}' must be a date like 2024-03-01, not “{value}”"
        raise InvalidQueryError(message) from None
