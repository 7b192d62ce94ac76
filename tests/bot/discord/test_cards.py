"""Cards and texts the bot sends: lookups, reindex summaries, announcements, errors."""

from __future__ import annotations

from datetime import date

import pytest

from bot.discord import cards, markdown, titles
from bot.discord.cards import Card, Field
from index.errors import (
    DateRangeError,
    IndexCorruptError,
    IndexNotFoundError,
    InvalidQueryError,
    QuestionTooLong,
)
from index.indexer import ReindexProgress, ReindexSummary
from index.records import (
    ArticleInfo,
    Hit,
    Skipped,
    Truncated,
)
from index.search.publishers import UnknownPublisherError
from index.web.refresh import RefreshSummary

SEED = ArticleInfo("a1", "Running Iran Out of Syria", None, None, None, None)
TRAM = ArticleInfo(
    "a2",
    "Eastholm opens Line 4",
    "https://lakesidecourier.example/city/line-4",
    "Lakeside Courier",
    date(2024, 5, 20),
    "Hanna Virtanen",
)


def article(number: int, **changes: object) -> ArticleInfo:
    fields = {
        "id": f"a{number}",
        "title": f"Article {number}",
        "url": f"https://news.example/{number}",
        "source": "Wire",
        "published": date(2024, 1, 1),
        "author": None,
    } | changes
    return ArticleInfo(**fields)  # type: ignore[arg-type]


def hit(rank: int, text: str, info: ArticleInfo = TRAM) -> Hit:
    return Hit(article=info, chunk_id=rank, start=0, end=len(text), text=text, score=1.0 / rank)


# -- cards ---------------------------------------------------------------------------


def test_card_refuses_to_exceed_discord_limits() -> None:
    with pytest.raises(ValueError, match="title"):
        Card("t" * 257)
    with pytest.raises(ValueError, match="6000"):
        Card("t", "d" * 4000, (Field("n", "v" * 1024), Field("n", "v" * 1024)))
    with pytest.raises(ValueError, match="25"):
        Card("t", "", tuple(Field("n", "v") for _ in range(26)))
    with pytest.raises(ValueError, match="without name or value"):
        Card("t", "", (Field("n", ""),))


def test_reindex_progress_is_in_plain_words() -> None:
    def text(stage: str, done: int, total: int | None) -> str:
        return cards.reindex_progress_text(ReindexProgress(stage, done, total), 12.4)

    # Passages are counted as sources are read: their total grows, so it is not shown.
    assert text("embedding", 320, 1977) == "Reindexing… embedding 320 passages (12 s)"
    reading = ReindexProgress("indexing", 412, 857)
    assert cards.reindex_progress_text(ReindexProgress("embedding", 3120, 3500), 41, reading) == (
        "Reindexing… reading 412 of 857 new or changed sources, 3,120 passages embedded (41 s)"
    )
    assert text("indexing", 250, 1000) == (
        "Reindexing… reading 250 of 1,000 new or changed sources (12 s)"
    )
    assert text("writing", 0, None) == "Reindexing… saving the updated index (12 s)"
    assert cards.reindex_progress_text(None, 0) == "Reindexing… starting (0 s)"


def test_reindex_summary_card_lists_counts_and_skipped_with_reasons() -> None:
    skipped = [Skipped(f"bad/{i}.pdf", "unsupported file type") for i in range(12)]
    summary = ReindexSummary(
        added=2, updated=1, removed=0, unchanged=4, skipped=skipped, seconds=3.25
    )
    summary.articles, summary.chunks, summary.generation = 7, 11, "gen-000002"

    card = cards.reindex_summary_card(summary)

    assert [(f.name, f.value) for f in card.fields] == [
        ("Added", "2"),
        ("Updated", "1"),
        ("Removed", "0"),
        ("Unchanged", "4"),
        ("Skipped", "12"),
        ("Time", "3.2 s"),
    ]
    assert "• skipped bad/0.pdf: unsupported file type" in card.description
    assert card.description.endswith("… and 2 more (see the log)")
    assert card.description.startswith("7 articles, 11 passages (index updated).")


def test_reindex_summary_card_escapes_control_characters_and_undecodable_names() -> None:
    summary = ReindexSummary(
        skipped=[
            Skipped("bad\udcffname.txt", "no article text"),
            Skipped("\x1b[2Jwipe.txt", "empty file"),
            Skipped("https://news.test/a\r\nb" + "c" * 100_000, "HTTP 404"),
        ]
    )

    card = cards.reindex_summary_card(summary)

    card.description.encode("utf-8")  # Discord's JSON cannot carry a lone surrogate
    assert "\x1b" not in card.description and "\r" not in card.description
    assert "bad\\\\xffname.txt" in card.description
    lines = card.description.splitlines()
    assert len(lines) == 4 and all(len(line) < 400 for line in lines)


def test_reindex_summary_card_counts_and_lists_truncated_articles() -> None:
    summary = ReindexSummary(added=1, truncated=[Truncated("huge.txt", 4_650_000, 199_990)])

    card = cards.reindex_summary_card(summary)

    assert ("Truncated", "1") in [(f.name, f.value) for f in card.fields]
    assert "• truncated huge.txt: kept the first 199,990 of 4,650,000 characters" in (
        card.description
    )


def test_error_text_is_friendly_and_never_shows_server_details() -> None:
    assert cards.error_text(InvalidQueryError("the question is empty")) == "The question is empty"
    assert cards.error_text(QuestionTooLong(2917, 2000)) == cards.too_long_text(2917, 2000)
    assert cards.error_text(DateRangeError("2024-06-01", "2024-01-01")) == (
        "`since` (2024-06-01) is after `until` (2024-01-01): no article is in both."
    )
    assert cards.error_text(UnknownPublisherError("Reuters", [])) == (
        "No indexed publisher is called “Reuters”. `/sources` lists them."
    )
    assert cards.error_text(RuntimeError("secret /path/of/server")) == cards.APOLOGY
    no_index = IndexNotFoundError("no index in /srv/newsbot/data: run 'newsbot reindex' first")
    assert (
        cards.error_text(no_index)
        == "I'm still preparing my articles; please ask again in a few minutes."
    )
    damaged = IndexCorruptError(
        "/srv/newsbot/data/gen-3/vectors.faiss is truncated: run 'newsbot reindex'"
    )
    assert cards.error_text(damaged) == cards.APOLOGY


def test_a_question_over_the_limit_is_told_the_limit_in_characters() -> None:
    assert cards.too_long_text(2345, 2000) == (
        "Your question is 2,345 characters long; I can take up to 2,000. "
        "Please shorten it to the question itself."
    )


def test_thread_name_fits_discords_100() -> None:
    assert len(titles.thread_name("why " * 100)) <= 100
    assert titles.thread_name("who wants\nIran out?") == "who wants Iran out?"


def test_titles_are_plain_text_that_reveals_no_spoiler() -> None:
    raw = "@everyone <@&1> <#2> ```py\nimport os``` **who** wants ||Iran out?|| </ask:3> <:ok:4>"

    assert titles.thread_name(raw) == "everyone a role a channel who wants (spoiler) /ask"
    assert titles.title_of("a_b **c**") == "a\\_b c"  # escaped for the embed, marks gone


def test_the_thread_name_of_a_long_question_is_its_last_question_sentence() -> None:
    question = (
        "I read about the war in Syria last week and I am confused about all the players. "
        "Russia backs Assad, and so does Iran, but Israel keeps striking. So who actually "
        "wants Iran out of Syria? Thanks in advance."
    )
    assert titles.thread_name(question) == "So who actually wants Iran out of Syria?"


def test_reindex_progress_text_counts_sources_while_fetching() -> None:
    progress = ReindexProgress("fetching", 3, 5)

    assert cards.reindex_progress_text(progress, 2.2) == (
        "Reindexing… fetching 3 of 5 web sources (2 s)"
    )


def test_reindex_summary_card_says_what_fetching_brought_and_why_sources_failed() -> None:
    failed = [Skipped(f"https://news.example/{i}.xml", "HTTP 404 " + "x" * 500) for i in range(40)]
    summary = ReindexSummary(
        added=3, skipped=[Skipped(f"bad/{i}.pdf", "x" * 900) for i in range(9)]
    )
    summary.fetched = RefreshSummary(
        fetched=6, new_articles=3, updated_articles=1, not_modified=2, already_stored=4
    )
    summary.fetched.skipped = failed

    card = cards.reindex_summary_card(summary)

    fields = {f.name: f.value for f in card.fields}
    assert (fields["New from the web"], fields["Fetch failures"]) == ("3", "40")
    assert "From the web: 3 new articles, 1 updated; 2 sources not modified, " in card.description
    assert "• failed https:\u200b//news.example/0.xml: HTTP 404 x" in card.description
    assert "… and 30 more (see the log)" in card.description
    assert len(card.description) <= 3000 and card.description.endswith("\n…")


def test_announcements_list_title_publisher_date_and_link_several_per_message() -> None:
    articles = [TRAM, SEED] + [
        article(n, title="Long @everyone " + "word " * 100, url=f"https://x.example/{n}")
        for n in range(3, 41)
    ]

    messages = cards.announcement_texts(articles)

    assert messages[0].startswith(
        "**New in the index**\n\n**Eastholm opens Line 4**\n"
        "Lakeside Courier · 2024-05-20 · by Hanna Virtanen · "
        "<https://lakesidecourier.example/city/line-4>\n\n"
        "**Running Iran Out of Syria**\nundated\n\n"
    )
    assert all(len(m) <= markdown.MESSAGE_LIMIT for m in messages)
    assert all(m.count("\n**") <= cards.ANNOUNCED_PER_MESSAGE for m in messages)
    assert sum(m.count("<https://x.example/") for m in messages) == cards.ANNOUNCED_MAX - 2
    assert messages[-1].endswith("… and 10 more new articles.")
    assert "@everyone" not in "".join(messages)
    assert cards.announcement_texts([]) == []


def test_reindex_summary_card_says_a_damaged_index_was_rebuilt() -> None:
    summary = ReindexSummary(articles=7, chunks=40, added=7)
    summary.repaired = "segments/seg-000001/vectors.f32: truncated or altered"
    card = cards.reindex_summary_card(summary)
    assert card.description.startswith(
        "The index was damaged and is rebuilt: segments/seg-000001/vectors.f32: truncated"
    )
    assert "damaged" not in cards.reindex_summary_card(ReindexSummary()).description
