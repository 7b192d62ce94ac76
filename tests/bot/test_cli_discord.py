"""Acceptance: the real ``newsbot run`` process, configured only by its settings file and
DISCORD_TOKEN, serves a Discord-compatible server on loopback and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.discord import cards
from bot.discord.refresh import REINDEX_RUNNING_STATE
from tests.bot.discord.helpers import add_articles
from tests.conftest import model_section
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.model, pytest.mark.asyncio]

TIMEOUT = 90  # the child loads the model before it connects


async def test_newsbot_run_answers_a_mention_and_stops_cleanly(
    tmp_path: Path, built_index: Path, model_cache: Path
):
    async with FakeDiscord() as server:
        data_dir = tmp_path / "data"
        shutil.copytree(built_index, data_dir)
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'[index]\ndata_dir = "{data_dir}"\narticles = []\n'
            + model_section(model_cache)
            + f'[discord]\napi_base_url = "{server.api_base_url}"\n'
            f'gateway_url = "{server.gateway_url}"\n'
            f"dev_guild_id = {server.guild.id}\nanswer_in_threads = false\n"
        )
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            env={**os.environ, "DISCORD_TOKEN": server.token, "HF_HUB_OFFLINE": "1"},
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await server.wait_for_commands_synced(server.guild.id, timeout=TIMEOUT)
            await server.wait_until_ready(timeout=30)
            channel = server.channel.id
            await server.send_message(
                channel, server.owner.id, "who wants Iran out of Syria?", mention_bot=True
            )
            answer = await server.wait_for_message(channel, timeout=30)
            rendered = str(answer.embeds) + answer.content
            assert "Putin" in rendered and "Netanyahu" in rendered
            assert answer.allowed_mentions is not None
            assert answer.allowed_mentions["parse"] == []
        finally:
            child.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(child.communicate(), timeout=30)
        assert child.returncode == 0, stderr.decode(errors="replace")
        assert server.unknown_requests == []
        assert all(r.host.startswith("127.0.0.1:") for r in server.requests)


async def test_sigterm_during_a_reindex_exits_cleanly_within_10_s(
    tmp_path: Path, built_index: Path, model_cache: Path
):
    articles = tmp_path / "articles"
    articles.mkdir()
    add_articles(articles, 300)  # enough embedding to be caught in the middle of it
    async with FakeDiscord() as server:
        data_dir = tmp_path / "data"
        shutil.copytree(built_index, data_dir)
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'[index]\ndata_dir = "{data_dir}"\narticles = ["{articles}"]\n'
            + model_section(model_cache)
            + f'[discord]\napi_base_url = "{server.api_base_url}"\n'
            f'gateway_url = "{server.gateway_url}"\n'
            f"dev_guild_id = {server.guild.id}\n"
        )
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            env={**os.environ, "DISCORD_TOKEN": server.token, "HF_HUB_OFFLINE": "1"},
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await server.wait_for_commands_synced(server.guild.id, timeout=TIMEOUT)
            await server.wait_until_ready(timeout=30)
            record = await server.invoke_slash("reindex", {})
            await record.wait_for(lambda r: "embedded" in str([e.body for e in r.events]), 60)
        finally:
            child.send_signal(signal.SIGTERM)
            started = time.monotonic()
            _, stderr = await asyncio.wait_for(child.communicate(), timeout=30)
        seconds = time.monotonic() - started
        errors = stderr.decode(errors="replace")
        assert child.returncode == 0 and "terminate called" not in errors, errors
        assert seconds < 10
        shown = await record.wait_for_response(5)
        assert shown.content == cards.REINDEX_STOPPED
        with sqlite3.connect(data_dir / "feedback.sqlite") as db:  # to run again at start
            assert db.execute("SELECT name FROM state").fetchall() == [(REINDEX_RUNNING_STATE,)]
