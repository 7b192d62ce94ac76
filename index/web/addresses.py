"""Where newsbot may connect: public addresses only, checked where connections are made.

``PublicAddressBackend`` is an httpcore network backend: the host is resolved once, every
address it resolves to must be public, and the connection goes to the address that was
checked, so a DNS answer that changes between check and connect (rebinding) cannot reach
a private network. Hosts in ``allowed_hosts`` skip the check (tests allow their loopback
server this way). Its streams stop at the calling thread's request deadline
(``deadline_after``), which also covers a server sending one byte a second.
``PublicAddressTransport`` runs httpx over it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

Resolver = Callable[[str, int], Sequence[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# The wall-clock deadline of the request running in this thread (time.monotonic()).
_deadline: ContextVar[float | None] = ContextVar("newsbot_fetch_deadline", default=None)


def address_problem(address: str) -> str | None:
    """Why ``address`` may not be connected to ("private", "loopback", ...), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("%eth0")
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address are judged by the IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(str(embedded))
    for kind, flagged in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    ):
        if flagged:
            return kind
    return None


class AddressNotAllowedError(Exception):
    """Raised by ``PublicAddressBackend``; the fetcher turns it into a ``FetchError``."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        self.host, self.address, self.kind = host, address, kind
        super().__init__(f"{host} resolves to {self.described}")

    @property
    def described(self) -> str:
        """What was refused: "a private address 10.0.0.5", "an unspecified address 0.0.0.0"."""
        article = "an" if self.kind[:1] in "aeiou" else "a"
        return f"{article} {self.kind} address {self.address}"


class ResolveError(Exception):
    """The host name has no address."""


class DeadlineExceededError(Exception):
    """The request's wall-clock deadline passed."""


@contextmanager
def deadline_after(seconds: float) -> Iterator[None]:
    """Connections made and used in this thread stop ``seconds`` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of this thread's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceededError
    return left if timeout is None else min(timeout, left)


def _expired() -> bool:
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() >= deadline


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, by the system resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ResolveError(f"cannot resolve {host} ({error})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PublicAddressBackend(httpcore.NetworkBackend):
    """An httpcore network backend that connects only to public addresses.

    The host is resolved once per connection; every address must be public (else
    ``AddressNotAllowedError``), and the connection goes to one of those very addresses.
    Hosts in ``allowed_hosts`` (names or literal addresses, as written in URLs) skip the
    check. Streams it returns honour the calling thread's
    request deadline.
    """

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._allowed = frozenset(_host_key(host) for host in allowed_hosts)
        self._resolver = resolver
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.addresses(host, port, check=_host_key(host) not in self._allowed)
        error: Exception = ResolveError(f"cannot resolve {host} (no addresses)")
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_remaining(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectTimeout:
                if _expired():
                    raise DeadlineExceededError from None
                raise
            except httpcore.ConnectError as failure:
                error = failure
                continue
            return _DeadlineStream(stream)
        raise error

    def addresses(self, host: str, port: int, *, check: bool = True) -> list[str]:
        """The addresses of ``host``; with ``check``, all public or AddressNotAllowedError."""
        try:
            addresses = [str(ipaddress.ip_address(host))]  # a literal address
        except ValueError:
            addresses = _resolve_before_deadline(self._resolver, host, port)
        for address in addresses if check else ():
            if kind := address_problem(address):
                raise AddressNotAllowedError(host, address, kind)
        return addresses

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressNotAllowedError(path, path, "unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _resolve_before_deadline(resolver: Resolver, host: str, port: int) -> list[str]:
    """``resolver(host, port)`` in a helper thread, so a hanging DNS server cannot
    outlast the request's deadline (the thread is a daemon and finishes on its own)."""
    outcome: list[Sequence[str] | BaseException] = []

    def resolve() -> None:
        try:
            outcome.append(resolver(host, port))
        except BaseException as error:  # handed to the waiting thread
            outcome.append(error)

    worker = threading.Thread(target=resolve, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(_remaining(None))
    if not outcome:
        raise DeadlineExceededError
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    if not result:
        raise ResolveError(f"cannot resolve {host} (no addresses)")
    return [str(address) for address in result]


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes stop at the calling thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _remaining(timeout))
        except httpcore.ReadTimeout:
            if _expired():
                raise DeadlineExceededError from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._inner.write(buffer, _remaining(timeout))
        except httpcore.WriteTimeout:
            if _expired():
                raise DeadlineExceededError from None
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            stream = self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout))
        except httpcore.ConnectTimeout:
            if _expired():
                raise DeadlineExceededError from None
            raise
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """httpcore's exceptions as httpx's exceptions of the same name."""
    try:
        yield
    except (
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.UnsupportedProtocol,
        httpcore.ProxyError,
    ) as error:
        mapped = getattr(httpx, type(error).__name__, httpx.TransportError)
        raise mapped(str(error)) from error


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class PublicAddressTransport(httpx.BaseTransport):
    """httpx over an httpcore pool that connects through ``PublicAddressBackend``."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=30.0,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
