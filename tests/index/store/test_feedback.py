"""FeedbackStore: answers kept with their sources, one vote per person per answer."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from index.records import AnswerSentence, Turn
from index.store.feedback import REASON_LIMIT, FeedbackStore, VoteCounts, Voted

SOURCES = [{"number": 1, "title": "Running Iran Out of Syria", "url": None}]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FeedbackStore]:
    feedback = FeedbackStore(tmp_path / "data" / "feedback.sqlite")
    yield feedback
    feedback.close()


def test_answer_is_kept_with_question_text_sources_and_time(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)

    with sqlite3.connect(store.path) as db:
        row = db.execute("SELECT question, answer, sources, created_at FROM answers").fetchone()
    assert len(answer_id) == 32
    assert row[:2] == ("who?", "Putin [1]")
    assert json.loads(row[2]) == SOURCES
    assert row[3].endswith("+00:00")


def test_file_is_in_wal_mode(store: FeedbackStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_vote_says_whether_it_is_new_the_same_or_a_change(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)

    assert store.vote(answer_id, "7", 1) is Voted.NEW
    assert store.vote(answer_id, "7", 1) is Voted.SAME
    assert store.counts(answer_id) == VoteCounts(up=1, down=0)
    assert store.vote(answer_id, "7", -1) is Voted.CHANGED
    assert store.counts(answer_id) == VoteCounts(up=0, down=1)
    assert store.vote(answer_id, "8", -1) is Voted.NEW  # another person's first


def test_the_same_vote_again_leaves_the_row_as_it_was(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)
    store.vote(answer_id, "7", -1)
    store.give_reason(answer_id, "7", "wrong country")
    with sqlite3.connect(store.path) as db:
        before = db.execute("SELECT * FROM votes").fetchall()

    store.vote(answer_id, "7", -1)

    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT * FROM votes").fetchall() == before


def reasons(store: FeedbackStore) -> list[tuple[str, int, str | None]]:
    with sqlite3.connect(store.path) as db:
        return db.execute("SELECT user_id, value, reason FROM votes ORDER BY user_id").fetchall()


def test_a_thumbs_down_keeps_the_reason_given_with_it(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)
    store.vote(answer_id, "7", -1)
    store.vote(answer_id, "8", 1)

    assert store.give_reason(answer_id, "7", "  It names the wrong president.\n")
    assert not store.give_reason(answer_id, "8", "a reason for a thumbs up")  # not a 👎
    assert not store.give_reason(answer_id, "9", "never voted")
    assert not store.give_reason(answer_id, "7", "   ")  # blank: the first reason stays

    assert reasons(store) == [("7", -1, "It names the wrong president."), ("8", 1, None)]


def test_a_changed_vote_drops_the_reason_of_the_earlier_one(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)
    store.vote(answer_id, "7", -1)
    store.give_reason(answer_id, "7", "too vague")

    store.vote(answer_id, "7", 1)

    assert reasons(store) == [("7", 1, None)]
    assert not store.give_reason(answer_id, "7", "too vague")


def test_a_reason_is_cut_to_the_limit(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)
    store.vote(answer_id, "7", -1)

    store.give_reason(answer_id, "7", "x" * (REASON_LIMIT + 50))

    assert len(reasons(store)[0][2] or "") == REASON_LIMIT


def test_votes_of_different_people_add_up(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)

    for user, value in [("1", 1), ("2", 1), ("3", -1)]:
        store.vote(answer_id, user, value)

    assert store.counts(answer_id) == VoteCounts(up=2, down=1)


def test_vote_on_an_unknown_answer_is_refused(store: FeedbackStore) -> None:
    assert store.vote("0" * 32, "7", 1) is None
    assert store.counts("0" * 32) == VoteCounts(up=0, down=0)


def test_vote_must_be_plus_or_minus_one(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)

    with pytest.raises(ValueError, match="vote"):
        store.vote(answer_id, "7", 2)


def test_votes_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    first = FeedbackStore(path)
    answer_id = first.record_answer("who?", "Putin [1]", SOURCES)
    first.vote(answer_id, "7", -1)
    first.close()

    second = FeedbackStore(path)
    try:
        assert second.counts(answer_id) == VoteCounts(up=0, down=1)
    finally:
        second.close()


def test_concurrent_votes_from_threads_are_all_recorded(store: FeedbackStore) -> None:
    answer_id = store.record_answer("who?", "Putin [1]", SOURCES)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda user: store.vote(answer_id, str(user), 1), range(200)))

    assert store.counts(answer_id) == VoteCounts(up=200, down=0)


def test_answers_are_kept_with_how_they_were_written(store: FeedbackStore) -> None:
    written = store.record_answer("who?", "Putin [1]", SOURCES, mode="llm")
    quoted = store.record_answer("who?", "Putin [1]", SOURCES)

    with sqlite3.connect(store.path) as db:
        modes = dict(db.execute("SELECT id, mode FROM answers"))
    assert modes == {written: "llm", quoted: "extractive"}
    with pytest.raises(ValueError, match="'llm' or 'extractive'"):
        store.record_answer("who?", "Putin [1]", SOURCES, mode="guess")  # type: ignore[arg-type]


def test_a_file_from_before_modes_were_kept_gets_the_column_and_keeps_its_votes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feedback.sqlite"
    with sqlite3.connect(path) as db:  # the schema as newsbot wrote it until now
        db.executescript(
            """
            CREATE TABLE answers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
                question TEXT NOT NULL, answer TEXT NOT NULL, sources TEXT NOT NULL);
            CREATE TABLE votes (answer_id TEXT NOT NULL REFERENCES answers(id),
                user_id TEXT NOT NULL, value INTEGER NOT NULL CHECK (value IN (-1, 1)),
                voted_at TEXT NOT NULL, PRIMARY KEY (answer_id, user_id));
            INSERT INTO answers VALUES ('0123456789abcdef0123456789abcdef',
                '2024-01-01T00:00:00+00:00', 'who?', 'Putin [1]', '[]');
            """
        )
        old_id = db.execute("SELECT id FROM answers").fetchone()[0]
        db.execute("INSERT INTO votes VALUES (?, 'u1', 1, '2024-01-01T00:00:00+00:00')", (old_id,))

    store = FeedbackStore(path)
    try:
        new_id = store.record_answer("why?", "Because [1]", SOURCES, mode="llm")
        assert store.vote(old_id, "u2", -1)
        assert store.counts(old_id) == VoteCounts(up=1, down=1)
    finally:
        store.close()
    reopened = FeedbackStore(path)  # opening again changes nothing
    reopened.close()
    with sqlite3.connect(path) as db:
        modes = dict(db.execute("SELECT id, mode FROM answers"))
    assert modes == {old_id: "extractive", new_id: "llm"}


def test_a_file_from_before_reasons_were_kept_gets_the_column_and_keeps_its_votes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feedback.sqlite"
    answer_id = "0123456789abcdef0123456789abcdef"
    with sqlite3.connect(path) as db:  # the schema as deployed newsbots wrote it until now
        db.executescript(
            f"""
            CREATE TABLE answers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
                question TEXT NOT NULL, answer TEXT NOT NULL, sources TEXT NOT NULL,
                mode TEXT NOT NULL DEFAULT 'extractive');
            CREATE TABLE votes (answer_id TEXT NOT NULL REFERENCES answers(id),
                user_id TEXT NOT NULL, value INTEGER NOT NULL CHECK (value IN (-1, 1)),
                voted_at TEXT NOT NULL, PRIMARY KEY (answer_id, user_id));
            INSERT INTO answers VALUES ('{answer_id}', '2024-01-01T00:00:00+00:00', 'who?',
                'Putin [1]', '[]', 'llm');
            INSERT INTO votes VALUES ('{answer_id}', 'u1', 1, '2024-01-01T00:00:00+00:00');
            INSERT INTO votes VALUES ('{answer_id}', 'u2', -1, '2024-01-02T00:00:00+00:00');
            """
        )

    store = FeedbackStore(path)
    try:
        assert store.counts(answer_id) == VoteCounts(up=1, down=1)
        assert store.give_reason(answer_id, "u2", "out of date")
        assert store.vote(answer_id, "u1", 1) is Voted.SAME
    finally:
        store.close()
    FeedbackStore(path).close()  # opening again changes nothing
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT user_id, value, voted_at, reason FROM votes ORDER BY user_id")
        assert rows.fetchall() == [
            ("u1", 1, "2024-01-01T00:00:00+00:00", None),
            ("u2", -1, "2024-01-02T00:00:00+00:00", "out of date"),
        ]
        assert db.execute("SELECT mode FROM answers").fetchall() == [("llm",)]


def test_an_answer_is_shown_again_in_full_from_the_file_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    first = FeedbackStore(path)
    seed = {"number": 1, "article_id": "a1", "title": "Running Iran Out of Syria",
            "url": None, "source": "GZERO Media", "date": "2024-05-20", "author": None,
            "also_reported_by": [{"source": "Wire", "url": None, "title": "Copy"}]}  # fmt: skip
    sentences = (AnswerSentence("Putin does.", (1,)),)
    answer_id = first.record_answer("who?", "Putin does. [1]", [seed], "llm", sentences)
    first.close()

    again = FeedbackStore(path)
    shown, unknown = again.shown_answer(answer_id), again.shown_answer("0" * 32)
    again.close()

    assert shown is not None and shown.question == "who?" and shown.mode == "llm"
    assert shown.sentences == sentences
    [citation] = shown.citations
    assert (citation.number, citation.article.title) == (1, "Running Iran Out of Syria")
    assert citation.article.published == date(2024, 5, 20)
    assert citation.article.also_reported_by[0].source == "Wire"
    assert unknown is None


def test_turns_are_kept_by_place_and_read_back_oldest_first(store: FeedbackStore) -> None:
    store.add_turn("thread-1", "alice", "who wants Iran out?", "Netanyahu [1]")
    store.add_turn("channel-9", "alice", "tram?", "May [1]")
    bobs = store.add_turn("thread-1", "bob", "and Tehran?", "")
    store.update_turn(bobs, "Tehran says [1]")

    assert store.turns("thread-1") == [
        Turn("who wants Iran out?", "Netanyahu [1]"),
        Turn("and Tehran?", "Tehran says [1]"),
    ]
    assert store.turns("thread-1", "bob") == [Turn("and Tehran?", "Tehran says [1]")]
    assert store.turns("thread-1", limit=1) == [Turn("and Tehran?", "Tehran says [1]")]
    assert store.turns("channel-9", "bob") == []


def test_shared_results_and_state_are_kept(store: FeedbackStore) -> None:
    shared_id = store.keep_shared({"title": "Search: tram"})
    store.set_state("reindex running", "yes")

    assert store.shared(shared_id) == {"title": "Search: tram"} and store.shared("x") is None
    assert store.state("reindex running") == "yes"
    store.set_state("reindex running", None)
    assert store.state("reindex running") is None


def test_a_file_from_before_sentences_were_kept_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE answers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
            "question TEXT NOT NULL, answer TEXT NOT NULL, sources TEXT NOT NULL, "
            "mode TEXT NOT NULL DEFAULT 'extractive')"
        )
        db.execute("INSERT INTO answers VALUES ('a' , 't', 'who?', 'x', '[]', 'llm')")
    store = FeedbackStore(path)

    old = store.shown_answer("a")
    store.close()

    assert old is not None and old.sentences == () and old.mode == "llm"
