"""An answer on Discord: the extractive answer at once, then, with a language model, the
model's verified answer in its place.

Typing shows while the extractive answer is composed (tens of milliseconds), then it is
posted with its buttons. With a language model, the model writes meanwhile: whenever
more of its sentences have passed verification, the message shows the model's answer
so far (only verified sentences, with their [n] links, marked as still being written),
edited at most once every ``EDIT_INTERVAL`` seconds (Discord limits message edits to
about five per five seconds per channel) and never with the same content twice. When
the model is done, its answer replaces the message with buttons of its own, marked as
the model's; when it fails, hangs or declines, the extractive answer stays, with a short
note saying why. Nobody waits on the model to read an answer, and nothing unverified is
ever shown.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import discord

from bot.discord.answer_view import answer_view
from bot.discord.services import BotServices
from bot.discord.wakeups import Wakeup, first_of
from index.records import Answer

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.0  # seconds between two edits of an answer being written

Piece = dict[str, Any]  # the keyword arguments of one message: content, embed, view
Render = Callable[[Answer, bool], list[Piece]]  # the answer, whether it is being written


class ProgressRelay:
    """Hands the latest verified answer from the worker thread to the event loop, waking
    it once per batch of reports rather than once per report."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._wakeup = Wakeup(loop)
        self.changed = self._wakeup.changed
        self._lock = threading.Lock()
        self._latest: Answer | None = None

    @property
    def latest(self) -> Answer | None:
        with self._lock:
            return self._latest

    def __call__(self, answer: Answer) -> None:  # on the worker thread
        with self._lock:
            self._latest = answer
        self._wakeup.notify()


class Place:
    """Where an answer is shown: ``post`` sends its messages (the first time), ``edit``
    changes them. Edits are spaced by ``EDIT_INTERVAL`` and an unchanged message is not
    sent again."""

    def __init__(self) -> None:
        self.shown: list[Piece] = []
        self._last_edit: float | None = None

    async def post(self, pieces: list[Piece]) -> None:
        raise NotImplementedError

    async def edit_piece(self, index: int, piece: Piece) -> None:
        """Change the ``index``-th message shown to ``piece``."""
        raise NotImplementedError

    async def send_more(self, pieces: list[Piece]) -> None:
        """Send ``pieces`` after the messages shown."""
        raise NotImplementedError

    async def show(self, pieces: list[Piece], running: asyncio.Future[Any] | None = None) -> None:
        """Show ``pieces``: posted the first time, else each message edited where it
        changed (after the interval; ``running`` ending cuts the wait short) and any
        further pieces sent. Fewer pieces than shown leave the rest as they are."""
        if not self.shown:
            await self.post(pieces)
            self.shown = list(pieces)
            self._last_edit = time.monotonic()
            return
        changed = [
            (i, p) for i, p in enumerate(pieces[: len(self.shown)]) if not _same(p, self.shown[i])
        ]
        if changed:
            await self.ready_to_edit(running)
            for index, piece in changed:
                await self.edit_piece(index, piece)
                self.shown[index] = piece
            self._last_edit = time.monotonic()
        if extra := pieces[len(self.shown) :]:
            await self.send_more(extra)
            self.shown += extra

    async def ready_to_edit(self, running: asyncio.Future[Any] | None = None) -> None:
        """Wait until the interval since the last edit has passed (or ``running`` ends)."""
        if self._last_edit is None:
            return
        pause = self._last_edit + EDIT_INTERVAL - time.monotonic()
        if pause <= 0:
            return
        if running is None:
            await asyncio.sleep(pause)
        else:
            await asyncio.wait([running], timeout=pause)


def _same(piece: Piece, shown: Piece) -> bool:
    """Whether sending ``piece`` would show nothing new (a view is compared by what it
    is: a new one always counts)."""
    embed, was = piece.get("embed"), shown.get("embed")
    same_embed = (embed.to_dict() if embed else None) == (was.to_dict() if was else None)
    return (
        same_embed
        and piece.get("content") == shown.get("content")
        and piece.get("view") is shown.get("view")
    )


async def deliver_answer(
    bot: BotServices,
    ask: Callable[..., Answer],
    place: Place,
    render: Render,
    typing: Callable[[], AbstractAsyncContextManager[Any]],
    remember: Callable[[Answer], Awaitable[None]],
) -> Answer:
    """Show the answer ``ask`` gives (``KnowledgeBase.ask`` with all but ``use_model``
    and ``on_progress`` bound) in ``place``: the extractive one at once, then the
    model's (see the module's description), ``typing()`` held while either is worked
    on. ``remember`` keeps each answer before it is shown (a follow-up may come as soon
    as it is). Returns the answer shown last."""
    async with typing():
        first = await bot.run_blocking(functools.partial(ask, use_model=False))
    await remember(first)
    view = await answer_view(bot, first)
    await place.show(_with_view(render(first, False), view))
    if not bot.settings.llm.enabled or not first.answered:
        return first
    relay = ProgressRelay(asyncio.get_running_loop())
    written = functools.partial(ask, use_model=True, on_progress=relay)
    task: asyncio.Future[Answer] = asyncio.ensure_future(bot.run_blocking(written))
    async with typing():
        while not task.done():
            await first_of(task, relay.changed)
            relay.changed.clear()
            partial = relay.latest
            if partial is not None and not task.done():
                await place.show(_with_view(render(partial, True), None), task)
    try:
        final = await task
    except Exception:
        log.exception("the language model's answer failed: the extractive one stays")
        return first
    if final.mode == "llm":
        await remember(final)
        view = await answer_view(bot, final)
    await place.show(_with_view(render(final, False), view))
    return final


def _with_view(pieces: list[Piece], view: discord.ui.View | None) -> list[Piece]:
    """The buttons under the last piece (none while the answer is being written)."""
    *others, last = pieces
    return [*others, {**last, "view": view}]
