"""Fetch feeds and pages over HTTP safely: the fetch policy, bounded in time and size.

One ``Fetcher`` (an httpx client) serves every source. Each request is bounded by
connect/read timeouts and by a wall-clock deadline that also covers a server sending one
byte a second; responses are capped in size on the wire and after decompression (gzip and
deflate are inflated by ``index.web.inflate``, a bounded amount at a time, so a gzip bomb
is refused after ``max_bytes`` of output); only the content types the caller expects are
accepted; redirects are followed by hand, at most ``max_redirects`` of them, each hop
checked again; HTTP 429/5xx are retried. Where it may connect is decided by
``index.web.addresses`` (public addresses only, unless a host is allowed).

Thread-safe: the bot calls one ``Fetcher`` from several worker threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Literal

import httpx

from index.errors import NewsbotError
from index.ingest.urls import display_url
from index.web.addresses import (
    AddressNotAllowedError,
    DeadlineExceededError,
    PublicAddressBackend,
    PublicAddressTransport,
    ResolveError,
    Resolver,
    deadline_after,
    system_resolver,
)
from index.web.inflate import InflateError, TooLargeError, read_limited

log = logging.getLogger(__name__)

FetchKind = Literal["feed", "page", "sitemap", "any"]

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


class FetchError(NewsbotError):
    """A URL could not be fetched; the message names the URL (``display_url``: one line,
    shortened) and the reason; ``url`` is the URL as given.

    ``transient`` is True when trying again later may well succeed: the server was busy or
    down (HTTP 429/5xx) or the connection failed, through every retry.
    """

    def __init__(
        self, url: str, reason: str, *, status: int | None = None, transient: bool = False
    ) -> None:
        super().__init__(f"{display_url(url)}: {reason}")
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


class _RetryableError(Exception):
    def __init__(self, reason: str, *, after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason, self.after, self.status = reason, after, status


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
            transport=PublicAddressTransport(backend),
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
                log.info("%s: %s; retrying in %.1f s", display_url(url), retry.reason, delay)
                self._sleep(delay)
                attempt += 1

    def _attempt(self, url: str, kind: FetchKind, headers: dict[str, str]) -> FetchResult:
        current, started = url, False
        try:
            with deadline_after(self.timeout_seconds):
                for hop in range(self.max_redirects + 1):
                    with self._client.stream("GET", current, headers=headers) as response:
                        started = True
                        if not response.has_redirect_location:
                            return self._result(url, kind, headers, response)
                        if hop == self.max_redirects:
                            raise FetchError(
                                url, f"redirected more than {self.max_redirects} times"
                            )
                        current = _redirect_target(url, response)
                        started = False
                raise AssertionError("unreachable: the loop returns or raises")
        except DeadlineExceededError:
            if started:
                reason = f"response not complete within {self.timeout_seconds:g} s"
            else:
                reason = f"no response within {self.timeout_seconds:g} s"
            raise FetchError(url, reason) from None
        except AddressNotAllowedError as error:
            via = f"redirected to {display_url(current)}, which " if current != url else ""
            raise FetchError(url, f"{via}resolves to {error.described} (not allowed)") from None
        except ResolveError as error:
            raise FetchError(url, str(error)) from None
        except httpx.ConnectTimeout:
            raise FetchError(url, f"could not connect within {self._connect_timeout:g} s") from None
        except httpx.TimeoutException:
            raise FetchError(url, f"no data for {self._read_timeout:g} s") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
            raise _RetryableError(f"connection failed ({error or type(error).__name__})") from None
        except (InflateError, httpx.DecodingError) as error:
            raise FetchError(url, str(error)) from None
        except httpx.HTTPError as error:
            raise FetchError(url, f"HTTP error ({error or type(error).__name__})") from None

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
        except TooLargeError as error:
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
            raise TooLargeError(f" (Content-Length {int(declared)})")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        return read_limited(response.iter_raw(_CHUNK_BYTES), encoding, self.max_bytes)


def _check_url(url: str, original: str, *, location: str | None = None) -> httpx.URL:
    """``url`` parsed, if it may be fetched; ``location`` is the redirect that led there."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise FetchError(original, f"not a valid URL ({error})") from None
    if parsed.scheme not in ("http", "https"):
        target = f"redirected to {display_url(location)}; " if location else ""
        raise FetchError(original, f"{target}only http and https URLs can be fetched")
    if not parsed.host:
        raise FetchError(original, "URL has no host")
    return parsed


def _redirect_target(original: str, response: httpx.Response) -> str:
    location = response.headers["Location"]
    try:
        target = str(response.url.join(location))
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError(
            original, f"redirected to an invalid URL {display_url(location)}"
        ) from None
    _check_url(target, original, location=location)
    log.debug("%s: redirected to %s", display_url(original), display_url(target))
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
