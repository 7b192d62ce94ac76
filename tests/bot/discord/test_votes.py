"""Vote buttons under answers: recorded in the feedback store, one vote per member, the
counts on the answer's buttons and the member's own vote shown to them privately; 👎
opens a "what was wrong?" form whose words are kept with the vote."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from bot.discord import cards
from bot.discord.client import NewsBot
from bot.settings import AppSettings
from index.store.feedback import Voted
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import QUESTION, SEED_TITLE, TIMEOUT
from tests.fakediscord import FakeDiscord, InteractionRecord, Message
from tests.fakediscord.model import iter_components

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

UP, DOWN = "\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}"
SUCCESS, DANGER, SECONDARY = 3, 4, 2
MODAL, UPDATE_MESSAGE = 9, 7


def buttons(message: Message) -> list[tuple[str, str | None, int, bool]]:
    """(emoji, label, style, disabled) of each vote button."""
    return [
        (c["emoji"]["name"], c.get("label"), c["style"], bool(c.get("disabled")))
        for c in iter_components(message.components)
        if ":vote:" in c.get("custom_id", "")
    ]


def text_input(opened: InteractionRecord) -> dict[str, Any]:
    """The one text input of the form the bot opened."""
    [modal] = [c.data for c in opened.callbacks if c.type == MODAL]
    [field] = [c for c in iter_components(modal["components"]) if c["type"] == 4]
    return field


def votes(settings: AppSettings) -> list[tuple[str, int, str | None]]:
    with sqlite3.connect(settings.index.data_dir / "feedback.sqlite") as db:
        return db.execute("SELECT user_id, value, reason FROM votes ORDER BY user_id").fetchall()


async def ask(fake: FakeDiscord) -> Message:
    record = await fake.invoke_slash("ask", {"question": QUESTION})
    return await record.wait_for_response(TIMEOUT)


async def until_buttons(fake: FakeDiscord, message: Message, expected: list[Any]) -> None:
    await fake.wait_for(lambda: buttons(message) == expected, TIMEOUT)


async def ask_and_vote_up(fake_discord: FakeDiscord) -> tuple[Message, InteractionRecord]:
    """The seed question's answer, and the owner's 👍 on it once its note has arrived."""
    answer = await ask(fake_discord)
    up, _down, _more = answer.custom_ids
    first = await fake_discord.click_button(answer.id, up)
    await first.wait_for(lambda r: r.followups, TIMEOUT)
    return answer, first


async def test_votes_are_counted_on_the_buttons_and_shown_to_the_voter_highlighted(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    answer = await ask(fake_discord)
    up, _down, _more = answer.custom_ids

    mine = await fake_discord.click_button(answer.id, up)
    await mine.wait_for(lambda r: r.followups, TIMEOUT)
    hers = await fake_discord.click_button(answer.id, up, user_id=alice.id)
    await hers.wait_for(lambda r: r.followups, TIMEOUT)

    assert mine.callback_types == [UPDATE_MESSAGE] == hers.callback_types  # counts in place
    assert buttons(answer) == [(UP, "2", SECONDARY, False), (DOWN, None, SECONDARY, False)]
    [own] = mine.followups
    assert own.ephemeral and own.content == cards.vote_text(UP, Voted.NEW)
    assert buttons(own) == [(UP, "1", SUCCESS, True), (DOWN, None, SECONDARY, False)]
    assert buttons(hers.followups[0])[0] == (UP, "2", SUCCESS, True)
    with sqlite3.connect(settings.index.data_dir / "feedback.sqlite") as db:
        [(question, sources)] = db.execute("SELECT question, sources FROM answers").fetchall()
    assert votes(settings) == sorted(
        [(str(alice.id), 1, None), (str(fake_discord.owner.id), 1, None)]
    )
    assert question == QUESTION and SEED_TITLE in sources


async def test_thumbs_down_opens_a_form_and_keeps_what_was_wrong_with_the_vote(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    answer = await ask(fake_discord)
    _up, down, _more = answer.custom_ids
    owner = str(fake_discord.owner.id)

    opened = await fake_discord.click_button(answer.id, down)
    await opened.wait_for(lambda r: r.callbacks, TIMEOUT)
    await until_buttons(
        fake_discord, answer, [(UP, None, SECONDARY, False), (DOWN, "1", SECONDARY, False)]
    )
    assert opened.callback_types == [MODAL]
    assert opened.callbacks[0].data["title"] == cards.REASON_TITLE
    field = text_input(opened)
    assert field["style"] == 2 and not field["required"]  # a paragraph, optional
    assert votes(settings) == [(owner, -1, None)]  # counted before the form is sent

    sent = await fake_discord.submit_modal(
        opened, {field["custom_id"]: "It leaves out what Russia said."}
    )
    thanks = await sent.wait_for_response(TIMEOUT)

    assert sent.ephemeral and thanks.ephemeral
    assert thanks.content == f"{cards.vote_text(DOWN, Voted.NEW)}\n{cards.REASON_NOTED}"
    assert buttons(thanks) == [(UP, None, SECONDARY, False), (DOWN, "1", DANGER, True)]
    assert votes(settings) == [(owner, -1, "It leaves out what Russia said.")]


async def test_a_dismissed_form_leaves_the_thumbs_down_counted(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    answer = await ask(fake_discord)
    up, down, _more = answer.custom_ids

    opened = await fake_discord.click_button(answer.id, down, user_id=alice.id)
    await opened.wait_for(lambda r: r.callbacks, TIMEOUT)  # and never sent
    mine = await fake_discord.click_button(answer.id, up)
    await mine.wait_for(lambda r: r.followups, TIMEOUT)

    assert opened.callback_types == [MODAL]
    assert buttons(answer) == [(UP, "1", SECONDARY, False), (DOWN, "1", SECONDARY, False)]
    assert votes(settings) == sorted(
        [(str(alice.id), -1, None), (str(fake_discord.owner.id), 1, None)]
    )


async def test_a_changed_vote_says_so_and_updates_the_public_counts(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    answer, first = await ask_and_vote_up(fake_discord)
    [own] = first.followups
    _, own_down = own.custom_ids

    opened = await fake_discord.click_button(own.id, own_down)  # on the member's own buttons
    await opened.wait_for(lambda r: r.callbacks, TIMEOUT)
    await until_buttons(
        fake_discord, answer, [(UP, None, SECONDARY, False), (DOWN, "1", SECONDARY, False)]
    )
    sent = await fake_discord.submit_modal(opened)  # nothing written in the form
    await sent.wait_for(lambda r: r.callbacks, TIMEOUT)

    assert opened.callback_types == [MODAL] and sent.callback_types == [UPDATE_MESSAGE]
    assert own.content == cards.vote_text(DOWN, Voted.CHANGED) == f"Changed your vote to {DOWN}."
    assert buttons(own) == [(UP, None, SECONDARY, False), (DOWN, "1", DANGER, True)]
    assert votes(settings) == [(str(fake_discord.owner.id), -1, None)]

    own_up, _ = own.custom_ids
    back = await fake_discord.click_button(own.id, own_up)
    await back.wait_for(lambda r: r.callbacks, TIMEOUT)
    await until_buttons(
        fake_discord, answer, [(UP, "1", SECONDARY, False), (DOWN, None, SECONDARY, False)]
    )
    assert back.callback_types == [UPDATE_MESSAGE]
    assert own.content == f"Changed your vote to {UP}."
    assert buttons(own) == [(UP, "1", SUCCESS, True), (DOWN, None, SECONDARY, False)]


async def test_the_same_vote_again_changes_nothing_and_says_so(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    answer, first = await ask_and_vote_up(fake_discord)

    again = await fake_discord.click_button(answer.id, answer.custom_ids[0])
    await again.wait_for(lambda r: r.followups, TIMEOUT)

    [first_note], [second_note] = first.followups, again.followups
    assert first_note.content == f"Thanks, vote recorded: {UP}."
    assert second_note.content == f"You had already voted {UP}; nothing changed."
    assert buttons(answer)[0] == (UP, "1", SECONDARY, False)
    assert votes(settings) == [(str(fake_discord.owner.id), 1, None)]


async def test_more_votes_and_a_form_opened_before_a_restart_work_after_it(
    fake_discord: FakeDiscord, start_bot: StartBot, settings: AppSettings
) -> None:
    async with start_bot():
        answer = await ask(fake_discord)
        _up, down, more = answer.custom_ids
        opened = await fake_discord.click_button(answer.id, down)
        await opened.wait_for(lambda r: r.callbacks, TIMEOUT)

    async with start_bot():  # a new bot: nothing of the answer or the form in memory
        sent = await fake_discord.submit_modal(opened, {text_input(opened)["custom_id"]: "Old."})
        thanks = await sent.wait_for_response(TIMEOUT)
        shown = await fake_discord.click_button(answer.id, more)
        full = await shown.wait_for_response(TIMEOUT)

    assert thanks.content == f"{cards.vote_text(DOWN, Voted.NEW)}\n{cards.REASON_NOTED}"
    assert votes(settings) == [(str(fake_discord.owner.id), -1, "Old.")]
    assert shown.ephemeral and full.content.startswith(f"**{QUESTION}**\n> ")
    assert "Netanyahu" in full.content and f"[1] {SEED_TITLE}" in full.content
