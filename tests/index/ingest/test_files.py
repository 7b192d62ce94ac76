"""Reading a collection: walking folders with limits, symlinks, hidden files, ids, bad
input reported with its reason."""

from __future__ import annotations

import errno
import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from index.ingest import files
from index.ingest.files import load_articles
from index.records import Article, Skipped
from tests.index.ingest.helpers import BAD, BODY, COLLECTION, SEED, file_id, load_all, write

# --- the fixture collection -----------------------------------------------------------


def test_collection_loads_every_article_in_sorted_order_without_skips() -> None:
    items = list(load_articles(COLLECTION))
    assert [item.origin for item in items] == [
        SEED,
        "halden-motors-recall.html",
        "northern-reserve-bank-holds-rates.md",
        "transport/eastholm-tram-line-opens.md",
        "wires/briefs-2024.jsonl:1",
        "wires/briefs-2024.jsonl:2",
        "wires/briefs-2024.jsonl:3",
    ]
    assert all(isinstance(item, Article) for item in items)


def test_collection_articles_have_sources_and_all_but_the_seed_dates() -> None:
    articles, _ = load_all(COLLECTION)
    found = {origin: (a.source, a.published) for origin, a in articles.items()}
    assert found == {
        SEED: ("GZERO Media", None),  # named by its "More from GZERO Media" tail
        "halden-motors-recall.html": ("Motor Wire Daily", date(2024, 2, 14)),
        "northern-reserve-bank-holds-rates.md": ("Northern Ledger", date(2024, 3, 1)),
        "transport/eastholm-tram-line-opens.md": ("Lakeside Courier", date(2024, 5, 20)),
        "wires/briefs-2024.jsonl:1": ("Arctic Wire", date(2024, 1, 15)),
        "wires/briefs-2024.jsonl:2": ("Touchline Report", date(2024, 7, 2)),
        "wires/briefs-2024.jsonl:3": ("Culture Desk", date(2024, 4, 11)),
    }


# --- ids ------------------------------------------------------------------------------


def test_file_id_is_hash_of_path_relative_to_root() -> None:
    articles, _ = load_all(COLLECTION)
    assert articles[SEED].id == file_id(SEED)
    transport = articles["transport/eastholm-tram-line-opens.md"]
    assert transport.id == file_id("transport/eastholm-tram-line-opens.md")


def test_ids_are_stable_across_loads_and_locations_and_differ_between_articles(
    tmp_path: Path,
) -> None:
    first = [a.id for a in load_all(COLLECTION)[0].values()]
    again = [a.id for a in load_all(COLLECTION)[0].values()]
    moved = [
        a.id for a in load_all(shutil.copytree(COLLECTION, tmp_path / "elsewhere"))[0].values()
    ]
    assert first == again == moved
    assert len(set(first)) == len(first)


# --- problems -------------------------------------------------------------------------


def test_every_bad_fixture_is_reported_with_its_reason_and_good_ones_load() -> None:
    articles, skipped = load_all(BAD)
    assert skipped == {
        "binary.txt": "binary file (contains NUL bytes)",
        "empty.txt": "empty file",
        "latin1.txt": "not valid UTF-8 (byte 0xe9 at offset 3)",
        "malformed.json": "malformed JSON (Invalid control character at line 1, column 114)",
        "notes.pdf": "unsupported file type .pdf",
        "records.jsonl:2": "malformed JSON (Unterminated string starting at column 52)",
        "records.jsonl:4": "record has no text",
        "tiny.txt": "no article text after cleaning (0 characters, need 50)",
    }
    assert sorted(articles) == ["good-article.txt", "records.jsonl:1", "records.jsonl:3"]


def test_oversized_file_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "big.txt", "Title\n" + "x" * 1994)
    write(tmp_path / "fits.txt", ("Lanes approved\n" + BODY).ljust(1000, "."))
    original_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "big.txt":
            raise AssertionError("an oversized file was opened")
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    articles, skipped = load_all(tmp_path, max_file_bytes=1000)
    assert skipped == {"big.txt": "file too large (2000 bytes, limit 1000)"}
    assert list(articles) == ["fits.txt"]


def test_a_jsonl_collection_over_the_file_limit_is_bounded_per_record(tmp_path: Path) -> None:
    records = [{"id": n, "title": f"Brief {n}", "text": BODY * 3} for n in range(20)]
    records.insert(5, {"id": "huge", "title": "Huge", "text": "x" * 2000})
    write(tmp_path / "wire.jsonl", "\n".join(json.dumps(r) for r in records))
    assert (tmp_path / "wire.jsonl").stat().st_size > 5000
    articles, skipped = load_all(tmp_path, max_file_bytes=1000)
    assert len(articles) == 20
    assert skipped == {
        "wire.jsonl:6": "record too large (2043 bytes, limit 1000: [index] max_file_bytes)"
    }


def test_a_json_array_over_the_file_limit_is_bounded_per_record(tmp_path: Path) -> None:
    records = [{"title": f"Brief {n}", "text": BODY * 3} for n in range(20)]
    records.append({"title": "Huge", "text": "x" * 2000})
    write(tmp_path / "wire.json", "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]")
    articles, skipped = load_all(tmp_path, max_file_bytes=1000)
    assert len(articles) == 20
    assert list(skipped) == ["wire.json:22"]
    assert skipped["wire.json:22"].startswith("record too large (2029 bytes, limit 1000")


def test_a_collection_over_the_hard_ceiling_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "COLLECTION_MAX_BYTES", 4000)
    write(tmp_path / "wire.jsonl", json.dumps({"title": "Brief", "text": BODY * 60}))
    articles, skipped = load_all(tmp_path, max_file_bytes=1000)
    assert not articles
    assert skipped["wire.jsonl"].startswith("file too large (")
    assert skipped["wire.jsonl"].endswith("limit 4000)")


def test_unreadable_file_is_reported_and_the_rest_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod 000 does not stop root, so the permission error is simulated at open().
    write(tmp_path / "locked.txt", f"Locked\n\n{BODY}")
    write(tmp_path / "open.txt", f"Open\n\n{BODY}")
    original_open = Path.open

    def denying_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denying_open)
    articles, skipped = load_all(tmp_path)
    assert skipped == {"locked.txt": "unreadable (Permission denied)"}
    assert list(articles) == ["open.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    assert load_all(tmp_path)[1] == {"pipe.txt": "not a regular file"}


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    assert load_all(tmp_path)[1] == {"gone.txt": "broken symlink (its target does not exist)"}


def test_symlink_pointing_outside_root_is_skipped(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "secret.txt", f"Secret\n\n{BODY}")
    root = tmp_path / "root"
    root.mkdir()
    (root / "secret.txt").symlink_to(outside)
    (root / "folder").symlink_to(outside.parent, target_is_directory=True)
    articles, skipped = load_all(root)
    assert articles == {}
    assert skipped == {
        "folder": f"symlink points outside the collection (to {outside.parent.resolve()})",
        "secret.txt": f"symlink points outside the collection (to {outside.resolve()})",
    }


def test_symlink_inside_root_is_followed(tmp_path: Path) -> None:
    write(tmp_path / "real" / "a.txt", f"Lanes approved\n\n{BODY}")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    articles, _ = load_all(tmp_path)
    assert sorted(articles) == ["alias/a.txt", "real/a.txt"]


def test_symlink_loops_are_reported_and_the_walk_ends(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "a.txt", f"Lanes approved\n\n{BODY}")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    articles, skipped = load_all(tmp_path)
    assert list(articles) == ["sub/a.txt"]
    assert skipped == {
        "self.txt": "symlink loop",
        "sub/up": "symlink loop (links to a folder that contains it)",
    }


def test_hidden_files_and_folders_are_passed_over_silently(tmp_path: Path) -> None:
    write(tmp_path / ".draft.txt", f"Draft\n\n{BODY}")
    write(tmp_path / ".git" / "notes.txt", f"Notes\n\n{BODY}")
    write(tmp_path / "shown.txt", f"Shown\n\n{BODY}")
    assert [item.origin for item in load_articles(tmp_path)] == ["shown.txt"]


def test_single_file_root_is_loaded_with_its_name_as_origin() -> None:
    articles, skipped = load_all(COLLECTION / "transport" / "eastholm-tram-line-opens.md")
    assert skipped == {}
    assert [a.id for a in articles.values()] == [file_id("eastholm-tram-line-opens.md")]
    assert list(articles) == ["eastholm-tram-line-opens.md"]


def test_missing_root_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert list(load_articles(missing)) == [Skipped(str(missing), "not found")]


# --- file names that cannot be printed as they are ------------------------------------


def test_a_file_name_that_is_not_utf8_is_read_and_reported_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9-\xff.txt"), "wb") as file:
        file.write(f"Cycle lanes\n\n{BODY}".encode())
    with open(os.path.join(folder, b"empty-\xff.md"), "wb"):
        pass
    os.mkdir(os.path.join(folder, b"wires-\xfe"))
    write(tmp_path / os.fsdecode(b"wires-\xfe") / "briefs.txt", f"Briefs\n\n{BODY}")

    items = {item.origin: item for item in load_articles(tmp_path)}

    assert set(items) == {"caf\\xe9-\\xff.txt", "empty-\\xff.md", "wires-\\xfe/briefs.txt"}
    article = items["caf\\xe9-\\xff.txt"]
    assert isinstance(article, Article) and article.title == "Cycle lanes"
    assert isinstance(items["empty-\\xff.md"], Skipped)
    assert isinstance(items["wires-\\xfe/briefs.txt"], Article)
    again = {item.origin: item for item in load_articles(tmp_path)}
    assert again["caf\\xe9-\\xff.txt"].id == article.id  # stable across runs
    assert article.id != again["wires-\\xfe/briefs.txt"].id


def test_control_characters_in_a_file_name_are_escaped_in_its_origin(tmp_path: Path) -> None:
    write(tmp_path / "two\nlines\x1b.txt", f"Cycle lanes\n\n{BODY}")
    write(tmp_path / "odd\r.pdf", "not an article")

    articles, skipped = load_all(tmp_path)

    assert list(articles) == ["two\\nlines\\x1b.txt"]
    assert skipped == {"odd\\r.pdf": "unsupported file type .pdf"}


def test_non_positive_size_limit_is_an_error() -> None:
    with pytest.raises(ValueError, match="max_file_bytes"):
        load_articles(COLLECTION, max_file_bytes=0)
