from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest.cleaning import clean_article

SEED = Path(__file__).parents[2] / "fixtures" / "collection" / "gzero-running-iran-out-of-syria.txt"
# Enough article text ahead of a heading to pass the 30% guard.
LEAD = "\n\n".join(
    f"Paragraph {n} of the article says something about the harbour, the council and the budget."
    for n in range(1, 6)
)


def _seed_article_paragraphs() -> list[str]:
    """The seed's paragraphs before its teaser tail, its hair and no-break spaces made plain."""
    body = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    paragraphs = body.split("More from GZERO Media")[0].split("\n\n")
    return [" ".join(p.split()) for p in paragraphs if p.strip()]


def test_seed_loses_its_teaser_tail_completely() -> None:
    cleaned = clean_article(SEED.read_text(encoding="utf-8"))[0]
    for leftover in ("More from", "Bessent", "Starmer", "Pope Leo", "Mike Johnson", "Carney"):
        assert leftover not in cleaned
    assert "Sipa" not in cleaned and "REUTERS" not in cleaned
    assert cleaned.endswith("may be about to take a fresh turn.")


def test_seed_keeps_every_article_paragraph_intact() -> None:
    paragraphs = clean_article(SEED.read_text(encoding="utf-8"))[0].split("\n\n")
    assert paragraphs[1:] == _seed_article_paragraphs()


@pytest.mark.parametrize(
    "credit",
    [
        "Photo by CFOTO/Sipa USA",
        "REUTERS/Leah Millis",
        "Alberto Pezzali/Pool via REUTERS",
        "Tom Williams/CQ Roll Call/Sipa USA",
        "(AP Photo/Evan Vucci)",
        "Getty Images",
        "AFP via Getty Images",
        "Kay Nietfeld/picture alliance/Getty Images",
        "Photo: Jane Doe for the Northern Ledger",
        "Image credit: Harbour Authority",
        "Credit: Sam Lee",
        "Illustration by Mika Berg",
        "Photo courtesy of the Smith family",
    ],
)
def test_photo_credit_line_is_removed(credit: str) -> None:
    assert (
        clean_article(f"{LEAD}\n\n{credit}\n\nThe last paragraph.")[0]
        == f"{LEAD}\n\nThe last paragraph."
    )


@pytest.mark.parametrize(
    ("caption", "kept"),
    [
        (
            "Protesters in Arequipa, Peru. Oswald Charca/Reuters",
            "Protesters in Arequipa, Peru.",
        ),
        (
            "The first tram at Norrvik stop (AP Photo/Evan Vucci)",
            "The first tram at Norrvik stop",
        ),
        (
            "Stetson Bennett, No. 13 of the Georgia Bulldogs. Todd Kirkland/Getty Images",
            "Stetson Bennett, No. 13 of the Georgia Bulldogs.",
        ),
    ],
)
def test_credit_at_end_of_caption_is_cut_and_caption_kept(caption: str, kept: str) -> None:
    assert clean_article(caption)[0] == kept


@pytest.mark.parametrize(
    "sentence",
    [
        "Reuters reported on Friday that the talks had collapsed.",
        "A Reuters/Ipsos poll found that 40% of voters approve of the plan.",
        "Photographs by the victim's family were shown to the court.",
        "Reuters",
        "The agency, AP, said its photo desk would move to London.",
    ],
)
def test_sentences_mentioning_agencies_or_photos_are_kept(sentence: str) -> None:
    assert clean_article(f"{LEAD}\n\n{sentence}")[0] == f"{LEAD}\n\n{sentence}"


@pytest.mark.parametrize(
    "heading",
    [
        "More from GZERO Media",
        "More from The Northern Ledger:",
        "Related",
        "Related articles",
        "RELATED STORIES",
        "Related coverage",
        "Read more",
        "Read next",
        "Recommended",
        "You may also like",
        "Most popular",
        "Most read",
        "Trending",
        "Also on Lakeside Courier",
        "Top stories",
        "Latest news",
        "Don't miss",
    ],
)
def test_teaser_heading_late_in_text_cuts_it_and_the_rest(heading: str) -> None:
    text = f"{LEAD}\n\n{heading}\n\nTeaser for another story entirely."
    assert clean_article(text)[0] == LEAD


def test_teaser_heading_before_30_percent_cuts_nothing() -> None:
    text = f"Short intro.\n\nRelated\n\n{LEAD}"
    assert clean_article(text)[0] == text


def test_heading_words_inside_a_sentence_cut_nothing() -> None:
    text = f"{LEAD}\n\nMore from the minister is expected on Monday.\n\nRead more about it later."
    assert clean_article(text)[0] == text


def test_whitespace_and_invisible_characters_are_normalised() -> None:
    text = (
        "  First\u00a0paragraph\thas   odd\u200b spaces.  \r\n"
        "Same paragraph, next line.\r\n\r\n\r\n\n"
        "Second\x07 paragraph\u2029Third paragraph with cafe\u0301.\n\n\n"
    )
    assert clean_article(text)[0] == (
        "First paragraph has odd spaces.\nSame paragraph, next line.\n\n"
        "Second paragraph\n\nThird paragraph with café."
    )


def test_nothing_but_whitespace_cleans_to_empty_string() -> None:
    assert clean_article(" \n\u00a0\n\t\n")[0] == ""


def test_a_more_from_tail_names_the_publisher():
    body = (
        "Para one is long enough to matter here.\n\nPara two as well.\n\n"
        "More from GZERO Media\n\nTeaser."
    )
    assert clean_article(body) == (
        "Para one is long enough to matter here.\n\nPara two as well.",
        "GZERO Media",
    )


def test_other_teaser_tails_name_no_publisher():
    body = (
        "Para one is long enough to matter here.\n\nPara two as well.\n\nRelated stories\n\nTeaser."
    )
    assert clean_article(body)[1] is None
