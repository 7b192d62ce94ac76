"""Answers as Discord shows them: a card (embed), plain messages where the bot may not
embed, and the draft a language model is writing, shown while it streams.

No discord import. Text from articles, people and the model is escaped
(``bot.discord.markdown``) and every card and message stays within Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.discord.cards import Card, Field, article_meta
from bot.discord.markdown import (
    DESCRIPTION_LIMIT,
    ELLIPSIS,
    EMBED_LIMIT,
    MESSAGE_LIMIT,
    TITLE_LIMIT,
    plain,
    safe_url,
    shorten,
    split_message,
)
from bot.terminal import NO_ANSWER, coverage_note, fallback_note
from index.records import Answer, ArticleInfo

NO_ANSWER_HINT = "Try other words, or `/search` to see the closest passages."
# Under a draft while the model writes it: what the reader sees is not final yet.
DRAFT_NOTE = "-# Writing… each sentence is checked against its source before it is final."


def answer_card(answer: Answer) -> Card:
    """Title the question, description the answer with [n] markers (and how current it
    is, when a question about the present finds only older articles, and why it was
    composed from the articles directly, when a language model could not be used), a
    field per source.

    When it all does not fit, trailing sentences go (with their sources, if no other
    sentence cites them); a single sentence too long for the room left is shortened.
    """
    title = shorten(plain(answer.question), TITLE_LIMIT)
    notes = [note for note in (coverage_note(answer), fallback_note(answer)) if note]
    footer = "".join(f"\n\n*{note}*" for note in notes)
    if not answer.answered:
        return Card(title, f"{NO_ANSWER} {NO_ANSWER_HINT}{footer}")
    sentences = [(plain(s.text), f" {s.markers}", s.citations) for s in answer.sentences]
    for keep in range(len(sentences), 0, -1):
        kept = sentences[:keep]
        cited = {number for _, _, numbers in kept for number in numbers}
        fields = tuple(
            _source_field(c.number, c.article) for c in answer.citations if c.number in cited
        )
        room = min(DESCRIPTION_LIMIT, EMBED_LIMIT - len(title) - _fields_size(fields))
        room -= len(footer)
        description = " ".join(text + marker for text, marker, _ in kept)
        if keep < len(sentences):
            description += ELLIPSIS
        if len(description) <= room:
            return Card(title, description + footer, fields)
    text, marker, _ = sentences[0]
    return Card(title, shorten(text, room - len(marker)) + marker + footer, fields)


def _source_field(number: int, article: ArticleInfo) -> Field:
    name = shorten(f"[{number}] {plain(article.title)}", 200)
    value = "\n".join(p for p in (article_meta(article), safe_url(article.url)) if p)
    return Field(name, shorten(value, 600))


def _fields_size(fields: Sequence[Field]) -> int:
    return sum(len(f.name) + len(f.value) for f in fields)


def answer_texts(answer: Answer) -> list[str]:
    """The answer as plain messages (for channels where the bot may not embed)."""
    lines = [f"**{shorten(plain(answer.question), 300)}**"]  # short: never split in two
    notes = [f"*{note}*" for note in (coverage_note(answer), fallback_note(answer)) if note]
    if not answer.answered:
        return split_message("\n".join([*lines, NO_ANSWER, *notes]))
    lines.append(" ".join(f"{plain(s.text)} {s.markers}" for s in answer.sentences))
    lines += notes
    lines.append("")
    lines.append("**Sources**")
    for citation in answer.citations:
        article = citation.article
        url = safe_url(article.url)
        parts = [plain(article.title), article_meta(article), f"<{url}>" if url else ""]
        lines.append(f"[{citation.number}] " + " — ".join(p for p in parts if p))
    return split_message("\n".join(lines))


def draft_text(draft: str) -> str:
    """One message showing the model's draft so far (``index.llm.draft.preview``: its
    passage markers withheld, since the sources are numbered only once it is checked),
    escaped, its start kept when it is too long, with a note that it is not final."""
    room = MESSAGE_LIMIT - len(DRAFT_NOTE) - 1
    return f"{shorten(plain(draft), room)}\n{DRAFT_NOTE}"
