"""Read a folder or file of articles into cleaned ``Article`` records.

Formats: .txt (first line is the title), .md/.markdown (optional front matter), .html/.htm
(main text and metadata by trafilatura, offline), .json (one record or a list) and .jsonl
(one record a line). Whatever cannot become an article comes out as a ``Skipped`` that
says why; bad input never raises, so one broken file cannot stop a reindex.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura

from index.ingest.cleaning import clean_article
from index.ingest.dates import parse_date
from index.records import Article, Skipped

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 50
_ID_HEX_CHARS = 16
_GENERATED_TITLE_CHARS = 120

_Parser = Callable[[bytes, str], Iterator[Article | Skipped]]

# --- markdown -------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", re.DOTALL)
_META_LINE = re.compile(r"([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*")
_MD_HEADING_LINE = re.compile(r" {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_MD_LINK = re.compile(r"\[([^\]\n]+)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_MD_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
# Setext underlines and horizontal rules: lines of only =, - , * or _.
_MD_RULE = re.compile(r"^ {0,3}(?:=+|(?:[-*_][ \t]*){3,})[ \t]*$", re.MULTILINE)
_MD_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+", re.MULTILINE)
_MD_STRONG = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?!\w)"
)
_MD_CODE = re.compile(r"`([^`\n]+)`")

# --- html -----------------------------------------------------------------------------
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# Only dates the page declares (meta tags, <time>): guessing from prose finds wrong ones.
_HTML_DATE_PARAMS = {"extensive_search": False, "original_date": True}

# --- json -----------------------------------------------------------------------------
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
_JSON_DECODER = json.JSONDecoder()
_TEXT_FIELDS = ("title", "url", "date", "text", "source", "author")
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def load_articles(root: Path, *, max_file_bytes: int = 5_000_000) -> Iterator[Article | Skipped]:
    """Every article under ``root`` (a folder, walked in sorted order, or one file).

    Hidden files and folders are passed over. Files larger than ``max_file_bytes`` are
    refused before they are read. Each ``Article.id`` derives from the file's path
    relative to ``root`` (plus the record's id, url or position for JSON records), so it
    is the same on every run.
    """
    if max_file_bytes < 1:
        raise ValueError(f"max_file_bytes must be positive, got {max_file_bytes}")
    return _load_root(Path(root), max_file_bytes)


def _load_root(root: Path, max_bytes: int) -> Iterator[Article | Skipped]:
    try:
        is_folder = root.is_dir()
        missing = not is_folder and not root.exists() and not root.is_symlink()
    except OSError as error:
        yield Skipped(str(root), f"unreadable ({error.strerror})")
        return
    if missing:
        yield Skipped(str(root), "not found")
    elif is_folder:
        real_root = root.resolve()
        yield from _walk(root, "", real_root, frozenset({str(real_root)}), max_bytes)
    else:
        yield from _load_file(root, root.name, max_bytes)


def _walk(
    folder: Path, prefix: str, real_root: Path, ancestors: frozenset[str], max_bytes: int
) -> Iterator[Article | Skipped]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield Skipped(prefix.rstrip("/") or ".", f"unreadable folder ({error.strerror})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            log.debug("passing over hidden %s%s", prefix, entry.name)
            continue
        path, relative = Path(entry.path), prefix + entry.name
        if entry.is_symlink() and (problem := _symlink_problem(path, real_root)):
            yield Skipped(relative, problem)
            continue
        if _is_folder(entry):
            real = os.path.realpath(path)
            if real in ancestors:
                yield Skipped(relative, "symlink loop (links to a folder that contains it)")
                continue
            yield from _walk(path, relative + "/", real_root, ancestors | {real}, max_bytes)
        else:
            yield from _load_file(path, relative, max_bytes)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # reading it as a file will then report what is wrong
        return False


def _symlink_problem(path: Path, real_root: Path) -> str | None:
    try:
        path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symlink loop"
        if error.errno == errno.ENOENT:
            return "broken symlink (its target does not exist)"
        return f"unreadable symlink ({error.strerror})"
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(real_root):
        return f"symlink points outside the collection (to {target})"
    return None


def _load_file(path: Path, relative: str, max_bytes: int) -> Iterator[Article | Skipped]:
    suffix = path.suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is None:
        kind = suffix or "(no extension)"
        yield Skipped(relative, f"unsupported file type {kind}")
        return
    data = _read(path, relative, max_bytes)
    if isinstance(data, Skipped):
        yield data
        return
    if b"\x00" in data:
        yield Skipped(relative, "binary file (contains NUL bytes)")
        return
    yield from parser(data, relative)


def _read(path: Path, origin: str, max_bytes: int) -> bytes | Skipped:
    try:
        info = path.stat()
    except FileNotFoundError:
        return Skipped(origin, "file not found")
    except OSError as error:
        return Skipped(origin, f"unreadable ({error.strerror})")
    # Checked before opening: a FIFO would block and a huge file would fill memory.
    if not stat.S_ISREG(info.st_mode):
        return Skipped(origin, "not a regular file")
    if info.st_size > max_bytes:
        return Skipped(origin, _too_large(info.st_size, max_bytes))
    if info.st_size == 0:
        return Skipped(origin, "empty file")
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # a file still growing stops at the limit
    except OSError as error:
        return Skipped(origin, f"unreadable ({error.strerror or error})")
    if len(data) > max_bytes:
        return Skipped(origin, _too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"file too large ({size} bytes, limit {max_bytes})"


def _decode(data: bytes, origin: str, fallback: str | None = None) -> str | Skipped:
    """UTF-8 text of ``data`` (BOM allowed), else ``fallback`` encoding, else a Skipped."""
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        decoded = _decode_fallback(data, fallback)
        if decoded is None:
            return Skipped(origin, _utf8_problem(data, error.start + skip))
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


def _utf8_problem(data: bytes, offset: int) -> str:
    return f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})"


# --- building articles ----------------------------------------------------------------


def _article(
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
    title = _one_line(title)
    cleaned, trailer_publisher = clean_article(body)
    text = _without_leading_title(cleaned, title)
    if len(text) < MIN_TEXT_CHARS:
        return Skipped(
            origin,
            f"no article text after cleaning ({len(text)} characters, need {MIN_TEXT_CHARS})",
        )
    url = _one_line(url) or None
    return Article(
        id=hashlib.sha256(key.encode("utf-8")).hexdigest()[:_ID_HEX_CHARS],
        title=title or _title_from_text(text),
        text=text,
        url=url,
        # A "More from <publisher>" tail names the publisher better than nothing does.
        source=_one_line(source) or _host(url) or trailer_publisher,
        published=parse_date(published),
        author=_one_line(author) or None,
        origin=origin,
    )


def _one_line(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split()) if value else ""


def _without_leading_title(text: str, title: str) -> str:
    first, _, rest = text.partition("\n")
    if title and first.casefold() == title.casefold():
        return rest.lstrip("\n")
    return text


def _title_from_text(text: str) -> str:
    first = text.partition("\n")[0]
    if len(first) <= _GENERATED_TITLE_CHARS:
        return first
    return first[:_GENERATED_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return host.removeprefix("www.") if host else None


# --- formats --------------------------------------------------------------------------


def _parse_text(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    text = _decode(data, relative)
    if isinstance(text, Skipped):
        yield text
        return
    title, _, body = text.strip().partition("\n")
    yield _article(relative, relative, title, body)


def _parse_markdown(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    text = _decode(data, relative)
    if isinstance(text, Skipped):
        yield text
        return
    text = text.replace("\r\n", "\n")
    meta: dict[str, str] = {}
    if front := _FRONT_MATTER.match(text):
        meta = _front_matter(front.group(1))
        text = text[front.end() :]
    title = meta.get("title", "")
    if not title:
        first, _, rest = text.strip().partition("\n")
        heading = _MD_HEADING_LINE.fullmatch(first)
        title, text = (heading.group(1) if heading else first), rest
    yield _article(
        relative,
        relative,
        _strip_markdown(title),
        _strip_markdown(text),
        url=meta.get("url"),
        source=meta.get("source"),
        published=meta.get("date"),
        author=meta.get("author"),
    )


def _front_matter(block: str) -> dict[str, str]:
    """``key: value`` lines of a front matter block; quotes around a value are dropped."""
    meta: dict[str, str] = {}
    for line in block.splitlines():
        if match := _META_LINE.fullmatch(line):
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[match.group(1).lower()] = value
    return meta


def _strip_markdown(text: str) -> str:
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINK_DEFINITION.sub("", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_RULE.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EMPHASIS.sub(lambda match: match.group(1) or match.group(2), text)
    return _MD_CODE.sub(r"\1", text)


def parse_html(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    declared = _DECLARED_CHARSET.search(data[:4096])
    html = _decode(data, relative, declared.group(1).decode("ascii") if declared else None)
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
    yield _article(
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


def _parse_json(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    text = _decode(data, relative)
    if isinstance(text, Skipped):
        yield text
        return
    start = _after_whitespace(text, 0)
    try:
        # The whole file is checked before any of its records is loaded.
        items = _json_array_items(text, start) if text.startswith("[", start) else None
        single = json.loads(text) if items is None else None
    except (ValueError, RecursionError) as error:
        yield Skipped(relative, _json_problem(error))
        return
    if items is None:
        yield _record(single, relative, relative, "1")
    elif not items:
        yield Skipped(relative, "no records (empty JSON array)")
    for position, (line, record) in enumerate(items or (), start=1):
        yield _record(record, relative, f"{relative}:{line}", str(position))


def _json_array_items(text: str, start: int) -> list[tuple[int, object]]:
    """Items of the JSON array at ``text[start]``, each with the line it starts on.

    Raises json.JSONDecodeError (a ValueError) where the text is not valid JSON.
    """
    items: list[tuple[int, object]] = []
    position, line, counted = _after_whitespace(text, start + 1), 1, 0
    while not (text.startswith("]", position) and not items):
        value, end = _JSON_DECODER.raw_decode(text, position)
        line += text.count("\n", counted, position)
        counted = position
        items.append((line, value))
        position = _after_whitespace(text, end)
        if text.startswith("]", position):
            break
        if not text.startswith(",", position):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
        position = _after_whitespace(text, position + 1)
    trailing = _after_whitespace(text, position + 1)
    if trailing != len(text):
        raise json.JSONDecodeError("Extra data", text, trailing)
    return items


def _after_whitespace(text: str, position: int) -> int:
    match = _JSON_WHITESPACE.match(text, position)
    return match.end() if match else position


def _parse_jsonl(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    # Line by line, bytes first, so one bad line costs only its own record.
    offset, seen_record = 0, False
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line_start, offset = offset, offset + len(raw) + 1
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw, line_start = raw[len(codecs.BOM_UTF8) :], line_start + len(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        seen_record = True
        origin = f"{relative}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Skipped(origin, _utf8_problem(data, line_start + error.start))
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as error:
            yield Skipped(origin, _json_problem(error, one_line=True))
            continue
        yield _record(record, relative, origin, str(number))
    if not seen_record:
        yield Skipped(relative, "empty file (only whitespace)")


def _json_problem(error: Exception, *, one_line: bool = False) -> str:
    if isinstance(error, json.JSONDecodeError):
        # json's messages may end in "at", meant to be followed by a position.
        message = error.msg.removesuffix(" at")
        where = (
            f"column {error.colno}" if one_line else f"line {error.lineno}, column {error.colno}"
        )
        return f"malformed JSON ({message} at {where})"
    if isinstance(error, RecursionError):
        return "malformed JSON (nested too deeply)"
    return f"malformed JSON ({error})"


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _record(record: object, relative: str, origin: str, position: str) -> Article | Skipped:
    """The article in one JSON record; ``position`` keys it when it has no id or url."""
    if not isinstance(record, dict):
        return Skipped(origin, f"record is {_json_type(record)}, not an object")
    for name in _TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return Skipped(origin, f"field '{name}' is {_json_type(value)}, not a string")
    record_id = record.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, str | int | None):
        return Skipped(origin, f"field 'id' is {_json_type(record_id)}, not a string or number")
    text = record.get("text")
    if not text or not text.strip():
        return Skipped(origin, "record has no text")
    url = record.get("url")
    name = str(record_id) if record_id not in (None, "") else (url or position)
    return _article(
        f"{relative}#{name}",
        origin,
        record.get("title") or "",
        text,
        url=url,
        source=record.get("source"),
        published=record.get("date"),
        author=record.get("author"),
    )


_PARSERS: dict[str, _Parser] = {
    ".txt": _parse_text,
    ".md": _parse_markdown,
    ".markdown": _parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".json": _parse_json,
    ".jsonl": _parse_jsonl,
}
