"""Lookups end to end: /search, /article, /sources and /help."""

from __future__ import annotations

import re

import pytest

from bot.discord import cards, lookup_cards
from bot.discord.client import NewsBot
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import TIMEOUT
from tests.fakediscord import FakeDiscord

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

TRAM_URL = "https://lakesidecourier.example/city/eastholm-line-4-tram-opens"
RESULT = re.compile(r"\*\*(\d+)\.\*\* (.+) — (.+)")


async def test_search_lists_one_short_snippet_per_article_above_a_relevance_cut_off(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("search", {"query": "tram line university", "k": 5})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5] and record.ephemeral  # private by default
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

    assert record.callback_types == [4] and not record.ephemeral  # found: for everyone
    assert answer.content == "" and answer.components == []
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

    assert record.ephemeral and answer.content == lookup_cards.not_indexed_text(missing)
    [embed] = answer.embeds
    assert embed["description"].startswith(f"-# {lookup_cards.CLOSEST_LABEL}\n")
    assert len(answer.custom_ids) == 1  # Post to channel
    assert embed["url"] == TRAM_URL


async def test_words_that_match_no_article_well_get_no_match_and_a_hint_privately(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    weak = await fake_discord.invoke_slash("article", {"query-or-url": "quantum error correction"})
    good = await fake_discord.invoke_slash("article", {"query-or-url": "Eastholm tram Line 4"})
    answers = [await r.wait_for_response(TIMEOUT) for r in (weak, good)]

    assert weak.ephemeral and answers[0].embeds == []
    assert answers[0].content == lookup_cards.no_article_text("quantum error correction")
    assert answers[1].embeds[0]["description"].startswith("Eastholm's new Line 4 tram carried")


async def test_a_link_far_from_every_article_gets_no_closest_article(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    missing = "https://elsewhere.example/science/quantum-error-correction-milestone"
    record = await fake_discord.invoke_slash("article", {"query-or-url": missing})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.ephemeral and answer.embeds == []
    assert answer.content == lookup_cards.not_indexed_text(missing)


async def test_a_search_that_matches_nothing_says_no_match_with_a_hint_and_no_button(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("search", {"query": "zxqv blorft"})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.ephemeral and answer.embeds[0]["description"] == lookup_cards.NO_PASSAGES
    assert answer.components == []


async def test_a_private_result_is_posted_to_the_channel_by_its_button_after_a_restart(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    async with start_bot():
        record = await fake_discord.invoke_slash("search", {"query": "tram line university"})
        private = await record.wait_for_response(TIMEOUT)
    [share] = private.custom_ids
    async with start_bot():  # the button works on a bot that never saw the search
        click = await fake_discord.click_button(private.id, share)
        posted = await fake_discord.wait_for_message(
            fake_discord.channel.id, lambda m: not m.ephemeral, timeout=TIMEOUT
        )

    assert posted.embeds[0]["description"] == private.embeds[0]["description"]
    assert posted.embeds[0]["footer"]["text"] == f"Posted by {fake_discord.owner.name}"
    assert click.source_message is private and private.edits[-1]["content"] == cards.SHARED


async def test_lookups_have_a_cooldown_of_their_own(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    async with start_bot(cooldown_seconds=60):
        first = await fake_discord.invoke_slash("sources", {})
        await first.wait_for_response(TIMEOUT)
        second = await fake_discord.invoke_slash("search", {"query": "tram"})
        refused = await second.wait_for_response(TIMEOUT)
        ask = await fake_discord.invoke_slash("ask", {"question": "When did the tram open?"})
        answered = await ask.wait_for(lambda r: r.original and r.original.embeds, TIMEOUT)

    assert second.ephemeral and refused.content.startswith("One lookup at a time")
    assert answered.original.embeds  # a question is not a lookup


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
