"""👍/👎 under each answer, recorded in the feedback store with the answer they rate.

The buttons carry the answer id in their custom_id and are handled by a ``DynamicItem``
registered at start-up, so a click works on answers sent before the bot restarted.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord

from bot.discord import cards
from bot.discord.embeds import NO_PINGS
from bot.discord.services import BotServices

_VOTES = {"up": ("\N{THUMBS UP SIGN}", 1), "down": ("\N{THUMBS DOWN SIGN}", -1)}


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"newsbot:vote:(?P<answer>[0-9a-f]{32}):(?P<vote>up|down)"),
):
    def __init__(self, answer_id: str, vote: str) -> None:
        emoji, _ = _VOTES[vote]
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji=emoji,
                custom_id=f"newsbot:vote:{answer_id}:{vote}",
            )
        )
        self.answer_id = answer_id
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(match["answer"], match["vote"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: BotServices = interaction.client
        _, value = _VOTES[self.vote]
        try:
            user = str(interaction.user.id)
            recorded = await asyncio.to_thread(bot.feedback.vote, self.answer_id, user, value)
            text = cards.VOTE_THANKS if recorded else cards.VOTE_UNKNOWN
        except Exception as error:
            text = bot.explain(error, f"recording a vote on answer {self.answer_id}")
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def vote_buttons(answer_id: str) -> list[VoteButton]:
    return [VoteButton(answer_id, vote) for vote in _VOTES]
