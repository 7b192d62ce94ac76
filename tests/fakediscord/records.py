"""What the fake records for tests: HTTP requests and interactions with their responses."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tests.fakediscord.model import FLAG_EPHEMERAL, FLAG_LOADING, Json, Message

T = TypeVar("T")
_POLL_INTERVAL = 0.02


class Changes:
    """Wakes waiters whenever the fake's state changes (a request, a gateway frame...)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(
        self, probe: Callable[[], T | None], timeout: float, what: Callable[[], str]
    ) -> T:
        """Return ``probe()`` once it is truthy; TimeoutError saying ``what()`` otherwise.

        The probe runs after every change, and every 20 ms in case it looks at state
        outside the fake (the client's).
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._event
                    if result := probe():
                        return result
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), _POLL_INTERVAL)
        except TimeoutError:
            raise TimeoutError(f"fakediscord: no {what()} within {timeout} s") from None


@dataclass(slots=True)
class RecordedRequest:
    """One HTTP request the bot made to the REST API.

    ``path`` is relative to the API base (``/channels/1/messages``) when under it;
    ``route`` is the matched template (``POST /channels/{channel_id}/messages``), None
    for an unknown route.
    ``json`` is the JSON body, or the ``payload_json`` part of a multipart body.
    ``at`` is when it arrived (``time.monotonic()``), for tests of how often the bot calls.
    """

    method: str
    path: str
    route: str | None
    query: dict[str, str]
    json: Any
    files: list[str]
    host: str
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class Callback:
    """The bot's response to an interaction: POST /interactions/{id}/{token}/callback."""

    type: int
    data: Json

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & FLAG_EPHEMERAL)


@dataclass(frozen=True, slots=True)
class InteractionEvent:
    """One thing the bot did about an interaction, in order.

    ``kind`` is "callback", "edit" (PATCH of @original or a follow-up), "delete" or
    "followup"; ``body`` is what the bot sent.
    """

    kind: str
    body: Json
    message_id: int | None


@dataclass(eq=False, slots=True)
class InteractionRecord:
    """An interaction a simulated person started, and everything the bot did about it."""

    id: int
    token: str
    type: int
    payload: Json
    user_id: int
    channel_id: int
    guild_id: int
    deadline: float
    changes: Changes
    source_message: Message | None = None
    callbacks: list[Callback] = field(default_factory=list)
    events: list[InteractionEvent] = field(default_factory=list)
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)

    @property
    def callback_types(self) -> list[int]:
        return [callback.type for callback in self.callbacks]

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def ephemeral(self) -> bool:
        """Whether the bot's first response was visible only to the user."""
        return bool(self.callbacks) and self.callbacks[0].ephemeral

    @property
    def responses(self) -> list[Message]:
        """Messages the user sees as answers: the original (once not loading) and
        follow-ups, deleted ones left out."""
        messages = [self.original] if self.original is not None else []
        messages += [m for m in self.followups if m not in messages]
        return [m for m in messages if not m.deleted and not m.flags & FLAG_LOADING]

    async def wait_for(
        self, predicate: Callable[[InteractionRecord], object], timeout: float = 5.0
    ) -> InteractionRecord:
        """Wait until ``predicate(self)`` is truthy, e.g. ``lambda r: r.followups``."""
        return await self.changes.wait_until(
            lambda: self if predicate(self) else None,
            timeout,
            lambda: f"matching response to interaction {self.id}; events: {self.events}",
        )

    async def wait_for_response(self, timeout: float = 5.0) -> Message:
        """The first visible answer (see ``responses``)."""
        await self.wait_for(lambda record: record.responses, timeout)
        return self.responses[0]
