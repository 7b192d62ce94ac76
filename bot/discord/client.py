"""The Discord bot: its dependencies, worker threads, allow-lists, cooldown and the one
place that decides what users are told about errors. It loads the cogs; they never
import it (they type against ``bot.discord.services``)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import cards
from bot.discord.answer_view import MoreButton, ShareButton
from bot.discord.channel_questions import ChannelQuestions
from bot.discord.embeds import NO_PINGS
from bot.discord.lookups import Lookups
from bot.discord.refresh import (
    REFRESH_INTERVAL,
    REINDEX_RUNNING_STATE,
    Announcer,
    RefreshScheduler,
    ReindexGuard,
    ReindexStopped,
)
from bot.discord.slash_commands import SlashCommands
from bot.discord.votes import VoteButton, on_reason
from bot.settings import AppSettings, DiscordSettings
from index.errors import InvalidQueryError, NewsbotError
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore

log = logging.getLogger(__name__)

T = TypeVar("T")

# Questions wait for the model in turn (it encodes one batch at a time); a second worker
# lets retrieval and answer composition of one question overlap the encoding of the next.
QUERY_WORKERS = 2
# A question answered by a language model holds its worker while the model writes (up to
# [llm] timeout_seconds, mostly waiting on the network): more workers let other questions
# and lookups through meanwhile (the model still encodes one batch at a time).
LLM_WORKERS = 4
ASK_ABOUT_MESSAGE = "Ask newsbot about this message"
# Seconds close() waits for detached threads; shutdown's drain leaves it this much of
# ``bot.discord.run.SHUTDOWN_GRACE``.
DETACHED_GRACE = 2.0


class NewsBot(commands.Bot):
    """newsbot on Discord: questions in channels (``ChannelQuestions``), slash commands
    (``SlashCommands``) and the scheduled refresh of the web sources (every
    ``refresh_interval`` seconds, due by ``clock``).

    It provides what ``bot.discord.services.BotServices`` describes; its cogs and the
    refresh see it only through that Protocol.

    Everything blocking (model, FAISS, SQLite, fetching) runs in worker threads; the
    event loop only parses, waits and renders, so the gateway heartbeat is never held up.
    """

    def __init__(
        self,
        *,
        settings: AppSettings,
        knowledge_base: KnowledgeBase,
        feedback: FeedbackStore,
        refresh_interval: float = REFRESH_INTERVAL,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.message_content = True  # a privileged intent: questions are message text
        intents.dm_messages = settings.discord.allow_direct_messages
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_PINGS,
            help_command=None,
            tree_cls=NewsTree,
            **_sharding(settings.discord),
        )
        self.settings = settings
        self.knowledge_base = knowledge_base
        self.feedback = feedback
        self.cooldowns = Cooldowns(settings.discord.cooldown_seconds)
        self.accepting = True
        workers = QUERY_WORKERS + (LLM_WORKERS if settings.llm.enabled else 0)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="newsbot-query")
        self._jobs: set[asyncio.Task[Any]] = set()
        self._detached: set[threading.Thread] = set()
        self.reindex_guard = ReindexGuard()  # /reindex and the scheduled refresh share it
        self.announcer = Announcer(self, settings.discord.announce_channel_id)
        self.refresher = RefreshScheduler(self, refresh_interval, clock)

    @staticmethod
    def kind(settings: AppSettings) -> type[NewsBot]:
        """The class to run: sharded when ``[discord] shard_count`` is set."""
        return ShardedNewsBot if settings.discord.shard_count is not None else NewsBot

    async def setup_hook(self) -> None:
        await self.add_cog(ChannelQuestions(self))
        await self.add_cog(Lookups(self))
        questions = SlashCommands(self)
        await self.add_cog(questions)
        self.tree.add_command(
            app_commands.ContextMenu(name=ASK_ABOUT_MESSAGE, callback=questions.ask_about_message)
        )
        # Without direct messages, the commands are offered in servers only.
        direct = self.settings.discord.allow_direct_messages
        self.tree.allowed_contexts = app_commands.AppCommandContext(
            guild=True, dm_channel=direct, private_channel=direct
        )
        # The buttons of answers sent before a restart work too, and the 👎 form.
        self.add_dynamic_items(VoteButton, MoreButton, ShareButton)
        self.add_listener(on_reason, "on_interaction")
        guild_id = self.settings.discord.dev_guild_id
        if guild_id is not None:
            # Guild commands appear at once; global ones can take a while to reach clients.
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
        self.refresher.start()
        if await asyncio.to_thread(self.feedback.state, REINDEX_RUNNING_STATE):
            log.info("a reindex was stopped by the last shutdown: running it again")
            self.refresher.owe_reindex()

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the ``ChannelQuestions`` cog's listener handles messages."""

    async def close(self) -> None:
        await self.refresher.stop()
        await super().close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(self._join_detached, DETACHED_GRACE)

    def _join_detached(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for the detached threads (a reindex stops at its
        next step once shutdown began): a thread still inside the model or FAISS when the
        interpreter exits aborts the process."""
        deadline = time.monotonic() + grace
        for thread in self._detached:
            thread.join(max(0.0, deadline - time.monotonic()))
        if running := [t.name for t in self._detached if t.is_alive()]:
            log.warning("leaving %s running at shutdown", ", ".join(running))

    # -- work off the event loop -------------------------------------------------------

    async def run_blocking(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker thread: knowledge-base calls (model, FAISS)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args))

    def run_detached(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """``function(*args)`` in a daemon thread of its own, for long work (a reindex)
        that shutdown may abandon: the process can exit without waiting for it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def work() -> None:
            try:
                result, error = function(*args), None
            except BaseException as exc:
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
                loop.call_soon_threadsafe(settle, result, error)

        thread = threading.Thread(target=work, name=f"newsbot-{function.__name__}", daemon=True)
        self._detached = {t for t in self._detached if t.is_alive()} | {thread}
        thread.start()
        return future

    @contextlib.asynccontextmanager
    async def tracked(self) -> AsyncIterator[None]:
        """Mark the current task as work that shutdown lets finish."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("tracked() needs to run inside an asyncio task")
        self._jobs.add(task)
        try:
            yield
        finally:
            self._jobs.discard(task)

    async def drain(self, grace: float) -> None:
        """Refuse new work, then wait up to ``grace`` seconds for the running work."""
        self.accepting = False
        running = {task for task in self._jobs if task is not asyncio.current_task()}
        if not running:
            return
        log.info("waiting up to %.0f s for %d running jobs", grace, len(running))
        _, pending = await asyncio.wait(running, timeout=grace)
        if pending:
            # Questions are abandoned unanswered; an abandoned reindex leaves only its
            # .partial folder, which the next reindex removes.
            log.warning("abandoning %d unfinished jobs at shutdown", len(pending))

    # -- policy ------------------------------------------------------------------------

    def works_in(self, guild_id: int | None, channel: Any) -> bool:
        """Whether the bot answers in this channel (a thread counts as its parent)."""
        parent_id = getattr(channel, "parent_id", None)
        channel_id = getattr(channel, "id", None)
        return place_allowed(self.settings.discord, guild_id, channel_id, parent_id)

    def explain(self, error: BaseException, doing: str) -> str:
        """What the user is told when ``doing`` failed with ``error``; logs it.

        Users see: a NewsbotError's own message (bad question, no index yet, another
        reindex running...), a refusal for a missing permission or a server-only
        command, and for anything else only an apology; the traceback goes to the log.
        """
        if isinstance(error, app_commands.MissingPermissions):
            return cards.ADMIN_ONLY
        if isinstance(error, app_commands.NoPrivateMessage):
            return cards.SERVER_ONLY
        if isinstance(error, ReindexStopped):
            log.info("%s: %s", doing, error)
            return cards.REINDEX_STOPPED
        if isinstance(error, app_commands.CommandOnCooldown):
            return cards.cooldown_text(error.retry_after)
        if isinstance(error, InvalidQueryError):
            log.info("%s: %s", doing, error)
        elif isinstance(error, NewsbotError):
            log.warning("%s: %s", doing, error)
        else:
            log.error("%s failed", doing, exc_info=error)
        return cards.error_text(error)


class ShardedNewsBot(NewsBot, commands.AutoShardedBot):
    """NewsBot over ``[discord] shard_count`` gateway shards, those of ``shard_ids``."""


def _sharding(settings: DiscordSettings) -> dict[str, Any]:
    """AutoShardedBot's arguments; none for one unsharded connection."""
    if settings.shard_count is None:
        return {}
    return {"shard_count": settings.shard_count, "shard_ids": settings.shard_ids}


class NewsTree(app_commands.CommandTree[NewsBot]):
    """Slash commands: a refusal where the bot does not work, one error handler."""

    async def interaction_check(self, interaction: discord.Interaction[NewsBot], /) -> bool:
        bot = interaction.client
        refusal = None
        if not bot.accepting:
            refusal = cards.SHUTTING_DOWN
        elif not bot.works_in(interaction.guild_id, interaction.channel):
            refusal = cards.NOT_HERE
        elif _is_lookup(interaction) and (wait := _lookup_wait(bot, interaction)) > 0:
            refusal = cards.cooldown_text(wait, lookup=True)
        if refusal is None:
            return True
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_PINGS)
        return False

    async def on_error(
        self, interaction: discord.Interaction[NewsBot], error: app_commands.AppCommandError, /
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        command = interaction.command.name if interaction.command else "command"
        await tell_privately(interaction, interaction.client.explain(cause, f"/{command}"))


LOOKUP_COMMANDS = frozenset({"search", "article", "sources", "help"})


def _is_lookup(interaction: discord.Interaction[Any]) -> bool:
    """Whether ``interaction`` runs a lookup (autocompletion does not count)."""
    data: dict[str, Any] = dict(interaction.data or {})
    return (
        interaction.type is discord.InteractionType.application_command
        and data.get("type", 1) == 1
        and data.get("name") in LOOKUP_COMMANDS
    )


def _lookup_wait(bot: NewsBot, interaction: discord.Interaction[Any]) -> float:
    return bot.cooldowns.retry_after(interaction.user.id, "lookup")


async def tell_privately(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer the interaction with ``text`` for the user's eyes; once a response was
    deferred (Discord cannot make it private any more), ``text`` replaces the "thinking"
    message or the draft, whatever it showed."""
    try:
        if interaction.response.is_done():
            await interaction.edit_original_response(
                content=text, embeds=[], view=None, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.exception("could not tell user %s: %s", interaction.user.id, text)


def place_allowed(
    settings: DiscordSettings, guild_id: int | None, channel_id: int | None, parent_id: int | None
) -> bool:
    """Direct messages when enabled; in servers, those allowed (all when the list is
    empty) and there the allowed channels and ask channels (all when none are listed)."""
    if guild_id is None:
        return settings.allow_direct_messages
    if settings.allowed_guilds and guild_id not in settings.allowed_guilds:
        return False
    if not settings.allowed_channels:
        return True
    channel = parent_id or channel_id
    return channel in settings.allowed_channels or channel in settings.ask_channels


class Cooldowns:
    """Per member, one question (a mention, /ask, the message command) and one lookup
    (/search, /article, /sources, /help) every ``seconds``: discord.py's own
    ``CooldownMapping``, one bucket per member and kind."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._mappings: dict[str, commands.CooldownMapping[int]] = {
            kind: commands.CooldownMapping(commands.Cooldown(1, seconds), _member)
            for kind in ("question", "lookup")
        }

    def retry_after(self, user_id: int, kind: str) -> float:
        """0 when ``user_id`` may go ahead now (their cooldown starts again), else the
        seconds left to wait."""
        if self.seconds <= 0:
            return 0.0
        return self._mappings[kind].update_rate_limit(user_id) or 0.0

    def reset(self, user_id: int, kind: str) -> None:
        """Forget the last use: a question refused as invalid costs no wait."""
        bucket = self._mappings[kind].get_bucket(user_id)
        if self.seconds > 0 and bucket is not None:
            bucket.reset()


def _member(user_id: int) -> int:
    return user_id
