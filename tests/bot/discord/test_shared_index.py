"""The bot as it runs against a shared index: over the Milvus store (Milvus Lite in a
temp dir), which the front end does not know of, and as one shard group of several."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord.client import NewsBot, ShardedNewsBot
from bot.settings import AppSettings, DiscordSettings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from index.store.backend import open_store
from index.store.feedback import FeedbackStore
from tests.bot.discord.helpers import QUESTION, TIMEOUT, assert_answers_the_seed_question
from tests.fakediscord import Channel, FakeDiscord, run_client

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


@pytest.fixture
def settings(settings: AppSettings, tmp_path: Path) -> AppSettings:
    store = settings.store.model_copy(
        update={"backend": "milvus", "uri": str(tmp_path / "milvus.db")}
    )
    return settings.model_copy(update={"store": store})


@pytest.fixture
def knowledge_base(settings: AppSettings, embedder: Embedder) -> KnowledgeBase:
    knowledge_base = KnowledgeBase(settings, embedder, store=open_store(settings))
    knowledge_base.reindex()
    assert knowledge_base.stats().store == "milvus"
    return knowledge_base


async def test_the_seed_question_is_answered_through_milvus(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, QUESTION, mention_bot=True
    )
    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)
    assert_answers_the_seed_question(answer)


async def test_one_shard_group_of_a_sharded_bot_answers_through_milvus(
    fake_discord: FakeDiscord,
    settings: AppSettings,
    knowledge_base: KnowledgeBase,
    feedback: FeedbackStore,
    ask_channel: Channel,
) -> None:
    discord_settings = DiscordSettings(
        api_base_url=fake_discord.api_base_url,
        gateway_url=fake_discord.gateway_url,
        dev_guild_id=fake_discord.guild.id,
        cooldown_seconds=0,
        shard_count=2,
        shard_ids=[1],  # this process's group; another process would run shard 0
    )
    app = settings.model_copy(update={"discord": discord_settings})
    bot = NewsBot.kind(app)(settings=app, knowledge_base=knowledge_base, feedback=feedback)
    assert isinstance(bot, ShardedNewsBot)
    async with run_client(bot, fake_discord):
        await fake_discord.wait_for_commands_synced(fake_discord.guild.id)
        assert (bot.shard_count, bot.shard_ids) == (2, [1])
        sent = await fake_discord.send_message(
            fake_discord.channel.id, fake_discord.owner.id, QUESTION, mention_bot=True
        )
        answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)
    assert_answers_the_seed_question(answer)
