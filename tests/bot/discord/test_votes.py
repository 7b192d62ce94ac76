"""Vote buttons under answers: recorded in the feedback store, one vote per member."""

from __future__ import annotations

import sqlite3

import pytest

from bot.discord import cards
from bot.discord.client import NewsBot
from bot.settings import AppSettings
from tests.bot.discord.helpers import (
    QUESTION,
    SEED_TITLE,
    TIMEOUT,
)
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


async def test_thumbs_up_is_recorded_once_per_user(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)
    up, down, _more = answer.custom_ids

    clicks = [
        await fake_discord.click_button(answer.id, up),
        await fake_discord.click_button(answer.id, up),
        await fake_discord.click_button(answer.id, down, user_id=alice.id),
    ]
    replies = [await click.wait_for_response(TIMEOUT) for click in clicks]

    assert all(c.callback_types == [4] and c.ephemeral for c in clicks)
    assert {r.content for r in replies} == {cards.VOTE_THANKS}
    with sqlite3.connect(settings.index.data_dir / "feedback.sqlite") as db:
        votes = db.execute("SELECT user_id, value FROM votes ORDER BY value").fetchall()
        [(question, sources)] = db.execute("SELECT question, sources FROM answers").fetchall()
    assert votes == [(str(alice.id), -1), (str(fake_discord.owner.id), 1)]
    assert question == QUESTION and SEED_TITLE in sources
