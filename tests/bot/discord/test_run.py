"""Running the bot: a signal lets running work finish, then the bot closes."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time

import pytest
from pydantic import SecretStr

from bot.discord.run import SHUTDOWN_GRACE, run_bot
from bot.settings import AppSettings, DiscordSettings
from index.knowledge_base import KnowledgeBase
from index.records import Answer
from tests.bot.discord.helpers import (
    QUESTION,
    TIMEOUT,
    assert_answers_the_seed_question,
)
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


async def test_run_bot_lets_a_running_question_finish_on_sigterm_then_closes(
    fake_discord: FakeDiscord,
    settings: AppSettings,
    knowledge_base: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord.run")
    asking, release = threading.Event(), threading.Event()
    ask = KnowledgeBase.ask

    def held_ask(self: KnowledgeBase, *args: object, **kwargs: object) -> Answer:
        asking.set()
        release.wait(TIMEOUT)
        return ask(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(KnowledgeBase, "ask", held_ask)
    discord_settings = DiscordSettings(
        api_base_url=fake_discord.api_base_url,
        gateway_url=fake_discord.gateway_url,
        dev_guild_id=fake_discord.guild.id,
    )
    running = asyncio.create_task(
        run_bot(
            KnowledgeBase(settings),
            settings.model_copy(update={"discord": discord_settings}),
            SecretStr(fake_discord.token),
        )
    )
    signalled = False
    try:
        await fake_discord.wait_until_ready(TIMEOUT)
        general, owner = fake_discord.channel.id, fake_discord.owner.id
        sent = await fake_discord.send_message(general, owner, QUESTION, mention_bot=True)
        await fake_discord.wait_for(asking.is_set, TIMEOUT)
        signal.raise_signal(signal.SIGTERM)
        signalled = True
        await fake_discord.wait_for(lambda: "stopping" in caplog.text, TIMEOUT)
        release.set()
        answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)
    finally:
        release.set()
        if not signalled:
            signal.raise_signal(signal.SIGTERM)
        async with asyncio.timeout(TIMEOUT):
            await running

    assert_answers_the_seed_question(answer)
    assert (settings.index.data_dir / "feedback.sqlite").exists()
    sessions = fake_discord.gateway.sessions.values()
    await fake_discord.wait_for(lambda: all(s.connection is None for s in sessions), TIMEOUT)


async def test_sigterm_stops_the_bot_within_10_s_while_it_is_reconnecting(
    fake_discord: FakeDiscord, settings: AppSettings
) -> None:
    discord_settings = DiscordSettings(
        api_base_url=fake_discord.api_base_url,
        gateway_url=fake_discord.gateway_url,
        dev_guild_id=fake_discord.guild.id,
    )
    running = asyncio.create_task(
        run_bot(
            KnowledgeBase(settings),
            settings.model_copy(update={"discord": discord_settings}),
            SecretStr(fake_discord.token),
        )
    )
    try:
        await fake_discord.wait_until_ready(TIMEOUT)
        connections = len(fake_discord.gateway.connections)
        await fake_discord.go_silent()
        await fake_discord.wait_for(
            lambda: len(fake_discord.gateway.connections) > connections, TIMEOUT
        )
    finally:
        signal.raise_signal(signal.SIGTERM)
        started = time.monotonic()
        async with asyncio.timeout(TIMEOUT):
            await running

    assert time.monotonic() - started < SHUTDOWN_GRACE
