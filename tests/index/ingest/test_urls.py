"""URL normalisation: what the storage key and the loose key keep and drop."""

from __future__ import annotations

import hashlib

import pytest

from index.ingest.urls import article_id, display_url, loose_key, storage_key

URL = "https://www.News.Test:443/Politics/Tram/?id=3&utm_source=rss#comments"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTPS://News.Test/a?utm_source=rss&id=3#comments", "https://news.test/a?id=3"),
        ("http://news.test:80", "http://news.test/"),
        ("https://news.test:8443/a", "https://news.test:8443/a"),
        ("https://news.test/a?fbclid=x&b=a%20b&utm_medium=feed", "https://news.test/a?b=a%20b"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ],
)
def test_storage_key_gives_every_spelling_of_a_page_one_key(url: str, key: str):
    assert storage_key(url) == key


def test_storage_key_keeps_what_can_tell_pages_apart():
    key = storage_key(URL)
    assert key == "https://www.news.test/Politics/Tram/?id=3"
    assert storage_key("https://news.test/Politics/Tram/?id=3") != key, "www. is kept"
    assert storage_key("https://www.news.test/politics/tram/?id=3") != key, "path case is kept"
    assert storage_key("https://www.news.test/Politics/Tram?id=3") != key, "the slash is kept"
    assert storage_key("https://www.news.test/Politics/Tram/?id=4") != key, "the query is kept"
    assert storage_key("http://www.news.test/Politics/Tram/?id=3") != key, "the scheme is kept"


def test_storage_key_drops_fragment_default_port_and_tracking_parameters():
    assert storage_key("https://news.test/a#top") == "https://news.test/a"
    assert storage_key("https://news.test:443/a") == "https://news.test/a"
    assert storage_key("https://news.test/a?mc_cid=1&gclid=2&utm_x=3") == "https://news.test/a"
    assert storage_key("  https://News.Test./a  ") == "https://news.test/a"


def test_loose_key_forgets_what_changes_when_links_are_copied():
    assert loose_key(URL) == "news.test:443/politics/tram"
    spellings = [
        "http://news.test/politics/tram",
        "https://www.news.test/Politics/Tram/",
        "HTTPS://WWW.NEWS.TEST/politics/tram?page=2#comments",
        "news.test/politics/tram",
    ]
    assert {loose_key(s) for s in spellings} == {"news.test/politics/tram"}


def test_loose_key_still_tells_other_pages_apart():
    assert loose_key("https://news.test/politics/tram") != loose_key("https://news.test/tram")
    assert loose_key("https://news.test/a") != loose_key("https://other.test/a")


def test_article_id_is_a_short_hash_of_the_storage_key():
    key = storage_key("https://news.test/a?utm_source=x")
    assert article_id(key) == hashlib.sha256(b"https://news.test/a").hexdigest()[:16]
    assert article_id(key) != article_id(storage_key("https://news.test/b"))


def test_display_url_is_one_line_escaped_and_at_most_200_characters():
    assert display_url("https://news.test/a\r\nSet-Cookie: x") == (
        "https://news.test/a\\r\\nSet-Cookie: x"
    )
    long = "https://news.test/" + "a" * 100_000
    assert display_url(long) == long[:200] + "…"
    assert display_url(URL) == URL
