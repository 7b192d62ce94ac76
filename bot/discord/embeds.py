"""What every message the bot sends is made of: embeds from rendered cards, and no pings."""

from __future__ import annotations

import discord

from bot.discord.cards import Card

# Passed on every send as well as set on the client, so no code path can ping anyone.
NO_PINGS = discord.AllowedMentions.none()
_ACCENT = discord.Colour(0x1F6FB2)


def to_embed(card: Card) -> discord.Embed:
    """The one place a ``Card`` becomes a ``discord.Embed`` (the card is within limits)."""
    embed = discord.Embed(
        title=card.title, url=card.url, description=card.description or None, colour=_ACCENT
    )
    if card.footer:
        embed.set_footer(text=card.footer)
    for field in card.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    return embed
