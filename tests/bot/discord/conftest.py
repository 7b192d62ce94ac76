"""The real bot against the fake Discord, over the real knowledge base of the fixtures."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.discord.client import NewsBot
from bot.settings import AppSettings, DiscordSettings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore
from tests.fakediscord import Channel, FakeDiscord, run_client

StartBot = Callable[..., contextlib.AbstractAsyncContextManager[NewsBot]]


@pytest.fixture
def knowledge_base(settings: AppSettings, embedder: Embedder, built_index: Path) -> KnowledgeBase:
    shutil.copytree(built_index, settings.index.data_dir, dirs_exist_ok=True)
    knowledge_base = KnowledgeBase(settings, embedder)
    knowledge_base.searcher()
    return knowledge_base


@pytest.fixture
def feedback(settings: AppSettings) -> Iterator[FeedbackStore]:
    store = FeedbackStore(settings.index.data_dir / "feedback.sqlite")
    yield store
    store.close()


@pytest_asyncio.fixture
async def ask_channel(fake_discord: FakeDiscord) -> Channel:
    return await fake_discord.add_channel(fake_discord.guild.id, "ask-the-news")


@pytest.fixture
def start_bot(
    fake_discord: FakeDiscord,
    settings: AppSettings,
    knowledge_base: KnowledgeBase,
    feedback: FeedbackStore,
    ask_channel: Channel,
) -> StartBot:
    """``async with start_bot(**discord_settings) as bot``: the bot connected, its
    commands synced; no cooldown unless given. Its scheduled refresh runs only when a
    test calls ``bot.refresher.run_now()`` (or after ``refresh_interval`` seconds), with
    the time from ``clock``."""

    @contextlib.asynccontextmanager
    async def start(
        *,
        refresh_interval: float = 3600.0,
        clock: Callable[[], datetime] | None = None,
        **overrides: Any,
    ) -> AsyncIterator[NewsBot]:
        discord_settings = DiscordSettings(
            api_base_url=fake_discord.api_base_url,
            gateway_url=fake_discord.gateway_url,
            dev_guild_id=fake_discord.guild.id,
            ask_channels=[ask_channel.id],
            cooldown_seconds=0,
        ).model_copy(update=overrides)
        bot = NewsBot(
            settings=settings.model_copy(update={"discord": discord_settings}),
            knowledge_base=knowledge_base,
            feedback=feedback,
            refresh_interval=refresh_interval,
            clock=clock,
        )
        async with run_client(bot, fake_discord):
            await fake_discord.wait_for_commands_synced(fake_discord.guild.id)
            yield bot

    return start


@pytest_asyncio.fixture
async def newsbot(start_bot: StartBot) -> AsyncIterator[NewsBot]:
    async with start_bot() as bot:
        yield bot
