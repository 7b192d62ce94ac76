"""Readers' votes on answers: a SQLite file of its own, apart from the index generations.

A reindex replaces generations and never touches this file, so votes collected over the
years stay with the question, answer text and sources they were given on, and how the
answer was written ("llm" or "extractive"). A 👎 may carry the reader's words on what was
wrong. Files from before a column existed get it on opening, their rows kept: answers
marked "extractive", as they all were, votes without a reason.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from index.records import AnswerMode
from index.sqlite_files import open_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'extractive'
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id),
    user_id TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (-1, 1)),
    voted_at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (answer_id, user_id)
);
"""


REASON_LIMIT = 1000  # characters of a reason kept; the Discord form allows no more


@dataclass(frozen=True, slots=True)
class VoteCounts:
    up: int
    down: int


class Voted(Enum):
    """What a vote did to the voter's standing on an answer."""

    NEW = "new"  # their first vote on it
    SAME = "same"  # the vote they had already given: nothing changed
    CHANGED = "changed"  # replaced their other vote


class FeedbackStore:
    """Answers as they were given, and at most one vote per person on each.

    One connection guarded by a lock: every call is a short transaction, so threads
    never wait long, and WAL mode lets an outside reader (a report) look in meanwhile.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        # A damaged file is set aside (votes kept there), so the bot starts all the same.
        self._db = open_sqlite(
            path, "feedback store", self._prepare, _SCHEMA,
            check_same_thread=False, isolation_level=None,
        )  # fmt: skip

    def _prepare(self, database: sqlite3.Connection) -> None:
        self._db = database
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a file written by an earlier newsbot up to the current columns."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(answers)")}
        if "mode" not in columns:
            self._db.execute(
                "ALTER TABLE answers ADD COLUMN mode TEXT NOT NULL DEFAULT 'extractive'"
            )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(votes)")}
        if "reason" not in columns:
            self._db.execute("ALTER TABLE votes ADD COLUMN reason TEXT")

    def record_answer(
        self,
        question: str,
        answer_text: str,
        sources: list[dict[str, Any]],
        mode: AnswerMode = "extractive",
    ) -> str:
        """Keep an answer as shown to people, and how it was written; returns its id
        (32 hex digits)."""
        if mode not in ("llm", "extractive"):
            raise ValueError(f"an answer's mode is 'llm' or 'extractive', got {mode!r}")
        answer_id = uuid.uuid4().hex
        sources_json = json.dumps(sources, default=str)
        with self._lock:
            self._db.execute(
                "INSERT INTO answers (id, created_at, question, answer, sources, mode) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (answer_id, _now(), question, answer_text, sources_json, mode),
            )
        return answer_id

    def vote(self, answer_id: str, user_id: str, value: int) -> Voted | None:
        """Record ``user_id``'s vote (+1 or -1) on an answer, replacing another one they
        gave (and the reason given with it); the same vote again changes nothing.

        Returns None, recording nothing, when the answer is not on record (an id from
        another feedback file, or one that was deleted).
        """
        if value not in (1, -1):
            raise ValueError(f"a vote is +1 or -1, got {value!r}")
        with self._lock:
            known = self._db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,))
            if known.fetchone() is None:
                return None
            earlier = self._db.execute(
                "SELECT value FROM votes WHERE answer_id = ? AND user_id = ?",
                (answer_id, user_id),
            ).fetchone()
            if earlier is None:
                self._db.execute(
                    "INSERT INTO votes (answer_id, user_id, value, voted_at) VALUES (?, ?, ?, ?)",
                    (answer_id, user_id, value, _now()),
                )
                return Voted.NEW
            if earlier[0] == value:
                return Voted.SAME
            self._db.execute(
                "UPDATE votes SET value = ?, voted_at = ?, reason = NULL "
                "WHERE answer_id = ? AND user_id = ?",
                (value, _now(), answer_id, user_id),
            )
        return Voted.CHANGED

    def give_reason(self, answer_id: str, user_id: str, reason: str) -> bool:
        """Keep what ``user_id`` says was wrong with an answer beside their 👎 (replacing
        what they said before); False, keeping nothing, when their vote on it is not 👎
        (changed meanwhile) or the reason is blank."""
        reason = reason.strip()[:REASON_LIMIT]
        if not reason:
            return False
        with self._lock:
            updated = self._db.execute(
                "UPDATE votes SET reason = ? WHERE answer_id = ? AND user_id = ? AND value = -1",
                (reason, answer_id, user_id),
            )
        return updated.rowcount == 1

    def counts(self, answer_id: str) -> VoteCounts:
        with self._lock:
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0) "
                "FROM votes WHERE answer_id = ?",
                (answer_id,),
            ).fetchone()
        return VoteCounts(up=up, down=down)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
