"""Answers with a language model on Discord: the real bot against the fake Discord and
the scripted model server, both on loopback. The extractive answer at once, then only
verified sentences of the model's, then its whole verified answer (or a note saying why
the extractive one stays); nothing unverified is ever on screen."""

from __future__ import annotations

import itertools
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord.answer_cards import MODEL_NOTE, WRITING_NOTE
from bot.discord.client import NewsBot
from bot.discord.markdown import unescape
from bot.settings import AppSettings
from index.config import LLMSettings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from index.llm.client import OpenAIChat
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import TIMEOUT, assert_never_pings, description, sources
from tests.conftest import ASKED
from tests.fakediscord import FakeDiscord, Message
from tests.fakediscord.model import EMBED_LINKS
from tests.fakediscord.records import RecordedRequest
from tests.fakellm import CutOff, Hang, ScriptedLLM, Status, Text
from tests.fakellm.scripts import GOOD_SYRIA, INVENTED, SYRIA_ANCHOR, SYRIA_QUESTION, good_syria

# The extractive short answer the seed question leads with, in bold.
SHORT_ANSWER = "**Vladimir Putin and Benjamin Netanyahu** [1]"

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

WRITTEN = (
    "Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria. [1] "
    "Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]"
)
# The card of the checked answer: the model's first sentence leads, the rest is quoted.
WRITTEN_CARD = (
    "**Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria.** [1]\n\n"
    "> Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]\n\n"
    f"{MODEL_NOTE}"
)
WRITTEN_TEXT = (
    "Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria. [1]\n"
    "> Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]"
)
MIN_GAP = 0.8  # seconds between two edits, as the fake saw them arrive (the bot waits 1.0)


INVENTION = "Lieberman"  # in the invented sentence (or answer line) only
FIRST_ANSWER_SECONDS = 1.0  # from the question to the first answer a member can read


def slow_with_an_invention(request) -> Text:
    """The good answer with an invented sentence between its two, four characters every
    50 ms (~3 s)."""
    passage = request.passage_with(SYRIA_ANCHOR)
    first, second = GOOD_SYRIA.format(n=passage).split("]. ")
    text = f"{first}]. {INVENTED.format(n=passage)} {second}"
    return Text(text, piece_chars=4, delay=0.05)


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM(slow_with_an_invention) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def llm_timeout() -> float:
    return 15.0


@pytest.fixture
def settings(settings: AppSettings, llm: ScriptedLLM, llm_timeout: float) -> AppSettings:
    """The bot's settings with an [llm] section naming the scripted model."""
    section = LLMSettings(base_url=llm.base_url, model="scripted", timeout_seconds=llm_timeout)
    return settings.model_copy(update={"llm": section})


@pytest.fixture
def knowledge_base(settings: AppSettings, embedder: Embedder, built_index: Path) -> KnowledgeBase:
    """The knowledge base of the fixtures, with the scripted model writing answers."""
    shutil.copytree(built_index, settings.index.data_dir, dirs_exist_ok=True)
    knowledge_base = KnowledgeBase(settings, embedder, OpenAIChat(settings.llm))
    knowledge_base.searcher()
    return knowledge_base


def shown_bodies(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    """Every message body the bot sent or edited into ``channel_id`` (a thread) or into
    an interaction's response there, in order."""
    path = f"/channels/{channel_id}/messages"
    return [
        r.json
        for r in fake.requests
        if r.method in ("POST", "PATCH") and isinstance(r.json, dict)
        and (r.path.startswith(path) or "/webhooks/" in r.path)
    ]  # fmt: skip


def answer_requests(fake: FakeDiscord, message: Message) -> list[RecordedRequest]:
    """The bot's POST of ``message`` and its PATCHes, in order."""
    path = f"/channels/{message.channel_id}/messages"
    return [
        r
        for r in fake.requests
        if (r.method == "POST" and r.path == path and r.json.get("embeds"))
        or (r.method == "PATCH" and r.path == f"{path}/{message.id}")
    ]


def visible_sentences(body: dict[str, Any]) -> list[str]:
    """The answer sentences a body shows: the lead line and the quotes, without
    markers, links or markdown."""
    text = "\n".join(
        [body.get("content") or ""] + [e.get("description") or "" for e in body.get("embeds") or []]
    )
    found = []
    for line in text.splitlines():
        if not line.startswith(("**", "> ")) or line.startswith("**Sources"):
            continue
        line = re.sub(r"\[\[(\d+)\]\]\([^)]*\)|\[\d+\]", "", line).replace("**", "")
        found.append(unescape(line.removeprefix("> ").removesuffix(" …").strip()))
    return [s for s in found if s and s != SYRIA_QUESTION]


def unverified(bodies: list[dict[str, Any]], verified: list[str]) -> list[str]:
    """Sentences shown whose words are not all in one verified sentence (the extractive
    answer's, which cards cut to their clause that answers, or the model's checked ones)."""
    known = [set(re.findall(r"\w+", v.casefold())) for v in verified]
    return [
        s
        for b in bodies
        for s in visible_sentences(b)
        if not any(set(re.findall(r"\w+", s.casefold())) <= words for words in known)
    ]


def verified_sentences(knowledge_base: KnowledgeBase, final: Message) -> list[str]:
    extractive = knowledge_base.ask(SYRIA_QUESTION, as_of=ASKED, use_model=False)
    short = [extractive.short_answer.text] if extractive.short_answer else []  # from them
    shown = [s.text for s in extractive.sentences] + short + [extractive.lead or ""]
    return shown + visible_sentences({"embeds": final.embeds})


def assert_spaced(requests: list[RecordedRequest]) -> None:
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(requests)]
    assert gaps and min(gaps) >= MIN_GAP, gaps


async def test_a_mention_gets_the_extractive_answer_at_once_then_only_verified_model_text(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase, feedback
) -> None:
    general = fake_discord.channel.id
    asked = time.monotonic()
    sent = await fake_discord.send_message(
        general, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
    )

    answer = await fake_discord.wait_for_message(
        sent.id, lambda m: MODEL_NOTE in str(m.embeds), timeout=TIMEOUT
    )

    calls = answer_requests(fake_discord, answer)
    first = calls[0].json["embeds"][0]["description"]
    assert calls[0].at - asked < FIRST_ANSWER_SECONDS  # the extractive answer, at once
    assert first.startswith(SHORT_ANSWER)
    assert len(calls[0].json["components"][0]["components"]) == 3  # its votes and More
    writing = [c.json["embeds"][0]["description"] for c in calls[1:-1]]
    assert writing and all(w.endswith(WRITING_NOTE) for w in writing)
    assert writing[0].startswith("**Netanyahu, who met with Putin") and "[1]" in writing[0]
    bodies = shown_bodies(fake_discord, sent.id)
    assert INVENTION not in str(bodies)  # written, never shown
    assert unverified(bodies, verified_sentences(knowledge_base, answer)) == []
    assert description(answer) == WRITTEN_CARD
    assert answer.embeds[0]["title"] == SYRIA_QUESTION
    assert sources(answer) == ["[1] Running Iran Out of Syria — GZERO Media · undated"]
    assert [c.split(":")[-1] for c in answer.custom_ids[:2]] == ["up", "down"]
    assert_spaced(calls)  # at most about one edit a second, the final one included
    assert all(c.json["allowed_mentions"]["parse"] == [] for c in calls)
    assert_never_pings(fake_discord, answer)
    with sqlite3.connect(feedback.path) as db:
        modes = db.execute("SELECT mode FROM answers ORDER BY rowid").fetchall()
    assert modes == [("extractive",), ("llm",)]


def begins_with(short: str):
    """The good answer, slowly, after the answer line ``short`` citing the passages
    that name Putin and Netanyahu."""

    def script(request) -> Text:
        passage = request.passage_with(SYRIA_ANCHOR)
        putin = request.passage_with("Vladimir Putin warned")
        cited = "".join(f"[{n}]" for n in dict.fromkeys((putin, passage)))
        text = f"Answer: {short} {cited}\n{GOOD_SYRIA.format(n=passage)}"
        return Text(text, piece_chars=4, delay=0.03)

    return script


async def test_the_models_short_answer_leads_once_verified_and_an_invented_one_never_shows(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase, llm
) -> None:
    general = fake_discord.channel.id
    outcomes = []
    for short in ("Vladimir Putin and Benjamin Netanyahu", "Avigdor Lieberman"):
        llm.script = begins_with(short)
        sent = await fake_discord.send_message(
            general, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
        )
        answer = await fake_discord.wait_for_message(
            sent.id, lambda m: MODEL_NOTE in str(m.embeds), timeout=TIMEOUT
        )
        outcomes.append((sent, answer))

    (kept_at, kept), (invented_at, invented) = outcomes
    # Verified: bold above the passage's clauses that say it, the model's sentences quoted.
    assert description(kept).startswith(f"{SHORT_ANSWER}\nRussian President Vladimir Putin")
    assert "> Netanyahu, who met with Putin" in description(kept)
    # Invented: dropped unseen; the model's sentences do not name the articles' short
    # answer in full, so its first sentence leads, as with no answer line at all.
    assert INVENTION not in str(shown_bodies(fake_discord, invented_at.id))
    assert description(invented) == WRITTEN_CARD
    assert "Answer:" not in str(shown_bodies(fake_discord, kept_at.id))


@pytest.mark.parametrize("llm_timeout", [2.0])
async def test_a_hung_model_leaves_the_extractive_answer_shown_at_once_with_a_note(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM
) -> None:
    llm.script = lambda request: Hang()
    asked = time.monotonic()
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
    )

    shown = await fake_discord.wait_for_message(sent.id, lambda m: m.embeds, timeout=TIMEOUT)
    first_answer = time.monotonic() - asked
    answer = await fake_discord.wait_for_message(
        sent.id, lambda m: "took too long" in str(m.embeds), timeout=TIMEOUT
    )

    print(f"first visible answer with a hung model: {first_answer:.2f} s")
    assert first_answer < FIRST_ANSWER_SECONDS and shown.id == answer.id
    assert description(answer).startswith(SHORT_ANSWER)
    assert description(answer).endswith(
        "\n\n*Composed from the articles directly: the language model took too long.*"
    )
    assert len(answer.custom_ids) == 3 and len(answer.edits) == 1


@pytest.mark.parametrize(
    ("script", "note"),
    [
        (lambda request: Text("NO ANSWER"), "found no answer in them"),
        (lambda request: Status(500), "could not be used"),
        (lambda request: CutOff("Netanyahu wants Iranian forces out of " * 3, delay=0.1),
         "could not be used"),
        (lambda request: Text(INVENTED.format(n=request.passage_with(SYRIA_ANCHOR))),
         "could not be checked against them"),
    ],
    ids=["declines", "fails", "cut off", "invents"],
)  # fmt: skip
async def test_when_the_model_cannot_be_used_the_extractive_answer_stays_with_a_note(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM, knowledge_base, script, note
) -> None:
    llm.script = script
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
    )

    answer = await fake_discord.wait_for_message(
        sent.id, lambda m: note in str(m.embeds), timeout=TIMEOUT
    )

    bodies = shown_bodies(fake_discord, sent.id)
    assert unverified(bodies, verified_sentences(knowledge_base, answer)) == []
    assert "NO ANSWER" not in str(bodies) and "Lieberman" not in str(bodies)
    assert description(answer).startswith(SHORT_ANSWER)
    assert len(answer.custom_ids) == 3


async def test_a_follow_up_in_the_thread_passes_the_turn_it_continues_to_the_model(
    fake_discord: FakeDiscord, newsbot: NewsBot, llm: ScriptedLLM
) -> None:
    llm.script = good_syria
    owner = fake_discord.owner.id
    first = await fake_discord.send_message(
        fake_discord.channel.id, owner, SYRIA_QUESTION, mention_bot=True
    )
    await fake_discord.wait_for_message(
        first.id, lambda m: MODEL_NOTE in str(m.embeds), timeout=TIMEOUT
    )

    follow_up = await fake_discord.send_message(first.id, owner, "and what does Tehran say?")
    await fake_discord.wait_for(lambda: len(llm.requests) == 2, TIMEOUT, "the second request")

    earlier = [(m["role"], m["content"]) for m in llm.requests[1].messages[1:3]]
    assert earlier == [("user", SYRIA_QUESTION), ("assistant", WRITTEN.replace(" [1]", ""))]
    assert llm.requests[1].question == follow_up.content


async def test_slash_ask_answers_at_once_then_with_the_verified_model_answer(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": SYRIA_QUESTION})

    await record.wait_for(
        lambda r: r.original is not None and MODEL_NOTE in str(r.original.embeds), TIMEOUT
    )

    answer = record.original
    assert record.callback_types == [5] and record.followups == []
    edits = [e.body for e in record.events if e.kind == "edit"]
    assert edits[0]["embeds"][0]["description"].startswith(SHORT_ANSWER)
    assert INVENTION not in str(edits)
    assert description(answer) == WRITTEN_CARD and len(answer.custom_ids) == 3
    patches = [r for r in fake_discord.requests if r.method == "PATCH"]
    assert_spaced(patches)
    assert_never_pings(fake_discord, answer)


async def test_where_the_bot_may_not_embed_the_answer_is_plain_text_then_the_models(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    for role in fake_discord.guilds[fake_discord.guild.id].roles.values():
        role.permissions &= ~EMBED_LINKS
    async with start_bot():
        sent = await fake_discord.send_message(
            fake_discord.channel.id, fake_discord.owner.id, SYRIA_QUESTION, mention_bot=True
        )
        answer = await fake_discord.wait_for_message(
            sent.id, lambda m: MODEL_NOTE in m.content, timeout=TIMEOUT
        )

    assert answer.edits and answer.embeds == []
    assert answer.content.startswith(f"**{SYRIA_QUESTION}**\n{WRITTEN_TEXT}")
    assert "[1] Running Iran Out of Syria" in answer.content and INVENTION not in str(answer.edits)
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
