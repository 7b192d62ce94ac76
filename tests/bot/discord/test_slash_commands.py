"""Slash commands end to end: /ask, /search, /article, /sources and the admins' /reindex."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.discord import cards
from bot.discord.client import NewsBot
from bot.settings import AppSettings
from tests.bot.discord.helpers import (
    QUESTION,
    TIMEOUT,
    add_articles,
    assert_answers_the_seed_question,
    assert_never_pings,
    link_buttons,
    sources,
)
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

TRAM_TITLE = "Eastholm opens Line 4 tram to the university after three years of works"
TRAM_URL = "https://lakesidecourier.example/city/eastholm-line-4-tram-opens"


async def test_slash_ask_is_deferred_then_followed_up(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    assert [event.kind for event in record.events] == ["callback", "followup"]
    assert_answers_the_seed_question(answer)
    assert_never_pings(fake_discord, answer)
    assert len(answer.custom_ids) == 3


async def test_slash_ask_filters_by_source(fake_discord: FakeDiscord, newsbot: NewsBot) -> None:
    record = await fake_discord.invoke_slash(
        "ask", {"question": "tram line", "source": "lakeside courier", "since": "2024-05-01"}
    )
    answer = await record.wait_for_response(TIMEOUT)

    [source] = sources(answer)
    assert source.startswith(f"[1] [{TRAM_TITLE}]({TRAM_URL}) — Lakeside Courier · 2024-05-20")
    [embed] = answer.embeds
    assert embed["footer"]["text"] == "Publisher: Lakeside Courier · since 2024-05-01"
    assert embed["url"] == TRAM_URL
    assert link_buttons(answer) == [("Open article", TRAM_URL)]


async def test_slash_ask_with_a_bad_date_is_refused_at_once_and_privately(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION, "since": "May 1st"})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [4] and record.ephemeral
    assert "'since' must be a date like 2024-03-01" in answer.content


async def test_slash_ask_answers_as_of_the_day_given(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    question = "When did the Eastholm tram Line 4 open?"
    tram = "Eastholm opens Line 4 tram to the university after three years of works"
    record = await fake_discord.invoke_slash("ask", {"question": question, "as_of": "2024-02-01"})
    earlier = await record.wait_for_response(TIMEOUT)
    assert tram not in str(earlier.embeds[0])  # published 2024-05-20

    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")  # no cooldown
    record = await fake_discord.invoke_slash("ask", {"question": question}, user_id=alice.id)
    today = await record.wait_for_response(TIMEOUT)
    assert tram in sources(today)[0]


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
