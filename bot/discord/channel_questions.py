"""Questions asked in channels: a mention anywhere the bot works, and every message in
ask channels and in the threads the bot opened. The answer opens a thread on the
question; follow-ups there are answered with the thread's earlier questions (and, for a
language model, the bot's earlier answers) in mind. With a language model the answer
streams (``bot.discord.streaming``)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from typing import Any, Literal

import discord
from discord.ext import commands

from bot.discord import answer_cards, cards
from bot.discord.answer_cards import DRAFT_NOTE
from bot.discord.answer_view import answer_view
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.markdown import unescape
from bot.discord.services import BotServices
from bot.discord.streaming import Draft, stream_answer
from index.knowledge_base import QUESTION_LIMIT
from index.records import Answer, Turn
from index.search.questions import looks_like_question

log = logging.getLogger(__name__)

_QUESTION_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_LOOKBACK = 20  # thread messages read back to find the earlier questions
_EARLIER_KEPT = 4  # earlier exchanges passed on; retrieval and the model use the latest ones
_THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages
COOLDOWN_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"
_COOLDOWN_MARK_WAIT = 60.0  # seconds the ⏳ waits for the answer to the asker's last question
_LINKED_MARKER = re.compile(r"\[\[(\d+)\]\]\([^)]*\)")


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
        if len(question) > QUESTION_LIMIT:
            await _reply(message, cards.too_long_text(len(question), QUESTION_LIMIT))
            return
        asker = message.author.id
        if bot.cooldown.retry_after(asker) > 0:
            await self._mark_cooldown(message)
            return
        self._asking[asker] = asyncio.current_task()
        try:
            async with bot.tracked():
                await self._answer_now(message, question)
        finally:
            self._asking.pop(asker, None)

    async def _mark_cooldown(self, message: discord.Message) -> None:
        """⏳ on a question asked too soon, never a message; once the asker's question
        before it is answered, so that the reaction never comes first."""
        running = self._asking.get(message.author.id)
        if running is not None:
            await asyncio.wait([running], timeout=_COOLDOWN_MARK_WAIT)
        try:
            await message.add_reaction(COOLDOWN_REACTION)
        except discord.HTTPException as error:
            log.info("no cooldown reaction on message %s: %s", message.id, error)

    async def _answer_now(self, message: discord.Message, question: str) -> None:
        bot = self.bot
        earlier = await self._earlier_turns(message)
        # Asked when it was sent: a question that waited in a queue keeps its day.
        ask = functools.partial(
            bot.knowledge_base.ask,
            question,
            None,
            as_of=message.created_at.date(),
            conversation=earlier,
        )
        draft = _ReplyDraft(self, message, question)
        answer = await stream_answer(
            bot.run_blocking,
            lambda on_text: ask(on_text=on_text),
            draft,
            message.channel.typing(),
        )
        view = await answer_view(bot, answer)
        await self._post(message, answer, view, draft)

    async def _post(
        self, message: discord.Message, answer: Answer, view: discord.ui.View, draft: _ReplyDraft
    ) -> None:
        """Where the draft was shown (replacing it) or, without one, in a new thread on the
        question when threads are on and possible, else as a reply; plain text where the
        bot may not embed, with the buttons under the last."""
        pieces: list[dict[str, Any]]
        if _can_embed(message.channel):
            pieces = [{"content": None, "embed": to_embed(answer_cards.answer_card(answer))}]
        else:
            pieces = [{"content": text} for text in answer_cards.answer_texts(answer)]
        pieces[-1]["view"] = view
        first, *others = pieces
        if not await draft.replace(first):
            await draft.send(first=True, **{k: v for k, v in first.items() if v is not None})
        for piece in others:
            await draft.send(first=False, **piece)

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

    async def _earlier_turns(self, message: discord.Message) -> list[Turn]:
        """The asker's earlier exchanges in a thread the bot answers in, oldest first:
        their questions (the message the thread was opened on, when theirs, then their
        later ones), each with the bot's answer to it (the text of its messages up to
        the buttons). Other members' questions and the answers to them are left out."""
        channel = message.channel
        me = self.bot.user
        if me is None or not isinstance(channel, discord.Thread) or not self._is_ask_place(channel):
            return []
        asker = message.author.id
        turns: list[Turn] = []
        asked: str | None = None
        answered: list[str] = []

        def close() -> None:
            if asked:
                turns.append(Turn(asked, " ".join(answered)))

        def asked_in(earlier: discord.Message) -> str | None:
            text = question_text(earlier.content, me.id)
            return text if looks_like_question(text) or me.id in earlier.raw_mentions else None

        starter = channel.starter_message or await _fetch_starter(channel)
        if starter is not None and starter.author.id == asker:
            asked = asked_in(starter)
        history = [m async for m in channel.history(limit=_LOOKBACK, before=message)]
        for earlier in reversed(history):
            if earlier.author.id == me.id:
                if asked:
                    answered.append(_answer_text(earlier))
                if earlier.components:  # the buttons end an answer
                    close()
                    asked, answered = None, []
            elif not earlier.author.bot and earlier.type in _QUESTION_TYPES:
                if earlier.author.id != asker:
                    continue  # another member's question: their answer follows, unused
                close()
                asked, answered = asked_in(earlier), []
        close()
        return turns[-_EARLIER_KEPT:]


class _ReplyDraft(Draft):
    """The answer to a message, streamed: in a new thread on the question when threads
    are on and possible (opened at the first text), else as a reply."""

    def __init__(self, cog: ChannelQuestions, message: discord.Message, question: str) -> None:
        super().__init__()
        self._cog, self._message, self._question = cog, message, question
        self._thread: discord.Thread | None = None
        self._placed = False
        self.sent: discord.Message | None = None

    async def send(self, *, first: bool, **piece: Any) -> discord.Message:
        if not self._placed:
            self._placed = True
            self._thread = await self._cog._open_thread(self._message, self._question)
        if self._thread is not None:
            return await self._thread.send(**piece, allowed_mentions=NO_PINGS)
        if first:
            return await self._message.reply(
                **piece, mention_author=False, allowed_mentions=NO_PINGS
            )
        return await self._message.channel.send(**piece, allowed_mentions=NO_PINGS)

    async def post(self, content: str) -> None:
        self.sent = await self.send(first=True, content=content)

    async def edit(self, content: str) -> None:
        if self.sent is not None:
            await self.sent.edit(content=content, allowed_mentions=NO_PINGS)

    async def replace(self, piece: dict[str, Any]) -> bool:
        """Turn the draft into ``piece`` (the answer); False when there is no draft to
        turn (a broken one is deleted: the answer is sent anew)."""
        if self.sent is None:
            return False
        if self.broken:
            with contextlib.suppress(discord.HTTPException):
                await self.sent.delete()
            return False
        await self.ready_to_edit()
        try:
            await self.sent.edit(**piece, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning("could not finalise the streamed answer (%s): sending it anew", error)
            return False
        return True


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


def _answer_text(message: discord.Message) -> str:
    """What an answer message of the bot says: its card's lead and quotes, or its text
    without the question line and the sources, unescaped, [n] markers without links."""
    if message.embeds:
        lines = (message.embeds[0].description or "").splitlines()
        kept = [line.removeprefix("> ") for line in lines if line and not line.startswith("-#")]
        text = _LINKED_MARKER.sub(r"[\1]", " ".join(kept)).replace("**", "")
    else:
        lines = message.content.split("\n**Sources**")[0].splitlines()
        skipped = ("*", DRAFT_NOTE)  # the question, notes, the draft's note
        text = " ".join(line for line in lines if not line.startswith(skipped))
    return unescape(text)


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
