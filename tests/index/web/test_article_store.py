"""The web-article store: validators, articles, persistence, threads."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from index.ingest.urls import article_id
from index.records import Article
from index.web.article_store import WebArticle, WebStore

URL = "https://news.test/articles/tram.html"


@pytest.fixture
def store(tmp_path: Path):
    with WebStore(tmp_path / "data" / "web.sqlite3") as store:
        yield store


def _article(url: str = URL, **fields: object) -> WebArticle:
    values: dict[str, object] = {
        "title": "Eastholm tram extension opens",
        "text": "The extension of the Eastholm tram line opened on Monday morning.",
        "source": "Harbour Gazette",
        "author": "Lena Fisk",
        "published": date(2024, 5, 20),
        "fetched_at": datetime(2024, 5, 21, 6, 0, tzinfo=UTC),
        "feed_url": "https://news.test/rss.xml",
        **fields,
    }
    return WebArticle(url=url, **values)  # type: ignore[arg-type]


def test_upsert_tells_new_from_known_articles(store: WebStore):
    assert store.upsert_article(_article()) is True
    assert store.upsert_article(_article(title="Tram extension opens")) is False
    assert len(store) == 1
    assert store.get(URL).title == "Tram extension opens"  # type: ignore[union-attr]


def test_known_articles_match_any_spelling_of_the_url(store: WebStore):
    store.upsert_article(_article(URL + "?utm_campaign=x"))
    spellings = [URL, "https://NEWS.test/articles/tram.html#top", "https://news.test/other"]

    assert store.known_articles(spellings) == set(spellings[:2])
    assert store.known_articles([URL]) == {URL}
    assert store.known_articles(["https://news.test/other"]) == set()


def test_stored_articles_come_back_as_records_with_ids_from_their_urls(store: WebStore):
    store.upsert_article(_article(final_url="https://www.news.test/2024/tram"))
    store.upsert_article(_article("https://news.test/b", published=None, author=None))

    articles = [stored.as_article() for stored in store.web_articles()]

    assert articles == [
        Article(
            id=hashlib.sha256(URL.encode()).hexdigest()[:16],
            title="Eastholm tram extension opens",
            text="The extension of the Eastholm tram line opened on Monday morning.",
            url="https://www.news.test/2024/tram",
            source="Harbour Gazette",
            published=date(2024, 5, 20),
            author="Lena Fisk",
            origin=URL,
        ),
        Article(
            id=article_id("https://news.test/b"),
            title="Eastholm tram extension opens",
            text="The extension of the Eastholm tram line opened on Monday morning.",
            url="https://news.test/b",
            source="Harbour Gazette",
            origin="https://news.test/b",
        ),
    ]


def test_source_validators_are_kept_when_a_later_fetch_fails(store: WebStore):
    fetched = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    store.record_fetch(URL, etag='"v1"', last_modified="Sat, 01 Jun 2024 12:00:00 GMT", at=fetched)
    store.record_error(URL, "HTTP 503 (after 3 attempts)")

    state = store.source_state(URL)

    assert state is not None
    assert (state.etag, state.last_modified) == ('"v1"', "Sat, 01 Jun 2024 12:00:00 GMT")
    assert state.last_error == "HTTP 503 (after 3 attempts)"
    assert state.fetched_at is not None and state.fetched_at > fetched
    assert store.source_state("https://news.test/unknown") is None


def test_recent_failures_are_found_among_many_urls(store: WebStore):
    now = datetime(2024, 6, 2, 12, 0, tzinfo=UTC)
    store.record_error("https://news.test/old", "HTTP 404", at=now - timedelta(days=3))
    store.record_error("https://news.test/new", "HTTP 404", at=now - timedelta(hours=1))
    store.record_fetch("https://news.test/fine", etag=None, last_modified=None, at=now)
    urls = [f"https://news.test/{n}" for n in range(1000)]
    urls += ["https://news.test/old", "https://news.test/new", "https://news.test/fine"]

    assert store.failed_since(urls, now - timedelta(days=1)) == {"https://news.test/new"}


def test_a_successful_fetch_clears_the_last_error(store: WebStore):
    store.record_error(URL, "HTTP 404")
    store.record_fetch(URL, etag=None, last_modified=None)

    assert store.source_state(URL).last_error is None  # type: ignore[union-attr]


def test_store_persists_across_reopening_in_wal_mode(tmp_path: Path):
    path = tmp_path / "web.sqlite3"
    with WebStore(path) as store:
        store.upsert_article(_article())
        store.record_fetch(URL, etag='"v1"', last_modified=None)

    with WebStore(path) as reopened:
        assert [a.as_article().origin for a in reopened.web_articles()] == [URL]
        assert reopened.source_state(URL).etag == '"v1"'  # type: ignore[union-attr]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_is_safe_to_use_from_many_threads(store: WebStore):
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for number in range(25):
                url = f"https://news.test/{worker}/{number}"
                store.upsert_article(_article(url))
                store.record_fetch(url, etag=f'"{number}"', last_modified=None)
                assert store.known_articles([url]) == {url}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(store) == 200


def test_unreadable_store_file_is_set_aside_and_a_fresh_one_opened(tmp_path: Path, caplog):
    path = tmp_path / "web.sqlite3"
    garbage = b"this is not a database, just some text " * 100
    path.write_bytes(garbage)

    with WebStore(path) as store:
        assert len(store) == 0

    [aside] = tmp_path.glob("web.sqlite3.damaged-*")
    assert aside.read_bytes() == garbage  # kept for whoever wants to recover it
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "web article store" in warning and "set aside as web.sqlite3.damaged-" in warning
