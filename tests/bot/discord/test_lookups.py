"""Lookups end to end: /search, /article, /sources and /help."""

from __future__ import annotations

import re

import pytest

from bot.discord import lookup_cards
from bot.discord.client import NewsBot
from tests.bot.discord.helpers import TIMEOUT
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

TRAM_URL = "https://lakesidecourier.example/city/eastholm-line-4-tram-opens"
RESULT = re.compile(r"\*\*(\d+)\.\*\* (.+) — (.+)")


async def test_search_lists_one_short_snippet_per_article_above_a_relevance_cut_off(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash(
        "search", {"query": "tram line university", "k": 5, "private": True}
    )
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5] and record.ephemeral
    [embed] = answer.embeds
    assert embed["title"] == "Search: tram line university"
    lines = embed["description"].splitlines()
    heads, snippets = lines[0::2], lines[1::2]
    assert [RESULT.fullmatch(h).group(1) for h in heads] == ["1"]  # the others are unrelated
    assert heads[0].startswith("**1.** [Eastholm opens Line 4 tram to the university")
    assert f"]({TRAM_URL}) — Lakeside Courier · 2024-05-20" in heads[0]
    assert snippets[0].startswith("> ") and len(snippets[0]) <= 2 + 200 + 4


async def test_search_lists_several_passages_of_an_article_when_asked(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    query = {"query": "Iranian forces in Syria", "k": 3}
    one = await fake_discord.invoke_slash("search", query)
    several = await fake_discord.invoke_slash("search", query | {"several": True})
    each = [await r.wait_for_response(TIMEOUT) for r in (one, several)]

    heads = [answer.embeds[0]["description"].splitlines()[0::2] for answer in each]
    assert len(heads[0]) == 1 and len(heads[1]) >= 2
    assert all("Running Iran Out of Syria" in h for h in heads[0] + heads[1])


async def test_article_finds_an_article_by_its_link(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("article", {"query-or-url": TRAM_URL})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5] and answer.content == ""
    [embed] = answer.embeds
    assert embed["title"].startswith("Eastholm opens Line 4 tram") and embed["url"] == TRAM_URL
    assert embed["description"].startswith("Eastholm's new Line 4 tram carried its first")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert (fields["Publisher"], fields["Published"], fields["Link"]) == (
        "Lakeside Courier",
        "2024-05-20",
        TRAM_URL,
    )


async def test_a_link_that_is_not_indexed_is_said_so_and_the_closest_match_labelled(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    missing = "https://lakesidecourier.example/city/eastholm-tram-line-4-extension-plans"
    record = await fake_discord.invoke_slash("article", {"query-or-url": missing})
    answer = await record.wait_for_response(TIMEOUT)

    assert answer.content == lookup_cards.not_indexed_text(missing)
    [embed] = answer.embeds
    assert embed["description"].startswith(f"-# {lookup_cards.CLOSEST_LABEL}\n")
    assert embed["url"] == TRAM_URL


async def test_words_that_match_no_article_well_show_the_closest_labelled_as_such(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    weak = await fake_discord.invoke_slash("article", {"query-or-url": "quantum error correction"})
    good = await fake_discord.invoke_slash("article", {"query-or-url": "Eastholm tram Line 4"})
    answers = [await r.wait_for_response(TIMEOUT) for r in (weak, good)]

    labelled, found = (a.embeds[0]["description"] for a in answers)
    assert labelled.startswith(f"-# {lookup_cards.WEAK_MATCH_LABEL}\n")
    assert found.startswith("Eastholm's new Line 4 tram carried its first")


async def test_sources_lists_publishers_and_index_size(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("sources", {})
    answer = await record.wait_for_response(TIMEOUT)

    [embed] = answer.embeds
    assert "**Lakeside Courier**: 1 article" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Articles"] == "7"
    assert re.fullmatch(r"<t:\d+:f>", fields["Last reindex"])


async def test_help_says_privately_what_the_bot_knows_and_how_to_ask(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("help", {})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [4] and record.ephemeral
    text = answer.embeds[0]["description"]
    assert text.startswith("**What I know**\n7 articles from ")
    assert "Lakeside Courier" in text and "How to ask" in text
