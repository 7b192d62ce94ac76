"""Answers as Discord shows them: cards, plain messages, and the draft while it streams."""

from __future__ import annotations

import re
from datetime import date

from bot.discord import answer_cards, markdown
from index.records import (
    Answer,
    AnswerSentence,
    ArticleInfo,
    Citation,
    DroppedSentence,
    ModelRun,
    Reprint,
)

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


def answer_of(
    sentences: list[tuple[str, int | tuple[int, ...]]],
    articles: list[ArticleInfo],
    question: str = "q?",
    **changes: object,
) -> Answer:
    return Answer(
        question=question,
        sentences=tuple(
            AnswerSentence(text, number if isinstance(number, tuple) else (number,))
            for text, number in sentences
        ),
        citations=tuple(Citation(n, a) for n, a in enumerate(articles, start=1)),
        **changes,  # type: ignore[arg-type]
    )


def test_answer_card_has_markers_and_a_field_per_source() -> None:
    answer = answer_of([("Putin wants it. ", 1), ("Trams run every six minutes.", 2)], [SEED, TRAM])

    card = answer_cards.answer_card(answer)

    assert card.description == "Putin wants it. [1] Trams run every six minutes. [2]"
    assert [f.name for f in card.fields] == [
        "[1] Running Iran Out of Syria",
        "[2] Eastholm opens Line 4",
    ]
    assert card.fields[0].value == "undated"  # the seed names neither publisher nor date
    assert card.fields[1].value == (
        "Lakeside Courier · 2024-05-20 · by Hanna Virtanen\nhttps://lakesidecourier.example/city/line-4"
    )


def test_answer_card_without_answer_says_so() -> None:
    card = answer_cards.answer_card(answer_of([], [], question="why?"))

    assert card.title == "why?"
    assert card.description.startswith("The indexed articles do not answer this.")
    assert card.fields == ()


def test_long_answer_drops_trailing_sentences_and_their_sources() -> None:
    long = "A long sentence about the matter at hand. " * 40  # ~1700 characters
    sentences = [(long, 1), (long, 2), (long, 3), (long, 4)]
    answer = answer_of(sentences, [article(n) for n in range(1, 5)])

    card = answer_cards.answer_card(answer)

    assert card.size <= markdown.EMBED_LIMIT and len(card.description) <= markdown.DESCRIPTION_LIMIT
    assert card.description.endswith("[2] …")
    assert [f.name for f in card.fields] == ["[1] Article 1", "[2] Article 2"]


def test_one_sentence_too_long_is_shortened_keeping_its_marker() -> None:
    answer = answer_of([("word " * 2000, 1)], [SEED], question="?" * 500)

    card = answer_cards.answer_card(answer)

    assert len(card.title) <= markdown.TITLE_LIMIT
    assert len(card.description) <= markdown.DESCRIPTION_LIMIT
    assert card.description.endswith(" … [1]")


def test_answer_card_with_many_long_sources_stays_within_6000() -> None:
    articles = [
        article(n, title="T" * 300, source="S" * 300, url="https://x.example/" + "p" * 400)
        for n in range(1, 11)
    ]
    answer = answer_of([("Sentence. " * 30, n) for n in range(1, 11)], articles)

    card = answer_cards.answer_card(answer)

    assert card.size <= markdown.EMBED_LIMIT
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in card.fields)


def test_answer_card_escapes_question_and_article_text() -> None:
    evil = ArticleInfo(
        "e", "@everyone [click](https://evil.example)", None, "<@&1234567890123456>", None, None
    )
    answer = answer_of([("Hello <@123456789012345678> **x**", 1)], [evil], question="@here who?")

    card = answer_cards.answer_card(answer)
    everything = " ".join([card.title, card.description, *(f.name + f.value for f in card.fields)])

    assert "@everyone" not in everything and "@here" not in everything
    assert not re.search(r"<@[&!]?\d", everything)
    assert "](" not in everything.replace("\\](", "")


def test_answer_texts_are_messages_within_2000_with_sources() -> None:
    long = "A long sentence about the matter at hand. " * 40
    answer = answer_of([(long, 1), (long, 2)], [SEED, TRAM])

    texts = answer_cards.answer_texts(answer)

    assert len(texts) >= 2 and all(len(t) <= markdown.MESSAGE_LIMIT for t in texts)
    assert texts[-1].endswith("<https://lakesidecourier.example/city/line-4>")
    assert "[1] Running Iran Out of Syria" in "\n".join(texts)


def test_sources_name_the_other_publishers_of_a_syndicated_story_escaped() -> None:
    reprinted = article(
        1,
        also_reported_by=(
            Reprint("South Coast Herald", "https://sch.example/1", "Copy"),
            Reprint("@everyone *Daily*", None, "Copy two"),
        ),
    )
    card = answer_cards.answer_card(answer_of([("Lava reached the town.", 1)], [reprinted]))
    [field] = card.fields
    assert "also reported by South Coast Herald, " in field.value
    assert "@everyone" not in field.value and "\\*Daily\\*" in field.value
    [text] = answer_cards.answer_texts(answer_of([("Lava reached the town.", 1)], [reprinted]))
    assert "also reported by South Coast Herald" in text


def test_a_sentence_resting_on_two_sources_shows_both_markers_and_both_fields() -> None:
    answer = answer_of([("Putin and the tram agree.", (1, 2))], [SEED, TRAM], mode="llm")

    card = answer_cards.answer_card(answer)

    assert card.description == "Putin and the tram agree. [1][2]"
    assert [f.name[:3] for f in card.fields] == ["[1]", "[2]"]
    [text] = answer_cards.answer_texts(answer)
    assert "Putin and the tram agree. [1][2]" in text


def test_an_answer_composed_after_the_model_failed_says_so_under_the_answer() -> None:
    answer = answer_of([("Trams run every six minutes.", 2)], [SEED, TRAM], fallback="timeout")

    card = answer_cards.answer_card(answer)

    assert card.description == (
        "Trams run every six minutes. [2]\n\n"
        "*Composed from the articles directly: the language model took too long.*"
    )
    [text] = answer_cards.answer_texts(answer)
    assert "*Composed from the articles directly: the language model took too long.*" in text


def test_the_fallback_note_survives_a_long_answer_being_cut() -> None:
    long = "A long sentence about the matter at hand. " * 40
    answer = answer_of(
        [(long, n) for n in range(1, 5)], [article(n) for n in range(1, 5)], fallback="error"
    )

    card = answer_cards.answer_card(answer)

    assert card.size <= markdown.EMBED_LIMIT
    assert card.description.endswith("the language model could not be used.*")


def test_a_draft_is_escaped_within_2000_characters_and_marked_as_not_final() -> None:
    text = answer_cards.draft_text("@everyone look <@123456789012345678> " + "word " * 600)

    assert len(text) <= markdown.MESSAGE_LIMIT
    assert text.endswith(answer_cards.DRAFT_NOTE)
    assert "@everyone" not in text and not re.search(r"<@\d", text)


def test_dropped_sentences_are_not_shown() -> None:
    run = ModelRun("draft", 1, (DroppedSentence("Lies [9].", "cites [9]"),), 0.1, 0.5)
    answer = answer_of([("Truth.", 1)], [SEED], mode="llm", model_run=run)

    card = answer_cards.answer_card(answer)

    assert "Lies" not in card.description and card.description == "Truth. [1]"
