"""The reindex over hostile input: a seeded fuzz of the loaders through the real reindex.

Each round writes a folder of random files: random bytes, text in random encodings
(UTF-16 with and without BOM, Latin-1, Shift-JIS, UTF-8 with BOM), random JSON, tag soup,
under random names (bytes that are not UTF-8, newlines, control characters, names of
200+ bytes) with random supported extensions, beside good articles under equally odd
names. The reindex, with the real model, must not raise; every file must come out as an
article or as a skip with a reason; every good article must be indexed; and the summary
must print.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from bot import render
from bot.discord import cards
from index.display import printable
from index.ingest.files import load_articles
from index.knowledge_base import KnowledgeBase
from index.records import Article, Skipped

pytestmark = pytest.mark.model

SEEDS = (1, 2, 3)
FILES_PER_ROUND = 70
EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "latin-1", "shift_jis", "utf-8-sig", "cp1252")
TEXTS = (
    "Le conseil a voté mardi la création de pistes cyclables le long de la Seine. ",
    "市議会は火曜日、川沿いに自転車専用レーンを整備することを決めた。",
    "Der Stadtrat beschloss am Dienstag neue Radwege entlang des Flusses für Pendler. ",
    "The council voted on Tuesday to build protected cycle lanes along the river. ",
)
NAME_ODDITIES = (b"\xff", b"\xfe\x80", b"\n", b"\r\n", b"\x1b[31m", b"\t", "é".encode(), b" ")
WORDS = """harbour council tram budget ferry strike wages union minister river bridge library
market museum school hospital rail airport election court police storm flood drought
harvest factory mine port bank inflation rates housing rent tourism festival orchestra
stadium league coach transfer mayor senate treaty border refugee vaccine clinic nurse
teacher student exam science satellite rocket ocean glacier forest wildfire river canal
""".split()


class Round:
    """One folder of random files, and what each should become."""

    def __init__(self, folder: Path, seed: int) -> None:
        self.folder = os.fsencode(folder)
        self.rng = random.Random(seed)
        self.names: set[bytes] = set()
        self.good: dict[str, str] = {}  # origin of each good article -> its title

    def write(self) -> int:
        makers = [self.random_bytes, self.encoded_text, self.random_json, self.tag_soup]
        for number in range(FILES_PER_ROUND):
            if number % 5 == 0:
                self.good_article(number)
            else:
                extension = self.rng.choice(EXTENSIONS)
                self.file(self.name(extension), self.rng.choice(makers)(extension))
        return len(self.names)

    def name(self, extension: str) -> bytes:
        while True:
            stem = "".join(self.rng.choices("abcdefxyz-_0123456789", k=self.rng.randint(1, 12)))
            raw = stem.encode()
            for _ in range(self.rng.randint(0, 3)):
                spot = self.rng.randint(0, len(raw))
                raw = raw[:spot] + self.rng.choice(NAME_ODDITIES) + raw[spot:]
            if self.rng.random() < 0.1:  # a very long name, within the 255 bytes allowed
                raw += b"x" * (250 - len(raw) - len(extension))
            name = raw.lstrip(b".") + extension.encode()
            if name not in self.names:
                self.names.add(name)
                return name

    def file(self, name: bytes, content: bytes) -> None:
        with open(os.path.join(self.folder, name), "wb") as file:
            file.write(content)

    # --- contents ---------------------------------------------------------------------

    def good_article(self, number: int) -> None:
        extension = self.rng.choice(EXTENSIONS)
        name = self.name(extension)
        title = f"Story {number}: " + " ".join(self.rng.choices(WORDS, k=5))
        body = (
            ". ".join(" ".join(self.rng.choices(WORDS, k=12)).capitalize() for _ in range(6)) + "."
        )
        if extension in (".json", ".jsonl"):
            content = json.dumps({"title": title, "text": body, "id": number})
        elif extension in (".html", ".htm"):
            content = (
                f"<html><head><title>{title}</title></head><body><article>"
                f"<h1>{title}</h1><p>{body}</p></article></body></html>"
            )
        elif extension == ".txt":
            content = f"{title}\n\n{body}\n"
        else:
            content = f"---\ntitle: {title}\ndate: 2024-05-0{number % 9 + 1}\n---\n{body}\n"
        encoding = self.rng.choice(("utf-8", "utf-8-sig"))
        self.file(name, content.encode(encoding))
        origin = printable(os.fsdecode(name))
        self.good[origin + (":1" if extension == ".jsonl" else "")] = title

    def random_bytes(self, extension: str) -> bytes:
        return self.rng.randbytes(self.rng.choice((0, 1, 40, 600, 3000)))

    def encoded_text(self, extension: str) -> bytes:
        text = "".join(self.rng.choices(TEXTS, k=self.rng.randint(1, 6)))
        if extension in (".json", ".jsonl"):
            text = json.dumps({"title": "Cycle lanes", "text": text}, ensure_ascii=False)
        encoding = self.rng.choice(ENCODINGS)
        return text.encode(encoding, errors="replace")

    def random_json(self, extension: str) -> bytes:
        lines = [self.json_value(depth=0) for _ in range(self.rng.randint(1, 4))]
        if self.rng.random() < 0.1:
            lines.append("[" * 5000)  # nested too deeply
        if self.rng.random() < 0.2:
            lines.append('{"text": "lone \\ud800 surrogate in an article long enough to read"}')
        raw = "\n".join(lines).encode()
        if self.rng.random() < 0.2:  # a broken byte in the middle
            spot = self.rng.randint(0, len(raw))
            raw = raw[:spot] + b"\xc3\x28" + raw[spot:]
        return raw

    def json_value(self, depth: int) -> str:
        pick = self.rng.random()
        if depth > 3 or pick < 0.3:
            return self.rng.choice(
                ['"x"', "1", "1e999", "null", "true", "NaN", '"\\udfff"', '"\\u0000"', "-0"]
            )
        if pick < 0.5:
            items = [self.json_value(depth + 1) for _ in range(self.rng.randint(0, 3))]
            return "[" + ", ".join(items) + "]"
        fields = ["title", "text", "url", "date", "source", "author", "id", "other"]
        members = []
        for key in self.rng.sample(fields, self.rng.randint(0, len(fields))):
            if key == "text" and self.rng.random() < 0.5:
                value = json.dumps(" ".join(self.rng.choices(WORDS, k=self.rng.randint(0, 30))))
            else:
                value = self.json_value(depth + 1)
            members.append(f'"{key}": {value}')
        return "{" + ", ".join(members) + "}"

    def tag_soup(self, extension: str) -> bytes:
        charset = self.rng.choice(("utf-8", "latin-1", "shift_jis", "bogus-label", "utf-16"))
        tags = ["<p>", "</p>", "<div>", "<script>", "</article>", "<!--", "&#xd800;", "&#0;"]
        parts = [f'<meta charset="{charset}">']
        for _ in range(self.rng.randint(0, 60)):
            parts.append(self.rng.choice([*tags, *TEXTS]))
        return "".join(parts).encode(self.rng.choice(("utf-8", "latin-1", "utf-16")), "replace")


@pytest.mark.parametrize("seed", SEEDS)
def test_random_files_never_stop_a_reindex_and_each_is_indexed_or_reported(
    tmp_path, settings, embedder, seed
):
    folder = tmp_path / "fuzzed"
    folder.mkdir()
    fuzz = Round(folder, seed)
    files = fuzz.write()
    settings = settings.model_copy(
        update={"index": settings.index.model_copy(update={"articles": [folder]})}
    )

    outcomes: dict[str, list[Article | Skipped]] = {}
    for item in load_articles(folder):
        outcomes.setdefault(item.origin.rsplit(":", 1)[0], []).append(item)
        assert "\n" not in item.origin
        for text in (item.origin, *_texts(item)):
            text.encode("utf-8")  # printable, storable and tokenizable
        if isinstance(item, Skipped):
            assert item.reason.strip()
    shown = {printable(os.fsdecode(name)) for name in fuzz.names}
    assert set(outcomes) <= shown
    unaccounted = shown - set(outcomes)
    assert unaccounted == set(), "files neither read nor reported"
    assert len(shown) == files

    kb = KnowledgeBase(settings, embedder)
    summary = kb.reindex()

    passages = kb.searcher().index.generation.live_passages()
    indexed = {text.partition("\n")[0] for text, _ in passages}
    assert set(fuzz.good.values()) <= indexed
    assert summary.articles >= len(fuzz.good)
    render.summary_text(summary).encode("utf-8")
    cards.reindex_summary_card(summary)


def _texts(item: Article | Skipped) -> list[str]:
    if isinstance(item, Skipped):
        return [item.reason]
    fields = [item.title, item.text, item.url, item.source, item.author]
    return [field for field in fields if field is not None]
