"""The settings file as the user writes it: the knowledge base's sections plus the front
ends' own (``[discord]``). ``AppSettings`` is the one model the file is validated
against; ``index/`` only ever sees the core ``Settings`` it is a subclass of."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

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
    # Gateway shards (discord.py's AutoShardedBot); past 2,500 guilds Discord requires
    # them. None: one connection. shard_ids: the shards this process runs (None: all).
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None

    @model_validator(mode="after")
    def _shards_fit(self) -> Self:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("discord.shard_ids needs discord.shard_count")
            outside = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if outside or not self.shard_ids:
                raise ValueError(
                    f"discord.shard_ids must be some of 0..{self.shard_count - 1}, "
                    f"got {self.shard_ids}"
                )
        return self


class AppSettings(Settings):
    """Everything in the settings file: the core sections and ``[discord]``."""

    discord: DiscordSettings = DiscordSettings()
