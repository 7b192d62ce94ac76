"""Waking the event loop from worker threads: once per batch, and waiting for the first
of some news or the end of the work."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.discord.wakeups import Wakeup, first_of

pytestmark = pytest.mark.asyncio


async def test_many_notifications_from_a_thread_wake_the_loop_once_per_batch() -> None:
    loop = asyncio.get_running_loop()
    wakeup = Wakeup(loop)
    scheduled: list[object] = []
    original = loop.call_soon_threadsafe

    def counting(callback, *args):  # type: ignore[no-untyped-def]
        scheduled.append(callback)
        return original(callback, *args)

    loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
    try:
        worker = threading.Thread(target=lambda: [wakeup.notify() for _ in range(500)])
        worker.start()
        worker.join()
        await asyncio.wait_for(wakeup.changed.wait(), 5)
    finally:
        loop.call_soon_threadsafe = original  # type: ignore[method-assign]

    assert len(scheduled) == 1  # the loop had not woken yet: one wake-up for all 500
    wakeup.changed.clear()
    threading.Thread(target=wakeup.notify).start()  # after the wake-up, news wakes it again
    await asyncio.wait_for(wakeup.changed.wait(), 5)


async def test_first_of_returns_at_the_news_or_at_the_end_of_the_work() -> None:
    event = asyncio.Event()
    work: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_later(0.05, event.set)
    await asyncio.wait_for(first_of(work, event), 5)
    assert event.is_set() and not work.done()

    event.clear()
    work.set_result(None)
    await asyncio.wait_for(first_of(work, event), 5)
    assert not event.is_set()
