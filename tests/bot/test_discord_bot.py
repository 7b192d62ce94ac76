"""The real bot, over real HTTP and websockets on loopback, against the fake Discord and
the real knowledge base of the fixture collection."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.discord import cards
from bot.discord.client import NewsBot
from bot.discord.run import run_bot
from bot.settings import AppSettings, DiscordSettings
from index.knowledge_base import KnowledgeBase
from index.records import Answer
from tests.bot.conftest import StartBot
from tests.fakediscord import Channel, FakeDiscord, Message
from tests.fakediscord.model import EMBED_LINKS

TIMEOUT = 20.0  # the model shares two CPUs with whatever else runs
QUESTION = "who wants Iran out of Syria?"
SEED_TITLE = "Running Iran Out of Syria"
VOTE_ID = re.compile(r"newsbot:vote:[0-9a-f]{32}:(up|down)")
INTENTS = (1 << 0) | (1 << 9) | (1 << 15)  # guilds, guild messages, message content

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


def description(message: Message) -> str:
    [embed] = message.embeds
    return embed["description"]


def assert_answers_the_seed_question(message: Message) -> None:
    text = description(message)
    assert "Putin" in text or "Russia" in text
    assert "Netanyahu" in text or "Israel" in text
    assert re.search(r"\[1\]", text)
    [embed] = message.embeds
    assert embed["fields"][0]["name"] == f"[1] {SEED_TITLE}"


def assert_never_pings(fake: FakeDiscord, message: Message) -> None:
    assert message.allowed_mentions is not None
    assert message.allowed_mentions["parse"] == []
    assert not message.allowed_mentions.get("replied_user")
    payload = fake.payload(message)
    assert payload["mentions"] == [] and payload["mention_roles"] == []
    assert not payload["mention_everyone"]


async def test_bot_connects_with_its_intents_and_syncs_commands_to_the_dev_guild(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    synced = fake_discord.commands[fake_discord.guild.id]

    assert fake_discord.identify_payload is not None
    assert fake_discord.identify_payload["intents"] == INTENTS
    assert sorted(c["name"] for c in synced) == ["article", "ask", "reindex", "search", "sources"]
    reindex = next(c for c in synced if c["name"] == "reindex")
    assert reindex["default_member_permissions"] == "8"  # administrators only
    article = next(c for c in synced if c["name"] == "article")
    assert [o["name"] for o in article["options"]] == ["query-or-url"]
    assert None not in fake_discord.commands  # nothing global while a dev guild is set
    assert fake_discord.unknown_requests == []


async def test_mention_is_answered_in_a_thread_with_sources_and_vote_buttons(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    general = fake_discord.channel.id
    sent = await fake_discord.send_message(
        general, fake_discord.owner.id, QUESTION, mention_bot=True
    )

    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)  # thread id = message id

    assert fake_discord.guilds[fake_discord.guild.id].channels[sent.id].name == QUESTION
    assert_answers_the_seed_question(answer)
    assert answer.embeds[0]["title"] == QUESTION
    assert_never_pings(fake_discord, answer)
    assert [VOTE_ID.fullmatch(c).group(1) for c in answer.custom_ids] == ["up", "down"]
    assert "POST /channels/{channel_id}/typing" in [r.route for r in fake_discord.requests]
    assert fake_discord.unknown_requests == []


async def test_every_message_in_an_ask_channel_is_answered(
    fake_discord: FakeDiscord, newsbot: NewsBot, ask_channel: Channel
) -> None:
    sent = await fake_discord.send_message(ask_channel.id, fake_discord.owner.id, QUESTION)

    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    assert_answers_the_seed_question(answer)
    assert_never_pings(fake_discord, answer)


async def test_message_without_mention_outside_ask_channels_is_left_alone(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    general, owner = fake_discord.channel.id, fake_discord.owner.id
    ignored = await fake_discord.send_message(general, owner, QUESTION)
    asked = await fake_discord.send_message(general, owner, QUESTION, mention_bot=True)

    await fake_discord.wait_for_message(asked.id, timeout=TIMEOUT)

    assert ignored.id not in fake_discord.guilds[fake_discord.guild.id].channels
    assert fake_discord.bot_messages(general) == []


async def test_answer_replies_in_place_when_threads_are_off(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    async with start_bot(answer_in_threads=False):
        general = fake_discord.channel.id
        sent = await fake_discord.send_message(
            general, fake_discord.owner.id, QUESTION, mention_bot=True
        )
        answer = await fake_discord.wait_for_message(general, timeout=TIMEOUT)

    assert answer.message_reference is not None
    assert int(answer.message_reference["message_id"]) == sent.id
    assert_answers_the_seed_question(answer)
    assert_never_pings(fake_discord, answer)


async def test_follow_up_in_the_thread_is_answered_with_the_earlier_question(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase
) -> None:
    owner = fake_discord.owner.id
    first = await fake_discord.send_message(
        fake_discord.channel.id, owner, QUESTION, mention_bot=True
    )
    thread_id = first.id
    await fake_discord.wait_for_message(thread_id, timeout=TIMEOUT)

    follow_up = await fake_discord.send_message(thread_id, owner, "and what does Tehran say?")
    answer = await fake_discord.wait_for_message(thread_id, after=follow_up.id, timeout=TIMEOUT)

    with_context = knowledge_base.ask("and what does Tehran say?", earlier_questions=[QUESTION])
    alone = knowledge_base.ask("and what does Tehran say?")
    assert with_context.text != alone.text  # the test would prove nothing otherwise
    assert description(answer) == cards.answer_card(with_context).description
    assert "Tehran" in description(answer)
    assert int(answer.message_reference["message_id"]) == follow_up.id


async def test_answer_is_plain_text_where_the_bot_may_not_embed(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    guild = fake_discord.guilds[fake_discord.guild.id]
    for role in guild.roles.values():
        role.permissions &= ~EMBED_LINKS
    async with start_bot():
        sent = await fake_discord.send_message(
            fake_discord.channel.id, fake_discord.owner.id, QUESTION, mention_bot=True
        )
        answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    assert answer.embeds == []
    assert answer.content.startswith(f"**{QUESTION}**")
    assert f"[1] {SEED_TITLE}" in answer.content
    assert len(answer.custom_ids) == 2


async def test_slash_ask_is_deferred_then_followed_up(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    assert [event.kind for event in record.events] == ["callback", "followup"]
    assert_answers_the_seed_question(answer)
    assert_never_pings(fake_discord, answer)
    assert len(answer.custom_ids) == 2


async def test_slash_ask_filters_by_source(fake_discord: FakeDiscord, newsbot: NewsBot) -> None:
    record = await fake_discord.invoke_slash(
        "ask", {"question": "tram line", "source": "lakeside courier", "since": "2024-05-01"}
    )
    answer = await record.wait_for_response(TIMEOUT)

    [source] = answer.embeds[0]["fields"]
    assert source["value"].startswith("Lakeside Courier · 2024-05-20")


async def test_slash_ask_with_a_bad_date_is_refused_at_once_and_privately(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION, "since": "May 1st"})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [4] and record.ephemeral
    assert "'since' must be a date like 2024-03-01" in answer.content


async def test_slash_search_lists_passages_privately_when_asked(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash(
        "search", {"query": "tram line university", "k": 3, "private": True}
    )
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5] and record.ephemeral
    [embed] = answer.embeds
    assert embed["title"] == "Search: tram line university"
    assert 1 <= len(embed["fields"]) <= 3
    first = embed["fields"][0]
    assert first["name"].startswith("1. Eastholm")
    assert "https://lakesidecourier.example/" in first["value"]
    assert "2024-05-20" in first["value"]


async def test_slash_article_finds_an_article_by_its_link(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    url = "https://lakesidecourier.example/city/eastholm-line-4-tram-opens"
    record = await fake_discord.invoke_slash("article", {"query-or-url": url})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    [embed] = answer.embeds
    assert embed["title"].startswith("Eastholm opens Line 4 tram")
    assert embed["description"].startswith("Eastholm's new Line 4 tram carried its first")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Publisher"] == "Lakeside Courier"
    assert fields["Published"] == "2024-05-20"
    assert fields["Link"] == url


async def test_slash_sources_lists_publishers_and_index_size(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("sources", {})
    answer = await record.wait_for_response(TIMEOUT)

    [embed] = answer.embeds
    assert "**Lakeside Courier**: 1 article" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Articles"] == "7"
    assert re.fullmatch(r"<t:\d+:f>", fields["Last reindex"])


async def test_reindex_is_refused_for_a_member_who_is_not_admin(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    generation_before = sorted(p.name for p in settings.index.data_dir.iterdir())

    record = await fake_discord.invoke_slash("reindex", {}, user_id=alice.id)
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [4] and record.ephemeral
    assert answer.content == cards.ADMIN_ONLY
    assert sorted(p.name for p in settings.index.data_dir.iterdir()) == generation_before


async def test_reindex_by_an_admin_shows_progress_then_the_summary(
    fake_discord: FakeDiscord, newsbot: NewsBot, articles_dir: Path
) -> None:
    add_articles(articles_dir, 30)
    admin = await fake_discord.add_member(fake_discord.guild.id, "editor", admin=True)

    record = await fake_discord.invoke_slash("reindex", {}, user_id=admin.id)
    await record.wait_for(lambda r: any(e.kind == "edit" for e in r.events), TIMEOUT)
    second = await fake_discord.invoke_slash("reindex", {}, user_id=admin.id)
    refusal = await second.wait_for_response(TIMEOUT)
    await record.wait_for(lambda r: r.original and r.original.embeds, TIMEOUT)

    assert record.callback_types == [5]
    edits = [e.body for e in record.events if e.kind == "edit"]
    assert edits[0]["content"].startswith("Reindexing…")
    [summary] = record.original.embeds
    assert summary["title"] == "Reindex finished"
    fields = {f["name"]: f["value"] for f in summary["fields"]}
    assert (fields["Added"], fields["Unchanged"], fields["Removed"]) == ("30", "7", "0")
    assert record.original.content == ""
    assert second.ephemeral and refusal.content == cards.REINDEX_RUNNING


async def test_thumbs_up_is_recorded_once_per_user(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)
    up, down = answer.custom_ids

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


async def test_internal_error_gets_an_apology_and_a_log_record(
    fake_discord: FakeDiscord,
    newsbot: NewsBot,
    knowledge_base: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object) -> None:
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
    assert int(reply.message_reference["message_id"]) == sent.id
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(errors) == 2
    assert all("disk on fire" in str(r.exc_info[1]) for r in errors)


async def test_cooldown_refuses_a_rapid_second_question_politely(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    async with start_bot(cooldown_seconds=60):
        general, owner = fake_discord.channel.id, fake_discord.owner.id
        first = await fake_discord.send_message(general, owner, QUESTION, mention_bot=True)
        second = await fake_discord.send_message(general, owner, "and Tehran?", mention_bot=True)
        refusal = await fake_discord.wait_for_message(general, timeout=TIMEOUT)
        await fake_discord.wait_for_message(first.id, timeout=TIMEOUT)
        record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
        private = await record.wait_for_response(TIMEOUT)

    assert int(refusal.message_reference["message_id"]) == second.id
    assert re.fullmatch(
        r"One question at a time, please: you can ask again in \d+ s\.", refusal.content
    )
    assert_never_pings(fake_discord, refusal)
    assert record.ephemeral and private.content.startswith("One question at a time")


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
        run_bot(settings.model_copy(update={"discord": discord_settings}), fake_discord.token)
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


def add_articles(folder: Path, count: int) -> None:
    """Invented articles, different enough not to be skipped as duplicates."""
    topics = ["harbour", "school", "bridge", "library", "market", "stadium", "railway"]
    for number in range(count):
        topic = topics[number % len(topics)]
        body = " ".join(
            f"Paragraph {p} of report {number}: the {topic} project in district {number} "
            f"moved ahead after council vote {p}, officials said on day {number + p}."
            for p in range(12)
        )
        text = f"---\ntitle: The {topic} plan, part {number}\nsource: Test Wire\n---\n{body}\n"
        (folder / f"generated-{number:03d}.md").write_text(text, encoding="utf-8")
