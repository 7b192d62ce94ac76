"""What the cogs, the vote buttons and the scheduled refresh use from the bot.

``NewsBot`` (``bot.discord.client``) provides all of it; the parts that use it are typed
against this Protocol and never import the client, so the client can import them without
a cycle, and a test can see at a glance what a cog may touch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

import discord

from bot.settings import AppSettings
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore

T = TypeVar("T")


class CooldownPolicy(Protocol):
    def retry_after(self, user_id: int, kind: str) -> float:
        """0 when ``user_id`` may go ahead with a ``kind`` ("question" or "lookup")
        now, else the seconds left to wait."""
        ...

    def reset(self, user_id: int, kind: str) -> None: ...


class ReindexClaim(Protocol):
    def claim(self, holder: str) -> bool:
        """Take the one reindex slot for ``holder``; False when it is taken."""
        ...

    def release(self) -> None: ...


class Announcements(Protocol):
    def expect(self, urls: Sequence[str]) -> None:
        """Remember fetched articles (storage keys) to announce once they are indexed."""
        ...

    async def announce(self) -> int:
        """Post the expected articles that are in the index now; how many were posted."""
        ...


class BotServices(Protocol):
    """The bot as its parts see it (read-only: they use these, never replace them)."""

    @property
    def settings(self) -> AppSettings: ...

    @property
    def knowledge_base(self) -> KnowledgeBase: ...

    @property
    def feedback(self) -> FeedbackStore: ...

    @property
    def cooldowns(self) -> CooldownPolicy: ...

    @property
    def accepting(self) -> bool:
        """False once shutdown has begun: no new work is taken."""
        ...

    @property
    def reindex_guard(self) -> ReindexClaim: ...

    @property
    def announcer(self) -> Announcements: ...

    @property
    def user(self) -> discord.ClientUser | None: ...

    async def run_blocking(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker thread (model, FAISS, SQLite)."""
        ...

    def run_detached(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """``function(*args)`` in a daemon thread of its own, for long work (a reindex)."""
        ...

    def tracked(self) -> AbstractAsyncContextManager[None]:
        """Marks the current task as work that shutdown lets finish."""
        ...

    def works_in(self, guild_id: int | None, channel: Any) -> bool:
        """Whether the bot answers in this channel (a thread counts as its parent)."""
        ...

    def explain(self, error: BaseException, doing: str) -> str:
        """What the user is told when ``doing`` failed with ``error``; logs it."""
        ...

    def get_partial_messageable(self, id: int, /) -> discord.PartialMessageable: ...
