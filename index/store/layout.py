"""The data directory's layout: which generation is current, the reindex lock, names of
new generations and segments, and the clean-up of what nothing uses any more::

    CURRENT              name of the generation readers open
    gen-000007/          a published generation: manifest.json, catalog.sqlite
    segments/seg-000012/ a published segment (see ``index.store.segments``)
    *.partial            a generation or segment being written; removed by the next reindex
    reindex.lock         held (flock) by the one reindex allowed at a time

Everything here reports damage (a ``CURRENT`` that is a folder or holds garbage) as a
one-line ``IndexCorruptError`` naming the file, and a reindex repairs it, so the thing a
reindex exists to rebuild can never block it; a lock that is a folder or a link is
replaced, with a warning.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from index.durable import fsync_dir, write_durably
from index.errors import IndexCorruptError, IndexNotFoundError, ReindexBusyError

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK = "reindex.lock"
SEGMENTS = "segments"
GENERATION = re.compile(r"^gen-(\d{6})$")
_NUMBERED = re.compile(r"^(?:gen|seg)-(\d{6})(?:\.partial)?$")


def current_name(data_dir: Path) -> str | None:
    """The generation ``CURRENT`` names; None when there is none yet."""
    path = data_dir / CURRENT
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise IndexCorruptError(f"{path} is a folder, not a file: run 'newsbot reindex'") from None
    except OSError as error:
        message = f"{path}: unreadable ({error.strerror}): run 'newsbot reindex'"
        raise IndexCorruptError(message) from None
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = ""
    if not GENERATION.match(name):
        raise IndexCorruptError(
            f"{path}: names no generation ({raw[:40]!r}): run 'newsbot reindex'"
        )
    return name


def current_path(data_dir: Path) -> Path:
    """The current generation's folder; IndexNotFoundError before the first reindex."""
    name = current_name(data_dir)
    if name is None:
        raise IndexNotFoundError(f"no index in {data_dir}: run 'newsbot reindex' first")
    return data_dir / name


def make_current(data_dir: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name`` in one atomic rename, durably."""
    temporary = data_dir / f"{CURRENT}.tmp"
    _remove(temporary)
    write_durably(temporary, f"{name}\n".encode())
    target = data_dir / CURRENT
    if target.is_dir() and not target.is_symlink():  # damage: a folder where CURRENT was
        shutil.rmtree(target)
    os.replace(temporary, target)
    fsync_dir(data_dir)


def next_name(folder: Path, prefix: str) -> str:
    """``<prefix>-NNNNNN``, numbered after every generation or segment in ``folder``."""
    numbers = [
        int(m.group(1))
        for p in (folder.iterdir() if folder.is_dir() else ())
        if p.name.startswith(prefix) and (m := _NUMBERED.match(p.name))
    ]
    if prefix == "gen":
        # A damaged generation is pruned before the rebuild: its number is not reused, so
        # no reader takes the rebuilt generation for the one it has open.
        with contextlib.suppress(IndexCorruptError):
            if (current := current_name(folder)) is not None:
                numbers.append(int(current.removeprefix("gen-")))
    return f"{prefix}-{max(numbers, default=0) + 1:06d}"


@contextlib.contextmanager
def reindex_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's reindex lock; the OS releases it if the process dies."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK
    if path.is_symlink() or (path.exists() and not path.is_file()):
        # Damage (a folder, a link, dangling or not): the lock is an empty regular file.
        log.warning("%s was a link or a folder, not a lock file: replaced", path)
        _remove(path)
    try:
        handle = open(path, "a+")  # noqa: SIM115 (closed below, after the unlock)
    except OSError as error:
        raise IndexCorruptError(
            f"{path}: cannot open the reindex lock ({error.strerror})"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexBusyError(f"another reindex is running on {data_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune(data_dir: Path, keep: Iterable[str], segments_in_use: Iterable[str]) -> None:
    """Remove leftovers of killed reindexes, generations other than ``keep`` and segments
    no kept generation uses. Called under the reindex lock."""
    kept, used = set(keep), set(segments_in_use)
    for path in data_dir.iterdir():
        partial = path.name.endswith(".partial")
        old = GENERATION.match(path.name) is not None and path.name not in kept
        if partial or old:
            _remove(path)
    segments = data_dir / SEGMENTS
    for path in segments.iterdir() if segments.is_dir() else ():
        if path.name.endswith(".partial") or path.name not in used:
            _remove(path)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
