"""The settings file as the user writes it: the knowledge base's sections plus the front
ends' own (``[discord]``). ``AppSettings`` is the one model the file is validated
against; ``index/`` only ever sees the core ``Settings`` it is a subclass of."""

from __future__ import annotations

from pydantic import Field

from index.config import Section, Settings


class DiscordSettings(Section):
    """The Discord front end; the token itself only ever comes from DISCORD_TOKEN."""

    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    dev_guild_id: int | None = None
    ask_channels: list[int] = Field(default_factory=list)
    allowed_guilds: list[int] = Field(default_factory=list)
    allowed_channels: list[int] = Field(default_factory=list)
    allow_direct_messages: bool = False
    cooldown_seconds: float = Field(default=10.0, ge=0)
    answer_in_threads: bool = True
    announce_channel_id: int | None = None


class AppSettings(Settings):
    """Everything in the settings file: the core sections and ``[discord]``."""

    discord: DiscordSettings = DiscordSettings()
