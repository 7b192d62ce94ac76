"""The bot's web sources: the scheduled refresh, /reindex with feeds, announcements and
the one-reindex-at-a-time guard, with the real bot and knowledge base against the fake
Discord and a real HTTP server on loopback serving the feeds and article pages."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.discord import cards
from bot.discord.refresh import REINDEX_RUNNING_STATE
from bot.settings import AppSettings
from index.config import FetchSettings, SourceSettings
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore
from index.store.layout import reindex_lock
from tests.bot.discord.conftest import StartBot
from tests.bot.discord.helpers import add_articles, assert_never_pings, description, sources
from tests.fakediscord import FakeDiscord, InteractionRecord
from tests.index.web.webserver import Reply, Request, Route, Versioned, WebServer, fixture

TIMEOUT = 20.0
ARTICLES = ("tram", "ferry", "library", "market", "wind", "bridge")
FEED_TITLES = (
    "Eastholm tram extension opens to passengers",
    "Ferry operator adds winter crossings to the islands",
    "City library extends its opening hours",
)
MARKET_TITLE = "Fish market moves to the harbour front"
PAGES = ["/articles/tram.html", "/articles/ferry.html", "/articles/library.html"]

pytestmark = [pytest.mark.asyncio, pytest.mark.model]


class Clock:
    """The time the bot's scheduler sees; tests move it on instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


class Gate:
    """A route that holds each request until the test opens it, so that the test can act
    while a fetch is in the middle."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, request: Request) -> Reply:
        self.entered.set()
        self.opened.wait(TIMEOUT)
        return self.route(request) if callable(self.route) else self.route  # type: ignore[return-value]

    async def wait_entered(self) -> None:
        if not await asyncio.to_thread(self.entered.wait, TIMEOUT):
            raise TimeoutError("the gated route was not requested")


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        for name in ARTICLES:
            page = fixture(f"articles/{name}.html", server)
            server.route(f"/articles/{name}.html", Versioned("text/html", page))
        yield server


@pytest.fixture
def feed(web: WebServer) -> Versioned:
    """The Harbour Gazette's RSS feed at /rss.xml (three articles), to be changed."""
    feed = Versioned("application/rss+xml", fixture("rss.xml", web))
    web.route("/rss.xml", feed)
    return feed


@pytest.fixture
def settings(settings: AppSettings, web: WebServer) -> AppSettings:
    """The tests' settings with /rss.xml as a configured feed, fetchable on loopback."""
    fetch = FetchSettings(allowed_hosts=["127.0.0.1"], retries=0, read_timeout_seconds=30.0)
    return settings.model_copy(
        update={"fetch": fetch, "sources": [SourceSettings(url=web.url("/rss.xml"))]}
    )


def with_item(feed: Versioned, title: str, link: str) -> None:
    """Add an entry at the top of the feed (its ETag changes with it)."""
    item = f"<item><title>{title}</title><link>{link}</link></item>\n    <item>"
    feed.body = feed.body.replace(b"<item>", item.encode(), 1)


def page_requests(web: WebServer) -> list[str]:
    return [path for path in web.paths() if path.startswith("/articles/")]


async def wait_for_summary(record: InteractionRecord) -> dict[str, str]:
    await record.wait_for(lambda r: r.original and r.original.embeds, TIMEOUT)
    [summary] = record.original.embeds
    assert summary["title"] == "Reindex finished"
    return {f["name"]: f["value"] for f in summary["fields"]}


async def test_scheduled_refresh_fetches_only_the_new_feed_entry_and_answers_from_it(
    fake_discord: FakeDiscord, start_bot: StartBot, web: WebServer, feed: Versioned
) -> None:
    clock = Clock()
    async with start_bot(clock=clock) as bot:
        first = await bot.refresher.run_now()
        with_item(feed, MARKET_TITLE, web.url("/articles/market.html"))
        not_yet = await bot.refresher.run_now()  # the feed's hour has not passed
        clock.advance(minutes=61)
        before = len(web.requests)
        second = await bot.refresher.run_now()
        record = await fake_discord.invoke_slash(
            "ask", {"question": "Where will the Saturday fish market move?"}
        )
        answer = await record.wait_for_response(TIMEOUT)

    assert first.outcome == "reindexed" and first.fetched.new_articles == 3
    assert first.reindexed.added == 3
    assert not_yet.outcome == "idle"
    assert web.paths()[before:] == ["/rss.xml", "/articles/market.html"]
    assert second.outcome == "reindexed"
    assert (second.fetched.new_articles, second.fetched.already_stored) == (1, 3)
    assert second.reindexed.added == 1 and second.reindexed.unchanged == 7 + 3
    assert "harbour front" in description(answer)
    assert sources(answer)[0].startswith(f"[1] [{MARKET_TITLE}](")


async def test_new_articles_are_announced_escaped_and_without_pings(
    fake_discord: FakeDiscord, start_bot: StartBot, web: WebServer, feed: Versioned
) -> None:
    news = await fake_discord.add_channel(fake_discord.guild.id, "news")
    clock = Clock()
    async with start_bot(clock=clock, announce_channel_id=news.id) as bot:
        first = await bot.refresher.run_now()
        title = "*Market* @everyone [moves](http://evil.test)"
        with_item(feed, title, web.url("/articles/market.html"))
        clock.advance(minutes=61)
        second = await bot.refresher.run_now()

    assert (first.announced, second.announced) == (3, 1)
    initial, new = fake_discord.bot_messages(news.id)
    assert all(title in initial.content for title in FEED_TITLES)
    assert f"<{web.url('/articles/ferry.html')}>" in initial.content
    assert "Harbour Gazette · 2024-05-28" in initial.content
    assert f"<{web.url('/articles/market.html')}>" in new.content
    # The title's address is text, not a link: a zero-width space after its colon.
    assert "\\*Market\\* @\u200beveryone \\[moves\\](http:\u200b//evil.test)" in new.content
    for message in (initial, new):
        assert_never_pings(fake_discord, message)


async def test_a_failed_reindex_announces_nothing_and_the_next_round_makes_up_for_it(
    fake_discord: FakeDiscord,
    start_bot: StartBot,
    settings: AppSettings,
    feed: Versioned,
    caplog: pytest.LogCaptureFixture,
) -> None:
    news = await fake_discord.add_channel(fake_discord.guild.id, "news")
    async with start_bot(clock=Clock(), announce_channel_id=news.id) as bot:
        with reindex_lock(settings.index.data_dir):  # as if `newsbot reindex` were running
            failed = await bot.refresher.run_now()
        announced_after_failure = list(fake_discord.bot_messages(news.id))
        made_up = await bot.refresher.run_now()

    assert failed.outcome == "failed" and "another reindex is running" in caplog.text
    assert announced_after_failure == []
    assert made_up.outcome == "reindexed" and made_up.due == 0  # nothing fetched again
    assert made_up.reindexed.added == 3 and made_up.announced == 3
    [message] = fake_discord.bot_messages(news.id)
    assert all(title in message.content for title in FEED_TITLES)


async def test_reindex_with_feeds_shows_fetching_progress_then_what_fetching_brought(
    fake_discord: FakeDiscord,
    start_bot: StartBot,
    knowledge_base: KnowledgeBase,
    web: WebServer,
    feed: Versioned,
) -> None:
    atom = Gate(Versioned("application/atom+xml", fixture("atom.xml", web)))
    knowledge_base.live.add(web.route("/atom.xml", atom), kind="feed")
    knowledge_base.live.add(web.url("/missing.xml"), kind="feed")
    news = await fake_discord.add_channel(fake_discord.guild.id, "news")
    admin = await fake_discord.add_member(fake_discord.guild.id, "editor", admin=True)

    async with start_bot(announce_channel_id=news.id):
        record = await fake_discord.invoke_slash("reindex", {}, user_id=admin.id)
        await record.wait_for(lambda r: any(e.kind == "edit" for e in r.events), TIMEOUT)
        atom.opened.set()  # the first edit was made while the atom feed was being fetched
        fields = await wait_for_summary(record)
        await fake_discord.wait_for(lambda: fake_discord.bot_messages(news.id), TIMEOUT)

    first_edit = next(e.body["content"] for e in record.events if e.kind == "edit")
    assert first_edit.startswith("Reindexing… fetching 1 of 3 web sources (")
    assert (fields["New from the web"], fields["Fetch failures"], fields["Added"]) == (
        "5",
        "1",
        "5",
    )
    summary = record.original.embeds[0]["description"]
    assert "From the web: 5 new articles, 0 updated;" in summary
    missing = web.url("/missing.xml").replace("://", ":\u200b//")  # shown, not linked
    assert f"• failed {missing}: HTTP 404" in summary
    [announcement] = fake_discord.bot_messages(news.id)
    assert "Old swing bridge to close for repairs" in announcement.content


async def test_a_scheduled_round_is_skipped_while_reindex_runs(
    fake_discord: FakeDiscord, start_bot: StartBot, web: WebServer, feed: Versioned
) -> None:
    gate = Gate(feed)
    web.route("/rss.xml", gate)
    admin = await fake_discord.add_member(fake_discord.guild.id, "editor", admin=True)
    async with start_bot(clock=Clock()) as bot:
        record = await fake_discord.invoke_slash("reindex", {}, user_id=admin.id)
        await gate.wait_entered()
        skipped = await bot.refresher.run_now()
        feed_requests = len(web.requested("/rss.xml"))
        gate.opened.set()
        fields = await wait_for_summary(record)
        after = await bot.refresher.run_now()

    assert skipped.outcome == "busy" and skipped.due == 1 and feed_requests == 1
    assert fields["New from the web"] == "3"
    assert after.outcome == "idle"  # /reindex fetched the feed: it is not due again yet


async def test_reindex_is_refused_while_a_scheduled_refresh_runs(
    fake_discord: FakeDiscord, start_bot: StartBot, web: WebServer, feed: Versioned
) -> None:
    gate = Gate(feed)
    web.route("/rss.xml", gate)
    admin = await fake_discord.add_member(fake_discord.guild.id, "editor", admin=True)
    async with start_bot(clock=Clock()) as bot:
        scheduled = asyncio.create_task(bot.refresher.run_now())
        await gate.wait_entered()
        record = await fake_discord.invoke_slash("reindex", {}, user_id=admin.id)
        refusal = await record.wait_for_response(TIMEOUT)
        gate.opened.set()
        finished = await scheduled

    assert record.ephemeral and refusal.content == cards.REINDEX_RUNNING
    assert finished.outcome == "reindexed" and finished.fetched.new_articles == 3


async def test_the_scheduler_runs_on_its_own_every_interval_and_stops_with_the_bot(
    fake_discord: FakeDiscord, start_bot: StartBot, web: WebServer, feed: Versioned
) -> None:
    news = await fake_discord.add_channel(fake_discord.guild.id, "news")
    async with start_bot(refresh_interval=0.05, announce_channel_id=news.id) as bot:
        # Nobody calls run_now: the first round after 50 ms fetches and announces.
        await fake_discord.wait_for(lambda: fake_discord.bot_messages(news.id), TIMEOUT)
        feed_fetches = len(web.requested("/rss.xml"))

    assert feed_fetches == 1  # the rounds after the first found nothing due
    assert page_requests(web) == ["/articles/tram.html?utm_source=rss", *PAGES[1:]]
    with pytest.raises(RuntimeError, match="not running"):
        await bot.refresher.run_now()


async def test_a_reindex_a_restart_stopped_runs_again_when_the_bot_starts(
    fake_discord: FakeDiscord,
    start_bot: StartBot,
    feedback: FeedbackStore,
    knowledge_base: KnowledgeBase,
    articles_dir: Path,
) -> None:
    add_articles(articles_dir, 3)
    feedback.set_state(REINDEX_RUNNING_STATE, "yes")  # as a stopped reindex leaves it

    async with start_bot():
        await fake_discord.wait_for(
            lambda: feedback.state(REINDEX_RUNNING_STATE) is None, 60, "the reindex run again"
        )

    assert knowledge_base.stats().articles == 10
