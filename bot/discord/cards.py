"""What the bot says on Discord, as plain data: cards (embeds) and texts.

No discord import: ``bot.discord.embeds`` turns a ``Card`` into a ``discord.Embed``. Text
from articles and people is escaped (``bot.discord.markdown``) and every card and message
stays within Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.discord.markdown import (
    DESCRIPTION_LIMIT,
    ELLIPSIS,
    EMBED_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    FOOTER_LIMIT,
    MESSAGE_LIMIT,
    TITLE_LIMIT,
    escape,
    plain,
    plain_report,
    safe_url,
    shorten,
)
from bot.render import UNDATED, also_reported_by
from index.errors import (
    DateRangeError,
    IndexNotFoundError,
    InvalidQueryError,
    QuestionTooLong,
    ReindexBusyError,
)
from index.indexer import ReindexProgress, ReindexSummary
from index.records import (
    ArticleInfo,
    SearchFilters,
    Skipped,
    Truncated,
)
from index.search.publishers import UnknownPublisherError
from index.store.feedback import Voted
from index.web.refresh import RefreshSummary

PREPARING = "I'm still preparing my articles; please ask again in a few minutes."
APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again later."
NOT_HERE = "I don't answer here. Ask in one of the channels newsbot is enabled in."
SHUTTING_DOWN = "newsbot is restarting; please ask again in a minute."
REINDEX_STOPPED = (
    "newsbot is restarting; the reindex was stopped and will start again by itself once "
    "newsbot is back (the index in use was not touched)."
)
ADMIN_ONLY = "Only server administrators can run /reindex."
SERVER_ONLY = "This command works only in a server."
NOTHING_TO_ASK = "That message has no text to ask about."
EMPTY_MENTION = "Ask me about the news: mention me with a question, or use `/ask`."
NOT_A_QUESTION = (
    "Ask me a question about the news, e.g. “who wants Iran out of Syria?”; `/help` says more."
)
THANKS_REACTION = "\N{SLIGHTLY SMILING FACE}"
REINDEX_RUNNING = (
    "A reindex is already running (an admin's /reindex or the scheduled refresh of the web "
    "sources); try again once it has finished."
)
VOTE_UNKNOWN = "This answer is too old to rate."
REASON_TITLE = "What was wrong?"  # the 👎 form; Discord allows 45 characters
REASON_LABEL = "What was wrong with this answer?"
REASON_HINT = "Optional: your 👎 counts either way."
REASON_PLACEHOLDER = "e.g. it quotes the wrong article, or misses the point"
REASON_NOTED = "Thanks for saying what was wrong; it is kept with your vote."
MORE_UNKNOWN = "This answer is not on record any more; ask again to see it."
SHARE_UNKNOWN = "This result is not on record any more; look it up again to post it."
SHARED = "Posted to the channel."
_SHOWN_SKIPPED = 10  # skipped inputs listed by name after a reindex; the log has them all
_SHOWN_FAILED = 10  # sources and pages that failed to fetch, listed after a reindex
ANNOUNCED_MAX = 30  # new articles listed in one announcement; the rest are counted
ANNOUNCED_PER_MESSAGE = 10


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    """An embed as plain data; creating one that Discord would refuse is an error."""

    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    url: str | None = None  # the title links there
    footer: str = ""

    def __post_init__(self) -> None:
        problems = [
            f"{what} has {len(text)} characters (limit {limit})"
            for what, text, limit in [
                ("title", self.title, TITLE_LIMIT),
                ("description", self.description, DESCRIPTION_LIMIT),
                ("footer", self.footer, FOOTER_LIMIT),
                *((f"field name {f.name!r}", f.name, FIELD_NAME_LIMIT) for f in self.fields),
                *((f"field value of {f.name!r}", f.value, FIELD_VALUE_LIMIT) for f in self.fields),
            ]
            if len(text) > limit
        ]
        if len(self.fields) > FIELDS_LIMIT:
            problems.append(f"{len(self.fields)} fields (limit {FIELDS_LIMIT})")
        if any(not f.name or not f.value for f in self.fields):
            problems.append("a field without name or value")
        if self.size > EMBED_LIMIT:
            problems.append(f"{self.size} characters in all (limit {EMBED_LIMIT})")
        if problems:
            raise ValueError("card outside Discord's limits: " + "; ".join(problems))

    def to_json(self) -> dict[str, object]:
        fields = [[f.name, f.value, f.inline] for f in self.fields]
        return {"title": self.title, "description": self.description, "fields": fields,
                "url": self.url, "footer": self.footer}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Card:
        fields = tuple(Field(str(n), str(v), bool(i)) for n, v, i in data["fields"])  # type: ignore[attr-defined]
        url = data.get("url")
        return cls(str(data["title"]), str(data["description"]), fields,
                   str(url) if url else None, str(data["footer"]))  # fmt: skip

    @property
    def size(self) -> int:
        """Characters Discord counts against the 6000 of an embed."""
        fields = sum(len(f.name) + len(f.value) for f in self.fields)
        return len(self.title) + len(self.description) + len(self.footer) + fields


def article_meta(article: ArticleInfo) -> str:
    """'Publisher · 2024-03-01 · by Author · also reported by …': the date or "undated",
    the rest when known."""
    parts = [plain(article.source) if article.source else None, _day(article.published) or UNDATED]
    if article.author:
        parts.append(f"by {plain(article.author)}")
    others = also_reported_by(article)
    if others:
        parts.append(f"also reported by {plain(shorten(others, 200))}")
    return " · ".join(p for p in parts if p)


def applied_text(filters: SearchFilters | None, as_of: date | None) -> str:
    """The filters an answer was given, as its footer shows them (no markdown there):
    "Publisher: Lakeside Courier · since 2024-05-01 · as of 2024-02-01"."""
    parts = []
    if filters and filters.sources:
        parts.append("Publisher: " + ", ".join(filters.sources))
    if filters and filters.since:
        parts.append(f"since {filters.since.isoformat()}")
    if filters and filters.until:
        parts.append(f"until {filters.until.isoformat()}")
    if as_of:
        parts.append(f"as of {as_of.isoformat()}")
    return shorten(" · ".join(parts), 300)


# -- reindex -------------------------------------------------------------------------

# What each stage of a reindex is doing, in plain words, and what it counts.
_STAGES = {
    "fetching": ("fetching", "web sources"),
    "reading": ("looking through", "sources"),
    "indexing": ("reading", "new or changed sources"),
    "embedding": ("embedding", "passages"),
    "loading model": ("loading the model that reads the articles", ""),
    "writing": ("saving the updated index", ""),
}


def reindex_progress_text(
    progress: ReindexProgress | None, seconds: float, reading: ReindexProgress | None = None
) -> str:
    """ "Reindexing… reading 412 of 857 new or changed sources, 3,120 passages embedded
    (41 s)". A total is shown only where it is known from the start and kept: the
    passages to embed are counted as the sources are read, so while embedding the
    sources read (``reading``, the latest "indexing" report) give the progress."""
    if progress is None:
        return f"Reindexing… starting ({seconds:.0f} s)"
    if progress.stage == "embedding" and reading is not None and reading.total:
        words = (
            f"reading {reading.done:,} of {reading.total:,} new or changed sources, "
            f"{progress.done:,} passages embedded"
        )
        return f"Reindexing… {words} ({seconds:.0f} s)"
    words, unit = _STAGES.get(progress.stage, (progress.stage, ""))
    if progress.total and progress.stage != "embedding":
        words += f" {progress.done:,} of {progress.total:,} {unit}"
    elif progress.done:
        words += f" {progress.done:,} {unit}"
    return f"Reindexing… {words.strip()} ({seconds:.0f} s)"


def reindex_summary_card(summary: ReindexSummary) -> Card:
    """Added, updated, removed, unchanged, skipped (with reasons) and truncated articles;
    with web sources, what fetching them brought and what failed (with reasons); a damaged
    index that the reindex rebuilt."""
    outcome = "index updated" if summary.changed else "index unchanged"
    counts = [
        ("Added", summary.added),
        ("Updated", summary.updated),
        ("Removed", summary.removed),
        ("Unchanged", summary.unchanged),
        ("Skipped", len(summary.skipped)),
    ]
    if summary.truncated:
        counts.append(("Truncated", len(summary.truncated)))
    fetched = summary.fetched
    if fetched is not None:
        counts += [
            ("New from the web", fetched.new_articles),
            ("Fetch failures", len(fetched.skipped)),
        ]
    fields = (
        *(Field(name, f"{value:,}", inline=True) for name, value in counts),
        Field("Time", f"{summary.seconds:.1f} s", inline=True),
    )
    lines = [f"{summary.articles:,} articles, {summary.chunks:,} passages ({outcome})."]
    if summary.repaired is not None:
        # The admin learns the index was damaged: repeated, it points at the disk.
        lines.insert(
            0, f"The index was damaged and is rebuilt: {plain_report(summary.repaired, 300)}"
        )
    if fetched is not None:
        lines.append(_fetch_line(fetched))
        lines += _listed(fetched.skipped, "failed", _SHOWN_FAILED)
    lines += _listed(summary.skipped, "skipped", _SHOWN_SKIPPED)
    lines += _listed(summary.truncated, "truncated", _SHOWN_SKIPPED)
    return Card("Reindex finished", _within("\n".join(lines), 3000), fields)


def _fetch_line(fetched: RefreshSummary) -> str:
    """What fetching the web sources brought, in a sentence."""
    return (
        f"From the web: {fetched.new_articles:,} new articles, {fetched.updated_articles:,} "
        f"updated; {fetched.not_modified:,} sources not modified, {fetched.already_stored:,} "
        f"entries already stored, {len(fetched.skipped):,} failed."
    )


def _listed(items: Sequence[Skipped | Truncated], verb: str, shown: int) -> list[str]:
    lines = [
        f"• {verb} {plain_report(item.origin, 150)}: {plain_report(item.reason, 200)}"
        for item in items[:shown]
    ]
    if len(items) > shown:
        lines.append(f"… and {len(items) - shown} more (see the log)")
    return lines


def _within(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a line end, marked with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    cut = head.rfind("\n")
    return (head[:cut] if cut > 0 else shorten(text, limit - len(ELLIPSIS))) + "\n…"


# -- announcements -------------------------------------------------------------------


def announcement_texts(articles: Sequence[ArticleInfo]) -> list[str]:
    """Messages announcing newly indexed articles: title, then publisher, date and link
    (in <> so Discord shows no preview); up to ``ANNOUNCED_PER_MESSAGE`` articles a
    message, ``ANNOUNCED_MAX`` in all (the rest are counted)."""
    if not articles:
        return []
    blocks = [_announced(article) for article in articles[:ANNOUNCED_MAX]]
    if len(articles) > ANNOUNCED_MAX:
        blocks.append(f"… and {len(articles) - ANNOUNCED_MAX:,} more new articles.")
    messages: list[str] = []
    current, count = ["**New in the index**"], 0
    for block in blocks:
        if count == ANNOUNCED_PER_MESSAGE or len("\n\n".join([*current, block])) > MESSAGE_LIMIT:
            messages.append("\n\n".join(current))
            current, count = [], 0
        current.append(block)
        count += 1
    messages.append("\n\n".join(current))
    return messages


def _announced(article: ArticleInfo) -> str:
    """One article of an announcement, at most about 850 characters."""
    title = f"**{shorten(plain(article.title), 250) or 'Untitled'}**"
    meta = shorten(article_meta(article), 250)
    url = safe_url(article.url)
    details = " · ".join(p for p in (meta, f"<{url}>" if url else "") if p)
    return f"{title}\n{details}" if details else title


# -- refusals and errors -------------------------------------------------------------


def vote_text(emoji: str, voted: Voted) -> str:
    """What a member is told privately about the vote they just gave."""
    if voted is Voted.CHANGED:
        return f"Changed your vote to {emoji}."
    if voted is Voted.SAME:
        return f"You had already voted {emoji}; nothing changed."
    return f"Thanks, vote recorded: {emoji}."


def cooldown_text(retry_after: float, *, lookup: bool = False) -> str:
    seconds = max(1, round(retry_after))
    if lookup:
        return f"One lookup at a time, please: you can look something up again in {seconds} s."
    return f"One question at a time, please: you can ask again in {seconds} s."


def error_text(error: BaseException) -> str:
    """What a member is told about an error, in a line and without server details: a
    bad question or option in the mention path's words, that the articles are still
    being prepared, that a reindex is busy, else only an apology (the log has the rest)."""
    if isinstance(error, QuestionTooLong):
        return too_long_text(error.length, error.limit)
    if isinstance(error, InvalidQueryError) and getattr(error, "markdown", False):
        return shorten(str(error), 1500)
    if isinstance(error, DateRangeError):
        return f"`since` ({error.first}) is after `until` ({error.last}): no article is in both."
    if isinstance(error, UnknownPublisherError) and not error.close:
        return f"{shorten(escape(str(error)), 1500)} `/sources` lists them."
    if isinstance(error, InvalidQueryError):
        text = str(error)
        return shorten(escape(text[:1].upper() + text[1:]), 1500)
    if isinstance(error, IndexNotFoundError):
        return PREPARING
    if isinstance(error, ReindexBusyError):
        return REINDEX_RUNNING
    return APOLOGY


def too_long_text(length: int, limit: int) -> str:
    return (
        f"Your question is {length:,} characters long; I can take up to {limit:,}. "
        "Please shorten it to the question itself."
    )


def shared_by(card: Card, member: str) -> Card:
    """A private result as posted to the channel: who posted it, in the footer."""
    posted = f"Posted by {shorten(member, 80)}"
    footer = f"{card.footer} · {posted}" if card.footer else posted
    return Card(card.title, card.description, card.fields, card.url, footer[:FOOTER_LIMIT])


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def moment(moment: datetime) -> str:
    """A Discord timestamp: each reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:f>"
