from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from index.ingest.dates import parse_date
from index.ingest.files import load_articles
from index.records import Article, Skipped

FIXTURES = Path(__file__).parents[1] / "fixtures"
COLLECTION = FIXTURES / "collection"
BAD = FIXTURES / "bad"
SEED = "gzero-running-iran-out-of-syria.txt"
BODY = "The council voted on Tuesday to build protected cycle lanes along the river."


def _load(root: Path, **options: int) -> tuple[dict[str, Article], dict[str, str]]:
    """Articles and skip reasons by origin."""
    articles: dict[str, Article] = {}
    skipped: dict[str, str] = {}
    for item in load_articles(root, **options):
        if isinstance(item, Skipped):
            skipped[item.origin] = item.reason
        else:
            articles[item.origin] = item
    return articles, skipped


def _id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


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
    articles, _ = _load(COLLECTION)
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


def test_txt_first_line_is_title_and_rest_is_cleaned_text() -> None:
    seed = _load(COLLECTION)[0][SEED]
    assert seed.title == "Running Iran Out of Syria"
    assert seed.text.startswith("Squabbling between the main external players")
    assert seed.text.endswith("may be about to take a fresh turn.")
    assert "Bessent" not in seed.text
    assert (seed.url, seed.published, seed.author) == (None, None, None)
    assert seed.source == "GZERO Media"


def test_markdown_front_matter_sets_metadata_and_markup_is_stripped() -> None:
    article = _load(COLLECTION)[0]["northern-reserve-bank-holds-rates.md"]
    assert article.title == (
        "Northern Reserve Bank holds rates at 3.75% but signals cuts before summer"
    )
    assert article.url == "https://northernledger.example/economy/2024/03/reserve-bank-holds-rates"
    assert article.author == "Tomas Eklund"
    assert article.text.startswith("The Northern Reserve Bank kept its main policy rate")
    assert "see the full statement for details" in article.text
    assert "**" not in article.text and "](" not in article.text and "#" not in article.text


def test_markdown_quoted_values_are_unquoted_and_images_removed() -> None:
    article = _load(COLLECTION)[0]["transport/eastholm-tram-line-opens.md"]
    assert (
        article.title == "Eastholm opens Line 4 tram to the university after three years of works"
    )
    assert article.author == "Hanna Virtanen"
    assert article.url == "https://lakesidecourier.example/city/eastholm-line-4-tram-opens"
    assert "Mayor Leena Koskinen, who rode" in article.text
    assert "tram.jpg" not in article.text and "!" not in article.text


def test_markdown_without_front_matter_takes_leading_heading_as_title(tmp_path: Path) -> None:
    _write(
        tmp_path / "note.md",
        "\n# Lanes **approved** #\n\n"
        f"{BODY} See [the plan](https://example.org/plan) and _the map_ for snake_case_name.\n",
    )
    article = _load(tmp_path)[0]["note.md"]
    assert article.title == "Lanes approved"
    assert article.text == f"{BODY} See the plan and the map for snake_case_name."
    assert (article.source, article.published) == (None, None)


def test_markdown_without_heading_takes_first_line_as_title(tmp_path: Path) -> None:
    _write(tmp_path / "plain.markdown", f"Cycle lanes approved\n\n{BODY}\n")
    article = _load(tmp_path)[0]["plain.markdown"]
    assert (article.title, article.text) == ("Cycle lanes approved", BODY)


def test_html_takes_page_metadata_and_drops_boilerplate() -> None:
    article = _load(COLLECTION)[0]["halden-motors-recall.html"]
    assert article.title == "Halden Motors recalls 84,000 Tarn SUVs over brake sensor fault"
    assert article.source == "Motor Wire Daily"
    assert article.published == date(2024, 2, 14)
    assert article.author == "Priya Raman"
    assert (
        article.url == "https://www.motorwiredaily.example/news/2024/02/halden-motors-tarn-recall"
    )
    assert article.text.startswith("Halden Motors is recalling 84,000 Tarn")
    assert len(article.text.split("\n\n")) == 5
    for boilerplate in ("cookie", "Subscribe", "All rights reserved", "Newsletter", "Review:"):
        assert boilerplate not in article.text


def test_html_declared_non_utf8_charset_is_honoured(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Caf\xe9 rules</title></head>'
        f"<body><article><p>Caf\xe9 owners protest. {BODY}</p></article></body></html>"
    )
    _write(tmp_path / "page.htm", page.encode("latin-1"))
    article = _load(tmp_path)[0]["page.htm"]
    assert article.title == "Café rules"
    assert article.text.startswith("Café owners protest.")


def test_jsonl_records_are_articles_with_their_own_metadata() -> None:
    articles, _ = _load(COLLECTION / "wires")
    transfer = articles["briefs-2024.jsonl:2"]
    assert transfer.title == "Westbridge United sign winger Mateo Ferrand for club-record fee"
    assert transfer.author == "Dan Okafor"
    assert transfer.url == "https://touchlinereport.example/transfers/westbridge-sign-ferrand"
    assert transfer.text.startswith("Westbridge United have signed")
    assert transfer.text.count("\n\n") == 3


def test_untitled_record_is_titled_by_its_first_line_which_stays_in_text(tmp_path: Path) -> None:
    _write(tmp_path / "feed.jsonl", json.dumps({"text": f"{BODY}\n\nMore detail follows here."}))
    article = _load(tmp_path)[0]["feed.jsonl:1"]
    assert article.title == BODY
    assert article.text == f"{BODY}\n\nMore detail follows here."


def test_source_defaults_to_url_host_without_www() -> None:
    articles, _ = _load(BAD / "records.jsonl")
    assert articles["records.jsonl:1"].source == "alpinedaily.example"
    assert articles["records.jsonl:3"].source == "citynotes.example"


def test_json_file_holds_one_record_or_a_list_of_records(tmp_path: Path) -> None:
    record = {"title": "Lanes approved", "url": "https://www.example.org/a", "text": BODY}
    _write(tmp_path / "one.json", json.dumps(record))
    listed = [record | {"url": "https://example.org/b"}, record | {"url": None, "id": 7}]
    _write(tmp_path / "many.json", json.dumps(listed, indent=2))
    articles, skipped = _load(tmp_path)
    assert skipped == {}
    assert sorted(articles) == ["many.json:2", "many.json:7", "one.json"]
    assert articles["one.json"].source == "example.org"
    assert articles["many.json:7"].id == _id("many.json#7")


def test_bad_record_in_json_list_is_skipped_and_the_others_load(tmp_path: Path) -> None:
    listed = [{"text": BODY}, "not a record", {"text": BODY, "date": 20240301}]
    _write(tmp_path / "mixed.json", json.dumps(listed, indent=1))
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["mixed.json:2"]
    assert skipped == {
        "mixed.json:5": "record is a string, not an object",
        "mixed.json:6": "field 'date' is a number, not a string",
    }


# --- ids ------------------------------------------------------------------------------


def test_file_id_is_hash_of_path_relative_to_root() -> None:
    articles, _ = _load(COLLECTION)
    assert articles[SEED].id == _id(SEED)
    transport = articles["transport/eastholm-tram-line-opens.md"]
    assert transport.id == _id("transport/eastholm-tram-line-opens.md")


def test_record_id_comes_from_its_id_then_url_then_line(tmp_path: Path) -> None:
    lines = [
        {"id": "abc", "url": "https://example.org/1", "text": BODY},
        {"url": "https://example.org/2", "text": BODY},
        {"text": BODY},
    ]
    _write(tmp_path / "sub" / "feed.jsonl", "\n".join(json.dumps(line) for line in lines))
    articles, _ = _load(tmp_path)
    assert [a.id for a in articles.values()] == [
        _id("sub/feed.jsonl#abc"),
        _id("sub/feed.jsonl#https://example.org/2"),
        _id("sub/feed.jsonl#3"),
    ]


def test_ids_are_stable_across_loads_and_locations_and_differ_between_articles(
    tmp_path: Path,
) -> None:
    first = [a.id for a in _load(COLLECTION)[0].values()]
    again = [a.id for a in _load(COLLECTION)[0].values()]
    moved = [a.id for a in _load(shutil.copytree(COLLECTION, tmp_path / "elsewhere"))[0].values()]
    assert first == again == moved
    assert len(set(first)) == len(first)


# --- problems -------------------------------------------------------------------------


def test_every_bad_fixture_is_reported_with_its_reason_and_good_ones_load() -> None:
    articles, skipped = _load(BAD)
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


@pytest.mark.parametrize(
    ("name", "content", "origin", "reason"),
    [
        ("blank.txt", b" \n\n\t\n", "blank.txt", "empty file (only whitespace)"),
        ("README", BODY.encode(), "README", "unsupported file type (no extension)"),
        ("empty.json", b"[ ]", "empty.json", "no records (empty JSON array)"),
        ("scalar.json", b'"text"', "scalar.json", "record is a string, not an object"),
        ("deep.json", b"[" * 100_000, "deep.json", "malformed JSON (nested too deeply)"),
        (
            "trailing.json",
            b'[{"text": "x"}] junk',
            "trailing.json",
            "malformed JSON (Extra data at line 1, column 17)",
        ),
        (
            "typed.jsonl",
            b'{"title": 5, "text": "x"}',
            "typed.jsonl:1",
            "field 'title' is a number, not a string",
        ),
        ("list.jsonl", b'["text"]', "list.jsonl:1", "record is an array, not an object"),
        (
            "id.jsonl",
            b'{"id": true, "text": "x"}',
            "id.jsonl:1",
            "field 'id' is a boolean, not a string or number",
        ),
        ("blank.jsonl", b"\n \n", "blank.jsonl", "empty file (only whitespace)"),
    ],
)
def test_malformed_input_is_reported_with_a_specific_reason(
    tmp_path: Path, name: str, content: bytes, origin: str, reason: str
) -> None:
    _write(tmp_path / name, content)
    assert list(load_articles(tmp_path)) == [Skipped(origin, reason)]


def test_invalid_utf8_in_jsonl_line_skips_only_that_line(tmp_path: Path) -> None:
    good = json.dumps({"text": BODY}).encode()
    _write(tmp_path / "feed.jsonl", good + b'\n{"text": "caf\xe9"}\n' + good)
    articles, skipped = _load(tmp_path)
    assert sorted(articles) == ["feed.jsonl:1", "feed.jsonl:3"]
    assert skipped == {"feed.jsonl:2": f"not valid UTF-8 (byte 0xe9 at offset {len(good) + 14})"}


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    _write(tmp_path / "bom.txt", "\ufeffLanes approved\n\n" + BODY)
    article = _load(tmp_path)[0]["bom.txt"]
    assert (article.title, article.text) == ("Lanes approved", BODY)


def test_title_repeated_as_first_line_is_not_kept_in_text(tmp_path: Path) -> None:
    _write(tmp_path / "twice.txt", f"Lanes approved\n\nLanes  approved\n\n{BODY}")
    assert _load(tmp_path)[0]["twice.txt"].text == BODY


def test_oversized_file_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "big.txt", "Title\n" + "x" * 1994)
    _write(tmp_path / "fits.txt", ("Lanes approved\n" + BODY).ljust(1000, "."))
    original_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "big.txt":
            raise AssertionError("an oversized file was opened")
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    articles, skipped = _load(tmp_path, max_file_bytes=1000)
    assert skipped == {"big.txt": "file too large (2000 bytes, limit 1000)"}
    assert list(articles) == ["fits.txt"]


def test_unreadable_file_is_reported_and_the_rest_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod 000 does not stop root, so the permission error is simulated at open().
    _write(tmp_path / "locked.txt", f"Locked\n\n{BODY}")
    _write(tmp_path / "open.txt", f"Open\n\n{BODY}")
    original_open = Path.open

    def denying_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denying_open)
    articles, skipped = _load(tmp_path)
    assert skipped == {"locked.txt": "unreadable (Permission denied)"}
    assert list(articles) == ["open.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    assert _load(tmp_path)[1] == {"pipe.txt": "not a regular file"}


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    assert _load(tmp_path)[1] == {"gone.txt": "broken symlink (its target does not exist)"}


def test_symlink_pointing_outside_root_is_skipped(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside" / "secret.txt", f"Secret\n\n{BODY}")
    root = tmp_path / "root"
    root.mkdir()
    (root / "secret.txt").symlink_to(outside)
    (root / "folder").symlink_to(outside.parent, target_is_directory=True)
    articles, skipped = _load(root)
    assert articles == {}
    assert skipped == {
        "folder": f"symlink points outside the collection (to {outside.parent.resolve()})",
        "secret.txt": f"symlink points outside the collection (to {outside.resolve()})",
    }


def test_symlink_inside_root_is_followed(tmp_path: Path) -> None:
    _write(tmp_path / "real" / "a.txt", f"Lanes approved\n\n{BODY}")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    articles, _ = _load(tmp_path)
    assert sorted(articles) == ["alias/a.txt", "real/a.txt"]


def test_symlink_loops_are_reported_and_the_walk_ends(tmp_path: Path) -> None:
    _write(tmp_path / "sub" / "a.txt", f"Lanes approved\n\n{BODY}")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    articles, skipped = _load(tmp_path)
    assert list(articles) == ["sub/a.txt"]
    assert skipped == {
        "self.txt": "symlink loop",
        "sub/up": "symlink loop (links to a folder that contains it)",
    }


def test_hidden_files_and_folders_are_passed_over_silently(tmp_path: Path) -> None:
    _write(tmp_path / ".draft.txt", f"Draft\n\n{BODY}")
    _write(tmp_path / ".git" / "notes.txt", f"Notes\n\n{BODY}")
    _write(tmp_path / "shown.txt", f"Shown\n\n{BODY}")
    assert [item.origin for item in load_articles(tmp_path)] == ["shown.txt"]


def test_single_file_root_is_loaded_with_its_name_as_origin() -> None:
    articles, skipped = _load(COLLECTION / "transport" / "eastholm-tram-line-opens.md")
    assert skipped == {}
    assert [a.id for a in articles.values()] == [_id("eastholm-tram-line-opens.md")]
    assert list(articles) == ["eastholm-tram-line-opens.md"]


def test_missing_root_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert list(load_articles(missing)) == [Skipped(str(missing), "not found")]


def test_non_positive_size_limit_is_an_error() -> None:
    with pytest.raises(ValueError, match="max_file_bytes"):
        load_articles(COLLECTION, max_file_bytes=0)


# --- dates (index/dates.py, used by every loader) -----------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01",
        "2024-03-01T10:00:00Z",
        "2024-03-01T23:30:00-05:00",
        "2024/03/01",
        "Fri, 01 Mar 2024 10:00:00 GMT",
        "March 1, 2024",
        "Mar. 1 2024",
        "1 March 2024",
        "Friday, 1st March 2024",
        " 2024-3-1 ",
        date(2024, 3, 1),
        datetime(2024, 3, 1, 10, 0),
    ],
)
def test_parse_date_reads_common_formats(value: object) -> None:
    assert parse_date(value) == date(2024, 3, 1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "yesterday",
        "2024-02-30",
        "Smarch 1, 2024",
        "03/01/2024",
        "1899-12-31",
        (date.today() + timedelta(days=3)).isoformat(),
        20240301,
        ["2024-03-01"],
    ],
)
def test_parse_date_gives_none_for_unparseable_or_absurd_values(value: object) -> None:
    assert parse_date(value) is None


def test_parse_date_allows_two_days_of_clock_skew() -> None:
    soon = date.today() + timedelta(days=2)
    assert parse_date(soon.isoformat()) == soon
