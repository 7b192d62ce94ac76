"""Web sources in the bot: the scheduled refresh, the one-reindex-at-a-time guard it
shares with /reindex, and announcements of newly indexed articles.

The scheduler wakes every ``interval`` seconds, asks which sources are due (in a worker
thread), fetches only those and, when that brought new or updated articles, reindexes
without fetching again. It never runs while /reindex does, nor /reindex while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import discord

from bot.discord import cards
from bot.discord.embeds import NO_PINGS
from bot.discord.services import BotServices
from bot.render import fetch_text, summary_text
from index.errors import NewsbotError
from index.indexer import ReindexProgress, ReindexSummary
from index.knowledge_base import KnowledgeBase
from index.web.live import LiveSources
from index.web.refresh import RefreshSummary, WebSource

log = logging.getLogger(__name__)

REFRESH_INTERVAL = 60.0  # seconds between looks at which sources are due
_MAX_WAITING = 1000  # fetched articles remembered for announcing until they are indexed

Outcome = Literal["idle", "busy", "stopping", "unchanged", "reindexed", "failed"]


class ReindexStopped(Exception):
    """Raised by a reindex's progress callback once shutdown has begun: the reindex stops
    at its next step (its unpublished work is removed by the next reindex), so that its
    thread has ended before the process does."""


# Set in the feedback store while a reindex runs: one that shutdown stopped runs again
# when the bot starts.
REINDEX_RUNNING_STATE = "reindex running"


@contextlib.asynccontextmanager
async def resumable(bot: BotServices) -> AsyncIterator[None]:
    """Mark a reindex as running for its length; one that shutdown stops
    (``ReindexStopped``) stays marked, and the next start runs it again."""
    await asyncio.to_thread(bot.feedback.set_state, REINDEX_RUNNING_STATE, "yes")
    stopped = False
    try:
        yield
    except ReindexStopped:
        stopped = True
        raise
    finally:
        if not stopped:
            await asyncio.to_thread(bot.feedback.set_state, REINDEX_RUNNING_STATE, None)


def stop_when_closing(bot: BotServices) -> Callable[[ReindexProgress], None]:
    """A progress callback for a reindex the bot runs: it stops the reindex at shutdown."""

    def check(progress: ReindexProgress) -> None:  # on the reindex thread
        if not bot.accepting:
            raise ReindexStopped(f"stopped at shutdown while {progress.stage}")

    return check


class ReindexGuard:
    """One reindex at a time in this bot: /reindex and the scheduled refresh both claim
    it and neither waits for it. Used on the event loop only."""

    def __init__(self) -> None:
        self.holder: str | None = None

    def claim(self, holder: str) -> bool:
        """Take the guard for ``holder``; False (and nothing taken) when it is held."""
        if self.holder is not None:
            return False
        self.holder = holder
        return True

    def release(self) -> None:
        self.holder = None


@dataclass(frozen=True, slots=True)
class RefreshRound:
    """What one scheduled round did: nothing due ("idle"), skipped because a reindex ran
    ("busy") or the bot is stopping, fetched without news ("unchanged"), fetched and
    reindexed, or failed (the error is in the log)."""

    outcome: Outcome
    due: int = 0
    fetched: RefreshSummary | None = None
    reindexed: ReindexSummary | None = None
    announced: int = 0


class RefreshScheduler:
    """The bot's background refresh of its web sources; ``start`` in ``setup_hook``,
    ``stop`` on close. ``clock`` says what time it is for the refresh intervals."""

    def __init__(
        self,
        bot: BotServices,
        interval: float = REFRESH_INTERVAL,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"the refresh interval must be positive, got {interval}")
        self.bot = bot
        self.interval = interval
        self.clock = clock or (lambda: datetime.now(UTC))
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._waiters: list[asyncio.Future[RefreshRound]] = []
        self._reindex_owed = False  # fetched news not in the index yet: until a reindex succeeds

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="newsbot-refresh")

    async def stop(self) -> None:
        """Stop the loop; a round in progress is abandoned (its fetch or reindex thread
        is left to end on its own: both write nothing half-done)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()

    def owe_reindex(self) -> None:
        """Reindex at the next round even if no source brought news (one a shutdown
        stopped)."""
        self._reindex_owed = True
        self._wake.set()

    async def run_now(self) -> RefreshRound:
        """Have the background loop run a round now, and wait for what it did."""
        if self._task is None or self._task.done():
            raise RuntimeError("the refresh scheduler is not running")
        waiter: asyncio.Future[RefreshRound] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wake.set()
        return await waiter

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
            self._wake.clear()
            waiters, self._waiters = self._waiters, []  # a call from now on gets the next round
            # A task of its own, so that shutdown's drain can let a running round finish.
            result = await asyncio.create_task(self._guarded_round(), name="newsbot-refresh-round")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(result)

    async def _guarded_round(self) -> RefreshRound:
        try:
            async with self.bot.tracked():
                return await self._round()
        except ReindexStopped:
            log.info("scheduled reindex stopped at shutdown")
            return RefreshRound("stopping")
        except NewsbotError as error:  # the reindex lock held by `newsbot reindex`, say
            log.warning("scheduled refresh failed: %s", error)
        except Exception:
            log.exception("scheduled refresh failed")
        return RefreshRound("failed")

    async def _round(self) -> RefreshRound:
        """Fetch the due sources and reindex if they brought news (not while /reindex
        runs); announce what got indexed."""
        bot = self.bot
        if not bot.accepting:
            return RefreshRound("stopping")
        live = bot.knowledge_base.live
        due = await bot.run_blocking(due_sources, live, self.clock())
        if not due and not self._reindex_owed:
            return RefreshRound("idle")
        if not bot.reindex_guard.claim("scheduled refresh"):
            log.info("scheduled refresh skipped: a reindex is running")
            return RefreshRound("busy", len(due))
        try:
            fetched = await bot.run_detached(live.refresh, due) if due else None
            if fetched is not None:
                log.info("scheduled refresh of %d sources: %s", len(due), fetch_text(fetched))
                bot.announcer.expect(fetched.new_urls)
                self._reindex_owed = self._reindex_owed or fetched.changed
            if not self._reindex_owed:
                return RefreshRound("unchanged", len(due), fetched)
            stop = stop_when_closing(bot)
            async with resumable(bot):
                summary = await bot.run_detached(reindex_without_fetching, bot.knowledge_base, stop)
            self._reindex_owed = False
            summary.fetched = fetched
            log.info("scheduled reindex: %s", summary_text(summary))
            announced = await bot.announcer.announce()
            return RefreshRound("reindexed", len(due), fetched, summary, announced)
        finally:
            bot.reindex_guard.release()


def due_sources(live: LiveSources, now: datetime) -> list[WebSource]:
    """The sources due at ``now``; none (and no web store created) when there are none."""
    return live.due(now) if live.has_any() else []


def reindex_without_fetching(
    knowledge_base: KnowledgeBase, progress: Callable[[ReindexProgress], None]
) -> ReindexSummary:
    return knowledge_base.reindex(progress, fetch=False)


class Announcer:
    """Posts newly indexed web articles to the announce channel, when one is set.

    Fetched articles are remembered with ``expect``; ``announce`` (after a successful
    reindex) posts those that made it into the published index, and forgets the rest
    (duplicates the reindex skipped). After a failed reindex they wait for the next.
    """

    def __init__(self, bot: BotServices, channel_id: int | None) -> None:
        self.bot = bot
        self.channel_id = channel_id
        self._waiting: list[str] = []  # storage keys of fetched articles, oldest first

    def expect(self, urls: Sequence[str]) -> None:
        if self.channel_id is None:
            return
        known = set(self._waiting)
        self._waiting += [url for url in urls if url not in known]
        del self._waiting[:-_MAX_WAITING]

    async def announce(self) -> int:
        """Post the expected articles found in the current index; how many were posted."""
        if self.channel_id is None or not self._waiting:
            return 0
        keys = list(self._waiting)
        try:
            articles = await self.bot.run_blocking(self.bot.knowledge_base.indexed_articles, keys)
        except Exception:  # the reindex itself went well: its caller is not to fail
            log.exception("could not look up the new articles to announce")
            return 0
        settled = set(keys)  # indexed now, or never will be
        self._waiting = [key for key in self._waiting if key not in settled]
        if not articles:
            return 0
        channel = self.bot.get_partial_messageable(self.channel_id)
        try:
            for text in cards.announcement_texts(articles):
                await channel.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning("could not announce new articles in %s: %s", self.channel_id, error)
            return 0
        return len(articles)
