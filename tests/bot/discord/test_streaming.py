"""Answers written by a language model on Discord: the real bot against the fake Discord
and the scripted model server, both on loopback. Typing until the first text, a draft
edited at most about once a second, then the checked answer with sources and buttons."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.discord.answer_cards import DRAFT_NOTE
from bot.discord.client import NewsBot
from bot.settings import AppSettings
from index.config import LLMSettings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from index.llm.client import OpenAIChat
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import TIMEOUT, assert_never_pings, description, sources
from tests.fakediscord import FakeDiscord, Message
from tests.fakediscord.model import EMBED_LINKS
from tests.fakediscord.records import RecordedRequest
from tests.fakellm import CutOff, Hang, ScriptedLLM, Status, Text
from tests.fakellm.scripts import GOOD_SYRIA, INVENTED, SYRIA_ANCHOR, SYRIA_QUESTION, good_syria

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

WRITTEN = (
    "Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria. [1] "
    "Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]"
)
# The card of the checked answer: the model's first sentence leads, the rest is quoted.
WRITTEN_CARD = (
    "**Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria.** [1]\n\n"
    "> Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]"
)
WRITTEN_TEXT = (
    "Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria. [1]\n"
    "> Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]"
)
MIN_GAP = 0.8  # seconds between two edits, as the fake saw them arrive (the bot waits 1.0)


def slow_with_an_invention(request) -> Text:
    """The good answer and an invented sentence, four characters every 50 ms (~3 s)."""
    passage = request.passage_with(SYRIA_ANCHOR)
    text = GOOD_SYRIA.format(n=passage) + " " + INVENTED.format(n=passage)
    return Text(text, piece_chars=4, delay=0.05)


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM(slow_with_an_invention) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def settings(settings: AppSettings, llm: ScriptedLLM) -> AppSettings:
    """The bot's settings with an [llm] section naming the scripted model."""
    section = LLMSettings(base_url=llm.base_url, model="scripted", timeout_seconds=15)
    return settings.model_copy(update={"llm": section})


@pytest.fixture
def knowledge_base(settings: AppSettings, embedder: Embedder, built_index: Path) -> KnowledgeBase:
    """The knowledge base of the fixtures, with the scripted model writing answers."""
    shutil.copytree(built_index, settings.index.data_dir, dirs_exist_ok=True)
    knowledge_base = KnowledgeBase(settings, embedder, OpenAIChat(settings.llm))
    knowledge_base.searcher()
    return knowledge_base


def requests_about(fake: FakeDiscord, message: Message) -> list[RecordedRequest]:
    """The bot's POST of ``message`` and its PATCHes, in order."""
    path = f"/channels/{message.channel_id}/messages"
    return [
        r
        for r in fake.requests
        if (
            r.method == "POST" and r.path == path and r.json.get("content", "").endswith(DRAFT_NOTE)
        )
        or (r.method == "PATCH" and r.path == f"{path}/{message.id}")
    ]


def assert_spaced(requests: list[RecordedRequest]) -> None:
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(requests)]
    assert gaps and min(gaps) >= MIN_GAP, gaps


async def test_a_mention_streams_the_draft_then_shows_the_checked_answer(
    fake_discord: FakeDiscord, newsbot: NewsBot, feedback
) -> None:
    general = fake_discord.channel.id
    sent = await fake_discord.send_message(
        general, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
    )

    answer = await fake_discord.wait_for_message(sent.id, lambda m: m.embeds, timeout=TIMEOUT)

    calls = requests_about(fake_discord, answer)
    drafts = [calls[0].json["content"]] + [c.json["content"] for c in calls[1:-1]]
    assert len(drafts) >= 3, "the draft was shown and edited as it grew"
    assert all(d.endswith(DRAFT_NOTE) and len(d) <= 2000 for d in drafts)
    assert drafts[-1].startswith("Netanyahu, who met") and "[1]" not in "".join(drafts)
    assert any("Lieberman" in d for d in drafts)  # the draft as written...
    assert description(answer) == WRITTEN_CARD  # ...and only what was checked at the end
    assert answer.content == "" and answer.embeds[0]["title"] == SYRIA_QUESTION
    assert sources(answer) == ["[1] Running Iran Out of Syria — GZERO Media · undated"]
    assert [c.split(":")[-1] for c in answer.custom_ids[:2]] == ["up", "down"]
    assert_spaced(calls)  # at most about one edit a second, the final one included
    typing = [r for r in fake_discord.requests if r.path == f"/channels/{general}/typing"]
    assert typing and typing[0].at < calls[0].at  # typing until the first text
    assert all(c.json["allowed_mentions"]["parse"] == [] for c in calls)
    assert_never_pings(fake_discord, answer)
    with sqlite3.connect(feedback.path) as db:
        assert db.execute("SELECT mode FROM answers").fetchall() == [("llm",)]


async def test_when_the_model_fails_before_writing_the_answer_says_it_was_composed_directly(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM, feedback
) -> None:
    llm.script = lambda request: Status(500)
    general = fake_discord.channel.id
    sent = await fake_discord.send_message(
        general, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
    )

    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    assert answer.edits == []  # no draft: posted once, as without a model
    assert description(answer).endswith(
        "\n\n*Composed from the articles directly: the language model could not be used.*"
    )
    assert "Netanyahu" in description(answer) and len(answer.custom_ids) == 3
    assert "POST /channels/{channel_id}/typing" in [r.route for r in fake_discord.requests]
    with sqlite3.connect(feedback.path) as db:
        assert db.execute("SELECT mode FROM answers").fetchall() == [("extractive",)]


async def test_a_stream_cut_off_mid_answer_turns_the_draft_into_the_composed_answer(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM
) -> None:
    llm.script = lambda request: CutOff("Netanyahu wants Iranian forces out of " * 3, delay=0.1)
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
    )

    answer = await fake_discord.wait_for_message(sent.id, lambda m: m.embeds, timeout=TIMEOUT)

    assert answer.edits and answer.content == ""
    assert description(answer).endswith(
        "*Composed from the articles directly: the language model could not be used.*"
    )


async def test_a_follow_up_in_the_thread_passes_the_earlier_turn_to_the_model(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM
) -> None:
    llm.script = good_syria
    owner = fake_discord.owner.id
    first = await fake_discord.send_message(
        fake_discord.channel.id, owner, SYRIA_QUESTION, mention_bot=True
    )
    await fake_discord.wait_for_message(first.id, lambda m: m.embeds, timeout=TIMEOUT)

    follow_up = await fake_discord.send_message(first.id, owner, "and what does Tehran say?")
    await fake_discord.wait_for_message(
        first.id, lambda m: m.embeds, after=follow_up.id, timeout=TIMEOUT
    )

    earlier = [(m["role"], m["content"]) for m in llm.requests[1].messages[1:3]]
    assert earlier == [("user", SYRIA_QUESTION), ("assistant", WRITTEN.replace(" [1]", ""))]
    assert "Question, asked on" in llm.requests[1].prompt
    assert llm.requests[1].question == "and what does Tehran say?"


async def test_slash_ask_streams_in_its_response_then_shows_the_answer_with_buttons(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": SYRIA_QUESTION})

    await record.wait_for(lambda r: r.original is not None and r.original.embeds, TIMEOUT)

    answer = record.original
    assert record.callback_types == [5] and record.followups == []
    edits = [e.body for e in record.events if e.kind == "edit"]
    assert len(edits) >= 3 and all(e["content"].endswith(DRAFT_NOTE) for e in edits[:-1])
    assert description(answer) == WRITTEN_CARD and answer.content == ""
    assert len(answer.custom_ids) == 3
    patches = [r for r in fake_discord.requests if r.method == "PATCH"]
    assert_spaced(patches)
    assert_never_pings(fake_discord, answer)


async def test_where_the_bot_may_not_embed_the_draft_becomes_the_plain_answer(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    for role in fake_discord.guilds[fake_discord.guild.id].roles.values():
        role.permissions &= ~EMBED_LINKS
    async with start_bot():
        sent = await fake_discord.send_message(
            fake_discord.channel.id, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
        )
        answer = await fake_discord.wait_for_message(
            sent.id, lambda m: m.custom_ids, timeout=TIMEOUT
        )

    assert answer.edits and answer.embeds == []
    assert answer.content.startswith(f"**{SYRIA_QUESTION}**\n{WRITTEN_TEXT}")
    assert "[1] Running Iran Out of Syria" in answer.content and DRAFT_NOTE not in answer.content
    assert_never_pings(fake_discord, answer)


async def test_questions_waiting_on_the_model_do_not_hold_up_other_commands(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM
) -> None:
    llm.script = lambda request: Hang()
    for _ in range(3):  # more than the workers a bot without a model has
        await fake_discord.send_message(
            fake_discord.channel.id, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
        )
    # All three reach the model at once, and a search is answered meanwhile: well before
    # the model's 15 s run out and free a worker.
    await fake_discord.wait_for(lambda: len(llm.requests) == 3, 10.0, "three model requests")
    record = await fake_discord.invoke_slash("search", {"query": "tram"})
    results = await record.wait_for_response(10.0)

    assert "Eastholm" in str(results.embeds)
