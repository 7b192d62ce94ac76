"""Discord markdown: escaped text that pings and links nobody, clean cuts within the limits."""

from __future__ import annotations

import re

import pytest

from bot.discord import markdown

ZWSP = "\u200b"


def visible(text: str) -> str:
    """What Discord shows: escapes resolved, zero-width spaces invisible."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text).replace(ZWSP, "")


@pytest.mark.parametrize(
    "text",
    ["@everyone look", "hi @here", "<@123456789012345678>", "<@!123456789012345678>"],
)
def test_escape_breaks_user_and_everyone_mentions(text: str) -> None:
    escaped = markdown.escape(text)

    assert "@everyone" not in escaped and "@here" not in escaped
    assert not re.search(r"<@!?\d+>", escaped)
    assert visible(escaped) == text


@pytest.mark.parametrize("text", ["<@&987654321098765432>", "<#987654321098765432>", "</ask:1>"])
def test_escape_breaks_role_channel_and_command_mentions(text: str) -> None:
    escaped = markdown.escape(text)

    assert not re.search(r"<(@&|#|/)", escaped)
    assert visible(escaped) == text


def test_escape_prevents_masked_links() -> None:
    escaped = markdown.escape("[your bank](https://evil.example/login)")

    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", escaped)
    assert visible(escaped) == "[your bank](https://evil.example/login)"


@pytest.mark.parametrize(
    "text",
    ["**bold** _it_ __u__ ~~s~~ `code` ||spoiler||", "# Header", "> quote", "- item", "1. first"],
)
def test_escape_shows_markdown_as_written(text: str) -> None:
    escaped = markdown.escape(text)

    assert escaped != text
    assert visible(escaped) == text


@pytest.mark.parametrize(
    "text",
    [
        "see https://evil.example/a_b_c?x=1 now",
        "[Vladimir Putin](https://evil.example/phish)",
        "![chart](https://evil.example/pixel.png)",
        "[click](javascript:alert(1))",
        "<https://evil.example>",
        "HTTP://EVIL.EXAMPLE/",
    ],
)
def test_escape_leaves_no_address_a_live_link_and_shows_it_as_written(text: str) -> None:
    escaped = markdown.escape(text)

    assert not re.search(r"[a-z]://", escaped, re.IGNORECASE)  # no autolink
    assert not re.search(r"(?<!\\)\]\(", escaped)  # no masked link
    assert visible(escaped) == text


def test_safe_url_accepts_only_plain_http_links() -> None:
    assert markdown.safe_url("https://news.example/a") == "https://news.example/a"
    assert markdown.safe_url("javascript:alert(1)") is None
    assert markdown.safe_url("https://x.example/a b") is None
    assert markdown.safe_url("https://x.example/" + "a" * 600) is None
    assert markdown.safe_url(None) is None


def test_shorten_cuts_at_a_sentence_end_when_one_is_near() -> None:
    text = "First sentence here. Second sentence is much longer than the limit allows."

    assert markdown.shorten(text, 40) == "First sentence here. …"


def test_shorten_cuts_at_a_space_otherwise() -> None:
    short = markdown.shorten("word " * 50, 33)

    assert len(short) <= 33 and short.endswith(" …")
    assert short[:-2].split() == ["word"] * 6


def test_shorten_never_leaves_half_an_escape() -> None:
    text = markdown.escape("*" * 100)

    short = markdown.shorten(text, 21)

    assert len(short) <= 21
    assert visible(short[:-2]) == "*" * ((21 - 2) // 2)


def test_split_message_keeps_pieces_within_the_limit_at_sentence_ends() -> None:
    sentences = [f"Sentence number {i} says something about the tram." for i in range(100)]
    text = " ".join(sentences)

    pieces = markdown.split_message(text, 500)

    assert all(len(p) <= 500 for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    assert " ".join(pieces) == text


def test_split_message_prefers_paragraphs() -> None:
    text = "a" * 300 + "\n\n" + "b" * 300

    assert markdown.split_message(text, 500) == ["a" * 300, "b" * 300]


def test_split_message_hard_cuts_a_word_longer_than_a_message() -> None:
    pieces = markdown.split_message("x" * 4500)

    assert [len(p) for p in pieces] == [2000, 2000, 500]


@pytest.mark.parametrize(
    "text",
    ["Putin *and* Netanyahu_x [1] @everyone <@123> `code` # 1. > quote - list", "plain text."],
)
def test_unescape_gives_back_what_escape_made_inert(text: str) -> None:
    assert markdown.unescape(markdown.escape(text)) == text
