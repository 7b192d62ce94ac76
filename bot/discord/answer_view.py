"""The buttons under an answer: 👍/👎 (``bot.discord.votes``), "More" (the whole answer,
for the member who asks, privately) and "Open article" (a link to the top source).

"More" reads the answer from ``RecentAnswers``, kept in memory: after a restart the
button says so instead of showing something else.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from typing import Any

import discord

from bot.discord import answer_cards, cards
from bot.discord.embeds import NO_PINGS
from bot.discord.services import BotServices
from bot.discord.votes import vote_buttons
from bot.render import NO_ANSWER, article_json
from index.records import Answer

RECENT_ANSWERS = 1000  # answers whose "More" still works; older ones say they expired


class RecentAnswers:
    """The latest answers by id, oldest forgotten first."""

    def __init__(self, size: int = RECENT_ANSWERS) -> None:
        self._size = size
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def keep(self, answer_id: str, answer: Answer) -> None:
        self._answers[answer_id] = answer
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def get(self, answer_id: str) -> Answer | None:
        return self._answers.get(answer_id)


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
        answer = bot.recent_answers.get(self.answer_id)
        texts = answer_cards.full_answer_texts(answer) if answer else [cards.MORE_EXPIRED]
        first, *others = texts
        await interaction.response.send_message(first, ephemeral=True, allowed_mentions=NO_PINGS)
        for text in others:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def answer_view(bot: BotServices, answer: Answer) -> discord.ui.View:
    """Keep ``answer`` as shown (in the feedback store, and in memory for "More"); the
    buttons under it."""
    text = answer.text if answer.answered else NO_ANSWER
    sources = [{"number": c.number, **article_json(c.article)} for c in answer.citations]
    record = bot.feedback.record_answer
    answer_id = await asyncio.to_thread(record, answer.question, text, sources, answer.mode)
    bot.recent_answers.keep(answer_id, answer)
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
