"""An answer streamed on Discord while a language model writes it.

The typing indicator shows until the first text; then one message shows the draft
(``answer_cards.draft_text``: escaped, no passage numbers, marked as not final), edited
as text arrives but at most once every ``EDIT_INTERVAL`` seconds (Discord limits message
edits to about five per five seconds per channel); the cog then turns that message into
the checked answer with its sources and vote buttons, again no sooner than the interval
allows. Without a language model (or when it fails before writing anything) there is no
draft: typing shows until the answer is posted, as it always did.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import discord

from bot.discord.answer_cards import draft_text
from index.llm.draft import preview
from index.records import Answer

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.0  # seconds between two edits of a streamed answer


class TextRelay:
    """Collects the draft on the worker thread and wakes the event loop once per batch of
    pieces rather than once per piece."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.changed = asyncio.Event()
        self._loop = loop
        self._lock = threading.Lock()
        self._text = ""
        self._signalled = threading.Event()

    @property
    def text(self) -> str:
        with self._lock:
            return self._text

    def __call__(self, piece: str) -> None:  # on the worker thread
        with self._lock:
            self._text += piece
        if not self._signalled.is_set():
            self._signalled.set()
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._signalled.clear()
        self.changed.set()


class Draft:
    """Where a draft is shown: ``post`` makes the message (the first time), ``edit``
    changes it. The cog finalises it; ``ready_to_edit`` waits out the interval first."""

    def __init__(self) -> None:
        self.shown = ""
        self.broken = False  # posting or editing failed: the answer is sent anew
        self._last_edit: float | None = None

    @property
    def started(self) -> bool:
        return bool(self.shown) and not self.broken

    async def post(self, content: str) -> None:
        raise NotImplementedError

    async def edit(self, content: str) -> None:
        raise NotImplementedError

    async def show(self, draft: str) -> None:
        content = draft_text(draft)
        try:
            if self.shown:
                await self.edit(content)
            else:
                await self.post(content)
        except discord.HTTPException as error:
            log.warning("could not show the draft (%s): the answer will be sent whole", error)
            self.broken = True
        self.shown = draft
        self._last_edit = time.monotonic()

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


async def stream_answer(
    run_blocking: Callable[..., Any],
    ask: Callable[[Callable[[str], None]], Answer],
    draft: Draft,
    typing: AbstractAsyncContextManager[Any],
) -> Answer:
    """``ask(on_text)`` in a worker thread, its draft shown through ``draft`` as it grows;
    ``typing`` is held until the first text (or the answer)."""
    relay = TextRelay(asyncio.get_running_loop())
    task: asyncio.Future[Answer] = asyncio.ensure_future(run_blocking(ask, relay))
    async with typing:
        while not task.done() and not preview(relay.text):
            await _first_of(task, relay.changed)
            relay.changed.clear()
    while not task.done():
        await draft.ready_to_edit(task)
        if task.done():
            break
        text = preview(relay.text)
        if text != draft.shown and not draft.broken:
            await draft.show(text)
        else:
            await _first_of(task, relay.changed)
            relay.changed.clear()
    return await task


async def _first_of(future: asyncio.Future[Any], event: asyncio.Event) -> None:
    waiter: asyncio.Future[Any] = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait([future, waiter], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
