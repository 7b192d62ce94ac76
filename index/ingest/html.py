"""HTML articles: main text and metadata (title, date, author, site name, canonical url)
extracted with trafilatura, offline. Used for .html files and for fetched web pages."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import trafilatura

from index.ingest.articles import build_article, decode
from index.records import Article, Skipped

log = logging.getLogger(__name__)

_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# Only dates the page declares (meta tags, <time>): guessing from prose finds wrong ones.
_HTML_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def parse_html(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    """The article of an HTML document; ``relative`` is its path (or url) for id and reports."""
    declared = _DECLARED_CHARSET.search(data[:4096])
    html = decode(data, relative, declared.group(1).decode("ascii") if declared else None)
    if isinstance(html, Skipped):
        yield html
        return
    try:
        document = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            date_extraction_params=_HTML_DATE_PARAMS,
        )
    except Exception as error:  # lxml and trafilatura raise many kinds on hostile markup
        log.warning("HTML extraction failed for %s: %r", relative, error)
        yield Skipped(relative, f"HTML extraction failed ({type(error).__name__})")
        return
    if document is None or isinstance(document, dict) or not document.text:
        yield Skipped(relative, "no article text found in the HTML")
        return
    title = document.title or ""
    site = document.sitename
    for separator in (" | ", " - ", " – ", " — "):
        if site and title.endswith(separator + site):
            title = title.removesuffix(separator + site)
    yield build_article(
        relative,
        relative,
        title,
        # trafilatura puts one block a line; a blank line between them makes paragraphs.
        "\n\n".join(document.text.splitlines()),
        url=document.url,
        source=site,
        published=document.date,
        author=document.author,
    )
