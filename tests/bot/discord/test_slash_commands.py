"""Slash commands end to end: /ask, /search, /article, /sources and the admins' /reindex."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.discord import cards
from bot.discord.client import ASK_ABOUT_MESSAGE, NewsBot
from bot.settings import AppSettings
from index.errors import IndexNotFoundError
from index.knowledge_base import KnowledgeBase
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


async def test_slash_ask_is_deferred_then_answered_in_its_response(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    assert [event.kind for event in record.events] == ["callback", "edit"]
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
    assert answer.content == (
        "`since`: expected a date like 2024-03-01 (YYYY-MM-DD), got 'May 1st'"
    )


async def test_slash_ask_answers_as_of_the_day_given(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    question = "When did the Eastholm tram Line 4 open?"
    tram = "Eastholm opens Line 4 tram to the university after three years of works"
    record = await fake_discord.invoke_slash("ask", {"question": question, "as_of": "2024-02-01"})
    earlier = await record.wait_for_response(TIMEOUT)
    assert tram not in str(earlier.embeds[0])  # published 2024-05-20
    assert earlier.embeds[0]["footer"]["text"] == "as of 2024-02-01"

    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")  # no cooldown
    record = await fake_discord.invoke_slash("ask", {"question": question}, user_id=alice.id)
    today = await record.wait_for_response(TIMEOUT)
    assert tram in sources(today)[0]


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

    assert record.callback_types == [5] and record.ephemeral  # for the admin's eyes only
    edits = [e.body for e in record.events if e.kind == "edit"]
    assert edits[0]["content"].startswith("Reindexing…")
    # Edits are throttled, so which stages show depends on the machine's speed; their
    # wording ("reading 412 of 857 new or changed sources, …") is pinned in test_cards.
    progress = [e["content"].strip() for e in edits if e["content"]]
    assert all(
        re.fullmatch(
            r"Reindexing… [a-z ]+(?:[\d,]+(?: of [\d,]+)? [a-z ]+)?(?:, [\d,]+ passages embedded )?"
            r"\(\d+ s\)",
            p,
        )
        for p in progress
    ), progress
    assert len(progress) == len(set(progress))  # no edit sent twice
    totals = {re.sub(r"^Reindexing… reading \d+ of ", "", p).split(" ")[0] for p in progress
              if p.startswith("Reindexing… reading")}  # fmt: skip
    assert len(totals) <= 1, progress  # announced once and kept
    assert not any("gen-" in p for p in progress)
    [summary] = record.original.embeds
    assert summary["title"] == "Reindex finished"
    fields = {f["name"]: f["value"] for f in summary["fields"]}
    assert (fields["Added"], fields["Unchanged"], fields["Removed"]) == ("30", "7", "0")
    assert record.original.content == ""
    assert second.ephemeral and refusal.content == cards.REINDEX_RUNNING


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"as_of": "2999-01-01"}, "`as_of` (2999-01-01) has not come yet"),
        ({"since": "2024-06-01", "as_of": "2024-01-01"},
         "`since` (2024-06-01) is after the day asked about (2024-01-01)"),
        ({"since": "2024-06-01", "until": "2024-01-01"},
         "`since` (2024-06-01) is after `until` (2024-01-01): no article is in both."),
        ({"question": "why " * 600}, "Your question is 2,399 characters long; I can take up"),
    ],
)  # fmt: skip
async def test_a_bad_ask_is_refused_privately_with_the_reason(
    fake_discord: FakeDiscord, newsbot: NewsBot, options, reason
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION} | options)
    refusal = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [4] and record.ephemeral
    assert refusal.content.startswith(reason)


async def test_until_limits_what_ask_and_search_may_use(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    ask = await fake_discord.invoke_slash(
        "ask", {"question": "When did the tram Line 4 open?", "until": "2024-05-01"}
    )
    search = await fake_discord.invoke_slash("search", {"query": "tram", "until": "2024-05-01"})
    answers = [await r.wait_for_response(TIMEOUT) for r in (ask, search)]

    assert TRAM_TITLE not in str(answers[0].embeds) and TRAM_TITLE not in str(answers[1].embeds)
    assert answers[0].embeds[0]["footer"]["text"] == "until 2024-05-01"


async def test_an_unknown_publisher_is_refused_privately_with_the_close_matches(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash(
        "ask", {"question": "tram line", "source": "Lakside Courrier"}
    )
    refusal = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [4] and record.ephemeral
    assert refusal.content == (
        "No indexed publisher is called “Lakside Courrier”. Did you mean “Lakeside Courier”?"
    )


async def test_source_is_completed_from_the_indexed_publishers(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.autocomplete("ask", {"question": "q", "source": "lake"}, "source")
    await record.wait_for(lambda r: r.callbacks, TIMEOUT)

    [callback] = record.callbacks
    assert callback.type == 8
    assert callback.data["choices"] == [{"name": "Lakeside Courier", "value": "Lakeside Courier"}]


async def test_an_error_after_the_defer_replaces_thinking_with_a_short_friendly_text(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase, monkeypatch
) -> None:
    def no_index(*args: object, **kwargs: object) -> None:
        raise IndexNotFoundError("no index in /srv/newsbot/data: run 'newsbot reindex' first")

    monkeypatch.setattr(knowledge_base, "ask", no_index)
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    reply = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5] and [e.kind for e in record.events] == ["callback", "edit"]
    assert reply.content == cards.PREPARING
    assert reply.embeds == [] and reply.components == []


async def test_ask_newsbot_about_this_message_answers_its_question(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    said = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, f"Honest question: {QUESTION}"
    )
    record = await fake_discord.invoke_message_command(ASK_ABOUT_MESSAGE, said.id)
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    assert_answers_the_seed_question(answer)
    assert answer.embeds[0]["title"] == f"Honest question: {QUESTION}"
