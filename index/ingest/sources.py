"""Sources of articles, as a reindex sees them: each has a key, a stamp that changes
when it changes, and a way to read it. A reindex compares stamps with those it recorded
and reads only the sources whose stamp differs."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.display import printable
from index.ingest.files import list_files, read_file
from index.records import Article, Skipped


@dataclass(frozen=True, slots=True)
class Source:
    key: str  # unique among all sources: "file:<path>" or "web:<storage key>"
    stamp: str  # differs whenever the source may have changed
    read: Callable[[], list[Article | Skipped]]  # its articles, or why there are none


def file_sources(roots: Iterable[Path], max_file_bytes: int) -> Iterator[Source | Skipped]:
    """Every file under the configured folders and files, in a stable order. A file's
    key is its root's position and its path within the root (as its articles' ids are),
    so moving the whole collection elsewhere changes nothing."""
    for position, root in enumerate(roots):
        if not root.exists():
            yield Skipped(printable(str(root)), "source folder or file not found")
            continue
        for found in list_files(root):
            if isinstance(found, Skipped):
                yield found
                continue
            # A name that is not valid UTF-8 still makes a key SQLite can store.
            name = os.fsencode(found.relative).decode("utf-8", "backslashreplace")
            yield Source(
                key=f"file:{position}:{name}",
                stamp=found.stamp,
                read=functools.partial(read_file, found, max_file_bytes=max_file_bytes),
            )
