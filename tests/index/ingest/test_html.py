"""HTML articles: main text and metadata by trafilatura, declared charsets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from index.ingest.files import load_articles
from index.records import Article, Skipped

FIXTURES = Path(__file__).parents[2] / "fixtures"


COLLECTION = FIXTURES / "collection"


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


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


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
