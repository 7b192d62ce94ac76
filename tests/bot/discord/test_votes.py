"""Vote buttons under answers: recorded in the feedback store, one vote per member, the
counts on the answer's buttons and the member's own vote shown to them privately."""

from __future__ import annotations

import sqlite3

import pytest

from bot.discord import cards
from bot.discord.client import NewsBot
from bot.settings import AppSettings
from tests.bot.discord.helpers import QUESTION, SEED_TITLE, TIMEOUT
from tests.fakediscord import FakeDiscord, Message
from tests.fakediscord.model import iter_components

pytestmark = [pytest.mark.asyncio, pytest.mark.model]

UP, DOWN = "\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}"
SUCCESS, DANGER, SECONDARY = 3, 4, 2


def buttons(message: Message) -> list[tuple[str, str | None, int, bool]]:
    """(emoji, label, style, disabled) of each vote button."""
    return [
        (c["emoji"]["name"], c.get("label"), c["style"], bool(c.get("disabled")))
        for c in iter_components(message.components)
        if ":vote:" in c.get("custom_id", "")
    ]


async def test_votes_are_counted_on_the_buttons_and_shown_to_the_voter_highlighted(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)
    up, down, _more = answer.custom_ids

    mine = await fake_discord.click_button(answer.id, up)
    await mine.wait_for(lambda r: r.followups, TIMEOUT)
    hers = await fake_discord.click_button(answer.id, down, user_id=alice.id)
    await hers.wait_for(lambda r: r.followups, TIMEOUT)

    assert mine.callback_types == [7] and hers.callback_types == [7]  # counts updated in place
    assert buttons(answer) == [(UP, "1", SECONDARY, False), (DOWN, "1", SECONDARY, False)]
    [own] = mine.followups
    assert own.ephemeral and own.content == cards.vote_text(UP)
    assert buttons(own) == [(UP, "1", SUCCESS, True), (DOWN, None, SECONDARY, False)]
    assert buttons(hers.followups[0])[1] == (DOWN, "1", DANGER, True)
    with sqlite3.connect(settings.index.data_dir / "feedback.sqlite") as db:
        votes = db.execute("SELECT user_id, value FROM votes ORDER BY value").fetchall()
        [(question, sources)] = db.execute("SELECT question, sources FROM answers").fetchall()
    assert votes == [(str(alice.id), -1), (str(fake_discord.owner.id), 1)]
    assert question == QUESTION and SEED_TITLE in sources


async def test_a_changed_vote_replaces_the_earlier_one_and_says_so(
    fake_discord: FakeDiscord, newsbot: NewsBot, settings: AppSettings
) -> None:
    record = await fake_discord.invoke_slash("ask", {"question": QUESTION})
    answer = await record.wait_for_response(TIMEOUT)
    up, down, _more = answer.custom_ids
    first = await fake_discord.click_button(answer.id, up)
    await first.wait_for(lambda r: r.followups, TIMEOUT)
    [own] = first.followups

    change = await fake_discord.click_button(own.id, down)  # on the member's own view
    await change.wait_for(lambda r: r.callbacks, TIMEOUT)

    assert change.callback_types == [7]
    assert own.content == cards.vote_text(DOWN) and "replaces any earlier one" in own.content
    assert buttons(own) == [(UP, None, SECONDARY, False), (DOWN, "1", DANGER, True)]
    with sqlite3.connect(settings.index.data_dir / "feedback.sqlite") as db:
        assert db.execute("SELECT value FROM votes").fetchall() == [(-1,)]
