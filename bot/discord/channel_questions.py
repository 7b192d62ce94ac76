"""Questions asked in channels: a mention anywhere the bot works, and every message in
ask channels and in the threads the bot opened. The answer opens a thread on the
question (``bot.discord.streaming``: the extractive answer at once, a language model's
verified one in its place when there is a model).

Each thread is one conversation: its earlier turns, every member's, are kept as data in
the feedback store and a follow-up there continues the one it fits best
(``index.search.followup``). Outside threads a member's own recent turns in the channel
are their conversation. Greetings, thanks and other messages that ask nothing get a
reaction or a short hint in place, never a thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from typing import Any, Literal

import discord
from discord.ext import commands

from bot.discord import answer_cards, cards
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.services import BotServices
from bot.discord.streaming import Piece, Place, deliver_answer
from bot.discord.titles import thread_name
from index.errors import InvalidQueryError
from index.records import Answer
from index.search.questions import looks_like_question, thanks

log = logging.getLogger(__name__)

_QUESTION_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_TURNS_KEPT = 6  # earlier turns of a conversation a follow-up may continue
_THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages
COOLDOWN_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"
_COOLDOWN_MARK_WAIT = 60.0  # seconds the ⏳ waits for the answer to the asker's last question


class ChannelQuestions(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot
        self._asking: dict[int, asyncio.Task[Any] | None] = {}  # by asker, while answered

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
        bare mention). Without a mention, only what looks like a question counts: "thanks!
        lol" in an ask channel or a thread of the bot gets nothing at all."""
        me = self.bot.user
        if me is None or message.author.bot or message.type not in _QUESTION_TYPES:
            return None
        guild_id = message.guild.id if message.guild else None
        if not self.bot.works_in(guild_id, message.channel):
            return None
        question = question_text(message.content, me.id)
        if guild_id is not None and me.id in message.raw_mentions:
            return question
        if guild_id is not None and not self._is_ask_place(message.channel):
            return None
        return question if looks_like_question(question) else None

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
        if not looks_like_question(question):  # a mention that asks nothing
            if thanks(question):
                await _react(message, cards.THANKS_REACTION)
            else:
                await _reply(message, cards.NOT_A_QUESTION)
            return
        asker = message.author.id
        if bot.cooldowns.retry_after(asker, "question") > 0:
            await self._mark_cooldown(message)
            return
        self._asking[asker] = asyncio.current_task()
        try:
            async with bot.tracked():
                await self._answer_now(message, question)
        except InvalidQueryError:
            bot.cooldowns.reset(asker, "question")  # the member's mistake costs no wait
            raise
        finally:
            self._asking.pop(asker, None)

    async def _mark_cooldown(self, message: discord.Message) -> None:
        """⏳ on a question asked too soon, never a message; once the asker's question
        before it is answered, so that the reaction never comes first."""
        running = self._asking.get(message.author.id)
        if running is not None:
            await asyncio.wait([running], timeout=_COOLDOWN_MARK_WAIT)
        await _react(message, COOLDOWN_REACTION)

    async def _answer_now(self, message: discord.Message, question: str) -> None:
        bot = self.bot
        place, member = conversation_of(message.channel, message.author.id)
        earlier = await asyncio.to_thread(bot.feedback.turns, place, member, _TURNS_KEPT)
        # Asked when it was sent: a question that waited in a queue keeps its day.
        ask = functools.partial(
            bot.knowledge_base.ask, question, as_of=message.created_at.date(), conversation=earlier
        )
        embeds = _can_embed(message.channel)
        await deliver_answer(
            bot,
            ask,
            _Reply(self, message, question),
            functools.partial(_render, embeds),
            message.channel.typing,
            Turns(bot, self._places(message)).remember,
        )

    def _places(self, message: discord.Message) -> list[tuple[str, str]]:
        """The conversations a question joins, with its asker: the thread it is asked in;
        else the asker's own in the channel, and the thread its answer opens (a thread
        opened on a message has the message's id)."""
        asker = str(message.author.id)
        if isinstance(message.channel, discord.Thread):
            return [(str(message.channel.id), asker)]
        places = [(str(message.channel.id), asker)]
        if self.bot.settings.discord.answer_in_threads and isinstance(
            message.channel, discord.TextChannel
        ):
            places.append((str(message.id), asker))
        return places

    async def _open_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        if not self.bot.settings.discord.answer_in_threads:
            return None
        if not isinstance(message.channel, discord.TextChannel):
            return None  # already in a thread, or a DM: answer in place
        try:
            return await message.create_thread(
                name=thread_name(question), auto_archive_duration=_THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as error:
            channel_id = message.channel.id
            log.warning("no thread in channel %s (%s): answering in place", channel_id, error)
            return None


class Turns:
    """Keeps a question's turn in its conversations: added with the first answer shown,
    its answer replaced by the one that replaces it on screen."""

    def __init__(self, bot: BotServices, places: list[tuple[str, str]]) -> None:
        self._bot, self._places = bot, places
        self._ids: list[int] = []

    async def remember(self, answer: Answer) -> None:
        feedback = self._bot.feedback
        if self._ids:
            for turn_id in self._ids:
                await asyncio.to_thread(feedback.update_turn, turn_id, answer.text)
            return
        for place, asker in self._places:
            add = functools.partial(feedback.add_turn, place, asker, answer.question)
            self._ids.append(await asyncio.to_thread(add, answer.text))


def conversation_of(channel: Any, member: int) -> tuple[str, str | None]:
    """Whose turns a question in ``channel`` continues: a thread's (every member's), or
    elsewhere the member's own there."""
    if isinstance(channel, discord.Thread):
        return str(channel.id), None
    return str(getattr(channel, "id", "")), str(member)


def _render(embeds: bool, answer: Answer, writing: bool) -> list[Piece]:
    if embeds:
        return [
            {"content": None, "embed": to_embed(answer_cards.answer_card(answer, writing=writing))}
        ]
    return [{"content": text} for text in answer_cards.answer_texts(answer, writing=writing)]


class _Reply(Place):
    """The answer to a message: in a new thread on the question when threads are on and
    possible (opened with the first message), else as a reply."""

    def __init__(self, cog: ChannelQuestions, message: discord.Message, question: str) -> None:
        super().__init__()
        self._cog, self._message, self._question = cog, message, question
        self.thread: discord.Thread | None = None
        self.sent: list[discord.Message] = []

    async def post(self, pieces: list[Piece]) -> None:
        self.thread = await self._cog._open_thread(self._message, self._question)
        first, *others = pieces
        if self.thread is not None:
            self.sent.append(await self.thread.send(**_sendable(first), allowed_mentions=NO_PINGS))
        else:
            self.sent.append(
                await self._message.reply(
                    **_sendable(first), mention_author=False, allowed_mentions=NO_PINGS
                )
            )
        await self.send_more(others)

    async def send_more(self, pieces: list[Piece]) -> None:
        channel = self.thread or self._message.channel
        for piece in pieces:
            self.sent.append(await channel.send(**_sendable(piece), allowed_mentions=NO_PINGS))

    async def edit_piece(self, index: int, piece: Piece) -> None:
        try:
            await self.sent[index].edit(**piece, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:  # the answer shown stays
            log.warning("could not update answer message %s: %s", self.sent[index].id, error)


def _sendable(piece: Piece) -> Piece:
    """``piece`` for a new message: send() takes no None embed or view."""
    return {key: value for key, value in piece.items() if value is not None}


def question_text(content: str, bot_id: int) -> str:
    """The message without the bot's mentions, on one line."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


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


async def _react(message: discord.Message, emoji: str) -> None:
    try:
        await message.add_reaction(emoji)
    except discord.HTTPException as error:
        log.info("no reaction on message %s: %s", message.id, error)
