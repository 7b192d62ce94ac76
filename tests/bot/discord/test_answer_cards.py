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
    SearchFilters,
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


TRAM_LINK = "https://lakesidecourier.example/city/line-4"


def test_answer_card_leads_with_the_answer_then_one_line_quotes_with_linked_markers() -> None:
    answer = answer_of(
        [
            ("Putin wants it.", 1),
            ("Trams run every six minutes, the city said on Monday after a long delay.", 2),
        ],
        [SEED, TRAM],
        question="who wants it?",
    )

    card = answer_cards.answer_card(answer)

    assert card.description == (
        f"**Putin wants it.** [1]\n\n"
        f"> Trams run every six minutes, the city said on Monday after a long delay. "
        f"[[2]]({TRAM_LINK})"
    )
    assert card.url is None  # the top source, the seed, has no link


def test_the_lead_of_an_extractive_answer_is_the_clause_that_answers() -> None:
    netanyahu = (
        "Meanwhile, from the perspective of Israeli Prime Minister Benjamin Netanyahu — who "
        "met with Putin a couple weeks ago — a cold peace is probably perfectly acceptable "
        "(Israel was entirely pragmatic), provided that Iranian forces are squeezed out of Syria."
    )
    answer = answer_of(
        [("The big loser here would be Iran.", 1), (netanyahu, 1)],
        [SEED],
        question="who wants Iran out of Syria?",
    )

    lead = answer_cards.answer_card(answer).description.splitlines()[0]

    assert lead == (
        "**From the perspective of Israeli Prime Minister Benjamin Netanyahu, a cold peace is "
        "probably perfectly acceptable, provided that Iranian forces are squeezed out of "
        "Syria.** [1]"
    )


def test_sources_show_title_publisher_and_date_or_undated_with_links() -> None:
    answer = answer_of([("Trams run.", 2), ("Putin wants it.", 1)], [TRAM, SEED])

    card = answer_cards.answer_card(answer)

    assert [f.name for f in card.fields] == ["Sources"]
    assert card.fields[0].value == (
        f"[1] [Eastholm opens Line 4]({TRAM_LINK}) — Lakeside Courier · 2024-05-20 · by "
        "Hanna Virtanen\n[2] Running Iran Out of Syria — undated"
    )
    assert card.url == TRAM_LINK
    assert answer_cards.top_source_url(answer) == TRAM_LINK


def test_a_long_answer_fits_a_phone_screen_and_the_rest_is_under_more() -> None:
    long = "A long sentence about the matter at hand. " * 40  # ~1700 characters
    sentences = [(f"Part {n}: {long}", n) for n in range(1, 6)]
    answer = answer_of(sentences, [article(n) for n in range(1, 6)])

    card = answer_cards.answer_card(answer)

    lines = card.description.splitlines()
    assert len(card.description) <= 800 and len(lines) == 6
    assert all(len(line) <= 160 for line in lines[2:5])
    assert lines[-1] == "-# … 1 more under **More**"
    full = answer_cards.full_answer_texts(answer)
    assert all(len(t) <= markdown.MESSAGE_LIMIT for t in full)
    assert "\n".join(full).count("A long sentence about the matter at hand.") == 200


def test_the_title_of_a_long_question_is_its_question_sentence() -> None:
    context = "I have been following the war for years and read every report I could find. " * 3
    answer = answer_of([("Putin wants it.", 1)], [SEED], question=context + "Who wants Iran out?")

    assert answer_cards.answer_card(answer).title == "Who wants Iran out?"


def test_filters_are_shown_in_the_footer() -> None:
    filters = SearchFilters(sources=("Lakeside Courier",), since=date(2024, 5, 1))
    answer = answer_of([("Trams run.", 1)], [TRAM])

    card = answer_cards.answer_card(answer, filters, date(2024, 6, 1))

    assert card.footer == "Publisher: Lakeside Courier · since 2024-05-01 · as of 2024-06-01"
    assert answer_cards.answer_card(answer).footer == ""


def test_answer_card_without_answer_says_so() -> None:
    card = answer_cards.answer_card(answer_of([], [], question="why?"))

    assert card.title == "why?"
    assert card.description.startswith("The indexed articles do not answer this.")
    assert card.fields == ()


def test_answer_card_with_many_long_sources_stays_within_limits() -> None:
    articles = [
        article(n, title="T" * 300, source="S" * 300, url="https://x.example/" + "p" * 400)
        for n in range(1, 11)
    ]
    answer = answer_of([("Sentence. " * 30, n) for n in range(1, 11)], articles)

    card = answer_cards.answer_card(answer)

    assert card.size <= markdown.EMBED_LIMIT
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in card.fields)
    assert card.fields[0].value.endswith("more under **More**")


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

    assert all(len(t) <= markdown.MESSAGE_LIMIT for t in texts)
    assert texts[-1].endswith(f"<{TRAM_LINK}>")
    assert "[1] Running Iran Out of Syria — undated" in "\n".join(texts)


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


def test_a_model_answer_leads_with_its_first_sentence_with_both_markers() -> None:
    answer = answer_of(
        [("Putin and the tram agree.", (1, 2)), ("Nobody else does.", 1)],
        [SEED, TRAM],
        mode="llm",
    )

    card = answer_cards.answer_card(answer)

    assert card.description == (
        f"**Putin and the tram agree.** [1][[2]]({TRAM_LINK})\n\n> Nobody else does. [1]"
        f"\n\n{answer_cards.MODEL_NOTE}"
    )
    writing = answer_cards.answer_card(answer, writing=True).description
    assert writing.endswith(f"[1]\n\n{answer_cards.WRITING_NOTE}")
    [text] = answer_cards.answer_texts(answer)
    assert "Putin and the tram agree. [1][2]" in text


def test_an_answer_composed_after_the_model_failed_says_so_under_the_answer() -> None:
    answer = answer_of([("Trams run every six minutes.", 2)], [SEED, TRAM], fallback="timeout")

    card = answer_cards.answer_card(answer)

    assert card.description == (
        f"**Trams run every six minutes.** [[2]]({TRAM_LINK})\n\n"
        "*Composed from the articles directly: the language model took too long.*"
    )
    [text] = answer_cards.answer_texts(answer)
    assert "*Composed from the articles directly: the language model took too long.*" in text


def test_dropped_sentences_are_not_shown() -> None:
    run = ModelRun("draft", 1, (DroppedSentence("Lies [9].", "cites [9]"),), 0.1, 0.5)
    answer = answer_of([("Truth.", 1)], [SEED], mode="llm", model_run=run)

    card = answer_cards.answer_card(answer)

    assert card.description == f"**Truth.** [1]\n\n{answer_cards.MODEL_NOTE}"


def live_links(text: str) -> list[str]:
    """The addresses Discord would make clickable in ``text``: masked links whose
    brackets are not escaped, and bare http(s) addresses."""
    masked = re.findall(r"(?<!\\)\]\((\S+?)\)", text)
    bare = re.findall(r"(?<![(<])\bhttps?://[^\s)>]+", text, re.IGNORECASE)
    return masked + [url for url in bare if url not in masked]


def test_no_link_a_model_writes_is_live_only_the_sources_own_addresses() -> None:
    answer = answer_of(
        [
            ("[Vladimir Putin](https://evil.example/phish) warned foreign forces.", 1),
            ("More at https://evil.example/syria and www.evil.example.", 1),
            ("![chart](https://evil.example/pixel.png) The tram opened.", 1),
            ("[Read this](javascript:alert(document.cookie)) now.", 1),
        ],
        [TRAM],
        mode="llm",
    )
    card = answer_cards.answer_card(answer)
    rendered = [
        card.description,
        *(f.value for f in card.fields),
        *answer_cards.answer_texts(answer),
        *answer_cards.full_answer_texts(answer),
    ]

    assert {url for text in rendered for url in live_links(text)} == {TRAM_LINK}
    assert card.url == TRAM_LINK
    more = " ".join(answer_cards.full_answer_texts(answer))
    assert "[Vladimir Putin](https:" in re.sub(r"\\|\u200b", "", more)  # shown as written
