"""The bot over a knowledge base on the Milvus store (Milvus Lite in a temp dir): the
front end does not know which store answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord.client import NewsBot
from bot.settings import AppSettings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from tests.bot.discord.helpers import QUESTION, TIMEOUT, assert_answers_the_seed_question
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


@pytest.fixture
def settings(settings: AppSettings, tmp_path: Path) -> AppSettings:
    store = settings.store.model_copy(
        update={"backend": "milvus", "uri": str(tmp_path / "milvus.db")}
    )
    return settings.model_copy(update={"store": store})


@pytest.fixture
def knowledge_base(settings: AppSettings, embedder: Embedder) -> KnowledgeBase:
    knowledge_base = KnowledgeBase(settings, embedder)
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
