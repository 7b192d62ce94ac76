"""The real bot, over real HTTP and websockets on loopback, against the fake Discord and
the real knowledge base of the fixture collection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.discord import answer_cards, cards
from bot.discord.client import NewsBot
from bot.discord.markdown import unescape
from index.errors import IndexNotFoundError
from index.knowledge_base import KnowledgeBase
from index.records import Turn
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import (
    QUESTION,
    SEED_TITLE,
    TIMEOUT,
    assert_answers_the_seed_question,
    assert_never_pings,
    description,
    link_buttons,
    sources,
    votes_and_more,
)
from tests.conftest import ASKED
from tests.fakediscord import Channel, FakeDiscord
from tests.fakediscord.model import EMBED_LINKS

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


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
    assert votes_and_more(answer) == ["up", "down", "more"]
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

    today = datetime.fromisoformat(follow_up.timestamp).date()
    first_answer = knowledge_base.ask(QUESTION, as_of=today)
    with_context = knowledge_base.ask(
        "and what does Tehran say?",
        conversation=[Turn(QUESTION, first_answer.text)],
        as_of=today,
    )
    alone = knowledge_base.ask("and what does Tehran say?", as_of=today)
    assert with_context.text != alone.text  # the test would prove nothing otherwise
    assert description(answer) == answer_cards.answer_card(with_context).description
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
    assert answer.content.startswith(
        f"**{QUESTION}**\nVladimir Putin and Benjamin Netanyahu [1]\nRussian President"
    )
    assert f"[1] {SEED_TITLE} — GZERO Media · undated" in answer.content
    assert votes_and_more(answer) == ["up", "down", "more"]


TRAM_QUESTION = "When did the Eastholm tram Line 4 open?"
TRAM_TITLE = "Eastholm opens Line 4 tram to the university after three years of works"


async def test_a_message_is_answered_as_of_the_day_it_was_sent(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    general = fake_discord.channel.id
    today = await fake_discord.send_message(
        general, fake_discord.owner.id, TRAM_QUESTION, mention_bot=True
    )
    current = await fake_discord.wait_for_message(today.id, timeout=TIMEOUT)
    assert TRAM_TITLE in sources(current)[0]

    # The tram article is dated 2024-05-20: in February it did not exist yet.
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")  # no cooldown
    fake_discord.travel_to(datetime(2024, 2, 1, 12, tzinfo=UTC))
    in_february = await fake_discord.send_message(
        general, alice.id, TRAM_QUESTION, mention_bot=True
    )
    earlier = await fake_discord.wait_for_message(in_february.id, timeout=TIMEOUT)
    assert TRAM_TITLE not in str(earlier.embeds[0])


async def test_the_seed_answer_fits_a_phone_and_more_shows_it_in_full(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase
) -> None:
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, QUESTION, mention_bot=True
    )
    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    lines = description(answer).splitlines()
    # The short answer in bold, names both actors; then the sentences that say it.
    assert lines[0] == "**Vladimir Putin and Benjamin Netanyahu** [1]"
    assert lines[1].startswith("Russian President Vladimir Putin warned")
    assert "Israeli Prime Minister Benjamin Netanyahu" in lines[1] and len(lines[1]) <= 480
    assert lines[2] == "" and all(line.startswith("> ") for line in lines[3:])
    assert len(lines) <= 6 and all(len(line) <= 130 for line in lines[3:])
    assert link_buttons(answer) == []  # the seed article has no link
    more = await fake_discord.click_button(answer.id, answer.custom_ids[2])
    [full] = [await more.wait_for_response(TIMEOUT)]
    assert more.ephemeral
    seed = knowledge_base.ask(QUESTION, as_of=ASKED)
    assert all(s.text in unescape(full.content) for s in seed.sentences)


async def test_a_question_the_articles_do_not_answer_gets_no_bold_claim(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    sent = await fake_discord.send_message(
        fake_discord.channel.id,
        fake_discord.owner.id,
        "Which country did Putin visit to discuss the Hizbullah ceasefire?",
        mention_bot=True,
    )
    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    lines = description(answer).splitlines()
    assert not any(line.startswith("**") for line in lines)  # no claim in bold
    assert lines[0] == f"*{answer_cards.NOT_DIRECTLY}*"
    assert lines[1] == "" and lines[2].startswith("> ")  # the closest coverage, quoted


async def test_a_long_question_titles_thread_and_card_with_its_question_sentence(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    question = (
        "I read about the war in Syria last week and I am confused about all the players. "
        "Russia backs Assad, and so does Iran, but Israel keeps striking targets there. "
        "So who actually wants Iran out of Syria?"
    )
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, question, mention_bot=True
    )
    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    thread = fake_discord.guilds[fake_discord.guild.id].channels[sent.id]
    assert thread.name == answer.embeds[0]["title"] == "So who actually wants Iran out of Syria?"


async def test_thanks_and_greetings_by_mention_get_a_reaction_or_a_hint_never_a_thread(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    general, owner = fake_discord.channel.id, fake_discord.owner.id
    thanks = await fake_discord.send_message(general, owner, "thanks!", mention_bot=True)
    hello = await fake_discord.send_message(general, owner, "hi", mention_bot=True)

    hint = await fake_discord.wait_for_message(general, timeout=TIMEOUT)
    await fake_discord.wait_for(lambda: thanks.reactions, TIMEOUT, "a reaction to thanks")

    channels = fake_discord.guilds[fake_discord.guild.id].channels
    assert thanks.id not in channels and hello.id not in channels
    assert thanks.reactions == [cards.THANKS_REACTION]
    assert int(hint.message_reference["message_id"]) == hello.id
    assert hint.content == cards.NOT_A_QUESTION and hint.components == []
    assert [m.id for m in fake_discord.bot_messages(general)] == [hint.id]


async def test_in_an_ask_channel_what_and_syria_are_told_apart_by_one_rule(
    fake_discord: FakeDiscord, newsbot: NewsBot, ask_channel: Channel
) -> None:
    owner = fake_discord.owner.id
    what = await fake_discord.send_message(ask_channel.id, owner, "what?")
    syria = await fake_discord.send_message(ask_channel.id, owner, "Syria?")

    answer = await fake_discord.wait_for_message(syria.id, timeout=TIMEOUT)

    assert what.id not in fake_discord.guilds[fake_discord.guild.id].channels
    assert answer.embeds and fake_discord.bot_messages(ask_channel.id) == []


async def test_a_thread_name_is_plain_text_and_a_spoilered_question_stays_hidden(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    raw = "@everyone <@&123> ```py\nprint(1)``` **who** wants ||Iran out of Syria?||"
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, raw, mention_bot=True
    )
    answer = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)

    name = fake_discord.guilds[fake_discord.guild.id].channels[sent.id].name
    assert name == "everyone a role who wants (spoiler)"
    assert answer.embeds[0]["title"] == name
    assert "Iran" not in name and "Iran" not in answer.embeds[0]["title"]
    assert_never_pings(fake_discord, answer)


async def test_thanks_lol_in_an_ask_channel_gets_no_thread_answer_or_buttons(
    fake_discord: FakeDiscord, newsbot: NewsBot, ask_channel: Channel
) -> None:
    owner = fake_discord.owner.id
    thanks = await fake_discord.send_message(ask_channel.id, owner, "thanks! lol")
    asked = await fake_discord.send_message(ask_channel.id, owner, QUESTION)
    await fake_discord.wait_for_message(asked.id, timeout=TIMEOUT)

    channels = fake_discord.guilds[fake_discord.guild.id].channels
    assert thanks.id not in channels and thanks.reactions == []
    assert fake_discord.bot_messages(ask_channel.id) == []


async def test_a_thread_is_one_conversation_every_members_follow_up_continues_it(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    bob = await fake_discord.add_member(fake_discord.guild.id, "bob")
    first = await fake_discord.send_message(
        fake_discord.channel.id, alice.id, QUESTION, mention_bot=True
    )
    await fake_discord.wait_for_message(first.id, timeout=TIMEOUT)
    hers = await fake_discord.send_message(first.id, alice.id, "and what does Tehran say?")
    to_her = await fake_discord.wait_for_message(first.id, after=hers.id, timeout=TIMEOUT)

    his = await fake_discord.send_message(first.id, bob.id, "and what does Tehran say?")
    to_him = await fake_discord.wait_for_message(first.id, after=his.id, timeout=TIMEOUT)

    # The same thread, the same context: his follow-up is on Syria too.
    assert SEED_TITLE in sources(to_her)[0] and SEED_TITLE in sources(to_him)[0]
    assert "Tehran" in description(to_him)


async def test_a_follow_up_continues_the_turn_it_fits_best_not_merely_the_last(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase
) -> None:
    owner = fake_discord.owner.id
    first = await fake_discord.send_message(
        fake_discord.channel.id, owner, QUESTION, mention_bot=True
    )
    await fake_discord.wait_for_message(first.id, timeout=TIMEOUT)
    tram = await fake_discord.send_message(first.id, owner, TRAM_QUESTION)
    await fake_discord.wait_for_message(first.id, after=tram.id, timeout=TIMEOUT)

    moscow = await fake_discord.send_message(first.id, owner, "and what does Moscow want?")
    answer = await fake_discord.wait_for_message(first.id, after=moscow.id, timeout=TIMEOUT)

    after_the_tram = knowledge_base.ask(" ".join([TRAM_QUESTION, moscow.content]), as_of=ASKED)
    assert TRAM_TITLE not in str(sources(answer)) and SEED_TITLE in sources(answer)[0]
    assert SEED_TITLE not in after_the_tram.citations[0].article.title  # the test proves it


async def test_outside_threads_a_follow_up_continues_the_members_own_turns(
    fake_discord: FakeDiscord, start_bot: StartBot
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    bob = await fake_discord.add_member(fake_discord.guild.id, "bob")
    general = fake_discord.channel.id
    async with start_bot(answer_in_threads=False):
        first = await fake_discord.send_message(general, alice.id, QUESTION, mention_bot=True)
        await fake_discord.wait_for_message(general, after=first.id, timeout=TIMEOUT)
        hers = await fake_discord.send_message(
            general, alice.id, "and what does Moscow want?", mention_bot=True
        )
        to_her = await fake_discord.wait_for_message(general, after=hers.id, timeout=TIMEOUT)
        his = await fake_discord.send_message(
            general, bob.id, "and what does Moscow want?", mention_bot=True
        )
        to_him = await fake_discord.wait_for_message(general, after=his.id, timeout=TIMEOUT)

    assert SEED_TITLE in sources(to_her)[0]
    assert description(to_him) != description(to_her)  # bob has no Syria turn of his own


async def test_a_question_that_stands_on_its_own_in_a_thread_is_not_mixed_with_earlier_ones(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase
) -> None:
    owner = fake_discord.owner.id
    first = await fake_discord.send_message(
        fake_discord.channel.id, owner, QUESTION, mention_bot=True
    )
    await fake_discord.wait_for_message(first.id, timeout=TIMEOUT)

    new_topic = await fake_discord.send_message(first.id, owner, TRAM_QUESTION)
    answer = await fake_discord.wait_for_message(first.id, after=new_topic.id, timeout=TIMEOUT)

    alone = knowledge_base.ask(TRAM_QUESTION, as_of=ASKED)
    mixed = knowledge_base.ask(" ".join([QUESTION, TRAM_QUESTION]), as_of=ASKED)
    assert alone.text != mixed.text
    assert description(answer) == answer_cards.answer_card(alone).description
    assert "Syria" not in description(answer)


async def test_a_question_over_the_limit_is_told_the_limit_in_characters(
    fake_discord: FakeDiscord, newsbot: NewsBot
) -> None:
    question = "why " * 600 + "?"
    sent = await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, question, mention_bot=True
    )
    reply = await fake_discord.wait_for_message(fake_discord.channel.id, timeout=TIMEOUT)

    assert int(reply.message_reference["message_id"]) == sent.id
    assert reply.content == cards.too_long_text(2401, 2000)


async def test_without_an_index_a_question_is_told_the_bot_is_still_preparing(
    fake_discord: FakeDiscord, newsbot: NewsBot, knowledge_base: KnowledgeBase, monkeypatch
) -> None:
    def no_index(*args: object, **kwargs: object) -> None:
        raise IndexNotFoundError("no index in /srv/newsbot/data: run 'newsbot reindex' first")

    monkeypatch.setattr(knowledge_base, "ask", no_index)
    await fake_discord.send_message(
        fake_discord.channel.id, fake_discord.owner.id, QUESTION, mention_bot=True
    )
    reply = await fake_discord.wait_for_message(fake_discord.channel.id, timeout=TIMEOUT)

    assert reply.content == cards.PREPARING
    assert reply.components == [] and reply.embeds == []
