"""SQLite files kept beside the index (the web article store, the feedback store):
opened with their structure and schema checked, and set aside when damaged.

Neither can be rebuilt from the sources the way an index generation is, and neither may
stop what needs it (a reindex, the bot's start): a damaged one is renamed to
``<name>.damaged-<UTC time>`` beside it (its ``-wal`` and ``-shm`` with it), kept for
whoever wants to recover it, a fresh one takes its place, and one warning line says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_COMPANIONS = ("-wal", "-shm", "-journal")
# Errors that say nothing about the file itself: another process holds it, the disk is
# full or read-only. They are raised as they are, never taken for damage.
_TRANSIENT = {
    "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_NOMEM",
    "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_INTERRUPT",
}  # fmt: skip


def open_sqlite(
    path: Path,
    what: str,
    prepare: Callable[[sqlite3.Connection], None],
    schema: str,
    **connect: Any,
) -> sqlite3.Connection:
    """A connection to ``path`` after ``prepare`` (pragmas, schema, migrations) has run
    and every table and column of ``schema`` is there; a file that is not a sound SQLite
    database of that shape (or not a file) is set aside and a fresh one opened."""
    try:
        return _open(path, prepare, schema, connect)
    except (sqlite3.Error, OSError) as error:
        if getattr(error, "sqlite_errorname", None) in _TRANSIENT:
            raise
        aside = set_aside(path)
        log.warning(
            "%s %s is damaged (%s: %s): set aside as %s, starting a fresh one",
            what,
            path,
            type(error).__name__,
            " ".join(str(error).split())[:200],
            aside.name,
        )
    return _open(path, prepare, schema, connect)


def set_aside(path: Path) -> Path:
    """Rename ``path`` (whatever it is: a file, a folder, a dangling link) and its SQLite
    companions to ``<name>.damaged-<UTC time>``; returns the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", *_COMPANIONS):
        with contextlib.suppress(FileNotFoundError):
            os.rename(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


def _open(
    path: Path,
    prepare: Callable[[sqlite3.Connection], None],
    schema: str,
    connect: dict[str, Any],
) -> sqlite3.Connection:
    if path.is_symlink() and not path.exists():
        raise OSError(f"a link to {os.readlink(path)}, which does not exist")
    if path.is_file() and path.stat().st_size == 0:
        raise sqlite3.DatabaseError("an empty file")  # SQLite would take it for a new one
    database = sqlite3.connect(path, **connect)
    try:
        check_values(database)
        prepare(database)
        missing = _missing_columns(database, schema)
        if missing:
            raise sqlite3.DatabaseError(f"not its schema: no {', '.join(missing)}")
        return database
    except BaseException:
        database.close()
        raise


def check_values(database: sqlite3.Connection) -> None:
    """sqlite3.DatabaseError unless the file is sound and every value in it decodes
    (SQLite checks its pages and that each index matches its table, not that text
    decodes). Read row by row: the file may not fit in memory."""
    verdict = database.execute("PRAGMA integrity_check(1)").fetchone()[0]
    if verdict != "ok":
        raise sqlite3.DatabaseError(verdict)
    tables = database.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
    for (table,) in tables:
        for _ in database.execute(f'SELECT * FROM "{table}"'):
            pass


def _missing_columns(database: sqlite3.Connection, schema: str) -> list[str]:
    """``table.column`` of ``schema`` that ``database`` lacks."""
    expected = sqlite3.connect(":memory:")
    try:
        expected.executescript(schema)
        wanted = {
            table: [c[1] for c in expected.execute(f'PRAGMA table_info("{table}")')]
            for (table,) in expected.execute("SELECT name FROM sqlite_schema WHERE type='table'")
        }
    finally:
        expected.close()
    missing = []
    for table, columns in wanted.items():
        present = {c[1] for c in database.execute(f'PRAGMA table_info("{table}")')}
        missing += [f"{table}.{column}" for column in columns if column not in present]
    return missing
