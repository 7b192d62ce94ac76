"""Settings: one pydantic model, loaded from a TOML file and validated at start-up."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from index.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndexSettings(_Section):
    data_dir: Path = Path("data")
    articles: list[Path] = Field(default_factory=lambda: [Path("samples/articles")])
    max_file_bytes: int = Field(default=5_000_000, gt=0)
    vector_index: Literal["flat", "hnsw"] = "flat"
    hnsw_neighbors: int = Field(default=32, ge=4, le=256)


class ModelSettings(_Section):
    name: str = DEFAULT_MODEL
    batch_size: int = Field(default=32, ge=1, le=1024)
    device: str = "cpu"


class ChunkSettings(_Section):
    max_tokens: int | None = Field(default=None, ge=32)
    overlap_tokens: int = Field(default=48, ge=0)


class SearchSettings(_Section):
    k: int = Field(default=5, ge=1, le=100)
    candidates: int = Field(default=50, ge=1, le=1000)
    max_per_article: int = Field(default=2, ge=1)
    rrf_k: int = Field(default=60, ge=1)
    bm25_k1: float = Field(default=0.9, ge=0)
    bm25_b: float = Field(default=0.4, ge=0, le=1)
    recency_weight: float = Field(default=0.5, ge=0)
    recency_half_life_days: float = Field(default=30.0, gt=0)


class AnswerSettings(_Section):
    max_sentences: int = Field(default=4, ge=1, le=10)
    passages: int = Field(default=5, ge=1, le=20)
    min_relevance: float = Field(default=0.30, ge=-1.0, le=1.0)


class FetchSettings(_Section):
    """How newsbot fetches feeds and pages: limits that keep hostile servers harmless."""

    timeout_seconds: float = Field(default=10.0, gt=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=5.0, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    retries: int = Field(default=2, ge=0, le=10)
    max_retry_after_seconds: float = Field(default=30.0, ge=0)
    contact_url: str | None = None
    allowed_hosts: list[str] = Field(default_factory=list)
    default_refresh_minutes: int = Field(default=60, ge=1)
    max_entries_per_source: int = Field(default=100, ge=1)
    retry_failed_hours: float = Field(default=24.0, ge=0)


class SourceSettings(_Section):
    """A web source: an RSS/Atom feed, a (news) sitemap or a single article page."""

    url: str = Field(pattern=r"^https?://")
    kind: Literal["feed", "page", "sitemap"] = "feed"
    name: str | None = None
    refresh_minutes: int | None = Field(default=None, ge=1)


class DiscordSettings(_Section):
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


class Settings(_Section):
    index: IndexSettings = IndexSettings()
    model: ModelSettings = ModelSettings()
    chunking: ChunkSettings = ChunkSettings()
    search: SearchSettings = SearchSettings()
    answer: AnswerSettings = AnswerSettings()
    discord: DiscordSettings = DiscordSettings()
    fetch: FetchSettings = FetchSettings()
    sources: list[SourceSettings] = Field(default_factory=list)

    @model_validator(mode="after")
    def _overlap_fits(self) -> Settings:
        max_tokens = self.chunking.max_tokens
        if max_tokens is not None and self.chunking.overlap_tokens >= max_tokens // 2:
            raise ValueError("chunking.overlap_tokens must be less than half of max_tokens")
        return self

    def resolve_paths(self, base: Path) -> Settings:
        """Return a copy whose relative paths are taken from ``base`` (the file's folder)."""
        index = self.index.model_copy(
            update={
                "data_dir": base / self.index.data_dir,
                "articles": [base / p for p in self.index.articles],
            }
        )
        return self.model_copy(update={"index": index})


def load_settings(path: Path | None) -> Settings:
    """Read settings from ``path``; ``None`` means built-in defaults relative to the cwd."""
    if path is None:
        return Settings().resolve_paths(Path.cwd())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read settings file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{path}: {_describe(error)}") from None
    return settings.resolve_paths(path.parent.resolve())


def _describe(error: ValidationError) -> str:
    """One line naming the first bad key and what was expected."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown setting '{key}'"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    got = first.get("input")
    shown = f", got {got!r}" if not isinstance(got, dict | list) else ""
    return f"setting '{key}': {first['msg']}{shown}{more}"
