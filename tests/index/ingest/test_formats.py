"""The text formats: .txt, .md (front matter), .json and .jsonl, as the loader reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.files import load_articles
from index.records import Skipped
from tests.index.ingest.helpers import BODY, COLLECTION, SEED, file_id, load_all, write


def test_txt_first_line_is_title_and_rest_is_cleaned_text() -> None:
    seed = load_all(COLLECTION)[0][SEED]
    assert seed.title == "Running Iran Out of Syria"
    assert seed.text.startswith("Squabbling between the main external players")
    assert seed.text.endswith("may be about to take a fresh turn.")
    assert "Bessent" not in seed.text
    assert (seed.url, seed.published, seed.author) == (None, None, None)
    assert seed.source == "GZERO Media"


def test_markdown_front_matter_sets_metadata_and_markup_is_stripped() -> None:
    article = load_all(COLLECTION)[0]["northern-reserve-bank-holds-rates.md"]
    assert article.title == (
        "Northern Reserve Bank holds rates at 3.75% but signals cuts before summer"
    )
    assert article.url == "https://northernledger.example/economy/2024/03/reserve-bank-holds-rates"
    assert article.author == "Tomas Eklund"
    assert article.text.startswith("The Northern Reserve Bank kept its main policy rate")
    assert "see the full statement for details" in article.text
    assert "**" not in article.text and "](" not in article.text and "#" not in article.text


def test_markdown_quoted_values_are_unquoted_and_images_removed() -> None:
    article = load_all(COLLECTION)[0]["transport/eastholm-tram-line-opens.md"]
    assert (
        article.title == "Eastholm opens Line 4 tram to the university after three years of works"
    )
    assert article.author == "Hanna Virtanen"
    assert article.url == "https://lakesidecourier.example/city/eastholm-line-4-tram-opens"
    assert "Mayor Leena Koskinen, who rode" in article.text
    assert "tram.jpg" not in article.text and "!" not in article.text


def test_markdown_without_front_matter_takes_leading_heading_as_title(tmp_path: Path) -> None:
    write(
        tmp_path / "note.md",
        "\n# Lanes **approved** #\n\n"
        f"{BODY} See [the plan](https://example.org/plan) and _the map_ for snake_case_name.\n",
    )
    article = load_all(tmp_path)[0]["note.md"]
    assert article.title == "Lanes approved"
    assert article.text == f"{BODY} See the plan and the map for snake_case_name."
    assert (article.source, article.published) == (None, None)


def test_markdown_without_heading_takes_first_line_as_title(tmp_path: Path) -> None:
    write(tmp_path / "plain.markdown", f"Cycle lanes approved\n\n{BODY}\n")
    article = load_all(tmp_path)[0]["plain.markdown"]
    assert (article.title, article.text) == ("Cycle lanes approved", BODY)


def test_jsonl_records_are_articles_with_their_own_metadata() -> None:
    articles, _ = load_all(COLLECTION / "wires")
    transfer = articles["briefs-2024.jsonl:2"]
    assert transfer.title == "Westbridge United sign winger Mateo Ferrand for club-record fee"
    assert transfer.author == "Dan Okafor"
    assert transfer.url == "https://touchlinereport.example/transfers/westbridge-sign-ferrand"
    assert transfer.text.startswith("Westbridge United have signed")
    assert transfer.text.count("\n\n") == 3


def test_json_file_holds_one_record_or_a_list_of_records(tmp_path: Path) -> None:
    record = {"title": "Lanes approved", "url": "https://www.example.org/a", "text": BODY}
    write(tmp_path / "one.json", json.dumps(record))
    listed = [record | {"url": "https://example.org/b"}, record | {"url": None, "id": 7}]
    write(tmp_path / "many.json", json.dumps(listed, indent=2))
    articles, skipped = load_all(tmp_path)
    assert skipped == {}
    assert sorted(articles) == ["many.json:2", "many.json:7", "one.json"]
    assert articles["one.json"].source == "example.org"
    assert articles["many.json:7"].id == file_id("many.json#7")


def test_bad_record_in_json_list_is_skipped_and_the_others_load(tmp_path: Path) -> None:
    listed = [{"text": BODY}, "not a record", {"text": BODY, "date": 20240301}]
    write(tmp_path / "mixed.json", json.dumps(listed, indent=1))
    articles, skipped = load_all(tmp_path)
    assert list(articles) == ["mixed.json:2"]
    assert skipped == {
        "mixed.json:5": "record is a string, not an object",
        "mixed.json:6": "field 'date' is a number, not a string",
    }


def test_record_id_comes_from_its_id_then_url_then_line(tmp_path: Path) -> None:
    lines = [
        {"id": "abc", "url": "https://example.org/1", "text": BODY},
        {"url": "https://example.org/2", "text": BODY},
        {"text": BODY},
    ]
    write(tmp_path / "sub" / "feed.jsonl", "\n".join(json.dumps(line) for line in lines))
    articles, _ = load_all(tmp_path)
    assert [a.id for a in articles.values()] == [
        file_id("sub/feed.jsonl#abc"),
        file_id("sub/feed.jsonl#https://example.org/2"),
        file_id("sub/feed.jsonl#3"),
    ]


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
    write(tmp_path / name, content)
    assert list(load_articles(tmp_path)) == [Skipped(origin, reason)]


def test_invalid_utf8_in_jsonl_line_skips_only_that_line(tmp_path: Path) -> None:
    good = json.dumps({"text": BODY}).encode()
    write(tmp_path / "feed.jsonl", good + b'\n{"text": "caf\xe9"}\n' + good)
    articles, skipped = load_all(tmp_path)
    assert sorted(articles) == ["feed.jsonl:1", "feed.jsonl:3"]
    assert skipped == {"feed.jsonl:2": f"not valid UTF-8 (byte 0xe9 at offset {len(good) + 14})"}


# --- lone surrogates ------------------------------------------------------------------

# json.dumps writes each lone surrogate as its escape, "\ud800", as a hostile file would.
SURROGATE_RECORD = json.dumps(
    {
        "id": "a\ud800",
        "title": "Lanes \ud800",
        "text": f"{BODY} \udfff end.",
        "author": "Jo \udc80",
        "source": "Wire \ud800",
        "url": "https://news.test/\ud800",
        "date": "2024-05-\ud800",
    }
)


@pytest.mark.parametrize("name", ["record.json", "records.jsonl"])
def test_lone_surrogates_in_json_text_fields_are_replaced(tmp_path: Path, name: str) -> None:
    write(tmp_path / name, SURROGATE_RECORD)

    (article,) = load_all(tmp_path)[0].values()

    fields = [article.title, article.text, article.author, article.source, article.url]
    for field in fields:
        assert field is not None
        field.encode("utf-8")  # the tokenizer and SQLite take it
    assert article.title == "Lanes \ufffd" and article.text.endswith("\ufffd end.")
    assert article.author == "Jo \ufffd"


def test_lone_surrogate_ids_give_distinct_stable_ids(tmp_path: Path) -> None:
    records = [json.dumps({"id": key, "text": BODY}) for key in ("x\ud800", "x\udfff")]
    write(tmp_path / "a.jsonl", "\n".join(records))

    articles, skipped = load_all(tmp_path)

    assert skipped == {}
    assert len({article.id for article in articles.values()}) == 2


def test_surrogates_encoded_in_utf8_bytes_are_not_utf8(tmp_path: Path) -> None:
    """.txt and .md cannot hold a lone surrogate: its UTF-8 bytes are refused."""
    write(tmp_path / "a.txt", b"Title\n\n" + BODY.encode() + b" \xed\xa0\x80")
    write(tmp_path / "b.md", b"# Title\n\n" + BODY.encode() + b" \xed\xb2\x80")

    articles, skipped = load_all(tmp_path)

    assert articles == {}
    assert skipped == {
        "a.txt": f"not valid UTF-8 (byte 0xed at offset {len(BODY) + 8})",
        "b.md": f"not valid UTF-8 (byte 0xed at offset {len(BODY) + 10})",
    }
