"""Lookups: /search, /article, /sources and /help.

Each defers first where it runs the knowledge base, runs it in a worker thread and
follows up with a rendered card. /search answers privately by default, and /article when
it did not find what was asked, each with a "Post to channel" button under what they
found; a result is shown only when it is close to what was asked, else "no match" and a
hint. Errors go to ``NewsTree.on_error``.
"""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import lookup_cards
from bot.discord.answer_view import share_view
from bot.discord.cards import Card
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.options import QUESTION, SINCE, SOURCE, UNTIL, complete_source, filters_of
from bot.discord.services import BotServices
from index.errors import IndexNotFoundError
from index.ingest.urls import loose_key
from index.knowledge_base import checked_question
from index.records import ArticleDetail, Hit
from index.search.snippets import snippets

_REPLY_WITHIN = 2.0  # seconds a lookup may take before the reply must be deferred (3 s)
_SEARCH_DEPTH = 4  # passages fetched per result listed: room for one per article
_URL_NOISE = frozenset({"html", "htm", "php", "aspx", "amp", "www", "index"})


class Lookups(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

    @app_commands.command(description="List the passages that best match a query")
    @app_commands.describe(
        query="Words to look for",
        k="How many results to list",
        source=SOURCE,
        since=SINCE,
        until=UNTIL,
        several="List several passages of one article (default: one each)",
        public="Show the results to everyone (default: only to you, with a button to post them)",
    )
    @app_commands.autocomplete(source=complete_source)
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: QUESTION,
        k: app_commands.Range[int, 1, 10] = 5,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        several: bool = False,
        public: bool = False,
    ) -> None:
        bot = self.bot
        filters = await filters_of(bot, source, since, until)
        checked_question(query)
        async with bot.tracked():
            await interaction.response.defer(ephemeral=not public, thinking=True)
            search = functools.partial(
                bot.knowledge_base.search, as_of=interaction.created_at.date()
            )
            hits = await bot.run_blocking(search, query, k * _SEARCH_DEPTH, filters)
            close = self._close(hits)
            results = snippets(query, hits, k, per_article=k if several else 1) if close else []
            card = lookup_cards.search_card(query, results, filters)
            view = None
            if results and not public:
                view = await share_view(bot, card)
            await _send(interaction, card, view, private=not public)

    @app_commands.command(description="Show an article: title, publisher, date, link and opening")
    @app_commands.rename(query_or_url="query-or-url")
    @app_commands.describe(query_or_url="The article's link, or words from it")
    async def article(self, interaction: discord.Interaction[Any], query_or_url: QUESTION) -> None:
        """An article by its link or by words from it, for everyone. A link that is not
        indexed is said so privately, with the closest indexed article when it is close
        (labelled as such, with a button to post it); words that match no article well
        get "no match" and a hint, privately. The reply is public or private by what is
        found, so the lookup runs before it, unless that takes too long: then the reply
        is deferred, privately."""
        wanted = checked_question(query_or_url)
        async with self.bot.tracked():
            lookup = asyncio.ensure_future(self._look_up(wanted))
            if not (await asyncio.wait([lookup], timeout=_REPLY_WITHIN))[0]:
                await interaction.response.defer(ephemeral=True, thinking=True)
            found = await lookup
            reply: dict[str, Any] = {"allowed_mentions": NO_PINGS}
            if found.text is not None:
                reply["content"] = found.text
            if found.detail is not None:
                card = lookup_cards.article_card(found.detail, found.label)
                reply["embed"] = to_embed(card)
                if not found.exact:
                    reply["view"] = await share_view(self.bot, card)
            if interaction.response.is_done():  # deferred privately
                await interaction.followup.send(ephemeral=True, **reply)
            else:
                await interaction.response.send_message(ephemeral=not found.exact, **reply)

    async def _look_up(self, wanted: str) -> _Found:
        find = self.bot.knowledge_base.find_article
        detail = await self.bot.run_blocking(find, wanted)
        if wanted.startswith(("http://", "https://")):
            if _is_at(detail, wanted):
                return _Found(detail, exact=True)
            words = _link_words(wanted)
            closest = await self._closest(words) if words else None
            return _Found(
                closest, lookup_cards.not_indexed_text(wanted), lookup_cards.CLOSEST_LABEL
            )
        if detail is None or not await self._matches(wanted):
            return _Found(None, lookup_cards.no_article_text(wanted))
        return _Found(detail, exact=True)

    def _close(self, hits: list[Hit]) -> bool:
        """Whether ``hits`` hold a passage close to the query: one found by its words,
        or one as close in meaning as an answer needs (``[answer] min_relevance``)."""
        floor = self.bot.settings.answer.min_relevance
        return any(h.lexical_score is not None or (h.dense_score or -1.0) >= floor for h in hits)

    async def _matches(self, words: str) -> bool:
        hits = await self.bot.run_blocking(self.bot.knowledge_base.search, words, 1)
        return self._close(hits) and bool(snippets(words, hits, 1))

    async def _closest(self, words: str) -> ArticleDetail | None:
        """The indexed article closest to ``words``, when it is close."""
        if not await self._matches(words):
            return None
        return await self.bot.run_blocking(self.bot.knowledge_base.find_article, words)

    @app_commands.command(description="Publishers and article counts, index size, last reindex")
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        bot = self.bot
        async with bot.tracked():
            await interaction.response.defer(thinking=True)
            stats = await bot.run_blocking(bot.knowledge_base.stats)
            embed = to_embed(lookup_cards.sources_card(stats))
            await interaction.followup.send(embed=embed, allowed_mentions=NO_PINGS)

    @app_commands.command(description="What newsbot knows and how to ask it")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        try:
            stats = await asyncio.to_thread(self.bot.knowledge_base.stats)
        except IndexNotFoundError:
            stats = None
        embed = to_embed(lookup_cards.help_card(stats))
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )


async def _send(
    interaction: discord.Interaction[Any],
    card: Card,
    view: discord.ui.View | None,
    *,
    private: bool,
    text: str | None = None,
) -> None:
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    if text is not None:
        extra["content"] = text
    await interaction.followup.send(
        embed=to_embed(card), ephemeral=private, allowed_mentions=NO_PINGS, **extra
    )


@dataclass(frozen=True, slots=True)
class _Found:
    """What /article found: the article (None: nothing close), what to say above it, its
    label, and whether it is the one asked for (then it is shown to everyone)."""

    detail: ArticleDetail | None
    text: str | None = None
    label: str = ""
    exact: bool = False


def _is_at(detail: ArticleDetail | None, url: str) -> bool:
    """Whether ``detail`` is the article at ``url`` (not merely one like it)."""
    found = detail.article.url if detail else None
    return found is not None and loose_key(found) == loose_key(url)


def _link_words(url: str) -> str:
    """The words in a link's path ("/city/eastholm-line-4-tram" → "city eastholm line 4
    tram"), to find the indexed article closest to it."""
    path = url.split("://", 1)[-1].partition("/")[2].split("?")[0]
    return " ".join(word for word in re.split(r"[\W_]+", path) if word and word not in _URL_NOISE)
