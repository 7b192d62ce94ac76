"""The chat client over real HTTP, with the real openai client, against the scripted
server: streamed and whole replies, errors, a reply cut off, a server that hangs."""

from __future__ import annotations

import socket
import time

import pytest
from pydantic import SecretStr

from index.config import LLMSettings
from index.llm.client import ChatFailed, ChatMessage, OpenAIChat
from tests.fakellm import CutOff, Hang, ScriptedLLM, Status, Text

QUESTION: list[ChatMessage] = [
    {"role": "system", "content": "rules"},
    {"role": "user", "content": "who?"},
]


def chat(llm: ScriptedLLM, api_key: str | None = None, **settings: object) -> OpenAIChat:
    values = {"base_url": llm.base_url, "model": "scripted", "timeout_seconds": 5.0} | settings
    key = SecretStr(api_key) if api_key else None
    return OpenAIChat(LLMSettings(**values), key)  # type: ignore[arg-type]


def ask(client: OpenAIChat, seconds: float = 5.0) -> tuple[str, list[str]]:
    pieces: list[str] = []
    reply = client.reply(QUESTION, deadline=time.monotonic() + seconds, on_text=pieces.append)
    return reply.text, pieces


def test_a_streamed_reply_arrives_in_pieces_with_the_request_as_configured():
    with ScriptedLLM(lambda request: Text("Putin wants it [1].", piece_chars=4)) as llm:
        text, pieces = ask(chat(llm, max_tokens=123, temperature=0.3))

    assert text == "Putin wants it [1]." and "".join(pieces) == text and len(pieces) == 5
    [request] = llm.requests
    assert request.stream and request.body["model"] == "scripted"
    assert request.body["max_tokens"] == 123 and request.body["temperature"] == 0.3
    assert request.messages == QUESTION


def test_a_reply_asked_for_in_one_piece_arrives_whole():
    with ScriptedLLM(lambda request: Text("Putin wants it [1].", finish_reason="length")) as llm:
        client = chat(llm, stream=False)
        reply = client.reply(QUESTION, deadline=time.monotonic() + 5, on_text=lambda _: None)

    assert (reply.text, reply.finish_reason) == ("Putin wants it [1].", "length")
    assert not llm.requests[0].stream


def test_the_api_key_is_sent_when_given_and_a_placeholder_otherwise():
    with ScriptedLLM(lambda request: Text("ok [1].")) as llm:
        ask(chat(llm, api_key="sk-test"))
        ask(chat(llm))

    assert [r.headers["authorization"] for r in llm.requests] == ["Bearer sk-test", "Bearer none"]


def test_a_server_error_is_retried_as_configured_then_fails():
    with (
        ScriptedLLM(lambda request: Status(500)) as llm,
        pytest.raises(ChatFailed, match="HTTP 500") as failed,
    ):
        ask(chat(llm, max_retries=1))

    assert failed.value.reason == "error" and len(llm.requests) == 2


def test_a_stream_cut_off_mid_answer_fails_after_passing_on_what_came():
    with ScriptedLLM(lambda request: CutOff("Putin wants all foreign")) as llm:
        client = chat(llm)
        pieces: list[str] = []
        with pytest.raises(ChatFailed) as failed:
            client.reply(QUESTION, deadline=time.monotonic() + 5, on_text=pieces.append)

    assert failed.value.reason == "error" and "".join(pieces) == "Putin wants all foreign"


def test_a_server_that_never_answers_fails_at_the_deadline():
    with ScriptedLLM(lambda request: Hang()) as llm:
        client = chat(llm, timeout_seconds=1.0, max_retries=0)
        started = time.monotonic()
        with pytest.raises(ChatFailed, match="within 1 s") as failed:
            ask(client, seconds=1.0)
        waited = time.monotonic() - started

    assert failed.value.reason == "timeout"
    assert 0.9 < waited < 1.5


def test_a_reply_that_trickles_past_the_deadline_fails_at_the_deadline():
    script = lambda request: Text("word " * 100, piece_chars=5, delay=0.05)  # noqa: E731
    with ScriptedLLM(script) as llm:
        started = time.monotonic()
        with pytest.raises(ChatFailed) as failed:
            ask(chat(llm, timeout_seconds=1.0), seconds=1.0)

    assert failed.value.reason == "timeout" and time.monotonic() - started < 1.5


def test_an_unreachable_server_fails_at_once():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = LLMSettings(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=0)
    started = time.monotonic()
    with pytest.raises(ChatFailed, match="no connection") as failed:
        OpenAIChat(settings).reply(QUESTION, deadline=time.monotonic() + 5, on_text=print)

    assert failed.value.reason == "error" and time.monotonic() - started < 2
