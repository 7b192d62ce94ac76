"""A real HTTP server on 127.0.0.1 for the fetch, feed and refresh tests.

Routes map a path (with its query) to a ``Reply`` or to a function of the ``Request``
returning one. A reply's body is bytes (sent with Content-Length) or an iterable of byte
chunks (streamed until the iterable ends, the client goes away or the server stops), so
gigantic and never-ending responses are never generated in full. A ``Raw`` reply writes
its chunks as they are, status line included (for servers that trickle their headers).
Every request is logged in ``requests``.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import pytest

FIXTURES = Path(__file__).parents[2] / "fixtures" / "web"
ErrorT = TypeVar("ErrorT", bound=BaseException)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""


@dataclass
class Raw:
    """Bytes written to the socket as they come, without any HTTP framing of ours."""

    chunks: Iterable[bytes]


Route = Reply | Raw | Callable[[Request], "Reply | Raw"]


class WebServer:
    """``with WebServer() as server:`` serves ``server.routes`` on ``server.base``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._http = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self.port = self._http.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> WebServer:
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

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Route) -> str:
        """Serve ``reply`` at ``path``; returns the full URL."""
        self.routes[path] = reply
        return self.url(path)

    def log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def requested(self, path: str) -> list[Request]:
        """Requests for ``path`` (with any query string, if ``path`` has none)."""
        with self._lock:
            return [r for r in self.requests if path in (r.path, r.path.split("?")[0])]

    def paths(self) -> list[str]:
        with self._lock:
            return [request.path for request in self.requests]

    def sleep(self, seconds: float) -> bool:
        """Wait in a handler; False once the server is stopping."""
        return not self.stopping.wait(seconds)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early are what many tests are about


def _handler_for(server: WebServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            request = Request(
                "GET", self.path, {name.lower(): value for name, value in self.headers.items()}
            )
            server.log(request)
            route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
            if route is None:
                reply: Reply | Raw = Reply(404, {"Content-Type": "text/plain"}, b"not found")
            elif callable(route):
                reply = route(request)
            else:
                reply = route
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send(self, reply: Reply | Raw) -> None:
            if isinstance(reply, Raw):
                self.close_connection = True
                for chunk in reply.chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if isinstance(reply.body, bytes):
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            self.send_header("Connection", "close")  # the body ends when the socket does
            self.close_connection = True
            self.end_headers()
            for chunk in reply.body:
                if server.stopping.is_set():
                    return
                self.wfile.write(chunk)
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request log is kept in server.requests

    return Handler


class Versioned:
    """A resource that can change; its ETag follows its body, and a request carrying the
    current ETag in If-None-Match gets 304."""

    def __init__(self, content_type: str, body: bytes) -> None:
        self.content_type = content_type
        self.body = body

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:12] + '"'

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("if-none-match") == self.etag:
            return Reply(304, {"ETag": self.etag})
        return Reply(200, {"Content-Type": self.content_type, "ETag": self.etag}, self.body)


# --- fixtures and hostile bodies ------------------------------------------------------


def fixture(name: str, server: WebServer) -> bytes:
    """A file from tests/fixtures/web with ``{base}`` replaced by the server's base URL."""
    return (FIXTURES / name).read_bytes().replace(b"{base}", server.base.encode())


def endless(chunk: bytes = b"<p>" + b"x" * 65_000 + b"</p>\n") -> Iterator[bytes]:
    """A body that never ends (the same chunk, again and again)."""
    while True:
        yield chunk


def trickle(server: WebServer, data: bytes = b"<html>", every: float = 1.0) -> Iterator[bytes]:
    """``data`` and then one more byte every ``every`` seconds, forever."""
    yield data
    while server.sleep(every):
        yield b" "


def trickled_headers(server: WebServer) -> Iterator[bytes]:
    """A response whose header lines arrive one byte a second and never end."""
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: "
    while server.sleep(1.0):
        yield b"a"


def gzip_bomb(inflated_bytes: int = 1_000_000_000) -> bytes:
    """A valid gzip stream of ``inflated_bytes`` zeros, about a thousandth of that in size.

    Built from one compressed megabyte repeated (each ends in a full flush, so the copies
    are identical), so making it costs next to nothing.
    """
    block = bytes(1_000_000)
    count = inflated_bytes // len(block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    part = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (count * len(block)) & 0xFFFFFFFF)
    return header + part * count + compressor.flush() + trailer


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def refused(call: Callable[[], object], error: type[ErrorT]) -> tuple[ErrorT, float, int]:
    """The ``error`` that ``call`` raises, the seconds it took and its peak traced memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(error) as caught:
            call()
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return caught.value, seconds, peak
