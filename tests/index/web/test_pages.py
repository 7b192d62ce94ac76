"""Fetched article pages: main text and metadata, the charset from HTTP, no article."""

from __future__ import annotations

from datetime import date

from index.records import Article, Skipped
from index.web.pages import extract_article_html
from tests.index.web.webserver import FIXTURES

BASE = "http://news.test"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{base}", BASE.encode())


def test_article_page_gives_cleaned_text_and_metadata():
    page = extract_article_html(fixture("articles/tram.html"), f"{BASE}/articles/tram.html")

    assert isinstance(page, Article)
    assert page.title == "Eastholm tram extension opens to passengers"
    assert page.text.startswith("The long-delayed extension of the Eastholm tram line")
    assert "Subscribe" not in page.text and "All rights reserved" not in page.text
    assert (page.author, page.published, page.source) == (
        "Lena Fisk",
        date(2024, 5, 20),
        "Harbour Gazette",
    )


def test_page_charset_from_http_is_used_when_the_page_is_not_utf8():
    data = fixture("articles/cafe-latin1.html")
    url = f"{BASE}/articles/cafe.html"

    page = extract_article_html(data, url, charset="iso-8859-1")
    unlabelled = extract_article_html(data, url)

    assert isinstance(page, Article)
    assert page.title == "Café owners protest new terrace fees"
    assert unlabelled == Skipped(url, "not valid UTF-8 (byte 0xe9 at offset 52)")


def test_page_without_an_article_is_skipped_with_the_reason():
    url = f"{BASE}/nav.html"

    result = extract_article_html(fixture("articles/no-article.html"), url)

    assert isinstance(result, Skipped) and result.origin == url
