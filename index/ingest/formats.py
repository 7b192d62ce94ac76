"""The text formats: .txt (first line is the title), .md/.markdown (optional front
matter), .json (one record or a list) and .jsonl (one record a line).

Each parser takes a file's bytes and its path relative to the collection and yields
what it holds: articles, and a ``Skipped`` with the reason for whatever cannot be one.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator

from index.ingest.articles import build_article, decode, utf8_problem
from index.records import Article, Skipped

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


def parse_text(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    text = decode(data, relative)
    if isinstance(text, Skipped):
        yield text
        return
    title, _, body = text.strip().partition("\n")
    yield build_article(relative, relative, title, body)


def parse_markdown(data: bytes, relative: str) -> Iterator[Article | Skipped]:
    text = decode(data, relative)
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
    yield build_article(
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


def parse_json(
    data: bytes, relative: str, max_record_bytes: int | None = None
) -> Iterator[Article | Skipped]:
    text = decode(data, relative)
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
        size = len(data)
        too_large = max_record_bytes is not None and size > max_record_bytes
        yield (
            _too_large(relative, size, max_record_bytes)
            if too_large
            else _record(single, relative, relative, "1")
        )
    elif not items:
        yield Skipped(relative, "no records (empty JSON array)")
    for position, (line, size, record) in enumerate(items or (), start=1):
        origin = f"{relative}:{line}"
        if max_record_bytes is not None and size > max_record_bytes:
            yield _too_large(origin, size, max_record_bytes)
        else:
            yield _record(record, relative, origin, str(position))


def _json_array_items(text: str, start: int) -> list[tuple[int, int, object]]:
    """Items of the JSON array at ``text[start]``, each with the line it starts on and
    its length in characters.

    Raises json.JSONDecodeError (a ValueError) where the text is not valid JSON.
    """
    items: list[tuple[int, int, object]] = []
    position, line, counted = _after_whitespace(text, start + 1), 1, 0
    while not (text.startswith("]", position) and not items):
        value, end = _JSON_DECODER.raw_decode(text, position)
        line += text.count("\n", counted, position)
        counted = position
        items.append((line, len(text[position:end].encode()), value))
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


def parse_jsonl(
    data: bytes, relative: str, max_record_bytes: int | None = None
) -> Iterator[Article | Skipped]:
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
        if max_record_bytes is not None and len(raw) > max_record_bytes:
            yield _too_large(origin, len(raw), max_record_bytes)
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Skipped(origin, utf8_problem(data, line_start + error.start))
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as error:
            yield Skipped(origin, _json_problem(error, one_line=True))
            continue
        yield _record(record, relative, origin, str(number))
    if not seen_record:
        yield Skipped(relative, "empty file (only whitespace)")


def _too_large(origin: str, size: int, limit: int | None) -> Skipped:
    return Skipped(
        origin, f"record too large ({size} bytes, limit {limit}: [index] max_file_bytes)"
    )


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
    return build_article(
        f"{relative}#{name}",
        origin,
        record.get("title") or "",
        text,
        url=url,
        source=record.get("source"),
        published=record.get("date"),
        author=record.get("author"),
    )
