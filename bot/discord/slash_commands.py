"""Questions by command: /ask, the message command "Ask newsbot about this message", and
the admins' /reindex (the lookups are in ``bot.discord.lookups``).

Each one checks what the member gave and refuses it privately, then defers (Discord wants
an acknowledgement within 3 s), runs the knowledge base in a worker thread and follows up
with a rendered card. Errors go to ``NewsTree.on_error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import answer_cards, cards
from bot.discord.channel_questions import Turns, conversation_of
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.options import (
    AS_OF,
    QUESTION,
    SINCE,
    SOURCE,
    UNTIL,
    asked_day,
    complete_source,
    filters_of,
)
from bot.discord.refresh import resumable, stop_when_closing
from bot.discord.services import BotServices
from bot.discord.streaming import Piece, Place, deliver_answer
from bot.discord.wakeups import Wakeup, first_of
from bot.render import summary_text
from index.indexer import ReindexProgress, ReindexSummary
from index.knowledge_base import checked_question
from index.records import Answer, SearchFilters

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 2.0  # seconds between progress edits of the /reindex reply


class SlashCommands(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

    @app_commands.command(description="Answer a question from the indexed articles, with sources")
    @app_commands.describe(
        question="What you want to know", source=SOURCE, since=SINCE, until=UNTIL, as_of=AS_OF
    )
    @app_commands.autocomplete(source=complete_source)
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: QUESTION,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
    ) -> None:
        # A bad option is refused before the cooldown starts, and privately.
        filters = await filters_of(self.bot, source, since, until)
        chosen_day = asked_day(as_of, filters, interaction.created_at.date())
        await self.answer(interaction, question, filters, chosen_day)

    async def ask_about_message(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """The message context command "Ask newsbot about this message": its text is
        the question (a long one's question sentence leads the title)."""
        question = " ".join(message.content.split())
        if not question:
            await interaction.response.send_message(
                cards.NOTHING_TO_ASK, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        await self.answer(interaction, question, None, None)

    async def answer(
        self,
        interaction: discord.Interaction[Any],
        question: str,
        filters: SearchFilters | None,
        chosen_day: date | None,
    ) -> None:
        """Answer in the interaction's response (the extractive answer at once, a
        model's in its place), after the cooldown (a private note when it is not over).
        A question the knowledge base would refuse is refused first, privately."""
        bot = self.bot
        checked_question(question)  # the core's one check, before anything is public
        if (wait := bot.cooldowns.retry_after(interaction.user.id, "question")) > 0:
            await interaction.response.send_message(
                cards.cooldown_text(wait), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        async with bot.tracked():
            await interaction.response.defer(thinking=True)  # Discord shows it "thinking"
            place, member = conversation_of(interaction.channel, interaction.user.id)
            earlier = await asyncio.to_thread(bot.feedback.turns, place, member)
            ask = functools.partial(
                bot.knowledge_base.ask,
                question,
                filters,
                as_of=chosen_day or interaction.created_at.date(),
                conversation=earlier,
            )

            def render(answer: Answer, writing: bool) -> list[Piece]:
                card = answer_cards.answer_card(answer, filters, chosen_day, writing=writing)
                return [{"content": None, "embed": to_embed(card)}]

            turns = Turns(bot, [(place, str(interaction.user.id))])
            await deliver_answer(
                bot, ask, _Response(interaction), render, contextlib.nullcontext, turns.remember
            )

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
            async with bot.tracked(), resumable(bot):
                # Progress and summary are for the admin's eyes: the channel has no use for them.
                await interaction.response.defer(ephemeral=True, thinking=True)
                summary = await self._reindex_with_progress(interaction)
                log.info("reindex run by %s: %s", interaction.user.id, summary_text(summary))
                if summary.fetched is not None:
                    bot.announcer.expect(summary.fetched.new_urls)
                embed = to_embed(cards.reindex_summary_card(summary))
                if interaction.is_expired():  # after 15 minutes the reply cannot be edited
                    await _send_directly(interaction.user, embed)
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
        relay = _ProgressRelay(asyncio.get_running_loop(), stop_when_closing(self.bot))
        reindex = self.bot.run_detached(self.bot.knowledge_base.reindex, relay)
        started = time.monotonic()
        last_edit: float | None = None
        shown = ""
        while not reindex.done():
            await first_of(reindex, relay.changed)
            relay.changed.clear()
            if last_edit is not None:
                pause = last_edit + PROGRESS_INTERVAL - time.monotonic()
                await asyncio.wait([reindex], timeout=max(0.0, pause))
            if reindex.done() or interaction.is_expired():
                continue
            seconds = time.monotonic() - started
            text = cards.reindex_progress_text(relay.latest, seconds, relay.reading)
            if text == shown:
                continue
            shown = text
            try:
                await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
            except discord.HTTPException as error:
                log.warning("could not show reindex progress: %s", error)
            last_edit = time.monotonic()
        return reindex.result()


class _Response(Place):
    """The answer to /ask or the message command, in the deferred response."""

    def __init__(self, interaction: discord.Interaction[Any]) -> None:
        super().__init__()
        self._interaction = interaction

    async def post(self, pieces: list[Piece]) -> None:
        await self.edit_piece(0, pieces[0])

    async def edit_piece(self, index: int, piece: Piece) -> None:
        await self._interaction.edit_original_response(**piece, allowed_mentions=NO_PINGS)

    async def send_more(self, pieces: list[Piece]) -> None:
        for piece in pieces:
            await self._interaction.followup.send(**piece, allowed_mentions=NO_PINGS)


class _ProgressRelay:
    """Hands the reindex thread's latest progress to the event loop, waking it once per
    batch of reports rather than once per report; ``check`` may stop the reindex."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, check: Callable[[ReindexProgress], None]
    ) -> None:
        self.latest: ReindexProgress | None = None
        self.reading: ReindexProgress | None = None  # the latest "indexing": its total is kept
        self._wakeup = Wakeup(loop)
        self.changed = self._wakeup.changed
        self._check = check

    def __call__(self, progress: ReindexProgress) -> None:  # on the reindex thread
        self._check(progress)
        if progress.stage == "indexing":
            self.reading = progress
        self.latest = progress
        self._wakeup.notify()


async def _send_directly(admin: discord.User | discord.Member, embed: discord.Embed) -> None:
    """The summary by direct message, once the private reply can no longer be edited."""
    try:
        await admin.send(embed=embed, allowed_mentions=NO_PINGS)
    except discord.HTTPException as error:
        log.warning("could not send the reindex summary to %s: %s", admin.id, error)
