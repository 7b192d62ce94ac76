"""Lookups: /search, /article, /sources and /help.

Each defers first where it runs the knowledge base, runs it in a worker thread and
follows up with a rendered card. Errors go to ``NewsTree.on_error``.
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import lookup_cards
from bot.discord.embeds import NO_PINGS, to_embed
from bot.discord.options import QUESTION, SINCE, SOURCE, complete_source, filters_of
from bot.discord.services import BotServices
from index.errors import IndexNotFoundError
from index.ingest.urls import loose_key
from index.records import ArticleDetail
from index.search.snippets import snippets

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
        several="List several passages of one article (default: one each)",
        private="Show the results only to you",
    )
    @app_commands.autocomplete(source=complete_source)
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: QUESTION,
        k: app_commands.Range[int, 1, 10] = 5,
        source: str | None = None,
        since: str | None = None,
        several: bool = False,
        private: bool = False,
    ) -> None:
        bot = self.bot
        filters = await filters_of(bot, source, since)
        async with bot.tracked():
            await interaction.response.defer(ephemeral=private, thinking=True)
            search = functools.partial(
                bot.knowledge_base.search, as_of=interaction.created_at.date()
            )
            hits = await bot.run_blocking(search, query, k * _SEARCH_DEPTH, filters)
            results = snippets(query, hits, k, per_article=k if several else 1)
            embed = to_embed(lookup_cards.search_card(query, results, filters))
            await interaction.followup.send(
                embed=embed, ephemeral=private, allowed_mentions=NO_PINGS
            )

    @app_commands.command(description="Show an article: title, publisher, date, link and opening")
    @app_commands.rename(query_or_url="query-or-url")
    @app_commands.describe(query_or_url="The article's link, or words from it")
    async def article(self, interaction: discord.Interaction[Any], query_or_url: QUESTION) -> None:
        """An article by its link or by words from it; a link that is not indexed is
        said so, with the closest indexed article labelled as such, and so is an article
        the words match only weakly."""
        bot = self.bot
        async with bot.tracked():
            await interaction.response.defer(thinking=True)
            find = bot.knowledge_base.find_article
            wanted = query_or_url.strip()
            is_link = wanted.startswith(("http://", "https://"))
            detail = await bot.run_blocking(find, wanted)
            if is_link and not _is_at(detail, wanted):
                words = _link_words(wanted)
                closest = await bot.run_blocking(find, words) if words else None
                text = lookup_cards.not_indexed_text(wanted)
                if closest is None:
                    await interaction.followup.send(text, allowed_mentions=NO_PINGS)
                    return
                card = lookup_cards.article_card(closest, lookup_cards.CLOSEST_LABEL)
                await interaction.followup.send(
                    text, embed=to_embed(card), allowed_mentions=NO_PINGS
                )
            elif detail is None:
                text = lookup_cards.no_article_text(wanted)
                await interaction.followup.send(text, allowed_mentions=NO_PINGS)
            else:
                hits = await bot.run_blocking(bot.knowledge_base.search, wanted, 1)
                weak = not snippets(wanted, hits, 1)  # below the relevance cut-off
                label = lookup_cards.WEAK_MATCH_LABEL if weak else ""
                embed = to_embed(lookup_cards.article_card(detail, label))
                await interaction.followup.send(embed=embed, allowed_mentions=NO_PINGS)

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


def _is_at(detail: ArticleDetail | None, url: str) -> bool:
    """Whether ``detail`` is the article at ``url`` (not merely one like it)."""
    found = detail.article.url if detail else None
    return found is not None and loose_key(found) == loose_key(url)


def _link_words(url: str) -> str:
    """The words in a link's path ("/city/eastholm-line-4-tram" → "city eastholm line 4
    tram"), to find the indexed article closest to it."""
    path = url.split("://", 1)[-1].partition("/")[2].split("?")[0]
    return " ".join(word for word in re.split(r"[\W_]+", path) if word and word not in _URL_NOISE)
