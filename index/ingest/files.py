"""Read a folder or file of articles into cleaned ``Article`` records.

Folders are walked in sorted order; hidden files and folders are passed over; symlinks
must stay inside the collection; files over the size limit are refused before they are
read. A .json or .jsonl file is a collection: the limit bounds each of its records, not
the file, which is read whole up to ``COLLECTION_MAX_BYTES``. Each file goes to the
parser of its suffix (``index.ingest.formats`` for .txt, .md/.markdown, .json and
.jsonl, ``index.ingest.html`` for .html/.htm). Whatever cannot become an article comes
out as a ``Skipped`` that says why; bad input never raises, so one broken file cannot
stop a reindex. A file name that is not UTF-8 or holds control characters is read all
the same; reports show it escaped (``index.display.printable``).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from index.display import printable
from index.ingest.formats import parse_json, parse_jsonl, parse_markdown, parse_text
from index.ingest.html import parse_html
from index.records import Article, Skipped

log = logging.getLogger(__name__)

_Parser = Callable[[bytes, str], Iterator[Article | Skipped]]
# A collection file is read (and a .json one parsed) at once: this bounds its memory, some
# ten times the file, whatever ``max_file_bytes`` says.
COLLECTION_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file of articles found under a root, with what tells whether it changed."""

    path: Path
    relative: str  # from the root: the articles' ids and origins derive from it
    size: int
    modified_ns: int

    @property
    def stamp(self) -> str:
        return f"{self.size}:{self.modified_ns}"


def load_articles(root: Path, *, max_file_bytes: int = 5_000_000) -> Iterator[Article | Skipped]:
    """Every article under ``root`` (a folder, walked in sorted order, or one file).

    Hidden files and folders are passed over. Files larger than ``max_file_bytes`` are
    refused before they are read. Each ``Article.id`` derives from the file's path
    relative to ``root`` (plus the record's id, url or position for JSON records), so it
    is the same on every run. Origins and reasons are printable (escaped where the path
    holds bytes that are not UTF-8 or control characters); the id comes from the path
    itself.
    """
    if max_file_bytes < 1:
        raise ValueError(f"max_file_bytes must be positive, got {max_file_bytes}")
    return _load_all(root, max_file_bytes)


def _load_all(root: Path, max_file_bytes: int) -> Iterator[Article | Skipped]:
    for found in list_files(root):
        if isinstance(found, Skipped):
            yield found
        else:
            yield from read_file(found, max_file_bytes=max_file_bytes)


def _printable_skip(skipped: Skipped) -> Skipped:
    return Skipped(printable(skipped.origin), printable(skipped.reason))


def _printable(item: Article | Skipped) -> Article | Skipped:
    if isinstance(item, Skipped):
        return _printable_skip(item)
    origin = printable(item.origin)
    return replace(item, origin=origin) if origin != item.origin else item


def list_files(root: Path) -> Iterator[SourceFile | Skipped]:
    """The files under ``root`` (or ``root`` itself), without reading them: a reindex
    reads only those whose size or modification time changed."""
    for found in _list(Path(root)):
        yield _printable_skip(found) if isinstance(found, Skipped) else found


def _list(root: Path) -> Iterator[SourceFile | Skipped]:
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
        yield from _walk(root, "", real_root, frozenset({str(real_root)}))
    else:
        yield _source_file(root, root.name)


def read_file(source: SourceFile, *, max_file_bytes: int = 5_000_000) -> list[Article | Skipped]:
    """The articles in one file, or why there are none; never raises."""
    if max_file_bytes < 1:
        raise ValueError(f"max_file_bytes must be positive, got {max_file_bytes}")
    return [_printable(item) for item in _load_file(source.path, source.relative, max_file_bytes)]


def _walk(
    folder: Path, prefix: str, real_root: Path, ancestors: frozenset[str]
) -> Iterator[SourceFile | Skipped]:
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
            yield from _walk(path, relative + "/", real_root, ancestors | {real})
        else:
            yield _source_file(path, relative, entry)


def _source_file(path: Path, relative: str, entry: os.DirEntry[str] | None = None) -> SourceFile:
    """A file with its size and time; (0, 0) when it cannot be read, so that reading it
    reports why."""
    try:
        # The scan's entry stats its own path string: no Path formatting per file, a
        # third of listing a large collection.
        info = entry.stat() if entry is not None else path.stat()
    except OSError:
        return SourceFile(path, relative, 0, 0)
    return SourceFile(path, relative, info.st_size, info.st_mtime_ns)


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
    collection = _COLLECTIONS.get(suffix)
    data = _read(path, relative, COLLECTION_MAX_BYTES if collection else max_bytes)
    if isinstance(data, Skipped):
        yield data
        return
    if b"\x00" in data:
        yield Skipped(relative, "binary file (contains NUL bytes)")
        return
    if collection:
        yield from collection(data, relative, max_bytes)
    else:
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


_COLLECTIONS: dict[str, Callable[[bytes, str, int], Iterator[Article | Skipped]]] = {
    ".json": parse_json,
    ".jsonl": parse_jsonl,
}


_PARSERS: dict[str, _Parser] = {
    ".txt": parse_text,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".json": parse_json,
    ".jsonl": parse_jsonl,
}
