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


def verify_checksums(folder: Path, names: Iterable[str]) -> None:
    """IndexCorruptError unless each named file of ``folder`` is as its checksum says."""
    try:
        expected = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexCorruptError(f"{folder / CHECKSUMS}: unreadable ({error})") from None
    for name in names:
        try:
            actual = file_digest(folder / name)
        except OSError as error:
            raise IndexCorruptError(f"{folder / name}: unreadable ({error})") from None
        if actual != expected.get(name):
            raise IndexCorruptError(
                f"{folder / name}: checksum mismatch (truncated or altered; "
                f"{actual['bytes']} bytes, expected {expected.get(name, {}).get('bytes')}): "
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
