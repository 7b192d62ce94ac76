"""Waking the event loop from a worker thread: once per batch of news rather than once
per item (a model streams many pieces, a reindex reports often), and waiting for the
first of some news or the end of the work."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class Wakeup:
    """``notify`` (from any thread) sets ``changed`` on the event loop; further calls
    before the loop has woken add no wake-up of their own."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.changed = asyncio.Event()
        self._loop = loop
        self._signalled = threading.Event()

    def notify(self) -> None:
        if not self._signalled.is_set():
            self._signalled.set()
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._signalled.clear()
        self.changed.set()


async def first_of(future: asyncio.Future[Any], event: asyncio.Event) -> None:
    """Wait until ``future`` is done or ``event`` is set, whichever comes first."""
    waiter: asyncio.Future[Any] = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait([future, waiter], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
