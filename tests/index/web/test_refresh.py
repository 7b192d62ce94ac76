"""refresh(): feeds, sitemaps and pages from a loopback server into the web store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from index.records import Skipped
from index.web.article_store import WebArticle, WebStore
from index.web.fetcher import Fetcher
from index.web.refresh import RefreshProgress, WebSource, is_due, refresh
from tests.index.web.webserver import (
    Reply,
    Request,
    Versioned,
    WebServer,
    endless,
    fixture,
    gzip_bomb,
    trickle,
)

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = "application/rss+xml"
PAGES = ["tram", "ferry", "library", "wind", "bridge", "market", "night-buses", "no-article"]


def fake_resolver(host: str, port: int) -> list[str]:
    return {"intranet.test": ["10.0.0.5"]}[host]


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as server:
        for name in PAGES:
            server.route(
                f"/articles/{name}.html", Reply(200, HTML, fixture(f"articles/{name}.html", server))
            )
        server.route(
            "/articles/cafe-latin1.html",
            Reply(
                200,
                {"Content-Type": "text/html; charset=iso-8859-1"},
                fixture("articles/cafe-latin1.html", server),
            ),
        )
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WebStore]:
    with WebStore(tmp_path / "web.sqlite3") as store:
        yield store


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(
        allowed_hosts={"127.0.0.1"},
        timeout_seconds=1.0,
        max_bytes=1_000_000,
        resolver=fake_resolver,
        sleep=lambda seconds: None,
    ) as fetcher:
        yield fetcher


def feed(server: WebServer, path: str, name: str) -> Versioned:
    resource = Versioned(
        RSS if "atom" not in name else "application/atom+xml", fixture(name, server)
    )
    server.route(path, resource)
    return resource


def stored(store: WebStore, server: WebServer) -> dict[str, WebArticle]:
    """Stored articles by path."""
    return {a.url.removeprefix(server.base): a for a in store.web_articles()}


def rss_with(server: WebServer, links: list[str], title: str = "Harbour Gazette") -> bytes:
    items = "".join(
        f"<item><title>Entry {n}</title><link>{server.base}{link}</link></item>"
        for n, link in enumerate(links, start=1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{server.base}/</link>{items}</channel></rss>"
    ).encode()


# --- one refresh over good and hostile sources ----------------------------------------


def test_refresh_stores_every_good_article_and_reports_every_bad_one(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    feed(server, "/feeds/rss.xml", "rss.xml")
    feed(server, "/feeds/atom.xml", "atom.xml")
    server.route(
        "/feeds/laughs.xml",
        Reply(200, {"Content-Type": RSS}, fixture("billion-laughs.xml", server)),
    )
    server.route(
        "/feeds/bomb.xml",
        Reply(200, {"Content-Type": RSS, "Content-Encoding": "gzip"}, gzip_bomb(1_000_000_000)),
    )
    server.route("/feeds/loop.xml", Reply(302, {"Location": "/feeds/loop.xml"}))
    server.route(
        "/feeds/slow.xml",
        lambda request: Reply(200, {"Content-Type": RSS}, trickle(server, b"<rss>", 0.2)),
    )
    server.route("/huge.html", lambda request: Reply(200, HTML, endless()))
    server.route(
        "/articles/bomb.html",
        Reply(200, {**HTML, "Content-Encoding": "gzip"}, gzip_bomb(100_000_000)),
    )
    server.route("/report.pdf", Reply(200, {"Content-Type": "application/pdf"}, b"%PDF-1.7"))
    mixed = [
        "/articles/night-buses.html",
        "/articles/bomb.html",
        "/articles/no-article.html",
        "/articles/gone.html",
        "/report.pdf",
    ]
    server.route("/feeds/mixed.xml", Reply(200, {"Content-Type": RSS}, rss_with(server, mixed)))
    url = server.url
    sources = [
        WebSource(url("/feeds/rss.xml")),
        WebSource(url("/feeds/atom.xml"), name="Energy Review"),
        WebSource(url("/articles/market.html"), kind="page"),
        WebSource(url("/feeds/laughs.xml")),
        WebSource(url("/feeds/bomb.xml")),
        WebSource(url("/feeds/loop.xml")),
        WebSource(url("/feeds/slow.xml")),
        WebSource(url("/huge.html"), kind="page"),
        WebSource(url("/missing.html"), kind="page"),
        WebSource("http://intranet.test/feed.xml"),
        WebSource(url("/feeds/mixed.xml"), name="Mixed Wire"),
    ]
    seen: list[RefreshProgress] = []

    started = time.perf_counter()
    summary = refresh(sources, fetcher, store, progress=seen.append)
    seconds = time.perf_counter() - started

    articles = stored(store, server)
    assert sorted(articles) == sorted(
        f"/articles/{name}.html"
        for name in ["tram", "ferry", "library", "wind", "bridge", "market", "night-buses"]
    )
    tram, ferry, wind, bridge = (
        articles[f"/articles/{n}.html"] for n in ("tram", "ferry", "wind", "bridge")
    )
    assert (tram.source, tram.author, tram.published) == (
        "Harbour Gazette",
        "Lena Fisk",
        date(2024, 5, 20),
    )
    assert tram.final_url == url("/articles/tram.html?utm_source=rss")
    assert ferry.published == date(2024, 5, 28)  # the page has none; the feed entry has
    assert (wind.source, wind.title) == ("Energy Review", "Offshore wind farm reaches full output")
    assert bridge.published == date(2024, 4, 2)
    assert articles["/articles/night-buses.html"].source == "Mixed Wire"
    assert {skip.origin.removeprefix(server.base): skip.reason for skip in summary.skipped} == {
        "/feeds/laughs.xml": "declares XML entities (a DTD internal subset); refused",
        "/feeds/bomb.xml": "response larger than 1000000 bytes after decompression",
        "/feeds/loop.xml": "redirected more than 5 times",
        "/feeds/slow.xml": "response not complete within 1 s",
        "/huge.html": "response larger than 1000000 bytes",
        "/missing.html": "HTTP 404",
        "http://intranet.test/feed.xml": "resolves to a private address 10.0.0.5 (not allowed)",
        "/articles/bomb.html": "response larger than 1000000 bytes after decompression",
        "/articles/no-article.html": "no article text after cleaning (10 characters, need 50)",
        "/articles/gone.html": "HTTP 404",
        "/report.pdf": "Content-Type application/pdf, expected an HTML page",
    }
    assert (summary.new_articles, summary.not_modified, summary.already_stored) == (7, 0, 0)
    # Bodies read: 5 sources (rss, atom, market, laughs, mixed) and 7 entry pages.
    assert summary.fetched == 5 + 7
    assert sorted(summary.new_urls) == sorted(a.url for a in articles.values())
    assert [(p.done, p.total) for p in seen] == [(n, len(sources)) for n in range(1, 12)]
    assert store.source_state(url("/missing.html")).last_error == "HTTP 404"  # type: ignore[union-attr]
    assert seconds < 6.0


def test_second_refresh_sends_conditional_headers_and_skips_stored_entries(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    rss = feed(server, "/feeds/rss.xml", "rss.xml")
    atom = feed(server, "/feeds/atom.xml", "atom.xml")
    sources = [WebSource(server.url("/feeds/rss.xml")), WebSource(server.url("/feeds/atom.xml"))]
    first = refresh(sources, fetcher, store)
    old_etag = rss.etag
    new_item = (
        f"<item><title>Night buses return on weekends</title>"
        f"<link>{server.base}/articles/night-buses.html</link></item>"
    ).encode()
    rss.body = rss.body.replace(b"<item>", new_item + b"<item>", 1)

    second = refresh(sources, fetcher, store)

    assert (first.new_articles, second.new_articles) == (5, 1)
    assert (second.not_modified, second.already_stored, second.skipped) == (1, 3, [])
    assert server.requested("/feeds/rss.xml")[1].headers["if-none-match"] == old_etag
    assert server.requested("/feeds/atom.xml")[1].headers["if-none-match"] == atom.etag
    for name in ["tram", "ferry", "library", "wind", "bridge", "night-buses"]:
        assert len(server.requested(f"/articles/{name}.html")) == 1, name
    assert len(store) == 6


def test_entry_that_failed_is_retried_by_the_next_refresh(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    outage = {"on": True}

    def flaky(request: Request) -> Reply:
        if outage["on"]:
            return Reply(503)
        return Reply(200, HTML, fixture("articles/ferry.html", server))

    server.route("/articles/flaky.html", flaky)
    rss = Versioned(RSS, rss_with(server, ["/articles/tram.html", "/articles/flaky.html"]))
    server.route("/feed.xml", rss)
    source = WebSource(server.url("/feed.xml"))

    first = refresh([source], fetcher, store)
    outage["on"] = False
    second = refresh([source], fetcher, store)

    assert [skip.reason for skip in first.skipped] == ["HTTP 503 (after 3 attempts)"]
    # The feed's validators were not kept, so the unchanged feed was read again in full.
    assert "if-none-match" not in server.requested("/feed.xml")[1].headers
    assert (second.new_articles, second.already_stored, second.skipped) == (1, 1, [])
    assert len(server.requested("/articles/tram.html")) == 1
    assert store.source_state(source.url).etag == rss.etag  # type: ignore[union-attr]


def test_entries_that_failed_for_good_are_not_fetched_again_soon(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    links = ["/articles/tram.html", "/articles/gone.html", "/articles/no-article.html"]
    rss = Versioned(RSS, rss_with(server, links))
    source = WebSource(server.route("/feed.xml", rss))

    first = refresh([source], fetcher, store)
    unchanged = refresh([source], fetcher, store)
    rss.body = rss_with(server, [*links, "/articles/ferry.html"])
    changed = refresh([source], fetcher, store)
    rss.body = rss_with(server, [*links, "/articles/ferry.html", "/articles/library.html"])
    much_later = refresh([source], fetcher, store, retry_failed_after=timedelta(0))

    assert (first.new_articles, len(first.skipped)) == (1, 2)
    assert unchanged.not_modified == 1  # permanent failures do not keep validators away
    assert (changed.new_articles, changed.failed_before, changed.skipped) == (1, 2, [])
    assert len(much_later.skipped) == 2
    assert len(server.requested("/articles/gone.html")) == 2
    assert len(server.requested("/articles/no-article.html")) == 2


def test_page_source_is_updated_only_when_it_changes(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    page = Versioned("text/html", fixture("articles/market.html", server))
    source = WebSource(server.route("/market", page), kind="page", name="Gazette")

    first = refresh([source], fetcher, store)
    unchanged = refresh([source], fetcher, store)
    page.body = page.body.replace(b"this summer", b"next spring")
    changed = refresh([source], fetcher, store)

    assert (first.new_articles, unchanged.not_modified, changed.updated_articles) == (1, 1, 1)
    (article,) = (stored.as_article() for stored in store.web_articles())
    assert "next spring" in article.text and article.source == "Gazette"


def test_page_source_without_validators_counts_no_update_when_its_text_is_the_same(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    page = Reply(200, HTML, fixture("articles/market.html", server))
    source = WebSource(server.route("/market", page), kind="page")

    first = refresh([source], fetcher, store)
    again = refresh([source], fetcher, store)

    assert (first.new_articles, again.fetched, again.updated_articles) == (1, 1, 0)
    assert not again.changed


def test_sitemap_index_leads_to_news_and_plain_sitemaps(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    xml = {"Content-Type": "application/xml"}
    server.route("/sitemap.xml", Reply(200, xml, fixture("sitemap-index.xml", server)))
    server.route("/sitemaps/news.xml", Reply(200, xml, fixture("news-sitemap.xml", server)))
    server.route("/sitemaps/plain.xml", Reply(200, xml, fixture("plain-sitemap.xml", server)))

    summary = refresh([WebSource(server.url("/sitemap.xml"), kind="sitemap")], fetcher, store)

    articles = stored(store, server)
    assert sorted(articles) == [
        "/articles/library.html",
        "/articles/market.html",
        "/articles/night-buses.html",
    ]
    assert articles["/articles/night-buses.html"].published == date(2024, 6, 10)
    assert articles["/articles/market.html"].title == "Fish market moves to the harbour front"
    assert [(s.origin, s.reason) for s in summary.skipped] == [
        (server.url("/about.html"), "HTTP 404")
    ]


def test_garbage_feed_dates_fall_back_to_the_page_dates(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    feed(server, "/feed.xml", "garbage-dates.xml")

    refresh([WebSource(server.url("/feed.xml"))], fetcher, store)

    dates = {path: a.published for path, a in stored(store, server).items()}
    assert dates == {
        "/articles/tram.html": date(2024, 5, 20),
        "/articles/ferry.html": None,  # neither the feed nor the page gives a usable date
        "/articles/library.html": date(2024, 6, 3),
    }


def test_entries_beyond_the_per_run_limit_wait_for_the_next_run(
    server: WebServer, store: WebStore, fetcher: Fetcher
):
    feed(server, "/feeds/rss.xml", "rss.xml")
    source = WebSource(server.url("/feeds/rss.xml"))

    first = refresh([source], fetcher, store, max_entries_per_source=2)
    second = refresh([source], fetcher, store, max_entries_per_source=2)

    assert (first.new_articles, second.new_articles, second.already_stored) == (2, 1, 2)
    assert store.source_state(source.url).etag is not None  # type: ignore[union-attr]


def test_an_unexpected_error_in_one_source_does_not_stop_the_run(
    server: WebServer, store: WebStore, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
):
    import index.web.refresh

    real_parse = index.web.refresh.parse_feed

    def parse(data: bytes, url: str, **options: Any) -> Any:
        if url.endswith("/broken.xml"):
            raise RuntimeError("parser bug")
        return real_parse(data, url, **options)

    monkeypatch.setattr(index.web.refresh, "parse_feed", parse)
    feed(server, "/broken.xml", "rss.xml")
    feed(server, "/feeds/atom.xml", "atom.xml")
    sources = [WebSource(server.url("/broken.xml")), WebSource(server.url("/feeds/atom.xml"))]

    summary = refresh(sources, fetcher, store)

    assert summary.new_articles == 2
    assert summary.skipped == [
        Skipped(server.url("/broken.xml"), "unexpected error (RuntimeError: parser bug)")
    ]


def test_a_failed_url_is_reported_on_one_line_and_shortened(store: WebStore, fetcher: Fetcher):
    split = "http://127.0.0.1/feed\r\nX-Injected: yes"
    long = "http://127.0.0.1/" + "x" * 100_000
    sources = [WebSource(split), WebSource(long, kind="page")]

    summary = refresh(sources, fetcher, store)

    origins = [failure.origin for failure in summary.skipped]
    assert origins[0] == "http://127.0.0.1/feed\\r\\nX-Injected: yes"
    assert origins[1] == long[:200] + "…"
    assert store.source_state(long) is not None  # remembered under the url itself


# --- scheduling and validation --------------------------------------------------------


def test_sources_are_due_when_never_fetched_or_their_interval_has_passed(store: WebStore):
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    hourly = WebSource("https://news.test/rss.xml", refresh_minutes=60)
    quarterly = WebSource("https://news.test/rss.xml", refresh_minutes=15)

    def check(source: WebSource) -> bool:
        return is_due(source, store, now=now, default_minutes=30)

    assert check(hourly)
    store.record_fetch(hourly.url, etag=None, last_modified=None, at=now - timedelta(minutes=20))
    assert not check(hourly) and check(quarterly)
    assert not check(WebSource(hourly.url))  # the default interval, 30 minutes


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": "https://x.test/", "kind": "podcast"}, "source kind must be one of"),
        ({"url": "ftp://x.test/feed"}, "source URL must start with http:// or https://"),
        ({"url": "https://x.test/", "refresh_minutes": 0}, "refresh_minutes must be at least 1"),
    ],
)
def test_invalid_sources_are_refused(arguments: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        WebSource(**arguments)
