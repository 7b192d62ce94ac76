"""👍/👎 under each answer, recorded in the feedback store with the answer they rate.

The buttons carry the answer id in their custom_id and are handled by a ``DynamicItem``
registered at start-up, so a click works on answers sent before the bot restarted. Their
labels count the votes; the member who votes is shown privately which one is theirs.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord

from bot.discord import cards
from bot.discord.embeds import NO_PINGS
from bot.discord.services import BotServices
from index.store.feedback import VoteCounts

_VOTES = {"up": ("\N{THUMBS UP SIGN}", 1), "down": ("\N{THUMBS DOWN SIGN}", -1)}
_CHOSEN = {"up": discord.ButtonStyle.success, "down": discord.ButtonStyle.danger}


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
        """Record the vote (replacing the member's earlier one), update the counts on the
        answer's buttons, and show the member privately the vote that is theirs."""
        bot: BotServices = interaction.client
        _, value = _VOTES[self.vote]
        try:
            user = str(interaction.user.id)
            recorded = await asyncio.to_thread(bot.feedback.vote, self.answer_id, user, value)
            counts = await asyncio.to_thread(bot.feedback.counts, self.answer_id)
        except Exception as error:
            text = bot.explain(error, f"recording a vote on answer {self.answer_id}")
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if not recorded:
            await interaction.response.send_message(
                cards.VOTE_UNKNOWN, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        text = cards.vote_text(_VOTES[self.vote][0])
        own = chosen_view(self.answer_id, self.vote, counts)
        message = interaction.message
        if message is None or message.flags.ephemeral:  # changed on the member's own view
            await interaction.response.edit_message(content=text, view=own)
            return
        await interaction.response.edit_message(view=counted(message, counts))
        await interaction.followup.send(text, view=own, ephemeral=True, allowed_mentions=NO_PINGS)


def vote_buttons(answer_id: str) -> list[VoteButton]:
    return [VoteButton(answer_id, vote) for vote in _VOTES]


def counted(message: discord.Message, counts: VoteCounts) -> discord.ui.View:
    """The message's buttons as they are, the vote buttons labelled with their counts."""
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if isinstance(item, discord.ui.Button) and item.custom_id:
            if item.custom_id.endswith(":up"):
                item.label = _count(counts.up)
            elif item.custom_id.endswith(":down"):
                item.label = _count(counts.down)
    return view


def chosen_view(answer_id: str, vote: str, counts: VoteCounts) -> discord.ui.View:
    """The vote buttons as the member's own: theirs highlighted, both counted; clicking
    the other one changes the vote."""
    view = discord.ui.View(timeout=None)
    for kind, count in (("up", counts.up), ("down", counts.down)):
        button = VoteButton(answer_id, kind)
        button.item.label = _count(count)
        if kind == vote:
            button.item.style = _CHOSEN[kind]
            button.item.disabled = True
        view.add_item(button)
    return view


def _count(count: int) -> str | None:
    return str(count) if count else None
