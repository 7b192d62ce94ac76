"""Fetch feeds and pages over HTTP safely: public addresses only, bounded in time and size.

One ``Fetcher`` (an httpx client) serves every source. Each request is bounded by
connect/read timeouts and by a wall-clock deadline that also covers a server sending one
byte a second; responses are capped in size on the wire and after decompression (gzip and
deflate are inflated here, a bounded amount at a time, so a gzip bomb is refused after
``max_bytes`` of output); redirects are followed by hand, at most ``max_redirects`` of
them, each hop checked again. Addresses are checked where connections are made
(``PublicAddressBackend``): the host is resolved once, every address it resolves to must
be public, and the connection goes to the address that was checked, so a DNS answer that
changes between check and connect (rebinding) cannot reach a private network. Hosts in
``allowed_hosts`` skip the check (tests allow their loopback server this way).

Thread-safe: the bot calls one ``Fetcher`` from several worker threads.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Literal

import httpcore
import httpx

from index.errors import NewsbotError

log = logging.getLogger(__name__)

FetchKind = Literal["feed", "page", "sitemap", "any"]
Resolver = Callable[[str, int], Sequence[str]]

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_RETRIES = 2

_CHUNK_BYTES = 64 * 1024
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9",
    "sitemap": "application/xml, text/xml;q=0.9, application/gzip;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9",
    "any": "*/*",
}
_EXPECTED = {"feed": "a feed", "sitemap": "a sitemap", "page": "an HTML page"}
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# The wall-clock deadline of the request running in this thread (time.monotonic()).
_deadline: ContextVar[float | None] = ContextVar("newsbot_fetch_deadline", default=None)


class FetchError(NewsbotError):
    """A URL could not be fetched; the message names the URL and the reason.

    ``transient`` is True when trying again later may well succeed: the server was busy or
    down (HTTP 429/5xx) or the connection failed, through every retry.
    """

    def __init__(
        self, url: str, reason: str, *, status: int | None = None, transient: bool = False
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.transient = transient


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched resource. ``not_modified`` means a conditional request got HTTP 304."""

    url: str
    final_url: str
    status: int
    content_type: str | None  # media type, lower case, without parameters
    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    charset: str | None = None  # from the Content-Type header, when it names one


def default_user_agent(contact_url: str | None = None) -> str:
    """``newsbot/<version>``, plus ``(+contact_url)`` so publishers can reach the operator."""
    try:
        release = version("newsbot")
    except PackageNotFoundError:
        release = "0+unknown"
    return f"newsbot/{release}" + (f" (+{contact_url})" if contact_url else "")


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
        super().__init__(f"{host} resolves to a {kind} address {address}")
        self.host, self.address, self.kind = host, address, kind


class _ResolveError(Exception):
    """The host name has no address."""


class _DeadlineExceededError(Exception):
    """The request's wall-clock deadline passed."""


def _remaining(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of this thread's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise _DeadlineExceededError
    return left if timeout is None else min(timeout, left)


def _expired() -> bool:
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() >= deadline


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, by the system resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise _ResolveError(f"cannot resolve {host} ({error})") from None
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
        error: Exception = _ResolveError(f"cannot resolve {host} (no addresses)")
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
                    raise _DeadlineExceededError from None
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
        raise _DeadlineExceededError
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    if not result:
        raise _ResolveError(f"cannot resolve {host} (no addresses)")
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
                raise _DeadlineExceededError from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._inner.write(buffer, _remaining(timeout))
        except httpcore.WriteTimeout:
            if _expired():
                raise _DeadlineExceededError from None
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
                raise _DeadlineExceededError from None
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


class _Transport(httpx.BaseTransport):
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


class _RetryableError(Exception):
    def __init__(self, reason: str, *, after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason, self.after, self.status = reason, after, status


class _TooLargeError(Exception):
    pass


class Fetcher:
    """Fetches URLs with the limits above; ``fetch`` returns a result or raises FetchError.

    ``timeout_seconds`` is the wall-clock limit of one attempt, redirects included;
    ``connect_timeout_seconds``/``read_timeout_seconds`` bound connecting and each silence
    while reading. Attempts that end in HTTP 429/500/502/503/504 or a dropped connection
    are retried ``retries`` times, after ``Retry-After`` (if the server sends one no longer
    than ``max_retry_after_seconds``) or an exponential backoff from ``backoff_seconds``.
    Timeouts are not retried: a slow server stays slow. ``resolver`` and ``sleep`` are
    replaceable for tests.
    """

    def __init__(
        self,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        connect_timeout_seconds: float = 5.0,
        read_timeout_seconds: float = 5.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        retries: int = DEFAULT_RETRIES,
        backoff_seconds: float = 0.5,
        max_retry_after_seconds: float = 30.0,
        user_agent: str | None = None,
        allowed_hosts: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for name, value in (
            ("timeout_seconds", timeout_seconds),
            ("connect_timeout_seconds", connect_timeout_seconds),
            ("read_timeout_seconds", read_timeout_seconds),
            ("max_bytes", max_bytes),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        for name, value in (
            ("max_redirects", max_redirects),
            ("retries", retries),
            ("backoff_seconds", backoff_seconds),
            ("max_retry_after_seconds", max_retry_after_seconds),
        ):
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        self.timeout_seconds = timeout_seconds
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.max_retry_after_seconds = max_retry_after_seconds
        self.user_agent = user_agent or default_user_agent()
        self._connect_timeout = connect_timeout_seconds
        self._read_timeout = read_timeout_seconds
        self._sleep = sleep
        backend = PublicAddressBackend(allowed_hosts=allowed_hosts, resolver=resolver)
        self._client = httpx.Client(
            transport=_Transport(backend),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address check
            timeout=httpx.Timeout(
                connect=connect_timeout_seconds,
                read=read_timeout_seconds,
                write=read_timeout_seconds,
                pool=timeout_seconds,
            ),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        kind: FetchKind = "any",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url``; ``kind`` decides which content types are accepted.

        ``etag``/``last_modified`` (from an earlier result) make the request conditional;
        an unchanged resource then comes back with ``not_modified=True`` and no body.
        """
        if kind not in _ACCEPT:
            raise ValueError(f"kind must be one of {sorted(_ACCEPT)}, got {kind!r}")
        _check_url(url, url)
        headers = {"Accept": _ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 1
        while True:
            try:
                return self._attempt(url, kind, headers)
            except _RetryableError as retry:
                if attempt > self.retries:
                    tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise FetchError(
                        url, retry.reason + tries, status=retry.status, transient=True
                    ) from None
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                if retry.after is not None:
                    if retry.after > self.max_retry_after_seconds:
                        raise FetchError(
                            url,
                            f"{retry.reason}, asked to retry after {retry.after:g} s "
                            f"(more than the {self.max_retry_after_seconds:g} s allowed)",
                            status=retry.status,
                            transient=True,
                        ) from None
                    delay = retry.after
                log.info("%s: %s; retrying in %.1f s", url, retry.reason, delay)
                self._sleep(delay)
                attempt += 1

    def _attempt(self, url: str, kind: FetchKind, headers: dict[str, str]) -> FetchResult:
        token = _deadline.set(time.monotonic() + self.timeout_seconds)
        current, started = url, False
        try:
            for hop in range(self.max_redirects + 1):
                with self._client.stream("GET", current, headers=headers) as response:
                    started = True
                    if not response.has_redirect_location:
                        return self._result(url, kind, headers, response)
                    if hop == self.max_redirects:
                        raise FetchError(url, f"redirected more than {self.max_redirects} times")
                    current = _redirect_target(url, response)
                    started = False
            raise AssertionError("unreachable: the loop returns or raises")
        except _DeadlineExceededError:
            if started:
                reason = f"response not complete within {self.timeout_seconds:g} s"
            else:
                reason = f"no response within {self.timeout_seconds:g} s"
            raise FetchError(url, reason) from None
        except AddressNotAllowedError as error:
            via = f"redirected to {current}, which " if current != url else ""
            raise FetchError(
                url, f"{via}resolves to a {error.kind} address {error.address} (not allowed)"
            ) from None
        except _ResolveError as error:
            raise FetchError(url, str(error)) from None
        except httpx.ConnectTimeout:
            raise FetchError(url, f"could not connect within {self._connect_timeout:g} s") from None
        except httpx.TimeoutException:
            raise FetchError(url, f"no data for {self._read_timeout:g} s") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
            raise _RetryableError(f"connection failed ({error or type(error).__name__})") from None
        except httpx.DecodingError as error:
            raise FetchError(url, str(error)) from None
        except httpx.HTTPError as error:
            raise FetchError(url, f"HTTP error ({error or type(error).__name__})") from None
        finally:
            _deadline.reset(token)

    def _result(
        self, url: str, kind: FetchKind, headers: dict[str, str], response: httpx.Response
    ) -> FetchResult:
        status = response.status_code
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if status == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
            return FetchResult(
                url=url,
                final_url=str(response.url),
                status=status,
                content_type=None,
                body=b"",
                etag=etag or headers.get("If-None-Match"),
                last_modified=last_modified or headers.get("If-Modified-Since"),
                not_modified=True,
            )
        if status in _RETRY_STATUSES:
            after = _retry_after(response.headers.get("Retry-After"))
            raise _RetryableError(f"HTTP {status}", after=after, status=status)
        if not 200 <= status < 300:
            raise FetchError(url, f"HTTP {status}", status=status)
        content_type, charset = _media_type(response.headers.get("Content-Type"))
        if kind != "any" and not _type_fits(kind, content_type):
            got = f"Content-Type {content_type}" if content_type else "no Content-Type"
            raise FetchError(url, f"{got}, expected {_EXPECTED[kind]}", status=status)
        try:
            body = self._read_body(response)
        except _TooLargeError as error:
            raise FetchError(url, f"response larger than {self.max_bytes} bytes{error}") from None
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status=status,
            content_type=content_type,
            body=body,
            etag=etag,
            last_modified=last_modified,
            charset=charset,
        )

    def _read_body(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise _TooLargeError(f" (Content-Length {int(declared)})")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        inflater = None if encoding in ("", "identity") else _Inflater(encoding)
        body = bytearray()
        on_wire = 0
        for chunk in response.iter_raw(_CHUNK_BYTES):
            on_wire += len(chunk)
            if on_wire > self.max_bytes:
                raise _TooLargeError("")
            if inflater is None:
                body += chunk
            else:
                body += inflater.inflate(chunk, self.max_bytes - len(body))
        if inflater is not None:
            body += inflater.finish(self.max_bytes - len(body))
        return bytes(body)


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than asked for."""

    def __init__(self, encoding: str) -> None:
        if encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped; raw deflate is tried on error
        else:
            raise httpx.DecodingError(f"unsupported Content-Encoding {encoding}")
        self._decompressor = zlib.decompressobj(self._wbits)
        self._started = False

    def inflate(self, data: bytes, limit: int) -> bytes:
        try:
            output = self._decompressor.decompress(data, limit + 1)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise httpx.DecodingError("response body is not valid compressed data") from None
            self._wbits = -zlib.MAX_WBITS
            self._decompressor = zlib.decompressobj(self._wbits)
            return self.inflate(data, limit)
        self._started = True
        if len(output) > limit:
            raise _TooLargeError(" after decompression")
        return output

    def finish(self, limit: int) -> bytes:
        output = self._decompressor.flush()
        if len(output) > limit:
            raise _TooLargeError(" after decompression")
        return output


def inflate_limited(data: bytes, max_bytes: int) -> bytes:
    """``data`` gunzipped (for .xml.gz sitemaps), refusing output beyond ``max_bytes``.

    Raises ValueError with the reason.
    """
    inflater = _Inflater("gzip")
    try:
        return inflater.inflate(data, max_bytes) + inflater.finish(max_bytes)
    except _TooLargeError:
        raise ValueError(f"larger than {max_bytes} bytes after decompression") from None
    except httpx.DecodingError as error:
        raise ValueError(str(error)) from None


def _check_url(url: str, original: str, *, location: str | None = None) -> httpx.URL:
    """``url`` parsed, if it may be fetched; ``location`` is the redirect that led there."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise FetchError(original, f"not a valid URL ({error})") from None
    if parsed.scheme not in ("http", "https"):
        target = f"redirected to {location}; " if location else ""
        raise FetchError(original, f"{target}only http and https URLs can be fetched")
    if not parsed.host:
        raise FetchError(original, "URL has no host")
    return parsed


def _redirect_target(original: str, response: httpx.Response) -> str:
    location = response.headers["Location"]
    try:
        target = str(response.url.join(location))
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError(original, f"redirected to an invalid URL {location!r}") from None
    _check_url(target, original, location=location)
    log.debug("%s: redirected to %s", original, target)
    return target


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    media, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media.strip().lower() or None, charset


def _type_fits(kind: FetchKind, content_type: str | None) -> bool:
    if content_type is None:
        return False
    if kind == "page":
        return content_type in HTML_TYPES
    xml = content_type.endswith(("/xml", "+xml"))
    if kind == "sitemap":
        return xml or content_type in _GZIP_TYPES
    return xml  # a feed
