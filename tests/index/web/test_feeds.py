"""Feed and sitemap parsing, including hostile XML and bad encodings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index.web.feeds import (
    Feed,
    FeedError,
    SitemapEntry,
    parse_feed,
    parse_sitemap,
)
from tests.index.web.webserver import FIXTURES, gzip_bomb, gzipped, refused

BASE = "http://news.test"
FEED_URL = f"{BASE}/feeds/rss.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{base}", BASE.encode())


def quadratic_blowup(size: int = 40_000) -> str:
    """One entity of half the document, referenced enough to fill the other half.

    Expanded, as feedparser's lenient parser would, its title is 133 million characters.
    """
    value = "A" * (size // 2)
    references = "&e;" * (size // 2 // len("&e;"))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE rss [\n<!ENTITY e "{value}">\n]>\n'
        f'<rss version="2.0"><channel><title>{references}</title>'
        f"<item><link>{BASE}/a</link></item></channel></rss>\n"
    )


# --- feeds ----------------------------------------------------------------------------


def test_rss2_feed_gives_entries_with_links_dates_authors_and_plain_summaries():
    feed = parse_feed(fixture("rss.xml"), FEED_URL)

    assert isinstance(feed, Feed)
    assert (feed.title, feed.link, feed.problems) == ("Harbour Gazette", f"{BASE}/", ())
    assert [(e.link, e.published, e.author, e.id) for e in feed.entries] == [
        (
            f"{BASE}/articles/tram.html?utm_source=rss",
            date(2024, 5, 20),
            "Lena Fisk",
            "gazette-1001",
        ),
        (f"{BASE}/articles/ferry.html", date(2024, 5, 28), "Tomas Lind", "gazette-1002"),
        # A relative link is resolved against the feed's URL.
        (f"{BASE}/articles/library.html", date(2024, 6, 3), None, "gazette-1003"),
    ]
    assert feed.entries[0].title == "Eastholm tram extension opens to passengers"
    assert feed.entries[0].summary == "Four new stops between the station and the hospital."


def test_atom_feed_gives_entries_with_plain_titles_and_updated_as_fallback_date():
    feed = parse_feed(fixture("atom.xml"), f"{BASE}/feeds/atom.xml")

    assert feed.title == "Coastal Energy Review"
    wind, bridge = feed.entries
    assert (wind.title, wind.published, wind.author) == (
        "Offshore wind farm reaches full output",
        date(2024, 4, 11),
        "Ana Berg",
    )
    assert (bridge.link, bridge.published, bridge.author) == (
        f"{BASE}/articles/bridge.html",
        date(2024, 4, 2),
        None,
    )
    assert bridge.summary == "Six weeks of closure from 1 May ."


def test_rss1_and_rss091_with_a_netscape_doctype_are_read():
    rss1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://news.test/"><title>RDF Gazette</title><link>http://news.test/</link>
  </channel>
  <item rdf:about="http://news.test/a"><title>Tram opens</title><link>http://news.test/a</link>
    <dc:date>2024-05-20T07:30:00Z</dc:date></item>
</rdf:RDF>"""
    rss091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old Gazette</title><link>http://news.test/</link>
<item><title>Ferry news</title><link>http://news.test/b</link></item></channel></rss>"""

    first = parse_feed(rss1, FEED_URL)
    second = parse_feed(rss091, FEED_URL)

    assert [(e.title, e.link, e.published) for e in first.entries] == [
        ("Tram opens", "http://news.test/a", date(2024, 5, 20))
    ]
    assert [(e.title, e.link) for e in second.entries] == [("Ferry news", "http://news.test/b")]


def test_garbage_and_impossible_dates_become_none():
    feed = parse_feed(fixture("garbage-dates.xml"), FEED_URL)

    assert [entry.published for entry in feed.entries] == [None, None, None]
    assert len(feed.entries) == 3


def test_entries_without_an_http_link_are_reported_not_returned():
    data = b"""<rss version="2.0"><channel><title>T</title>
<item><title>No link</title></item>
<item><title>Mail</title><link>mailto:desk@news.test</link></item>
<item><title>Good</title><link>http://news.test/good</link></item></channel></rss>"""

    feed = parse_feed(data, FEED_URL)

    assert [entry.title for entry in feed.entries] == ["Good"]
    assert feed.problems == ("entry 1 has no http(s) link", "entry 2 has no http(s) link")


def test_billion_laughs_feed_is_refused_fast_in_bounded_memory():
    error, seconds, peak = refused(
        lambda: parse_feed(fixture("billion-laughs.xml"), FEED_URL), FeedError
    )

    assert error.reason == "declares XML entities (a DTD internal subset); refused"
    assert seconds < 1.0
    assert peak < 1_000_000


def test_quadratic_blowup_feed_is_refused_fast_in_bounded_memory():
    data = quadratic_blowup().encode("utf-8")
    assert len(data) < 41_000

    error, seconds, peak = refused(lambda: parse_feed(data, FEED_URL), FeedError)

    assert error.reason == "declares XML entities (a DTD internal subset); refused"
    assert seconds < 1.0
    assert peak < 1_000_000


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
def test_entity_declarations_are_found_in_any_encoding(encoding: str):
    text = quadratic_blowup().replace('encoding="utf-8"', f'encoding="{encoding}"')

    error, seconds, _ = refused(lambda: parse_feed(text.encode(encoding), FEED_URL), FeedError)

    assert "declares XML entities" in error.reason
    assert seconds < 1.0


def test_parameter_entities_and_bare_internal_subsets_are_refused():
    parameter = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % pe "<!ENTITY e 'x'>"> %pe;]><rss version="2.0"/>"""
    subset_only = b'<?xml version="1.0"?><!doctype rss [ ]><rss version="2.0"/>'

    for data in (parameter, subset_only):
        with pytest.raises(FeedError, match="declares XML entities"):
            parse_feed(data, FEED_URL)


def test_mislabelled_latin1_feed_is_read_and_the_problem_reported():
    feed = parse_feed(fixture("mislabelled-latin1.xml"), FEED_URL)

    assert feed.entries[0].title == "Café owners protest new terrace fees"
    assert feed.problems == ("not valid UTF-8 (byte 0xe9 at offset 168); read as windows-1252",)


def test_charset_from_http_decodes_a_feed_that_is_not_utf8():
    data = fixture("mislabelled-latin1.xml").replace(b'encoding="utf-8"', b"")

    feed = parse_feed(data, FEED_URL, charset="iso-8859-1")

    assert feed.entries[0].title == "Café owners protest new terrace fees"
    assert feed.problems == ()


def test_utf16_feed_with_a_byte_order_mark_is_read():
    text = fixture("rss.xml").decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-16"')

    feed = parse_feed(text.encode("utf-16"), FEED_URL)

    assert [entry.id for entry in feed.entries] == ["gazette-1001", "gazette-1002", "gazette-1003"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data (contains NUL bytes), not a feed"),
        (b"\xff\xfe<\x00r\x00\x00\xd8", "not valid UTF-16-LE (at byte 4)"),
    ],
)
def test_undecodable_documents_are_refused(data: bytes, reason: str):
    with pytest.raises(FeedError) as caught:
        parse_feed(data, FEED_URL)
    assert caught.value.reason == reason
    assert str(caught.value) == f"{FEED_URL}: {reason}"


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(fixture("articles/tram.html"), FEED_URL)


def test_feed_bytes_naming_a_local_file_are_never_opened(tmp_path: Path):
    local = tmp_path / "local-feed.xml"
    local.write_bytes(fixture("rss.xml"))

    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(str(local).encode(), FEED_URL)


# --- sitemaps -------------------------------------------------------------------------


def test_news_sitemap_gives_urls_with_publication_dates_and_titles():
    entries = parse_sitemap(fixture("news-sitemap.xml"), f"{BASE}/sitemap.xml")

    assert entries == [
        SitemapEntry(
            f"{BASE}/articles/market.html",
            date(2024, 3, 16),
            date(2024, 3, 15),
            "Fish market moves to the harbour front",
        ),
        SitemapEntry(
            f"{BASE}/articles/night-buses.html",
            None,
            date(2024, 6, 10),
            "Night buses return on weekends",
        ),
    ]


def test_sitemap_index_gives_nested_sitemaps():
    entries = parse_sitemap(fixture("sitemap-index.xml"), f"{BASE}/sitemap.xml")

    assert [(e.url, e.lastmod, e.is_sitemap) for e in entries] == [
        (f"{BASE}/sitemaps/news.xml", date(2024, 6, 10), True),
        (f"{BASE}/sitemaps/plain.xml", date(2024, 1, 1), True),
    ]


def test_plain_sitemap_keeps_only_http_urls():
    entries = parse_sitemap(fixture("plain-sitemap.xml"), f"{BASE}/sitemap.xml")

    assert [(e.url, e.lastmod) for e in entries] == [
        (f"{BASE}/articles/library.html", date(2024, 6, 3)),
        (f"{BASE}/about.html", None),
    ]


def test_gzipped_sitemap_is_inflated():
    entries = parse_sitemap(gzipped(fixture("plain-sitemap.xml")), f"{BASE}/sitemap.xml.gz")

    assert len(entries) == 2


def test_gzip_bomb_sitemap_is_refused_in_bounded_memory():
    bomb = gzip_bomb(1_000_000_000)

    error, seconds, peak = refused(
        lambda: parse_sitemap(bomb, f"{BASE}/sitemap.xml.gz", max_bytes=1_000_000), FeedError
    )

    assert error.reason == "gzipped sitemap larger than 1000000 bytes after decompression"
    assert seconds < 1.0
    assert peak < 4_000_000


def test_sitemap_with_a_dtd_is_refused_fast():
    error, seconds, peak = refused(
        lambda: parse_sitemap(fixture("billion-laughs.xml"), f"{BASE}/sitemap.xml"), FeedError
    )

    assert error.reason == "has a DTD (refused in sitemaps)"
    assert seconds < 1.0 and peak < 1_000_000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<rss version='2.0'/>", "not a sitemap (root element <rss>)"),
        (
            b"<urlset><url><loc>http://x/</url>",
            "not well-formed XML (mismatched tag: line 1, column 29)",
        ),
    ],
)
def test_documents_that_are_not_sitemaps_are_refused(data: bytes, reason: str):
    with pytest.raises(FeedError) as caught:
        parse_sitemap(data, f"{BASE}/sitemap.xml")
    assert caught.value.reason == reason
