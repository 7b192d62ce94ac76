"""URL normalisation, in one place: the key a web article is stored under, and the loose
form used to find an article by a link someone pasted.

``storage_key`` keeps whatever can tell two pages apart (the path as written, the query
without tracking parameters, a port other than the default); ``loose_key`` forgets what
changes when people copy a link around (scheme, "www.", query, fragment, trailing slash,
letter case), for a lookup that may match more than one spelling of a page.
``display_url`` is how every error and report line shows a URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from index.display import printable
from index.ingest.articles import stable_id

DISPLAY_URL_CHARS = 200
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})


def storage_key(url: str) -> str:
    """The key a web article's URL is stored under.

    Scheme and host in lower case, default port and fragment dropped, an empty path as
    "/", tracking parameters (utm_*, fbclid, gclid, ...) removed; the rest is kept as is.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = "&".join(
        item
        for item in parts.query.split("&")
        if item and not _is_tracking(item.partition("=")[0].lower())
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def loose_key(url: str) -> str:
    """``url`` for a loose comparison: without scheme, "www.", trailing slash, query or
    fragment, case-folded."""
    url = url.strip().casefold().split("#", 1)[0].split("?", 1)[0]
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url.rstrip("/")


def article_id(key: str) -> str:
    """The stable ``Article.id`` of the web article stored under ``key`` (a storage key)."""
    return stable_id(key)


def _is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in _TRACKING_PARAMETERS


def display_url(url: str) -> str:
    """``url`` as error and report lines show it: on one line, control characters
    escaped, at most ``DISPLAY_URL_CHARS`` characters (then "…"). Only for showing: the
    url itself is what is fetched and stored."""
    return printable(url, DISPLAY_URL_CHARS)
