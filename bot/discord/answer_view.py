"""The buttons under an answer: 👍/👎 (``bot.discord.votes``), "More" (the whole answer,
for the member who asks, privately) and "Open article" (a link to the top source).

"More" reads the answer from the feedback store, where ``answer_view`` kept it, so it
works after a restart too, as the votes do. "Post to channel" (under a private result)
posts what the feedback store keeps under its id for everyone to see.
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Any

import discord

from bot.discord import answer_cards, cards
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.services import BotServices
from bot.discord.votes import vote_buttons
from bot.render import NO_ANSWER, article_json
from index.records import Answer


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"newsbot:more:(?P<answer>[0-9a-f]{32})"),
):
    def __init__(self, answer_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label="More",
                custom_id=f"newsbot:more:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MoreButton:
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: BotServices = interaction.client
        answer = await asyncio.to_thread(bot.feedback.shown_answer, self.answer_id)
        texts = answer_cards.full_answer_texts(answer) if answer else [cards.MORE_UNKNOWN]
        first, *others = texts
        await interaction.response.send_message(first, ephemeral=True, allowed_mentions=NO_PINGS)
        for text in others:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def answer_view(bot: BotServices, answer: Answer) -> discord.ui.View:
    """Keep ``answer`` as shown (in the feedback store: the votes and "More" read it
    there); the buttons under it."""
    text = answer.text if answer.answered else NO_ANSWER
    sources = [{"number": c.number, **article_json(c.article)} for c in answer.citations]
    record = functools.partial(
        bot.feedback.record_answer, sentences=answer.sentences, mode=answer.mode
    )
    answer_id = await asyncio.to_thread(record, answer.question, text, sources)
    view = discord.ui.View(timeout=None)
    for button in vote_buttons(answer_id):
        view.add_item(button)
    if answer.answered:
        view.add_item(MoreButton(answer_id))
    if url := answer_cards.top_source_url(answer):
        view.add_item(
            discord.ui.Button(style=discord.ButtonStyle.link, label="Open article", url=url)
        )
    return view


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"newsbot:share:(?P<shared>[0-9a-f]{32})"),
):
    """Under a private result: posts it to the channel, for everyone, once."""

    def __init__(self, shared_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label="Post to channel",
                custom_id=f"newsbot:share:{shared_id}",
            )
        )
        self.shared_id = shared_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ShareButton:
        return cls(match["shared"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: BotServices = interaction.client
        payload = await asyncio.to_thread(bot.feedback.shared, self.shared_id)
        if payload is None:
            await interaction.response.send_message(
                cards.SHARE_UNKNOWN, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        card = cards.Card.from_json(payload)
        posted = cards.shared_by(card, interaction.user.display_name)
        # The private message says it was posted; the channel gets the card.
        await interaction.response.edit_message(content=cards.SHARED, view=None)
        await interaction.followup.send(embed=to_embed(posted), allowed_mentions=NO_PINGS)


async def share_view(bot: BotServices, card: cards.Card) -> discord.ui.View:
    """A "Post to channel" button for a private ``card`` (kept in the feedback store)."""
    shared_id = await asyncio.to_thread(bot.feedback.keep_shared, card.to_json())
    view = discord.ui.View(timeout=None)
    view.add_item(ShareButton(shared_id))
    return view
