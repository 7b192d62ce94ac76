"""The language model's side: one chat request to an OpenAI-compatible server, its reply
passed on as it arrives, and a wall-clock deadline over the whole of it.

The ``openai`` client's timeout bounds each connect and each read, not a reply that
trickles in for minutes, and its retries add up. So the request runs in a worker thread
that hands each piece of text to the caller through a queue, and the caller stops
waiting at the deadline, whatever the worker is doing: a hung server costs the caller
``timeout_seconds``, never more. The worker, abandoned, ends at its own read timeout
(the time that was left) or at the next piece of text it reads.

Every way the request can fail ends as one exception, ``ChatFailed``, whose ``reason``
says whether time ran out or the server failed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)
from pydantic import SecretStr

from index.config import LLMSettings
from index.display import printable

log = logging.getLogger(__name__)

_NO_KEY = "none"  # local servers need no key; the client insists on sending one


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The model's whole reply and why it stopped ("stop"; "length" at max_tokens)."""

    text: str
    finish_reason: str


_DETAIL_CHARS = 300  # of a failure's detail, logged on one line


class ChatFailed(Exception):
    """No complete reply: ``reason`` "timeout" (the deadline passed) or "error" (an HTTP
    error, an unreachable server, a broken connection or a reply cut off)."""

    def __init__(self, reason: Literal["timeout", "error"], detail: str) -> None:
        super().__init__(detail)
        self.reason: Literal["timeout", "error"] = reason


class ChatModel(Protocol):
    def reply(
        self,
        messages: Sequence[ChatMessage],
        *,
        deadline: float,
        on_text: Callable[[str], None],
    ) -> Reply:
        """The reply to ``messages``, each piece of text passed to ``on_text`` (in the
        caller's thread) as it arrives; raises ``ChatFailed`` unless the whole reply
        came before ``deadline`` (a ``time.monotonic()`` value)."""
        ...


_Event = tuple[Literal["text", "finish", "end", "error"], object]


class OpenAIChat:
    """A ``ChatModel`` on any OpenAI-compatible server (Ollama, llama.cpp's server, vLLM,
    LM Studio, OpenAI), through the official client."""

    def __init__(self, settings: LLMSettings, api_key: SecretStr | None = None) -> None:
        if settings.base_url is None or settings.model is None:
            raise ValueError("OpenAIChat needs [llm] base_url and model")
        self.settings = settings
        self._model = settings.model
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=api_key.get_secret_value() if api_key else _NO_KEY,
            max_retries=settings.max_retries,
            timeout=settings.timeout_seconds,
        )

    def reply(
        self,
        messages: Sequence[ChatMessage],
        *,
        deadline: float,
        on_text: Callable[[str], None],
    ) -> Reply:
        events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        stop = threading.Event()
        worker = threading.Thread(
            target=self._request,
            args=([_param(m) for m in messages], deadline, events, stop),
            name="newsbot-llm",
            daemon=True,
        )
        worker.start()
        parts: list[str] = []
        finish_reason: str | None = None
        try:
            while True:
                kind, value = self._next(events, deadline)
                if kind == "text":
                    parts.append(str(value))
                    on_text(str(value))
                elif kind == "finish":
                    finish_reason = str(value)
                elif kind == "error":
                    raise (
                        value if isinstance(value, ChatFailed) else ChatFailed("error", str(value))
                    )
                else:
                    break
        finally:
            stop.set()  # the worker stops at its next piece of text, if it is still reading
        if finish_reason is None:
            raise ChatFailed("error", "the reply ended before the server said it was complete")
        return Reply("".join(parts), finish_reason)

    def _next(self, events: queue.SimpleQueue[_Event], deadline: float) -> _Event:
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                return events.get_nowait()
            return events.get(timeout=remaining)
        except queue.Empty:
            seconds = self.settings.timeout_seconds
            raise ChatFailed("timeout", f"no complete reply within {seconds:g} s") from None

    def _request(
        self,
        messages: list[ChatCompletionMessageParam],
        deadline: float,
        events: queue.SimpleQueue[_Event],
        stop: threading.Event,
    ) -> None:
        """In the worker thread: send the request, queue what comes back."""
        settings = self.settings
        completions = self._client.chat.completions
        # Each connect and read may take the time left, so the worker ends soon after the
        # deadline even when nobody waits for it any more.
        timeout = max(deadline - time.monotonic(), 0.01)
        try:
            if settings.stream:
                with completions.create(
                    model=self._model,
                    messages=messages,
                    max_tokens=settings.max_tokens,
                    temperature=settings.temperature,
                    timeout=timeout,
                    stream=True,
                ) as stream:
                    for chunk in stream:
                        if stop.is_set():
                            return
                        for choice in chunk.choices[:1]:
                            if choice.delta.content:
                                events.put(("text", choice.delta.content))
                            if choice.finish_reason:
                                events.put(("finish", choice.finish_reason))
            else:
                completion = completions.create(
                    model=self._model,
                    messages=messages,
                    max_tokens=settings.max_tokens,
                    temperature=settings.temperature,
                    timeout=timeout,
                )
                for whole in completion.choices[:1]:
                    events.put(("text", whole.message.content or ""))
                    events.put(("finish", whole.finish_reason))
            events.put(("end", None))
        except Exception as error:  # every failure reaches the caller as a ChatFailed
            events.put(("error", _failure(error)))


def _param(message: ChatMessage) -> ChatCompletionMessageParam:
    content = message["content"]
    if message["role"] == "system":
        return ChatCompletionSystemMessageParam(role="system", content=content)
    if message["role"] == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=content)
    return ChatCompletionUserMessageParam(role="user", content=content)


def _failure(error: Exception) -> ChatFailed:
    if isinstance(error, openai.APITimeoutError):
        return ChatFailed("timeout", "the server did not answer in time")
    if isinstance(error, openai.APIStatusError):
        return ChatFailed("error", f"the server answered HTTP {error.status_code}")
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        return ChatFailed("error", f"no connection or it broke: {type(cause).__name__}: {cause}")
    # A reply the client cannot read (malformed JSON or events): the caller logs the one
    # line; the traceback is for -v.
    log.debug("the language model request failed unexpectedly", exc_info=error)
    detail = " ".join(f"{type(error).__name__}: {error}".split())
    return ChatFailed("error", printable(detail, _DETAIL_CHARS))


def chat_model(settings: LLMSettings, api_key: SecretStr | None) -> OpenAIChat | None:
    """The chat model the settings describe, None when there is no ``[llm] base_url``."""
    return OpenAIChat(settings, api_key) if settings.enabled else None
