"""From parsed fields to an ``Article``: what every parser shares.

``decode`` turns a file's bytes into text (or says why it cannot); ``build_article``
cleans the body, takes the title (or makes one from the text), names the publisher from
the url's host when none is given, and derives the id from where the article was read
(``stable_id``), so it is the same on every run. Lone surrogates (a JSON ``"\ud800"``
escape) cannot be encoded, so neither the tokenizer nor SQLite takes them: every field
gets U+FFFD in their place.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

from index.ingest.cleaning import clean_article
from index.ingest.dates import parse_date
from index.ingest.sentences import split_sentences
from index.records import Article, Skipped

MIN_TEXT_CHARS = 50
_ID_HEX_CHARS = 16
_GENERATED_TITLE_CHARS = 120
# A longer title is shortened: it is read with every passage of its article.
_MAX_TITLE_CHARS = 300
_SURROGATE = re.compile("[\ud800-\udfff]")
# A cut goes back at most this far for a sentence end, else for a space.
_CUT_LOOKBACK_CHARS = 2_000


def stable_id(key: str) -> str:
    """The ``Article.id`` of the article read from ``key`` (a path, path#record or url).

    A path that is not UTF-8 (its bytes kept as surrogates) or a record id holding a lone
    surrogate hashes too, to an id of its own.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:_ID_HEX_CHARS]


def without_surrogates(text: str) -> str:
    """``text`` with U+FFFD for every lone surrogate, which no UTF-8 encoder accepts."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def build_article(
    key: str,
    origin: str,
    title: str,
    body: str,
    *,
    url: str | None = None,
    source: str | None = None,
    published: object = None,
    author: str | None = None,
) -> Article | Skipped:
    """The article these fields describe, or a Skipped when cleaning leaves too little text.

    ``key`` gives the id, ``origin`` names where it was read (for reports).
    """
    title = _shortened(_one_line(title), _MAX_TITLE_CHARS)
    cleaned, trailer_publisher = clean_article(without_surrogates(body))
    text = _without_leading_title(cleaned, title)
    if len(text) < MIN_TEXT_CHARS:
        return Skipped(
            origin,
            f"no article text after cleaning ({len(text)} characters, need {MIN_TEXT_CHARS})",
        )
    url = _one_line(url) or None
    return Article(
        id=stable_id(key),
        title=title or _title_from_text(text),
        text=text,
        url=url,
        # A "More from <publisher>" tail names the publisher better than nothing does.
        source=_one_line(source) or _host(url) or trailer_publisher,
        published=parse_date(published),
        author=_one_line(author) or None,
        origin=origin,
    )


def truncated(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters; else its start, cut after the last
    sentence end (or else at the last space) in the final 2,000 of those characters."""
    if len(text) <= limit:
        return text
    window = max(0, limit - _CUT_LOOKBACK_CHARS)
    sentences = split_sentences(text, window, limit)
    if len(sentences) > 1:  # the last one runs into the cut
        return text[: sentences[-2][1]]
    space = text.rfind(" ", window, limit + 1)
    return text[:space].rstrip() if space > window else text[:limit]


def _one_line(value: str | None) -> str:
    if not value:
        return ""
    return " ".join(unicodedata.normalize("NFC", without_surrogates(value)).split())


def _without_leading_title(text: str, title: str) -> str:
    first, _, rest = text.partition("\n")
    if title and first.casefold() == title.casefold():
        return rest.lstrip("\n")
    return text


def _title_from_text(text: str) -> str:
    return _shortened(text.partition("\n")[0], _GENERATED_TITLE_CHARS)


def _shortened(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + "…"


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return host.removeprefix("www.") if host else None


def decode(data: bytes, origin: str, fallback: str | None = None) -> str | Skipped:
    """UTF-8 text of ``data`` (BOM allowed), else ``fallback`` encoding, else a Skipped."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        decoded = _decode_fallback(data, fallback)
        if decoded is None:
            return Skipped(origin, utf8_problem(data, error.start + skip))
        text = decoded
    if not text.strip():
        return Skipped(origin, "empty file (only whitespace)")
    return text


def _decode_fallback(data: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def utf8_problem(data: bytes, offset: int) -> str:
    return f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})"


def codec_name(name: str) -> str | None:
    """The canonical codec name of an encoding label, or None if Python does not know it."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
