"""What /search, /article, /sources and /help show."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.discord import lookup_cards, markdown
from index.knowledge_base import IndexStats
from index.records import ArticleDetail, ArticleInfo, Hit, Reprint, SearchFilters
from index.search.snippets import Snippet

SEED = ArticleInfo("a1", "Running Iran Out of Syria", None, None, None, None)
TRAM = ArticleInfo(
    "a2",
    "Eastholm opens Line 4",
    "https://lakesidecourier.example/city/line-4",
    "Lakeside Courier",
    date(2024, 5, 20),
    "Hanna Virtanen",
)
STATS = IndexStats(
    generation="gen-000002",
    model="m",
    dimension=384,
    vector_index="flat",
    articles=1200,
    chunks=5000,
    built_at=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    sources=(("Arctic Wire", 1000), ("Culture Desk", 1), *((f"P{i}", 1) for i in range(500))),
    oldest=date(2024, 1, 15),
    newest=date(2024, 7, 2),
)


def result(rank: int, text: str, info: ArticleInfo = TRAM) -> Snippet:
    hit = Hit(article=info, chunk_id=str(rank), start=0, end=len(text), text=text, score=1 / rank)
    return Snippet(hit, text)


def test_search_card_is_a_compact_list_of_linked_titles_and_snippets() -> None:
    results = [result(1, "The tram opened."), result(2, "It cost more.", SEED)]

    card = lookup_cards.search_card("tram", results, None)

    assert card.title == "Search: tram"
    assert card.fields == () and card.footer == ""
    assert card.description.splitlines() == [
        "**1.** [Eastholm opens Line 4](https://lakesidecourier.example/city/line-4) — "
        "Lakeside Courier · 2024-05-20 · by Hanna Virtanen",
        "> The tram opened.",
        "**2.** **Running Iran Out of Syria** — undated",
        "> It cost more.",
    ]


def test_search_card_of_ten_snippets_fits_and_shows_the_filters() -> None:
    results = [result(rank, "Words about trams. " * 11) for rank in range(1, 11)]
    filters = SearchFilters(sources=("Wire",), since=date(2024, 1, 1))

    card = lookup_cards.search_card("x" * 1000, results, filters)

    assert card.size <= markdown.EMBED_LIMIT
    assert card.footer == "Publisher: Wire · since 2024-01-01"
    assert card.description.count("> Words about trams.") == 10


def test_search_card_without_results_says_so() -> None:
    card = lookup_cards.search_card("nothing", [], None)
    assert card.description == lookup_cards.NO_PASSAGES


def test_article_card_shows_metadata_link_and_opening() -> None:
    card = lookup_cards.article_card(ArticleDetail(TRAM, "Eastholm's new **Line 4** tram …"))

    assert card.title == "Eastholm opens Line 4" and card.url == TRAM.url
    assert card.description == "Eastholm's new \\*\\*Line 4\\*\\* tram …"
    assert [(f.name, f.value) for f in card.fields] == [
        ("Publisher", "Lakeside Courier"),
        ("Published", "2024-05-20"),
        ("Author", "Hanna Virtanen"),
        ("Link", "https://lakesidecourier.example/city/line-4"),
    ]


def test_an_article_shown_as_the_closest_match_says_so_above_its_opening() -> None:
    card = lookup_cards.article_card(ArticleDetail(SEED, "Squabbling…"), "Closest match")

    assert card.description == "-# Closest match\nSquabbling…"
    assert ("Published", "undated") in [(f.name, f.value) for f in card.fields]


def test_article_card_lists_the_other_publishers() -> None:
    reprinted = ArticleInfo(
        "a3", "Lava", None, "Wire", None, None, (Reprint("South Coast Herald", None, "Copy"),)
    )
    card = lookup_cards.article_card(ArticleDetail(reprinted, "Lava reached the town."))
    assert ("Also reported by", "South Coast Herald") in [(f.name, f.value) for f in card.fields]


def test_sources_card_lists_publishers_size_and_last_reindex() -> None:
    card = lookup_cards.sources_card(STATS)

    assert card.description.startswith(
        "**Arctic Wire**: 1,000 articles\n**Culture Desk**: 1 article"
    )
    assert "more publishers" in card.description
    assert [(f.name, f.value) for f in card.fields] == [
        ("Articles", "1,200"),
        ("Passages", "5,000"),
        ("Last reindex", "<t:1717243200:f>"),
    ]


def test_help_says_what_the_bot_knows_and_how_to_ask() -> None:
    card = lookup_cards.help_card(STATS)

    assert card.description.startswith(
        "**What I know**\n1,200 articles from Arctic Wire, Culture Desk, P0, "
    )
    assert "and 487 more, published 2024-01-15 to 2024-07-02." in card.description
    assert "YYYY-MM-DD" in card.description and "Ask newsbot about this message" in card.description
    assert lookup_cards.help_card(None).description.startswith("I'm still preparing my articles.")
