"""Readers' votes on answers: a SQLite file of its own, apart from the index generations.

A reindex replaces generations and never touches this file, so votes collected over the
years stay with the question, answer text and sources they were given on, and how the
answer was written ("llm" or "extractive"). A 👎 may carry the reader's words on what was
wrong. Files from before a column existed get it on opening, their rows kept: answers
marked "extractive", as they all were, votes without a reason.

It also keeps what the bot's buttons need after a restart (an answer's sentences for
"More", results a member may post to the channel), the turns of conversations (each
thread's, each member's in a channel) and a little state (a reindex to resume).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from index.records import (
    Answer,
    AnswerMode,
    AnswerSentence,
    ArticleInfo,
    Citation,
    Reprint,
    Turn,
)
from index.sqlite_files import open_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'extractive',
    sentences TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id),
    user_id TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (-1, 1)),
    voted_at TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (answer_id, user_id)
);
CREATE TABLE IF NOT EXISTS turns (
    place TEXT NOT NULL,
    user_id TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_place ON turns (place);
CREATE TABLE IF NOT EXISTS shared (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
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
        if "sentences" not in columns:
            self._db.execute("ALTER TABLE answers ADD COLUMN sentences TEXT NOT NULL DEFAULT '[]'")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(votes)")}
        if "reason" not in columns:
            self._db.execute("ALTER TABLE votes ADD COLUMN reason TEXT")

    def record_answer(
        self,
        question: str,
        answer_text: str,
        sources: list[dict[str, Any]],
        mode: AnswerMode = "extractive",
        sentences: Sequence[AnswerSentence] = (),
    ) -> str:
        """Keep an answer as shown to people, and how it was written (its ``sentences``
        too, so that it can be shown again in full: ``shown_answer``); returns its id
        (32 hex digits)."""
        if mode not in ("llm", "extractive"):
            raise ValueError(f"an answer's mode is 'llm' or 'extractive', got {mode!r}")
        answer_id = uuid.uuid4().hex
        sources_json = json.dumps(sources, default=str)
        sentences_json = json.dumps([[s.text, list(s.citations)] for s in sentences])
        with self._lock:
            self._db.execute(
                "INSERT INTO answers (id, created_at, question, answer, sources, mode, sentences) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (answer_id, _now(), question, answer_text, sources_json, mode, sentences_json),
            )
        return answer_id

    def shown_answer(self, answer_id: str) -> Answer | None:
        """The answer kept under ``answer_id`` (its question, sentences and sources),
        None when there is none."""
        with self._lock:
            row = self._db.execute(
                "SELECT question, sources, mode, sentences FROM answers WHERE id = ?",
                (answer_id,),
            ).fetchone()
        if row is None:
            return None
        question, sources, mode, sentences = row
        return Answer(
            question=question,
            sentences=tuple(AnswerSentence(t, tuple(c)) for t, c in json.loads(sentences)),
            citations=tuple(_citation(source) for source in json.loads(sources)),
            mode=mode,
        )

    def add_turn(self, place: str, user_id: str, question: str, answer: str) -> int:
        """Keep a turn of the conversation held in ``place`` (a thread, or a channel);
        returns its id, for ``update_turn``."""
        with self._lock:
            added = self._db.execute(
                "INSERT INTO turns (place, user_id, asked_at, question, answer) "
                "VALUES (?, ?, ?, ?, ?)",
                (place, user_id, _now(), question, answer),
            )
        return int(added.lastrowid or 0)

    def update_turn(self, turn_id: int, answer: str) -> None:
        """Replace a turn's answer (by the one that replaced it on screen)."""
        with self._lock:
            self._db.execute("UPDATE turns SET answer = ? WHERE rowid = ?", (answer, turn_id))

    def turns(self, place: str, user_id: str | None = None, limit: int = 6) -> list[Turn]:
        """The latest ``limit`` turns in ``place`` (only ``user_id``'s, when given),
        oldest first."""
        query = "SELECT question, answer FROM turns WHERE place = ?"
        arguments: tuple[str, ...] = (place,)
        if user_id is not None:
            query += " AND user_id = ?"
            arguments += (user_id,)
        with self._lock:
            rows = self._db.execute(
                f"{query} ORDER BY rowid DESC LIMIT ?", (*arguments, limit)
            ).fetchall()
        return [Turn(question, answer) for question, answer in reversed(rows)]

    def keep_shared(self, payload: dict[str, Any]) -> str:
        """Keep something a member may later post to the channel; returns its id."""
        shared_id = uuid.uuid4().hex
        with self._lock:
            self._db.execute(
                "INSERT INTO shared (id, created_at, payload) VALUES (?, ?, ?)",
                (shared_id, _now(), json.dumps(payload)),
            )
        return shared_id

    def shared(self, shared_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT payload FROM shared WHERE id = ?", (shared_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def set_state(self, name: str, value: str | None) -> None:
        """Remember ``value`` under ``name`` across restarts (None forgets it)."""
        with self._lock:
            if value is None:
                self._db.execute("DELETE FROM state WHERE name = ?", (name,))
            else:
                self._db.execute(
                    "INSERT INTO state (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    def state(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

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


def _citation(source: dict[str, Any]) -> Citation:
    """A source as ``record_answer`` kept it (``bot.render.article_json`` and its number)."""
    day = source.get("date")
    article = ArticleInfo(
        id=source.get("article_id") or "",
        title=source.get("title") or "",
        url=source.get("url"),
        source=source.get("source"),
        published=date.fromisoformat(day) if day else None,
        author=source.get("author"),
        also_reported_by=tuple(
            Reprint(r.get("source"), r.get("url"), r.get("title") or "")
            for r in source.get("also_reported_by") or ()
        ),
    )
    return Citation(int(source["number"]), article)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
