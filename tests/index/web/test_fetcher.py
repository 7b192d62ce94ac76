"""Fetcher against a real loopback server: limits, retries, redirects, address policy."""

from __future__ import annotations

import itertools
import socket
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from index.errors import NewsbotError
from index.web.fetcher import Fetcher, FetchError, default_user_agent
from tests.index.web.webserver import (
    Raw,
    Reply,
    Request,
    WebServer,
    endless,
    gzip_bomb,
    gzipped,
    refused,
    trickle,
    trickled_headers,
)

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = b"<html><body><p>" + b"Harbour news. " * 20 + b"</p></body></html>"
LIMIT = 1_000_000  # max_bytes for the size tests
# Host names the tests resolve themselves; only 127.0.0.1 is ever connected to.
FAKE_DNS = {
    "intranet.test": ["10.0.0.5"],
    "metadata.test": ["169.254.169.254"],
    "loopback6.test": ["::1"],
    "mapped.test": ["::ffff:10.0.0.5"],
    "mixed.test": ["93.184.216.34", "10.1.2.3"],
    "carrier.test": ["100.64.0.1"],
    "localhost.test": ["127.0.0.1"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    if host not in FAKE_DNS:
        raise AssertionError(f"the test resolved an unexpected host {host}")
    return FAKE_DNS[host]


class Sleeps(list[float]):
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_fetcher(sleeps: Sleeps) -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def make(**options: Any) -> Fetcher:
        options.setdefault("allowed_hosts", {"127.0.0.1"})
        options.setdefault("timeout_seconds", 2.0)
        options.setdefault("resolver", fake_resolver)
        options.setdefault("sleep", sleeps)
        made.append(Fetcher(**options))
        return made[-1]

    yield make
    for fetcher in made:
        fetcher.close()


@pytest.fixture
def fetcher(make_fetcher: Callable[..., Fetcher]) -> Fetcher:
    return make_fetcher(max_bytes=LIMIT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- ordinary fetches -----------------------------------------------------------------


def test_fetch_returns_body_type_charset_and_validators(server: WebServer, fetcher: Fetcher):
    headers = {**HTML, "ETag": '"v1"', "Last-Modified": "Mon, 03 Jun 2024 09:00:00 GMT"}
    url = server.route("/page.html", Reply(200, headers, PAGE))

    result = fetcher.fetch(url, kind="page")

    assert (result.status, result.body, result.not_modified) == (200, PAGE, False)
    assert (result.content_type, result.charset) == ("text/html", "utf-8")
    assert (result.etag, result.last_modified) == ('"v1"', "Mon, 03 Jun 2024 09:00:00 GMT")
    assert result.url == result.final_url == url


def test_requests_carry_the_newsbot_user_agent_with_its_contact_url(
    server: WebServer, make_fetcher: Callable[..., Fetcher]
):
    url = server.route("/page.html", Reply(200, HTML, PAGE))
    agent = default_user_agent("https://news.example/bot")

    make_fetcher(user_agent=agent).fetch(url)

    assert agent.startswith("newsbot/") and agent.endswith(" (+https://news.example/bot)")
    assert server.requested("/page.html")[0].headers["user-agent"] == agent


def test_gzip_and_deflate_responses_are_inflated(server: WebServer, fetcher: Fetcher):
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    bodies = {
        "gzip": gzipped(PAGE),
        "deflate": zlib.compress(PAGE),
        "raw-deflate": raw_deflate.compress(PAGE) + raw_deflate.flush(),
    }
    for name, body in bodies.items():
        encoding = name.removeprefix("raw-")
        url = server.route(f"/{name}", Reply(200, {**HTML, "Content-Encoding": encoding}, body))
        assert fetcher.fetch(url, kind="page").body == PAGE, name


def test_unsupported_content_encoding_is_refused(server: WebServer, fetcher: Fetcher):
    url = server.route("/br", Reply(200, {**HTML, "Content-Encoding": "br"}, b"\x1b\x03"))

    with pytest.raises(FetchError, match=r"/br: unsupported Content-Encoding br$"):
        fetcher.fetch(url)


def test_http_error_status_is_reported_with_its_code(server: WebServer, fetcher: Fetcher):
    with pytest.raises(FetchError, match=r"/missing: HTTP 404$") as caught:
        fetcher.fetch(server.url("/missing"))
    assert caught.value.status == 404
    assert isinstance(caught.value, NewsbotError)


@pytest.mark.parametrize(
    ("kind", "content_type", "reason"),
    [
        ("feed", "text/html", "Content-Type text/html, expected a feed"),
        ("page", "application/pdf", "Content-Type application/pdf, expected an HTML page"),
        ("page", None, "no Content-Type, expected an HTML page"),
    ],
)
def test_unexpected_content_type_is_refused(
    server: WebServer, fetcher: Fetcher, kind: Any, content_type: str | None, reason: str
):
    headers = {"Content-Type": content_type} if content_type else {}
    url = server.route("/thing", Reply(200, headers, PAGE))

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, kind=kind)
    assert caught.value.reason == reason


def test_feed_and_sitemap_kinds_accept_xml_types(server: WebServer, fetcher: Fetcher):
    for number, content_type in enumerate(
        ["application/rss+xml", "application/atom+xml", "text/xml; charset=utf-8"]
    ):
        url = server.route(f"/feed{number}", Reply(200, {"Content-Type": content_type}, b"<rss/>"))
        assert fetcher.fetch(url, kind="feed").body == b"<rss/>"
    url = server.route("/sitemap.xml.gz", Reply(200, {"Content-Type": "application/gzip"}, b"x"))
    assert fetcher.fetch(url, kind="sitemap").content_type == "application/gzip"


# --- conditional requests -------------------------------------------------------------


def test_conditional_request_with_stored_validators_gets_not_modified(
    server: WebServer, fetcher: Fetcher
):
    modified = "Mon, 03 Jun 2024 09:00:00 GMT"

    def feed(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(
            200,
            {"Content-Type": "application/rss+xml", "ETag": '"v1"', "Last-Modified": modified},
            b"<rss/>",
        )

    url = server.route("/feed.xml", feed)
    first = fetcher.fetch(url, kind="feed")
    second = fetcher.fetch(url, kind="feed", etag=first.etag, last_modified=first.last_modified)

    assert (second.not_modified, second.status, second.body) == (True, 304, b"")
    assert (second.etag, second.last_modified) == ('"v1"', modified)
    conditional = server.requested("/feed.xml")[1].headers
    assert conditional["if-none-match"] == '"v1"'
    assert conditional["if-modified-since"] == modified


# --- redirects ------------------------------------------------------------------------


def test_redirect_chain_is_followed_to_the_final_url(server: WebServer, fetcher: Fetcher):
    server.route("/r1", Reply(301, {"Location": "/r2"}))
    server.route("/r2", Reply(302, {"Location": server.url("/r3")}))
    server.route("/r3", Reply(307, {"Location": "final.html"}))
    final = server.route("/final.html", Reply(200, HTML, PAGE))

    result = fetcher.fetch(server.url("/r1"), kind="page")

    assert (result.url, result.final_url, result.body) == (server.url("/r1"), final, PAGE)


def test_endless_redirect_loop_is_refused_after_the_cap(
    server: WebServer, make_fetcher: Callable[..., Fetcher]
):
    url = server.route("/loop", Reply(302, {"Location": "/loop"}))

    with pytest.raises(FetchError, match=r"/loop: redirected more than 5 times$"):
        make_fetcher(max_redirects=5).fetch(url)
    assert len(server.requested("/loop")) == 6


def test_redirect_to_another_scheme_is_refused(server: WebServer, fetcher: Fetcher):
    url = server.route("/to-file", Reply(302, {"Location": "file:///etc/passwd"}))

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == (
        "redirected to file:///etc/passwd; only http and https URLs can be fetched"
    )


def test_each_redirect_hop_is_checked_against_the_address_policy(
    server: WebServer, fetcher: Fetcher
):
    url = server.route("/to-intranet", Reply(302, {"Location": "http://intranet.test/admin"}))

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == (
        "redirected to http://intranet.test/admin, which resolves to a private address "
        "10.0.0.5 (not allowed)"
    )


def test_redirect_to_a_name_for_loopback_is_refused_though_the_address_is_allowed(
    server: WebServer, fetcher: Fetcher
):
    url = server.route("/sneaky", Reply(302, {"Location": f"http://localhost.test:{server.port}/"}))

    with pytest.raises(FetchError, match=r"resolves to a loopback address 127\.0\.0\.1"):
        fetcher.fetch(url)
    assert server.paths() == ["/sneaky"]


# --- retries --------------------------------------------------------------------------


def _failing_then_ok(failures: list[Reply]) -> Callable[[Request], Reply]:
    def reply(request: Request) -> Reply:
        return failures.pop(0) if failures else Reply(200, HTML, PAGE)

    return reply


def test_429_is_retried_after_the_retry_after_seconds(
    server: WebServer, fetcher: Fetcher, sleeps: Sleeps
):
    url = server.route("/busy", _failing_then_ok([Reply(429, {"Retry-After": "1"})]))

    assert fetcher.fetch(url).body == PAGE
    assert sleeps == [1.0]
    assert len(server.requested("/busy")) == 2


def test_retry_after_as_an_http_date_is_honoured(
    server: WebServer, fetcher: Fetcher, sleeps: Sleeps
):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    url = server.route("/busy", _failing_then_ok([Reply(503, {"Retry-After": when})]))

    assert fetcher.fetch(url).body == PAGE
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 3.0


def test_503_is_retried_with_exponential_backoff(
    server: WebServer, fetcher: Fetcher, sleeps: Sleeps
):
    url = server.route("/flaky", _failing_then_ok([Reply(503), Reply(502)]))

    assert fetcher.fetch(url).body == PAGE
    assert sleeps == [0.5, 1.0]


def test_persistent_503_is_reported_after_the_last_retry(
    server: WebServer, fetcher: Fetcher, sleeps: Sleeps
):
    url = server.route("/down", Reply(503))

    with pytest.raises(FetchError, match=r"/down: HTTP 503 \(after 3 attempts\)$"):
        fetcher.fetch(url)
    assert len(server.requested("/down")) == 3


def test_retry_after_longer_than_the_cap_fails_at_once(
    server: WebServer, fetcher: Fetcher, sleeps: Sleeps
):
    url = server.route("/later", Reply(429, {"Retry-After": "3600"}))

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == (
        "HTTP 429, asked to retry after 3600 s (more than the 30 s allowed)"
    )
    assert sleeps == []


def test_refused_connection_is_retried_then_reported(
    make_fetcher: Callable[..., Fetcher], sleeps: Sleeps
):
    url = f"http://127.0.0.1:{free_port()}/feed"

    with pytest.raises(FetchError, match=r"connection failed .*\(after 3 attempts\)$"):
        make_fetcher().fetch(url)
    assert sleeps == [0.5, 1.0]


def test_proxy_settings_in_the_environment_are_ignored(
    server: WebServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
):
    proxy = f"http://127.0.0.1:{free_port()}"  # a proxy would bypass the address checks
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy)
    url = server.route("/page.html", Reply(200, HTML, PAGE))

    assert Fetcher(allowed_hosts={"127.0.0.1"}).fetch(url).body == PAGE


# --- hostile servers ------------------------------------------------------------------


def test_gigantic_streamed_page_is_refused_in_bounded_memory(server: WebServer, fetcher: Fetcher):
    url = server.route("/huge", lambda request: Reply(200, HTML, endless()))

    error, seconds, peak = refused(lambda: fetcher.fetch(url, kind="page"), FetchError)

    assert error.reason == f"response larger than {LIMIT} bytes"
    assert seconds < 2.0
    assert peak < 4 * LIMIT


def test_declared_content_length_beyond_the_limit_is_refused_before_reading(
    server: WebServer, fetcher: Fetcher
):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000000000\r\n\r\n"
    url = server.route("/declared", lambda request: Raw(itertools.chain([head], endless())))

    error, seconds, _ = refused(lambda: fetcher.fetch(url), FetchError)

    assert error.reason == f"response larger than {LIMIT} bytes (Content-Length 10000000000)"
    assert seconds < 1.0


def test_gzip_bomb_is_refused_without_inflating_it(server: WebServer, fetcher: Fetcher):
    bomb = gzip_bomb(1_000_000_000)  # 1 GB of zeros in about 1 MB
    url = server.route("/bomb", Reply(200, {**HTML, "Content-Encoding": "gzip"}, bomb))

    error, seconds, peak = refused(lambda: fetcher.fetch(url, kind="page"), FetchError)

    assert error.reason == f"response larger than {LIMIT} bytes after decompression"
    assert len(bomb) < 1_100_000
    assert seconds < 2.0
    assert peak < 4 * LIMIT


def test_server_trickling_its_body_is_cut_off_at_the_deadline(
    server: WebServer, make_fetcher: Callable[..., Fetcher]
):
    url = server.route("/trickle", lambda request: Reply(200, HTML, trickle(server, every=0.2)))

    error, seconds, _ = refused(lambda: make_fetcher(timeout_seconds=1.0).fetch(url), FetchError)

    assert error.reason == "response not complete within 1 s"
    assert 0.9 <= seconds < 2.0


def test_server_trickling_its_headers_is_cut_off_at_the_deadline(
    server: WebServer, make_fetcher: Callable[..., Fetcher]
):
    url = server.route("/slow-headers", lambda request: Raw(trickled_headers(server)))

    error, seconds, _ = refused(lambda: make_fetcher(timeout_seconds=1.0).fetch(url), FetchError)

    assert error.reason == "no response within 1 s"
    assert 0.9 <= seconds < 2.0


def test_silent_server_times_out_and_timeouts_are_not_retried(
    server: WebServer, make_fetcher: Callable[..., Fetcher], sleeps: Sleeps
):
    url = server.route("/silent", lambda request: Reply(200, HTML, trickle(server, every=5.0)))

    error, seconds, _ = refused(
        lambda: make_fetcher(read_timeout_seconds=0.3, timeout_seconds=2.0).fetch(url), FetchError
    )

    assert error.reason == "no data for 0.3 s"
    assert seconds < 1.0
    assert sleeps == [] and len(server.requested("/silent")) == 1


# --- address policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "resolves to a loopback address 127.0.0.1 (not allowed)"),
        ("[::1]", "resolves to a loopback address ::1 (not allowed)"),
        ("intranet.test", "resolves to a private address 10.0.0.5 (not allowed)"),
        ("metadata.test", "resolves to a link-local address 169.254.169.254 (not allowed)"),
        ("169.254.169.254", "resolves to a link-local address 169.254.169.254 (not allowed)"),
        ("loopback6.test", "resolves to a loopback address ::1 (not allowed)"),
        ("mapped.test", "resolves to a private address ::ffff:10.0.0.5 (not allowed)"),
        ("mixed.test", "resolves to a private address 10.1.2.3 (not allowed)"),
        ("carrier.test", "resolves to a non-public address 100.64.0.1 (not allowed)"),
        ("0.0.0.0", "resolves to an unspecified address 0.0.0.0 (not allowed)"),
    ],
)
def test_non_public_addresses_are_refused_unless_allow_listed(
    server: WebServer, make_fetcher: Callable[..., Fetcher], host: str, reason: str
):
    server.route("/feed", Reply(200, HTML, PAGE))
    url = f"http://{host}:{server.port}/feed"

    error, seconds, _ = refused(lambda: make_fetcher(allowed_hosts=()).fetch(url), FetchError)

    assert error.reason == reason
    assert str(error) == f"{url}: {reason}"
    assert seconds < 1.0
    assert server.requests == []


def test_allow_listed_host_names_may_resolve_to_loopback(
    server: WebServer, make_fetcher: Callable[..., Fetcher]
):
    server.route("/feed", Reply(200, HTML, PAGE))
    url = f"http://localhost.test:{server.port}/feed"

    assert make_fetcher(allowed_hosts={"LOCALHOST.test"}).fetch(url).body == PAGE


def test_only_http_and_https_urls_are_fetched(fetcher: Fetcher):
    for url in ("file:///etc/passwd", "ftp://example.org/feed", "gopher://x/"):
        with pytest.raises(FetchError, match="only http and https URLs can be fetched"):
            fetcher.fetch(url)


def test_unresolvable_host_is_reported_without_retries(fetcher: Fetcher, sleeps: Sleeps):
    def no_such_host(host: str, port: int) -> list[str]:
        return []

    with pytest.raises(FetchError, match=r"cannot resolve gone\.test \(no addresses\)$"):
        Fetcher(resolver=no_such_host, sleep=sleeps).fetch("http://gone.test/feed")
    assert sleeps == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a\r\nX-Injected: yes",
        "gopher://news.test/" + "x" * 100_000,
        "http://" + "a" * 100_000 + ".test/",
    ],
)
def test_a_url_in_a_fetch_error_is_shown_on_one_line_escaped_and_shortened(
    fetcher: Fetcher, url: str
):
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)

    message = str(caught.value)
    assert "\r" not in message and "\n" not in message
    assert len(message) < 400
    assert caught.value.url == url  # the url itself is kept as it was


def test_a_redirect_to_a_long_url_is_shown_shortened(server: WebServer, fetcher: Fetcher):
    target = "ftp://news.test/" + "x" * 10_000
    server.route("/moved", Reply(302, {"Location": target}, b""))

    with pytest.raises(FetchError, match="only http and https") as caught:
        fetcher.fetch(server.url("/moved"))
    assert len(str(caught.value)) < 600


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_bytes must be positive"):
        Fetcher(max_bytes=0)
    with pytest.raises(ValueError, match="retries must not be negative"):
        Fetcher(retries=-1)
