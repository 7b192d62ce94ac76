"""Every file a reindex or the bot reads, damaged every way that applies to it: the
reindex completes (or the bot starts), and the damage is reported in one line.

Index files whose checksums were rewritten after the damage (as a careless repair or
a disk that lies would leave them) are in it too; the index's other damages are in
``tests/index/store/test_damage.py``. The matrix is printed (``pytest -s``)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.discord.run import _open_index
from index.durable import CHECKSUMS, file_digest
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore
from index.web.article_store import WebArticle, WebStore
from index.web.live import WEB_STORE_FILE
from tests.conftest import ASKED

pytestmark = [pytest.mark.model, pytest.mark.slow]

ARTICLES = {
    "ferry.txt": "Ferry strike ends\n\nDock workers in Port Aven ended a nine-day ferry "
    "strike on Monday after the operator agreed to a six per cent pay rise.",
    "tram.txt": "Tram line opens\n\nEastholm's new Line 4 tram to the university carried "
    "its first passengers on Monday morning, with 18 stops along the way.",
}
WEB_ARTICLE = WebArticle(
    url="https://news.example/harbour",
    title="Harbour reopens",
    text="The harbour of Port Aven reopened to fishing boats on Tuesday after dredging.",
)
CONTENT_DAMAGES = ("truncate", "garbage", "flip", "bad-utf8", "wrong-schema", "zero")
# Words of the stored texts; "bad-utf8" changes one byte of the first found to 0x9c, which
# leaves every page of a database sound and its text undecodable.
TEXT_WORDS = (b"strike", b"harbour", b"because", b"gen-")
PLACE_DAMAGES = ("directory", "dangling-link")
SQLITE_HEADER = 100  # bytes; "flip" damages what follows, as a failing sector would


def damage(path: Path, how: str) -> None:
    data = path.read_bytes() if path.is_file() else b""
    if how in PLACE_DAMAGES:
        _remove(path)
        if how == "directory":
            path.mkdir()
        else:
            path.symlink_to(path.parent / "nowhere" / "gone")
    elif how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(max(len(data), 4096)))
    elif how == "zero":
        path.write_bytes(b"")
    elif how == "bad-utf8":
        at = min(data.find(w) for w in TEXT_WORDS if w in data) + 1
        path.write_bytes(data[:at] + b"\x9c" + data[at + 1 :])
    elif how == "flip":
        flipped = bytearray(data)
        start = min(SQLITE_HEADER, len(flipped) // 2)
        for position in range(start, len(flipped), max(1, (len(flipped) - start) // 9)):
            flipped[position] ^= 0xFF
        path.write_bytes(bytes(flipped))
    else:  # wrong-schema: a sound SQLite file of other tables (or other text)
        _remove(path)
        if path.suffix in (".sqlite", ".sqlite3"):
            with sqlite3.connect(path) as database:
                for table in ("articles", "answers"):  # names of the stores' own tables
                    database.execute(f"CREATE TABLE {table} (x)")
                    database.execute(f"INSERT INTO {table} VALUES ('not this')")
            sqlite3.connect(path).close()
        else:
            path.write_text("[]")


def rewrite_checksum(path: Path) -> None:
    """Make the folder's checksum list match the damaged file, as whoever damaged it
    might have."""
    listing = path.parent / CHECKSUMS
    recorded = json.loads(listing.read_text())
    recorded[path.name] = file_digest(path)
    listing.write_text(json.dumps(recorded))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder):
    """A small index of two files and a fetched web article, and a feedback store."""
    from index.config import Settings

    root = tmp_path_factory.mktemp("matrix")
    articles = root / "articles"
    articles.mkdir()
    for name, text in ARTICLES.items():
        (articles / name).write_text(text)
    settings = _settings(Settings(), root / "data", articles)
    (root / "data").mkdir()
    with WebStore(root / "data" / WEB_STORE_FILE) as store:
        store.upsert_article(WEB_ARTICLE)
    KnowledgeBase(settings, embedder).reindex()
    feedback = FeedbackStore(root / "data" / "feedback.sqlite")
    feedback.record_answer("why?", "because [1]", [{"title": "Ferry strike ends"}])
    feedback.close()
    return root


def _settings(settings, data_dir: Path, articles: Path):
    index = settings.index.model_copy(update={"data_dir": data_dir, "articles": [articles]})
    return settings.model_copy(update={"index": index})


def _in_generation(data_dir: Path, name: str) -> Path:
    return data_dir / (data_dir / "CURRENT").read_text().strip() / name


def _in_segment(data_dir: Path, name: str) -> Path:
    return next((data_dir / "segments").iterdir()) / name


# file -> (where it is, the damages that apply, whether its checksum is rewritten after)
FILES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...], bool]] = {
    "web.sqlite3": (lambda d: d / WEB_STORE_FILE, CONTENT_DAMAGES + PLACE_DAMAGES, False),
    "reindex.lock": (lambda d: d / "reindex.lock", ("garbage", *PLACE_DAMAGES), False),
    "CURRENT": (lambda d: d / "CURRENT", CONTENT_DAMAGES + PLACE_DAMAGES, False),
    "catalog.sqlite*": (lambda d: _in_generation(d, "catalog.sqlite"), CONTENT_DAMAGES, True),
    "articles.sqlite*": (lambda d: _in_segment(d, "articles.sqlite"), CONTENT_DAMAGES, True),
    "feedback.sqlite": (lambda d: d / "feedback.sqlite", CONTENT_DAMAGES + PLACE_DAMAGES, False),
}


def outcome(template: Path, case: Path, file: str, how: str, settings, embedder, caplog) -> str:
    """ "ok" when the reindex completes (or the bot starts) with the damage reported in
    one line; else what went wrong."""
    shutil.copytree(template, case, symlinks=True)
    data_dir = case / "data"
    where, _, rewritten = FILES[file]
    path = where(data_dir)
    damage(path, how)
    if rewritten:
        rewrite_checksum(path)
    caplog.clear()
    try:
        if file == "feedback.sqlite":
            store = FeedbackStore(path)  # as the bot opens it when it starts
            store.record_answer("again?", "yes [1]", [])
            store.close()
        else:
            kb = KnowledgeBase(_settings(settings, data_dir, case / "articles"), embedder)
            if file == "CURRENT":
                _open_index(kb)  # the bot starts on it, /reindex within reach
            summary = kb.reindex()
            assert kb.ask("Why did the ferry strike end?", as_of=ASKED).answered
            if summary.repaired is not None:
                return "ok" if "\n" not in summary.repaired else "report of several lines"
    except Exception as error:
        return "FAILS: " + " ".join(f"{type(error).__name__}: {error}".split())[:90]
    reports = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    if not reports:
        return "ok" if (file, how) == ("reindex.lock", "garbage") else "not reported"
    return "ok" if all("\n" not in r for r in reports) else "report of several lines"


def test_every_file_damaged_every_way_never_blocks_and_is_reported(
    template, settings, embedder, tmp_path, caplog
):
    caplog.set_level(logging.WARNING)
    results: dict[tuple[str, str], str] = {}
    for file, (_, damages, _) in FILES.items():
        for how in damages:
            case = tmp_path / f"{file.strip('*')}-{how}"
            results[file, how] = outcome(template, case, file, how, settings, embedder, caplog)
            shutil.rmtree(case)
    print("\nfile (* checksum rewritten) | damage | outcome")
    for (file, how), result in results.items():
        print(f"{file} | {how} | {result}")
    failed = {case: result for case, result in results.items() if result != "ok"}
    assert not failed, failed
