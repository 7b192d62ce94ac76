"""HTML articles: main text and metadata by trafilatura, declared charsets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.index.ingest.helpers import BODY, COLLECTION, load_all, write


def test_html_takes_page_metadata_and_drops_boilerplate() -> None:
    article = load_all(COLLECTION)[0]["halden-motors-recall.html"]
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
    write(tmp_path / "page.htm", page.encode("latin-1"))
    article = load_all(tmp_path)[0]["page.htm"]
    assert article.title == "Café rules"
    assert article.text.startswith("Café owners protest.")
