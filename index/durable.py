"""Durable files: written and fsynced before they count, checksummed beside them and
verified before anything reads them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from index.errors import IndexCorruptError

CHECKSUMS = "checksums.json"


def write_checksums(folder: Path, names: Iterable[str]) -> None:
    """Record the size and sha256 of each named file of ``folder`` in its CHECKSUMS file."""
    checksums = {name: file_digest(folder / name) for name in names}
    write_durably(folder / CHECKSUMS, json.dumps(checksums, indent=1).encode())


def read_checksums(folder: Path) -> dict[str, dict[str, object]]:
    """The checksums recorded in ``folder``: ``{name: {"bytes": n, "sha256": hex}}``;
    IndexCorruptError (naming the file) when it is unreadable or of another shape."""
    path = folder / CHECKSUMS
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexCorruptError(f"{path}: unreadable ({error}): run 'newsbot reindex'") from None
    entries_fit = isinstance(recorded, dict) and all(
        isinstance(e, dict) and isinstance(e.get("bytes"), int) and isinstance(e.get("sha256"), str)
        for e in recorded.values()
    )
    if not entries_fit:
        raise IndexCorruptError(f"{path}: not a checksum list: run 'newsbot reindex'")
    return recorded


def verify_checksums(
    folder: Path, names: Iterable[str], recorded_since: Iterable[str] = ()
) -> None:
    """IndexCorruptError unless each named file of ``folder`` is as its checksum says.
    The ``recorded_since`` files were checksummed only by later versions: one with no
    checksum recorded was written before then and is taken as it is."""
    expected = read_checksums(folder)
    unrecorded = set(recorded_since) - expected.keys()
    for name in names:
        if name in unrecorded:
            continue
        try:
            actual = file_digest(folder / name)
        except OSError as error:
            message = f"{folder / name}: unreadable ({error.strerror}): run 'newsbot reindex'"
            raise IndexCorruptError(message) from None
        if actual != expected.get(name):
            if name not in expected:
                raise IndexCorruptError(
                    f"{folder / name}: no checksum recorded for it: run 'newsbot reindex'"
                )
            raise IndexCorruptError(
                f"{folder / name}: checksum mismatch (truncated or altered; "
                f"{actual['bytes']} bytes, expected {expected[name]['bytes']}): "
                "run 'newsbot reindex'"
            )


def file_digest(path: Path) -> dict[str, object]:
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {"bytes": path.stat().st_size, "sha256": digest}


def write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
