"""What /search, /article, /sources and /help show, as plain data (``Card``s).

No discord import; text from articles and people is escaped (``bot.discord.markdown``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.discord.cards import Card, Field, applied_text, article_meta, moment
from bot.discord.markdown import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    escape,
    plain,
    safe_url,
    shorten,
)
from bot.render import UNDATED, also_reported_by
from index.knowledge_base import IndexStats
from index.records import ArticleDetail, ArticleInfo, SearchFilters
from index.search.snippets import Snippet

NO_PASSAGES = (
    "No match: no passage is close enough to these words. Try other words or fewer filters; "
    "`/sources` lists the publishers."
)
CLOSEST_LABEL = "Closest indexed article (not the link you gave)"
_TITLE_CHARS = 120
_PUBLISHERS_IN_HELP = 15


def search_card(query: str, results: Sequence[Snippet], filters: SearchFilters | None) -> Card:
    """A compact list: per result a line with rank, linked title, publisher and date, and
    a line with its snippet; the filters in the footer."""
    title = shorten(f"Search: {plain(query)}", TITLE_LIMIT)
    footer = applied_text(filters, None)
    if not results:
        return Card(title, NO_PASSAGES, footer=footer)
    blocks = [
        f"**{rank}.** {_linked_title(r.hit.article)} — {shorten(article_meta(r.hit.article), 120)}"
        f"\n> {plain(r.text)}"
        for rank, r in enumerate(results, start=1)
    ]
    return Card(title, _joined(blocks, DESCRIPTION_LIMIT), footer=footer)


def article_card(detail: ArticleDetail, label: str = "") -> Card:
    """The article's title (linking to it), publisher, date, author and opening; with
    ``label`` (say, that it is only the closest match) above the opening."""
    article = detail.article
    fields = [
        Field("Publisher", plain(article.source) if article.source else "not named", inline=True),
        Field("Published", article.published.isoformat() if article.published else UNDATED, True),
    ]
    if article.author:
        fields.append(Field("Author", shorten(plain(article.author), 200), inline=True))
    if url := safe_url(article.url):
        fields.append(Field("Link", url))
    if others := also_reported_by(article):
        fields.append(Field("Also reported by", shorten(plain(others), 1000)))
    title = shorten(plain(article.title), TITLE_LIMIT)
    opening = shorten(escape(detail.opening.strip()), 2000)
    description = f"-# {label}\n{opening}" if label else opening
    return Card(title, description, tuple(fields), url=url)


def not_indexed_text(url: str) -> str:
    return f"That link is not in the index: <{shorten(url, 500)}>."


def no_article_text(query: str) -> str:
    return (
        f"No indexed article matches “{shorten(plain(query), 200)}”. Try a few words from "
        "its title, or `/search` to see the closest passages."
    )


def sources_card(stats: IndexStats) -> Card:
    """Publishers with their article counts, the index size and the last reindex time."""
    fields = (
        Field("Articles", f"{stats.articles:,}", inline=True),
        Field("Passages", f"{stats.chunks:,}", inline=True),
        Field("Last reindex", moment(stats.built_at), inline=True),
    )
    lines: list[str] = []
    room = DESCRIPTION_LIMIT - 120  # keeps room for the "… and N more" and date lines
    for position, (source, count) in enumerate(stats.sources):
        line = f"**{shorten(plain(source), 100)}**: {count:,} article{'s' if count != 1 else ''}"
        if sum(len(x) + 1 for x in lines) + len(line) > room:
            lines.append(f"… and {len(stats.sources) - position} more publishers")
            break
        lines.append(line)
    if stats.oldest and stats.newest:
        lines.append(f"\nPublished {stats.oldest.isoformat()} to {stats.newest.isoformat()}")
    return Card("Indexed sources", "\n".join(lines) or "The index is empty.", fields)


def help_card(stats: IndexStats | None) -> Card:
    """What the bot knows (publishers, dates, size) and how to ask it; without an index
    yet, that it is still preparing its articles."""
    how = (
        "**How to ask**\n"
        "• Mention me with a question, or ask in an ask channel: I answer in a thread, "
        "and follow-ups there (anyone's) build on the thread's earlier questions.\n"
        "• `/ask` takes a publisher (`source`, suggested as you type), `since`, `until` "
        "and `as_of` dates as YYYY-MM-DD.\n"
        "• `/search` lists matching passages (only to you, with a button to post them), "
        "`/article` shows an article by link or words, `/sources` lists every publisher.\n"
        "• Right-click a message › Apps › **Ask newsbot about this message**.\n"
        "• Every answer quotes its sources [n]; **More** shows it in full."
    )
    if stats is None:
        return Card("newsbot", "I'm still preparing my articles.\n\n" + how)
    names = [plain(name) for name, _ in stats.sources[:_PUBLISHERS_IN_HELP]]
    more = len(stats.sources) - len(names)
    knows = f"{stats.articles:,} articles from " + ", ".join(names)
    if more > 0:
        knows += f" and {more} more"
    if stats.oldest and stats.newest:
        knows += f", published {stats.oldest.isoformat()} to {stats.newest.isoformat()}"
    return Card("newsbot", f"**What I know**\n{knows}.\n\n{how}")


def _linked_title(article: ArticleInfo) -> str:
    title = shorten(plain(article.title), _TITLE_CHARS) or "Untitled"
    url = safe_url(article.url)
    return f"[{title}]({url})" if url else f"**{title}**"


def _joined(blocks: list[str], limit: int) -> str:
    """``blocks`` one under the other, as many as fit in ``limit``."""
    kept: list[str] = []
    for block in blocks:
        if len("\n".join([*kept, block])) > limit:
            break
        kept.append(block)
    return "\n".join(kept)
