"""Fetched article pages: the main text and metadata of an HTML page, as an ``Article``.

Nothing here touches the network; the extraction and cleaning are those of .html files.
"""

from __future__ import annotations

import contextlib

from index.ingest.articles import codec_name
from index.ingest.html import parse_html
from index.records import Article, Skipped


def extract_article_html(data: bytes, url: str, *, charset: str | None = None) -> Article | Skipped:
    """The main article of an HTML page (trafilatura, offline), or why there is none.

    ``charset`` is the one the HTTP Content-Type header named: it is used when the page
    is not valid UTF-8 (the page's own <meta charset> is the next fallback).
    """
    if charset and codec_name(charset) not in (None, "utf-8"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            # If this fails too, the page's own declaration is tried, and the failure reported.
            with contextlib.suppress(UnicodeDecodeError):
                data = data.decode(charset).encode("utf-8")
    # The same extraction and cleaning as .html files get (id, origin unused here).
    result = next(iter(parse_html(data, url)), None)
    return result if result is not None else Skipped(url, "no article text found in the HTML")
