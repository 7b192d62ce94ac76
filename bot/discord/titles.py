"""Titles from what members wrote: thread names and card titles as plain text.

A thread name and an embed title show no markdown, so a question's markup would show as
written, and a spoiler in it would be revealed: mentions are named without their markup,
code blocks left out, spoilers shown as "(spoiler)", markdown marks removed. No discord
import.
"""

from __future__ import annotations

import re

from bot.discord.markdown import THREAD_NAME_LIMIT, TITLE_LIMIT, plain, shorten
from index.search.questions import last_question


def thread_name(question: str) -> str:
    """A thread title from a question: plain text (``plain_title``), a long one's
    question sentence."""
    title = plain_title(question)
    return shorten(last_question(title, THREAD_NAME_LIMIT), THREAD_NAME_LIMIT) or "Question"


def title_of(question: str) -> str:
    """A card title from a question, as plain as the thread's name (titles show no
    markdown either), escaped."""
    return shorten(plain(last_question(plain_title(question), THREAD_NAME_LIMIT)), TITLE_LIMIT)


def plain_title(text: str) -> str:
    """``text`` as a title shows it without markdown: spoilers hidden ("(spoiler)"), code
    blocks left out, mentions named without their markup, markdown marks removed."""
    text = _SPOILER.sub(" (spoiler) ", text)
    text = _CODE_BLOCK.sub(" ", text)
    text = _MENTIONS.sub(_mention_name, text)
    text = _EVERYONE.sub(r"\1", text)
    return " ".join(_MARKS.sub("", text).split())


_SPOILER = re.compile(r"\|\|.*?(?:\|\||$)", re.DOTALL)  # an unclosed one hides the rest
_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_MENTIONS = re.compile(r"<(@&|@!?|#|/[\w -]+:|a?:\w+:|t:)\d+(?::\w)?>")
_MENTION_NAMES = {
    "@&": "a role",
    "@": "a member",
    "@!": "a member",
    "#": "a channel",
    "t:": "a time",
}


def _mention_name(mention: re.Match[str]) -> str:
    """A mention in words; a command by its name; a custom emoji left out."""
    kind = mention.group(1)
    if kind.startswith("/"):
        return kind[:-1]
    return _MENTION_NAMES.get(kind, "")


_EVERYONE = re.compile(r"@(everyone|here)\b")
_MARKS = re.compile(r"[*~`|>#\\]")
