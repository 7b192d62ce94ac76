"""Parse fetched feeds and sitemaps: bytes in, typed records out.

Nothing here touches the network: ``Fetcher`` fetches, these functions parse what it got.

Entity bombs: feedparser's lenient parser expands entities declared in a document's
internal DTD subset itself (a 40 KB feed with one big entity referenced many times became
a 100-million-character title). Feeds have no use for declarations, so ``parse_feed``
refuses any document that declares an entity or has an internal DTD subset, before
feedparser sees it. The check runs on the decoded text (the same text feedparser is then
given, re-encoded as UTF-8), so no encoding (UTF-16, UTF-32) can hide a declaration from
it. A plain DOCTYPE without a subset (old Netscape RSS 0.91 feeds have one) declares
nothing and is allowed. Sitemaps are parsed by defusedxml with every DTD refused.
"""

from __future__ import annotations

import codecs
import html
import io
import logging
import re
import unicodedata
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
import feedparser
from defusedxml import DefusedXmlException

from index.errors import NewsbotError
from index.ingest.articles import codec_name, utf8_problem
from index.ingest.dates import parse_date
from index.ingest.urls import display_url
from index.web.inflate import inflate_limited

log = logging.getLogger(__name__)

DEFAULT_MAX_SITEMAP_BYTES = 10_000_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNMARKED = (  # "<?" in encodings that are not ASCII-compatible, without a BOM
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*\?>")
_DECLARED_ENCODING = re.compile(
    rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']"""
)
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
# Character classes exclude "<" so that every scan stops at the next tag: linear time.
_INTERNAL_SUBSET = re.compile(r"<!DOCTYPE[^<>\[]*\[", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


class FeedError(NewsbotError):
    """A feed or sitemap cannot be used; the message names the URL (``display_url``) and
    the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{display_url(url)}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FeedEntry:
    link: str  # absolute http(s) URL of the article page
    title: str
    published: date | None
    author: str | None
    summary: str  # plain text
    id: str | None


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    title: str | None
    link: str | None  # the site the feed belongs to
    entries: tuple[FeedEntry, ...]
    problems: tuple[str, ...] = ()  # what was wrong but could be read anyway


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    url: str
    lastmod: date | None = None
    published: date | None = None  # news:publication_date
    title: str | None = None  # news:title
    is_sitemap: bool = False  # an entry of a sitemap index: another sitemap to read


# --- feeds ----------------------------------------------------------------------------


def parse_feed(data: bytes, url: str, *, charset: str | None = None) -> Feed:
    """The RSS (0.9x, 1.0, 2.0) or Atom feed in ``data``, fetched from ``url``.

    ``charset`` is the one the HTTP Content-Type header named, if any. Raises FeedError
    for documents that are not feeds, cannot be decoded or declare entities.
    """
    text, problems = _decode_xml(data, url, charset)
    if _ENTITY_DECLARATION.search(text) or _INTERNAL_SUBSET.search(text):
        raise FeedError(url, "declares XML entities (a DTD internal subset); refused")
    body = _XML_DECLARATION.sub("", text, count=1).encode("utf-8")
    # A file object, never bytes or str: feedparser opens a str that looks like a URL or a
    # path, and bytes that name an existing file.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(url, "not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    if parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        problems.append(f"malformed XML, read leniently ({parsed.get('bozo_exception')})")
    entries = []
    for number, raw in enumerate(parsed.entries, start=1):
        entry = _entry(raw, url)
        if entry is None:
            problems.append(f"entry {number} has no http(s) link")
        else:
            entries.append(entry)
    feed = parsed.feed
    return Feed(
        url=url,
        title=_plain(feed.get("title")) or None,
        link=_http_url(feed.get("link"), url),
        entries=tuple(entries),
        problems=tuple(problems),
    )


def _entry(raw: Any, base: str) -> FeedEntry | None:
    link = _http_url(raw.get("link"), base)
    guid = raw.get("id") or None
    if link is None and raw.get("guidislink", False):
        link = _http_url(guid, base)
    if link is None:
        return None
    author = (raw.get("author_detail") or {}).get("name") or raw.get("author")
    return FeedEntry(
        link=link,
        title=_plain(raw.get("title")),
        published=_entry_date(raw),
        author=_plain(author) or None,
        summary=_plain(raw.get("summary")),
        id=guid,
    )


def _entry_date(raw: Any) -> date | None:
    # dict.get: FeedParserDict.get maps "published" to "updated" with a deprecation warning.
    for name in ("published", "updated", "created"):
        parsed = dict.get(raw, f"{name}_parsed")
        if parsed:
            try:
                return parse_date(datetime.fromtimestamp(timegm(parsed), UTC))
            except (OverflowError, ValueError, OSError):
                pass
        if found := parse_date(dict.get(raw, name)):
            return found
    return None


def _plain(value: object) -> str:
    """Text without tags or entities, on one line (feed titles and summaries may be HTML)."""
    if not isinstance(value, str):
        return ""
    text = html.unescape(_TAG.sub(" ", value))
    return " ".join(unicodedata.normalize("NFC", text).split())


def _http_url(value: object, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        absolute = urljoin(base, value.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def _decode_xml(data: bytes, url: str, charset: str | None) -> tuple[str, list[str]]:
    """The text of an XML document and any problems met decoding it.

    A byte order mark decides; else valid UTF-8 is read as UTF-8 (whatever is declared:
    mislabelled UTF-8 is common, and valid UTF-8 by accident is rare); else the encoding
    from HTTP or the XML declaration; else windows-1252, with the problem reported.
    """
    if not data.strip():
        raise FeedError(url, "empty document")
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return _decode_strict(data[len(mark) :], encoding, url), []
    for start, encoding in _UNMARKED:
        if data.startswith(start):
            return _decode_strict(data, encoding, url), []
    if b"\x00" in data:
        raise FeedError(url, "binary data (contains NUL bytes), not a feed")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        not_utf8 = utf8_problem(data, error.start)
    problems: list[str] = []
    declared = _DECLARED_ENCODING.match(data)
    for name in (charset, declared.group(1).decode("ascii") if declared else None):
        if not name or codec_name(name) == "utf-8":
            continue
        try:
            return data.decode(name), problems
        except LookupError:
            problems.append(f"unknown encoding {name!r}")
        except UnicodeDecodeError as error:
            problems.append(f"not valid {name} (byte 0x{data[error.start]:02x})")
    problems.append(f"{not_utf8}; read as windows-1252")
    return data.decode("windows-1252", errors="replace"), problems


def _decode_strict(data: bytes, encoding: str, url: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise FeedError(url, f"not valid {encoding.upper()} (at byte {error.start})") from None


# --- sitemaps -------------------------------------------------------------------------


def parse_sitemap(
    data: bytes, url: str, *, max_bytes: int = DEFAULT_MAX_SITEMAP_BYTES
) -> list[SitemapEntry]:
    """The URLs of a sitemap (``urlset``) or the sitemaps of a sitemap index.

    Gzipped sitemaps (.xml.gz) are inflated up to ``max_bytes``. News sitemap fields
    (news:publication_date, news:title) are read when present. Raises FeedError for
    anything that is not a well-formed sitemap, and for any DTD.
    """
    if data.startswith(b"\x1f\x8b"):
        try:
            data = inflate_limited(data, max_bytes)
        except ValueError as error:
            raise FeedError(url, f"gzipped sitemap {error}") from None
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise FeedError(url, "has a DTD (refused in sitemaps)") from None
    except ParseError as error:
        raise FeedError(url, f"not well-formed XML ({error})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(url, f"not a sitemap (root element <{kind}>)")
    child = "url" if kind == "urlset" else "sitemap"
    entries = []
    for item in root:
        if _local(item.tag) != child:
            continue
        fields = _fields(item)
        loc = _http_url(fields.get("loc"), url)
        if loc is None:
            continue
        entries.append(
            SitemapEntry(
                url=loc,
                lastmod=parse_date(fields.get("lastmod")),
                published=parse_date(fields.get("publication_date")),
                title=_plain(fields.get("title")) or None,
                is_sitemap=kind == "sitemapindex",
            )
        )
    return entries


def _fields(item: Element) -> dict[str, str]:
    """Text of the elements under ``item`` by local name (news:news/news:title -> title)."""
    found: dict[str, str] = {}
    for element in item.iter():
        if element is not item and element.text and element.text.strip():
            found.setdefault(_local(element.tag), element.text.strip())
    return found


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
