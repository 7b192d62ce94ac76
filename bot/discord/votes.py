"""👍/👎 under each answer, recorded in the feedback store with the answer they rate.

The buttons carry the answer id in their custom_id and are handled by a ``DynamicItem``
registered at start-up, so a click works on answers sent before the bot restarted. Their
labels count the votes. The member who votes is shown privately which one is theirs, on
buttons that also carry the public answer's message id: a change made there updates
the public counts too.

👎 opens a short form, "what was wrong?". The vote counts from the click, so a form the
member dismisses loses nothing; a form sent adds its words to the vote. The form carries
the answer and the public message in its custom_id and is handled by ``on_reason``, a
listener, not by the object that opened it: a form sent after a restart is understood.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import discord

from bot.discord import cards
from bot.discord.embeds import NO_PINGS
from bot.discord.services import BotServices
from index.store.feedback import REASON_LIMIT, VoteCounts, Voted

log = logging.getLogger(__name__)

_VOTES = {"up": ("\N{THUMBS UP SIGN}", 1), "down": ("\N{THUMBS DOWN SIGN}", -1)}
_CHOSEN = {"up": discord.ButtonStyle.success, "down": discord.ButtonStyle.danger}
_REASON_FORM = re.compile(
    r"newsbot:reason:(?P<answer>[0-9a-f]{32}):(?P<public>[0-9]+):(?P<voted>new|same|changed)"
)
_REASON_INPUT = "reason"


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(
        r"newsbot:vote:(?P<answer>[0-9a-f]{32})(?::(?P<public>[0-9]+))?:(?P<vote>up|down)"
    ),
):
    """A vote button; ``public_id``, on a member's own buttons, is the public answer's."""

    def __init__(self, answer_id: str, vote: str, public_id: int | None = None) -> None:
        emoji, _ = _VOTES[vote]
        where = "" if public_id is None else f":{public_id}"
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji=emoji,
                custom_id=f"newsbot:vote:{answer_id}{where}:{vote}",
            )
        )
        self.answer_id = answer_id
        self.vote = vote
        self.public_id = public_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        public = match["public"]
        return cls(match["answer"], match["vote"], int(public) if public else None)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the vote, update the counts on the answer's buttons, and show the
        member privately the vote that is theirs (for 👎, once its form is sent)."""
        bot: BotServices = interaction.client
        emoji, value = _VOTES[self.vote]
        try:
            user = str(interaction.user.id)
            voted = await asyncio.to_thread(bot.feedback.vote, self.answer_id, user, value)
            counts = await asyncio.to_thread(bot.feedback.counts, self.answer_id)
        except Exception as error:
            text = bot.explain(error, f"recording a vote on answer {self.answer_id}")
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if voted is None:
            await interaction.response.send_message(
                cards.VOTE_UNKNOWN, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        message = interaction.message
        public = None if message is None or message.flags.ephemeral else message
        public_id = self.public_id if public is None else public.id
        if self.vote == "down":
            form = ReasonForm(self.answer_id, voted, public_id)
            await interaction.response.send_modal(form)
            form.stop()  # its submission goes to ``on_reason``, also after a restart
        else:
            own = chosen_view(self.answer_id, self.vote, counts, public_id)
            text = cards.vote_text(emoji, voted)
            if public is None:  # changed on the member's own buttons
                await interaction.response.edit_message(content=text, view=own)
            else:  # the counts in place, the member's own buttons privately
                await interaction.response.edit_message(view=counted(public, counts))
                await interaction.followup.send(
                    text, view=own, ephemeral=True, allowed_mentions=NO_PINGS
                )
                return
        if voted is not Voted.SAME:
            await _show_counts(bot, interaction, public, public_id, self.answer_id)


class ReasonForm(discord.ui.Modal, title=cards.REASON_TITLE):
    """The 👎 form: one optional paragraph, kept with the vote already recorded. It is
    only sent: ``on_reason`` handles its submission, whenever it comes."""

    def __init__(self, answer_id: str, voted: Voted, public_id: int | None) -> None:
        custom_id = f"newsbot:reason:{answer_id}:{public_id or 0}:{voted.value}"
        super().__init__(timeout=None, custom_id=custom_id)
        self.reason: discord.ui.TextInput[ReasonForm] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=REASON_LIMIT,
            placeholder=cards.REASON_PLACEHOLDER,
            custom_id=_REASON_INPUT,
        )
        self.add_item(
            discord.ui.Label(
                text=cards.REASON_LABEL, description=cards.REASON_HINT, component=self.reason
            )
        )


async def on_reason(interaction: discord.Interaction[Any]) -> None:
    """A 👎 form sent: keep the reason; tell the member privately, on their own vote
    buttons (in place when the form came from them)."""
    data: dict[str, Any] = dict(interaction.data or {})
    form = _REASON_FORM.fullmatch(str(data.get("custom_id", "")))
    if interaction.type is not discord.InteractionType.modal_submit or form is None:
        return
    bot: BotServices = interaction.client
    answer_id, voted = form["answer"], Voted(form["voted"])
    public_id = int(form["public"]) or None
    try:
        user = str(interaction.user.id)
        reason = _input_value(data.get("components") or [], _REASON_INPUT)
        noted = await asyncio.to_thread(bot.feedback.give_reason, answer_id, user, reason)
        counts = await asyncio.to_thread(bot.feedback.counts, answer_id)
    except Exception as error:
        text = bot.explain(error, f"keeping the reason for a vote on {answer_id}")
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
        return
    text = cards.vote_text(_VOTES["down"][0], voted)
    if noted:
        text = f"{text}\n{cards.REASON_NOTED}"
    own = chosen_view(answer_id, "down", counts, public_id)
    message = interaction.message
    if message is not None and message.flags.ephemeral:
        await interaction.response.edit_message(content=text, view=own)
    else:
        await interaction.response.send_message(
            text, view=own, ephemeral=True, allowed_mentions=NO_PINGS
        )


def _input_value(components: list[Any], custom_id: str) -> str:
    """The value of text input ``custom_id`` in a form's submitted components."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id:
            return str(component.get("value") or "")
        inner = [*(component.get("components") or []), component.get("component")]
        if found := _input_value([c for c in inner if c], custom_id):
            return found
    return ""


async def _show_counts(
    bot: BotServices,
    interaction: discord.Interaction[Any],
    public: discord.Message | None,
    public_id: int | None,
    answer_id: str,
) -> None:
    """Put the current counts on the public answer's buttons, after the member was
    answered; the vote is recorded whether or not this works."""
    if public_id is None or interaction.channel_id is None:
        return  # own buttons sent before they carried the public message's id
    try:
        if public is None:
            channel = bot.get_partial_messageable(interaction.channel_id)
            public = await channel.fetch_message(public_id)
        counts = await asyncio.to_thread(bot.feedback.counts, answer_id)
        await public.edit(view=counted(public, counts))
    except discord.HTTPException as error:
        log.warning("could not update the vote counts on message %s: %s", public_id, error)


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


def chosen_view(
    answer_id: str, vote: str, counts: VoteCounts, public_id: int | None
) -> discord.ui.View:
    """The vote buttons as the member's own: theirs highlighted, both counted; clicking
    the other one changes the vote."""
    view = discord.ui.View(timeout=None)
    for kind, count in (("up", counts.up), ("down", counts.down)):
        button = VoteButton(answer_id, kind, public_id)
        button.item.label = _count(count)
        if kind == vote:
            button.item.style = _CHOSEN[kind]
            button.item.disabled = True
        view.add_item(button)
    return view


def _count(count: int) -> str | None:
    return str(count) if count else None
