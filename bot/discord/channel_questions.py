"""Questions asked in channels: a mention anywhere the bot works, and every message in
ask channels and in the threads the bot opened. The answer opens a thread on the
question; follow-ups there are answered with the thread's earlier questions in mind."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any, Literal

import discord
from discord.ext import commands

from bot.discord import answer_cards, cards
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.services import BotServices
from bot.discord.votes import recorded_with_votes
from index.records import Answer

log = logging.getLogger(__name__)

_QUESTION_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_LOOKBACK = 20  # thread messages read back to find the earlier questions
_EARLIER_KEPT = 4  # earlier questions passed on; the knowledge base uses the latest ones
_THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages


class ChannelQuestions(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """The front end's error boundary for messages: see ``BotServices.explain``."""
        question = self._question_in(message)
        if question is None:
            return
        try:
            await self._answer(message, question)
        except Exception as error:
            await _reply(message, self.bot.explain(error, f"answering message {message.id}"))

    def _question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, None when it asks nothing of it ("" for a
        bare mention)."""
        me = self.bot.user
        if me is None or message.author.bot or message.type not in _QUESTION_TYPES:
            return None
        guild_id = message.guild.id if message.guild else None
        if not self.bot.works_in(guild_id, message.channel):
            return None
        question = question_text(message.content, me.id)
        if guild_id is None or me.id in message.raw_mentions:
            return question
        return question if question and self._is_ask_place(message.channel) else None

    def _is_ask_place(self, channel: Any) -> bool:
        ask_channels = self.bot.settings.discord.ask_channels
        if isinstance(channel, discord.Thread):
            me = self.bot.user
            opened_by_bot = me is not None and channel.owner_id == me.id
            return opened_by_bot or channel.parent_id in ask_channels
        return getattr(channel, "id", None) in ask_channels

    async def _answer(self, message: discord.Message, question: str) -> None:
        bot = self.bot
        if not bot.accepting:
            await _reply(message, cards.SHUTTING_DOWN)
            return
        if not question:
            await _reply(message, cards.EMPTY_MENTION)
            return
        if (wait := bot.cooldown.retry_after(message.author.id)) > 0:
            await _reply(message, cards.cooldown_text(wait))
            return
        async with bot.tracked(), message.channel.typing():
            earlier = await self._earlier_questions(message)
            # Asked when it was sent: a question that waited in a queue keeps its day.
            ask = functools.partial(bot.knowledge_base.ask, as_of=message.created_at.date())
            answer = await bot.run_blocking(ask, question, None, earlier)
            view = await recorded_with_votes(bot, answer)
            await self._post(message, answer, view)

    async def _post(self, message: discord.Message, answer: Answer, view: discord.ui.View) -> None:
        """In a new thread on the question when threads are on and possible, else as a
        reply; plain text where the bot may not embed, with the buttons under the last."""
        pieces: list[dict[str, Any]]
        if _can_embed(message.channel):
            pieces = [{"embed": to_embed(answer_cards.answer_card(answer))}]
        else:
            pieces = [{"content": text} for text in answer_cards.answer_texts(answer)]
        pieces[-1]["view"] = view
        thread = await self._open_thread(message, answer.question)
        for number, piece in enumerate(pieces):
            if thread is not None:
                await thread.send(**piece, allowed_mentions=NO_PINGS)
            elif number == 0:
                await message.reply(**piece, mention_author=False, allowed_mentions=NO_PINGS)
            else:
                await message.channel.send(**piece, allowed_mentions=NO_PINGS)

    async def _open_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        if not self.bot.settings.discord.answer_in_threads:
            return None
        if not isinstance(message.channel, discord.TextChannel):
            return None  # already in a thread, or a DM: answer in place
        try:
            return await message.create_thread(
                name=cards.thread_name(question), auto_archive_duration=_THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as error:
            channel_id = message.channel.id
            log.warning("no thread in channel %s (%s): answering in place", channel_id, error)
            return None

    async def _earlier_questions(self, message: discord.Message) -> list[str]:
        """The questions asked before this one in a thread the bot answers in, oldest
        first: the message the thread was opened on, then the people's messages."""
        channel = message.channel
        me = self.bot.user
        if me is None or not isinstance(channel, discord.Thread) or not self._is_ask_place(channel):
            return []
        texts = []
        starter = channel.starter_message or await _fetch_starter(channel)
        if starter is not None and not starter.author.bot:
            texts.append(starter.content)
        earlier = [
            m.content
            async for m in channel.history(limit=_LOOKBACK, before=message)
            if not m.author.bot and m.type in _QUESTION_TYPES
        ]
        texts += reversed(earlier)
        questions = [q for q in (question_text(t, me.id) for t in texts) if q]
        return questions[-_EARLIER_KEPT:]


def question_text(content: str, bot_id: int) -> str:
    """The message without the bot's mentions, on one line."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


async def _fetch_starter(thread: discord.Thread) -> discord.Message | None:
    """The message a thread was opened on (same id), when there is one and it is readable."""
    if thread.parent is None or not isinstance(thread.parent, discord.TextChannel):
        return None
    try:
        return await thread.parent.fetch_message(thread.id)
    except discord.HTTPException:
        return None


def _can_embed(channel: Any) -> bool:
    guild = getattr(channel, "guild", None)
    if guild is None or guild.me is None:
        return True  # direct messages allow embeds
    return channel.permissions_for(guild.me).embed_links


async def _reply(message: discord.Message, text: str) -> None:
    try:
        await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.exception("could not reply to message %s: %s", message.id, text)
