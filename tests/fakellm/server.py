"""A scripted OpenAI-compatible server on 127.0.0.1: ``POST /v1/chat/completions``,
streamed (server-sent events in a chunked body, as OpenAI, Ollama and llama.cpp send
them) or not, with the real ``openai`` client on the other side.

A script is a function of the request (messages parsed: the question, the passages by
number) returning what to do: ``Text`` (the reply, in pieces, optionally slowly),
``Status`` (an HTTP error), ``CutOff`` (some of the reply, then the connection drops
without the end of the body), ``Hang`` (nothing, until the server stops) or
``Malformed`` (a body that is no completion).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_PASSAGE = re.compile(
    r"^=== passage \[(\d+)\] key (\w+) ===\n(.*?)\n=== end of passage \[\1\] key \2 ===$",
    re.MULTILINE | re.DOTALL,
)
_QUESTION = re.compile(r"^Question, asked on [^:]*: (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class ChatRequest:
    body: dict[str, Any]
    headers: dict[str, str]  # names in lower case
    at: float  # time.monotonic() when it arrived

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body["messages"]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def system(self) -> str:
        return self.messages[0]["content"]

    @property
    def prompt(self) -> str:
        """The last user message: the passages and the question."""
        return self.messages[-1]["content"]

    @property
    def question(self) -> str:
        found = _QUESTION.search(self.prompt)
        return found.group(1) if found else ""

    @property
    def passages(self) -> dict[int, str]:
        """The fenced passages by number: title, publisher, date lines and text."""
        return {int(m.group(1)): m.group(3) for m in _PASSAGE.finditer(self.prompt)}

    def passage_with(self, text: str) -> int:
        """The number of the first passage containing ``text`` (case-insensitive)."""
        for number, passage in self.passages.items():
            if text.casefold() in " ".join(passage.split()).casefold():
                return number
        raise LookupError(f"no passage contains {text!r}: {list(self.passages.values())}")


@dataclass(frozen=True)
class Text:
    content: str
    finish_reason: str = "stop"
    piece_chars: int = 6  # characters per streamed chunk
    delay: float = 0.0  # seconds before each chunk


@dataclass(frozen=True)
class Status:
    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class CutOff:
    """Stream ``content`` and drop the connection before the body ends."""

    content: str
    delay: float = 0.0


@dataclass(frozen=True)
class Hang:
    """Read the request and never answer (until the server stops)."""


@dataclass(frozen=True)
class Malformed:
    """A 200 reply whose body is not what was asked for, sent as ``content_type``."""

    body: bytes = b'{"choices": [{"index": 0, "message": 7}]}'
    content_type: str = "application/json"


Reply = Text | Status | CutOff | Hang | Malformed
Script = Callable[[ChatRequest], Reply]


@dataclass
class ScriptedLLM:
    """``with ScriptedLLM(script) as llm:`` serves on ``llm.base_url`` (".../v1")."""

    script: Script = field(default=lambda request: Text("NO ANSWER"))
    requests: list[ChatRequest] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)  # raised by the script

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self._http = _Server(("127.0.0.1", 0), _handler_for(self))
        self.base_url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (a deadline) are what some tests are about


def _chunk(content: str | None, finish_reason: str | None, role: bool = False) -> bytes:
    delta: dict[str, str] = {"role": "assistant"} if role else {}
    if content is not None:
        delta["content"] = content
    data = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(data)}\n\n".encode()


def _completion(text: Text) -> bytes:
    message = {"role": "assistant", "content": text.content}
    return json.dumps(
        {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "scripted",
            "choices": [{"index": 0, "message": message, "finish_reason": text.finish_reason}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


def _pieces(content: str, size: int) -> list[str]:
    return [content[i : i + size] for i in range(0, len(content), size)] or [""]


def _handler_for(server: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = ChatRequest(body, headers, time.monotonic())
            server.requests.append(request)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": "not found", "type": "invalid_request"}})
                return
            try:
                reply = server.script(request)
            except Exception as error:  # a broken script fails the test that reads errors
                server.errors.append(error)
                self._json(500, {"error": {"message": repr(error), "type": "script_error"}})
                return
            try:
                self._reply(request, reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up

        def _reply(self, request: ChatRequest, reply: Reply) -> None:
            if isinstance(reply, Hang):
                self.close_connection = True
                server.stopping.wait()
            elif isinstance(reply, Malformed):
                self._send(200, reply.content_type, reply.body)
            elif isinstance(reply, Status):
                error = {"message": reply.message, "type": "server_error", "code": None}
                self._json(reply.status, {"error": error})
            elif isinstance(reply, Text) and not request.stream:
                self._send(200, "application/json", _completion(reply))
            elif isinstance(reply, Text):
                self._stream(_pieces(reply.content, reply.piece_chars), reply.delay)
                self._write_chunk(_chunk(None, reply.finish_reason))
                self._write_chunk(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
            else:  # CutOff: no finish, no [DONE], no final chunk: the connection drops
                self._stream(_pieces(reply.content, 6), reply.delay)
                self.close_connection = True

        def _stream(self, pieces: list[str], delay: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._write_chunk(_chunk("", None, role=True))
            for piece in pieces:
                if delay and server.stopping.wait(delay):
                    return
                self._write_chunk(_chunk(piece, None))

        def _write_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, "application/json", json.dumps(data).encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the requests are kept in server.requests

    return Handler
