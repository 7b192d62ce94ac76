"""Answers as Discord shows them: a card (embed) that fits a phone screen, and plain
messages where the bot may not embed; a language model's answer is marked as its own,
and as still being written while it is.

A card leads with the answer: its short answer in bold and the sentence that supports it
(``index.answer.leading``), or for a question of another kind its lead line
(``index.answer.lead``); a question the passages do not answer directly gets no bold
claim, only the closest coverage. Then the supporting quotes (each cut to its clause
that answers), one line each with its ``[n]`` (a link to the article where there is
one), the sources in one field, the filters in the footer. The full answer is behind
the "More" button (``full_answer_texts``).

No discord import. Text from articles, people and the model is escaped
(``bot.discord.markdown``) and every card and message stays within Discord's limits.
"""

from __future__ import annotations

from collections.abc import Callable
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
from index.answer.leading import NOT_DIRECT
from index.records import Answer, AnswerSentence, ArticleInfo, Citation, SearchFilters

NO_ANSWER_HINT = "Try other words, or `/search` to see the closest passages."
# Under the model's answer while it writes it: what is shown is checked, but not all.
WRITING_NOTE = "-# Writing… each sentence is shown once it is checked against its sources."
# Under the model's finished answer: who wrote it, and that it was checked.
MODEL_NOTE = "-# Written by a language model; every sentence checked against the sources cited."
LEAD_CHARS = 240  # about two lines on a phone
SHORT_ANSWER_SHOWN = 60  # a short answer is at most this long
SUPPORT_CHARS = 480  # the clauses saying it: one for each of several actors
NOT_DIRECTLY = "The articles do not answer this directly; the closest coverage:"
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
    lines = _opening(answer, lambda numbers: _markers(numbers, urls), card=True)
    quotes = _quotes(answer)
    for sentence in quotes[:QUOTES_SHOWN]:
        quote = shorten(plain(answering_clause(sentence.text, answer.question)), QUOTE_CHARS)
        lines.append(f"> {quote} {_markers(sentence.citations, urls)}")
    if len(quotes) > QUOTES_SHOWN:
        lines.append(f"-# … {len(quotes) - QUOTES_SHOWN} more under **More**")
    fields = (Field("Sources", _sources_value(answer)),)
    top = urls.get(answer.citations[0].number) if answer.citations else None
    description = "\n".join(lines).rstrip("\n") + after
    return Card(title, description, fields, url=top, footer=footer)


def _opening(answer: Answer, markers: Callable[[tuple[int, ...]], str], *, card: bool) -> list[str]:
    """What an answer says first: its short answer (in bold on a card) and the sentence
    that supports it; when the passages give no short answer to a question that asks
    for a thing, that it is not said directly, and no claim; else its lead line (in bold
    on a card). A card leaves a blank line under it."""
    gap = [""] if card else []
    short = answer.short_answer
    if short is not None:
        shown = shorten(plain(short.text), SHORT_ANSWER_SHOWN)
        lines = [f"{_bold(shown, card)} {markers(short.citations)}"]
        if answer.lead and answer.lead != short.text:
            lines.append(shorten(plain(answer.lead), SUPPORT_CHARS))
        return lines + gap
    if answer.lead and answer.lead.startswith(NOT_DIRECT):
        return [f"*{NOT_DIRECTLY}*", *gap]
    lead = lead_of(answer)
    if lead is None:
        return []
    text = shorten(plain(lead.text), LEAD_CHARS)
    return [f"{_bold(text, card)} {markers(lead.citations)}", *gap]


def _bold(text: str, card: bool) -> str:
    return f"**{text}**" if card else text


def _quotes(answer: Answer) -> list[AnswerSentence]:
    """The answer's sentences under its opening: all of them when it makes no claim,
    else those other than the one its opening line comes from."""
    short = answer.short_answer
    if short is None and answer.lead and answer.lead.startswith(NOT_DIRECT):
        return list(answer.sentences)
    if short is not None:  # the sentences saying it stand above
        return [s for s in answer.sentences if s.text not in short.sentence]
    return quote_sentences(answer, lead_of(answer))


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
    lines += _opening(answer, lambda numbers: _markers(numbers, {}), card=False)
    for sentence in _quotes(answer)[:QUOTES_SHOWN]:
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
