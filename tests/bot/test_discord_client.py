"""The bot's policies: where it works, how often a person may ask, which intents it asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord.client import Cooldown, NewsBot, place_allowed
from bot.settings import AppSettings, DiscordSettings
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore

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


def test_cooldown_spaces_questions_per_person() -> None:
    now = [100.0]
    cooldown = Cooldown(10, clock=lambda: now[0])

    assert cooldown.retry_after(1) == 0
    now[0] += 4
    assert cooldown.retry_after(1) == pytest.approx(6)
    assert cooldown.retry_after(2) == 0  # someone else may ask
    now[0] += 6
    assert cooldown.retry_after(1) == 0


def test_refused_question_does_not_restart_the_cooldown() -> None:
    now = [0.0]
    cooldown = Cooldown(10, clock=lambda: now[0])
    cooldown.retry_after(1)

    now[0] = 9
    cooldown.retry_after(1)
    now[0] = 10

    assert cooldown.retry_after(1) == 0


def test_zero_cooldown_never_refuses() -> None:
    cooldown = Cooldown(0)

    assert [cooldown.retry_after(1) for _ in range(3)] == [0, 0, 0]


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
