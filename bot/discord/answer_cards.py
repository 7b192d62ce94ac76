"""Answers as Discord shows them: a card (embed) that fits a phone screen, and plain
messages where the bot may not embed; a language model's answer is marked as its own,
and as still being written while it is.

A card leads with the answer (``index.answer.lead``): one short line, then the supporting
quotes (each cut to its clause that answers), one line each with its ``[n]`` (a link to
the article where there is one), the sources in one field, the filters in the footer.
The full answer is behind the "More" button (``full_answer_texts``).

No discord import. Text from articles, people and the model is escaped
(``bot.discord.markdown``) and every card and message stays within Discord's limits.
"""

from __future__ import annotations

from datetime import date

from bot.discord.cards import Card, Field, applied_text, article_meta
from bot.discord.markdown import (
    FIELD_VALUE_LIMIT,
    plain,
    safe_url,
    shorten,
    split_message,
)
from bot.discord.titles import title_of
from bot.render import NO_ANSWER, coverage_note, fallback_note
from index.answer.lead import answering_clause, lead_of, quote_sentences
from index.records import Answer, ArticleInfo, Citation, SearchFilters

NO_ANSWER_HINT = "Try other words, or `/search` to see the closest passages."
# Under the model's answer while it writes it: what is shown is checked, but not all.
WRITING_NOTE = "-# Writing… each sentence is shown once it is checked against its sources."
# Under the model's finished answer: who wrote it, and that it was checked.
MODEL_NOTE = "-# Written by a language model; every sentence checked against the sources cited."
LEAD_CHARS = 240  # about two lines on a phone
QUOTE_CHARS = 110  # one line on a phone
QUOTES_SHOWN = 3
SOURCE_TITLE_CHARS = 100
SOURCE_META_CHARS = 120


def answer_card(
    answer: Answer,
    filters: SearchFilters | None = None,
    as_of: date | None = None,
    *,
    writing: bool = False,
) -> Card:
    """Title the question (linking to the top source), the answer's lead line, up to
    ``QUOTES_SHOWN`` quotes of a line each, a "Sources" field (title, publisher, date),
    notes on how current it is, why no model wrote it or that one did (or is
    ``writing`` it still), the filters in the footer (``as_of`` only when the member
    chose the day)."""
    title = title_of(answer.question)
    footer = applied_text(filters, as_of)
    notes = [f"*{note}*" for note in (coverage_note(answer), fallback_note(answer)) if note]
    if answer.mode == "llm":
        notes.append(WRITING_NOTE if writing else MODEL_NOTE)
    after = "\n\n" + "\n".join(notes) if notes else ""
    if not answer.answered:
        return Card(title, f"{NO_ANSWER} {NO_ANSWER_HINT}{after}", footer=footer)
    urls = {c.number: safe_url(c.article.url) for c in answer.citations}
    lead = lead_of(answer)
    lines = []
    if lead is not None:
        lines += [
            f"**{shorten(plain(lead.text), LEAD_CHARS)}** {_markers(lead.citations, urls)}",
            "",
        ]
    quotes = quote_sentences(answer, lead)
    for sentence in quotes[:QUOTES_SHOWN]:
        quote = shorten(plain(answering_clause(sentence.text, answer.question)), QUOTE_CHARS)
        lines.append(f"> {quote} {_markers(sentence.citations, urls)}")
    if len(quotes) > QUOTES_SHOWN:
        lines.append(f"-# … {len(quotes) - QUOTES_SHOWN} more under **More**")
    fields = (Field("Sources", _sources_value(answer)),)
    top = urls.get(answer.citations[0].number) if answer.citations else None
    description = "\n".join(lines).rstrip("\n") + after
    return Card(title, description, fields, url=top, footer=footer)


def top_source_url(answer: Answer) -> str | None:
    """The link of the answer's first source, for its "Open article" button."""
    return safe_url(answer.citations[0].article.url) if answer.citations else None


def _markers(numbers: tuple[int, ...], urls: dict[int, str | None]) -> str:
    """``[1]`` for each source, a masked link to its article where it has a link."""
    return "".join(
        f"[[{number}]]({urls[number]})" if urls.get(number) else f"[{number}]" for number in numbers
    )


def _sources_value(answer: Answer) -> str:
    """A line per source, as many as fit in a field; the rest counted."""
    lines: list[str] = []
    for position, citation in enumerate(answer.citations):
        line = _source_line(citation.number, citation.article)
        if len("\n".join([*lines, line])) > FIELD_VALUE_LIMIT - 40:
            lines.append(f"… and {len(answer.citations) - position} more under **More**")
            break
        lines.append(line)
    return "\n".join(lines)


def _source_line(number: int, article: ArticleInfo) -> str:
    """``[1] Title — Publisher · 2024-05-20`` (or "undated"), the title a link when the
    article has one."""
    title = shorten(plain(article.title), SOURCE_TITLE_CHARS) or "Untitled"
    url = safe_url(article.url)
    linked = f"[{title}]({url})" if url else title
    return f"[{number}] {linked} — {shorten(article_meta(article), SOURCE_META_CHARS)}"


def answer_texts(
    answer: Answer,
    filters: SearchFilters | None = None,
    as_of: date | None = None,
    *,
    writing: bool = False,
) -> list[str]:
    """The answer as plain messages (for channels where the bot may not embed): the
    card's layout in text, links in <> so that Discord shows no previews."""
    lines = [f"**{title_of(answer.question)}**"]
    notes = [f"*{note}*" for note in (coverage_note(answer), fallback_note(answer)) if note]
    if answer.mode == "llm":
        notes.append(WRITING_NOTE if writing else MODEL_NOTE)
    applied = applied_text(filters, as_of)
    if applied:
        notes.append(f"-# {applied}")
    if not answer.answered:
        return split_message("\n".join([*lines, NO_ANSWER, *notes]))
    lead = lead_of(answer)
    if lead is not None:
        lines.append(f"{shorten(plain(lead.text), LEAD_CHARS)} {_markers(lead.citations, {})}")
    for sentence in quote_sentences(answer, lead)[:QUOTES_SHOWN]:
        lines.append(f"> {shorten(plain(sentence.text), QUOTE_CHARS)} {sentence.markers}")
    lines += notes
    lines.append("**Sources**")
    lines += [_plain_source_line(citation) for citation in answer.citations]
    return split_message("\n".join(lines))


def full_answer_texts(answer: Answer) -> list[str]:
    """Everything the card leaves out, for the member who pressed "More": every sentence
    in full with its markers, then every source with its link."""
    lines = [f"**{title_of(answer.question)}**"]
    lines += [f"> {plain(s.text)} {s.markers}" for s in answer.sentences] or [NO_ANSWER]
    if answer.citations:
        lines.append("**Sources**")
    lines += [_plain_source_line(citation) for citation in answer.citations]
    return split_message("\n".join(lines))


def _plain_source_line(citation: Citation) -> str:
    """``[n] title — publisher · date — <link>``, as the "Sources" of a plain message."""
    article = citation.article
    url = safe_url(article.url)
    parts = [plain(article.title), article_meta(article), f"<{url}>" if url else ""]
    return f"[{citation.number}] " + " — ".join(p for p in parts if p)
