"""The bot itself: where it works, how often a person may ask, which intents it asks for,
command sync, and what users are told when something fails."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.discord import cards
from bot.discord.channel_questions import COOLDOWN_REACTION
from bot.discord.client import Cooldowns, NewsBot, place_allowed
from bot.settings import AppSettings, DiscordSettings
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import (
    INTENTS,
    QUESTION,
    TIMEOUT,
    assert_answers_the_seed_question,
)
from tests.fakediscord import Channel, FakeDiscord

GUILD, OTHER_GUILD, ASK, ALLOWED, ELSEWHERE, THREAD = 1, 2, 10, 11, 12, 99


def test_everywhere_in_every_server_when_no_lists_are_set() -> None:
    assert place_allowed(DiscordSettings(), GUILD, ELSEWHERE, None)


def test_server_allow_list() -> None:
    settings = DiscordSettings(allowed_guilds=[GUILD])

    assert place_allowed(settings, GUILD, ELSEWHERE, None)
    assert not place_allowed(settings, OTHER_GUILD, ELSEWHERE, None)


def test_channel_allow_list_includes_ask_channels_and_their_threads() -> None:
    settings = DiscordSettings(allowed_channels=[ALLOWED], ask_channels=[ASK])

    assert place_allowed(settings, GUILD, ALLOWED, None)
    assert place_allowed(settings, GUILD, ASK, None)
    assert place_allowed(settings, GUILD, THREAD, ALLOWED)
    assert not place_allowed(settings, GUILD, ELSEWHERE, None)
    assert not place_allowed(settings, GUILD, THREAD, ELSEWHERE)


@pytest.mark.parametrize("allowed", [True, False])
def test_direct_messages_follow_the_setting(allowed: bool) -> None:
    settings = DiscordSettings(allow_direct_messages=allowed)

    assert place_allowed(settings, None, 5, None) is allowed


def test_cooldowns_space_questions_and_lookups_per_member_apart() -> None:
    cooldowns = Cooldowns(30)

    assert cooldowns.retry_after(1, "question") == 0
    assert 29 < cooldowns.retry_after(1, "question") <= 30
    assert cooldowns.retry_after(2, "question") == 0  # someone else may ask
    assert cooldowns.retry_after(1, "lookup") == 0  # a lookup is not a question
    assert cooldowns.retry_after(1, "lookup") > 29


def test_a_reset_cooldown_lets_the_member_ask_again_at_once() -> None:
    cooldowns = Cooldowns(30)
    cooldowns.retry_after(1, "question")

    cooldowns.reset(1, "question")

    assert cooldowns.retry_after(1, "question") == 0


def test_zero_cooldown_never_refuses() -> None:
    cooldowns = Cooldowns(0)

    assert [cooldowns.retry_after(1, "lookup") for _ in range(3)] == [0, 0, 0]


@pytest.mark.parametrize("direct_messages", [False, True])
def test_bot_asks_only_for_the_intents_it_uses(
    settings: AppSettings, tmp_path: Path, direct_messages: bool
) -> None:
    settings = settings.model_copy(
        update={"discord": DiscordSettings(allow_direct_messages=direct_messages)}
    )
    feedback = FeedbackStore(tmp_path / "feedback.sqlite")
    try:
        bot = NewsBot(settings=settings, knowledge_base=KnowledgeBase(settings), feedback=feedback)
        enabled = {name for name, on in bot.intents if on}
    finally:
        feedback.close()

    expected = {"guilds", "guild_messages", "message_content"}
    assert enabled == expected | ({"dm_messages"} if direct_messages else set())
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict()["parse"] == []


@pytest.mark.asyncio
@pytest.mark.model
async def test_bot_connects_with_its_intents_and_syncs_commands_to_the_dev_guild(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    synced = fake_discord.commands[fake_discord.guild.id]

    assert fake_discord.identify_payload is not None
    assert fake_discord.identify_payload["intents"] == INTENTS
    assert sorted((c["type"], c["name"]) for c in synced) == [
        (1, "article"),
        (1, "ask"),
        (1, "help"),
        (1, "reindex"),
        (1, "search"),
        (1, "sources"),
        (3, "Ask newsbot about this message"),
    ]
    assert all(c["contexts"] == [0] for c in synced)  # servers only: direct messages are off
    ask = next(c for c in synced if c["name"] == "ask")
    dates = [o["description"] for o in ask["options"] if o["name"] in ("since", "as_of")]
    assert len(dates) == 2 and all("YYYY-MM-DD" in d for d in dates)
    reindex = next(c for c in synced if c["name"] == "reindex")
    assert reindex["default_member_permissions"] == "8"  # administrators only
    article = next(c for c in synced if c["name"] == "article")
    assert [o["name"] for o in article["options"]] == ["query-or-url"]
    assert None not in fake_discord.commands  # nothing global while a dev guild is set
    assert fake_discord.unknown_requests == []


@pytest.mark.asyncio
@pytest.mark.model
async def test_internal_error_gets_an_apology_and_a_log_record(
    fake_discord: FakeDiscord,
    newsbot: NewsBot,
    knowledge_base: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(knowledge_base, "ask", broken)
    general = fake_discord.channel.id
    sent = await fake_discord.send_message(
        general, fake_discord.owner.id, QUESTION, mention_bot=True
    )
    reply = await fake_discord.wait_for_message(general, timeout=TIMEOUT)
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    followup = await record.wait_for_response(TIMEOUT)

    assert reply.content == cards.APOLOGY and followup.content == cards.APOLOGY
    assert [e.kind for e in record.events] == ["callback", "edit"]  # "thinking" replaced
    assert int(reply.message_reference["message_id"]) == sent.id
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(errors) == 2
    assert all("disk on fire" in str(r.exc_info[1]) for r in errors)


@pytest.mark.asyncio
@pytest.mark.model
async def test_cooldown_marks_a_rapid_second_question_with_an_hourglass_after_the_answer(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    async with start_bot(cooldown_seconds=60):
        general, owner = fake_discord.channel.id, fake_discord.owner.id
        first = await fake_discord.send_message(general, owner, QUESTION, mention_bot=True)
        second = await fake_discord.send_message(general, owner, "and Tehran?", mention_bot=True)
        await fake_discord.wait_for(lambda: second.reactions, timeout=TIMEOUT)
        record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
        private = await record.wait_for_response(TIMEOUT)

    [answer] = fake_discord.bot_messages(first.id)
    assert second.reactions == [COOLDOWN_REACTION]
    reacted = next(r for r in fake_discord.requests if r.route and "reactions" in r.route)
    answered = next(r for r in fake_discord.requests if r.path == f"/channels/{first.id}/messages")
    assert answered.at < reacted.at  # the ⏳ never comes before the first answer
    public = [m for m in fake_discord.bot_messages(general) if not m.ephemeral]
    assert public == []  # and no public message at all
    assert_answers_the_seed_question(answer)
    assert record.ephemeral and private.content.startswith("One question at a time")


@pytest.mark.asyncio
@pytest.mark.model
async def test_outside_the_allowed_channels_the_bot_stays_quiet_and_refuses_commands(
    fake_discord: FakeDiscord, start_bot: StartBot, ask_channel: Channel
) -> None:
    async with start_bot(allowed_channels=[ask_channel.id]):
        general, owner = fake_discord.channel.id, fake_discord.owner.id
        await fake_discord.send_message(general, owner, QUESTION, mention_bot=True)
        record = await fake_discord.invoke_slash("sources", {})
        refusal = await record.wait_for_response(TIMEOUT)
        allowed = await fake_discord.send_message(ask_channel.id, owner, QUESTION, mention_bot=True)
        await fake_discord.wait_for_message(allowed.id, timeout=TIMEOUT)

    assert record.ephemeral and refusal.content == cards.NOT_HERE
    assert [m.id for m in fake_discord.bot_messages(general)] == [refusal.id]
