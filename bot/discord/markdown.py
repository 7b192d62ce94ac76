"""Discord markdown within Discord's limits: escaping, shortening, splitting.

Everything taken from articles or from people goes through ``escape`` (or ``plain``) so
that it cannot ping, form a mention or a masked link, or break the markdown around it.
No discord import.
"""

from __future__ import annotations

import re

from index.display import printable

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_LIMIT = 6000
THREAD_NAME_LIMIT = 100
ELLIPSIS = " …"

_URL = re.compile(r"https?://[^\s<>]*[^\s<>.,:;\"'\])]")
# Where Discord would make a link of text: a scheme's "://" (a zero-width space after
# the colon leaves it text).
_SCHEME = re.compile(r"(?<=[A-Za-z]):(?=//)")
_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
# Headers, quotes, lists and "1." lists act only at the start of a line.
_LINE_START = re.compile(r"^(\s*(?:\d+(?=\.\s))?)([#>-]|\.)", re.MULTILINE)
_MENTION = re.compile(r"@(everyone|here)\b|<(?=[@#/]|a?:|t:)")
_ZWSP = "\u200b"
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


def escape(text: str) -> str:
    """``text`` as inert Discord markdown: shown as written, pinging and linking nobody.

    Markdown characters get a backslash (Discord shows the character alone); the start
    of a would-be mention gets a zero-width space, so ``@everyone``, ``<@id>``,
    ``<@&id>``, ``<#id>`` and ``</cmd:id>`` stay plain text; ``[text](url)`` (and
    ``![image](url)``, ``[x](javascript:…)``) cannot become a masked link because its
    brackets are escaped, and a bare ``https://…`` gets a zero-width space after its
    colon, so no address in an article or a model's text is ever a live link: only the
    sources' own addresses are, where the cards link them (``safe_url``).
    """
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    text = _SCHEME.sub(":" + _ZWSP, text)
    return _MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}" if m.group(1) else f"<{_ZWSP}", text)


def unescape(text: str) -> str:
    """Text that ``escape`` made inert, as it was written (for reading the bot's own
    messages back)."""
    return re.sub(r"\\([\\*_~`|\[\]#>.-])", r"\1", text).replace(_ZWSP, "")


def plain(text: str) -> str:
    """Text from articles or people on one line, escaped."""
    return escape(" ".join(text.split()))


def plain_report(text: str, limit: int) -> str:
    """A file name, url or reason from a report, shown as ``plain`` within ``limit``:
    control characters and lone surrogates escaped first (``index.display.printable``)."""
    return shorten(plain(printable(text, 2 * limit)), limit)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) link that shows as itself, else None."""
    if url and len(url) <= 512 and _URL.fullmatch(url):
        return url
    return None


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a sentence end where one is near,
    else at a space, and marked with "…"."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if room <= 0:
        return "…"[:limit]
    head = text[: room + 1]  # a space right after the room is a clean cut too
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() <= room]
    if ends and ends[-1] >= room // 2:
        return head[: ends[-1]] + ELLIPSIS
    space = head.rfind(" ")
    if space >= room // 2:
        return head[:space].rstrip() + ELLIPSIS
    cut = head[:room]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:  # never leave half an escape
        cut = cut[:-1]
    return cut + ELLIPSIS


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between paragraphs, else
    lines, else sentences, else words."""
    pieces = []
    text = text.strip()
    while len(text) > limit:
        head = text[: limit + 1]
        cut = _last_break(head, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def _last_break(head: str, limit: int) -> int:
    for separator in ("\n\n", "\n"):
        at = head.rfind(separator, 0, limit)
        if at >= limit // 2:
            return at
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() <= limit]
    if ends and ends[-1] >= limit // 2:
        return ends[-1]
    at = head.rfind(" ", 0, limit)
    if at > 0:
        return at
    return limit - 1 if head[limit - 1] == "\\" else limit
