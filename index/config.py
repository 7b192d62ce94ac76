"""Settings of the knowledge base, loaded from a TOML file and validated at start-up.

``Settings`` holds the core's sections only. A front end that adds sections of its own
subclasses it (``bot.settings.AppSettings`` adds ``[discord]``) and passes its class to
``load_settings``, so the user's one file is validated against one model, in which an
unknown key is an error that names it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal, Self, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from index.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
Backend = Literal["onnx-int8", "torch"]


class Section(BaseModel):
    """A settings section: unknown keys are errors, values do not change once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IndexSettings(Section):
    data_dir: Path = Path("data")
    articles: list[Path] = Field(default_factory=lambda: [Path("samples/articles")])
    max_file_bytes: int = Field(default=5_000_000, gt=0)
    max_article_chars: int = Field(default=200_000, ge=1_000)
    vector_index: Literal["auto", "flat", "pq"] = "auto"
    approximate_from: int = Field(default=50_000, ge=1)
    hnsw_neighbors: int = Field(default=32, ge=4, le=256)


class StoreSettings(Section):
    """Where readers search the index. "local": the generations in ``index.data_dir``.
    "milvus": a Milvus that several newsbot processes share; ``uri`` is a file path for
    Milvus Lite (in-process, one process per file) or a server's URL
    (``http://host:19530``), ``collection`` the prefix of its collections and alias. The
    reindexing process keeps building generations in ``index.data_dir`` and publishes each
    to Milvus; the token only ever comes from the environment (``NEWSBOT_MILVUS_TOKEN``)."""

    backend: Literal["local", "milvus"] = "local"
    uri: str = "milvus.db"
    collection: str = Field(default="newsbot", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")

    @property
    def is_server(self) -> bool:
        return "://" in self.uri

    def apart(self, folder: Path) -> StoreSettings:
        """This store kept apart from the one questions are answered from, for a
        benchmark: a Milvus Lite file in ``folder``, or a server's ``<collection>_bench``."""
        if self.is_server:
            return self.model_copy(update={"collection": f"{self.collection}_bench"})
        return self.model_copy(update={"uri": str(folder / "milvus.db")})


class ModelSettings(Section):
    """The embedding model and how it runs.

    ``backend`` "onnx-int8" (the default on the CPU) runs the model's weights exported to
    ONNX and quantised to int8 with onnxruntime; "torch" runs them as sentence-transformers
    loads them. On any other ``device`` the default is "torch", and asking for "onnx-int8"
    there is an error: the int8 model runs on the CPU only.
    """

    name: str = DEFAULT_MODEL
    backend: Backend = "onnx-int8"
    batch_size: int = Field(default=32, ge=1, le=1024)
    device: str = "cpu"
    cache_dir: Path | None = None  # the int8 model's cache; None: <data_dir>/models

    @model_validator(mode="before")
    @classmethod
    def _torch_off_the_cpu(cls, data: object) -> object:
        if isinstance(data, dict) and "backend" not in data and data.get("device", "cpu") != "cpu":
            return {**data, "backend": "torch"}
        return data

    @model_validator(mode="after")
    def _int8_on_the_cpu(self) -> Self:
        if self.backend == "onnx-int8" and self.device != "cpu":
            raise ValueError(
                f"backend 'onnx-int8' runs on the CPU only, not on device '{self.device}': "
                'set backend = "torch" or device = "cpu"'
            )
        return self


class ChunkSettings(Section):
    max_tokens: int | None = Field(default=None, ge=32)
    overlap_tokens: int = Field(default=48, ge=0)


class SearchSettings(Section):
    k: int = Field(default=5, ge=1, le=100)
    candidates: int = Field(default=50, ge=1, le=1000)
    max_per_article: int = Field(default=2, ge=1)
    rrf_k: int = Field(default=60, ge=1)
    bm25_k1: float = Field(default=0.9, ge=0)
    bm25_b: float = Field(default=0.4, ge=0, le=1)
    present_weight: float = Field(default=1.0, ge=0)
    recency_weight: float = Field(default=0.1, ge=0)
    recency_half_life_days: float = Field(default=30.0, gt=0)


class AnswerSettings(Section):
    max_sentences: int = Field(default=4, ge=1, le=10)
    passages: int = Field(default=5, ge=1, le=20)
    min_relevance: float = Field(default=0.30, ge=-1.0, le=1.0)


class LLMSettings(Section):
    """A language model that writes answers from the retrieved passages, on any
    OpenAI-compatible server; no ``base_url``: answers are extractive. The API key only
    ever comes from the environment (``NEWSBOT_LLM_API_KEY``)."""

    base_url: str | None = Field(default=None, pattern=r"^https?://")
    model: str | None = Field(default=None, min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_tokens: int = Field(default=400, ge=16, le=8192)
    temperature: float = Field(default=0.1, ge=0, le=2)
    passages: int = Field(default=5, ge=1, le=20)
    max_retries: int = Field(default=1, ge=0, le=5)
    stream: bool = True

    @model_validator(mode="after")
    def _model_named(self) -> Self:
        if self.base_url is not None and self.model is None:
            raise ValueError('llm.model is required with llm.base_url (e.g. model = "llama3.2")')
        return self

    @property
    def enabled(self) -> bool:
        return self.base_url is not None


class FetchSettings(Section):
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


class SourceSettings(Section):
    """A web source: an RSS/Atom feed, a (news) sitemap or a single article page."""

    url: str = Field(pattern=r"^https?://")
    kind: Literal["feed", "page", "sitemap"] = "feed"
    name: str | None = None
    refresh_minutes: int | None = Field(default=None, ge=1)


class Settings(Section):
    """Every section the knowledge base reads."""

    index: IndexSettings = IndexSettings()
    store: StoreSettings = StoreSettings()
    model: ModelSettings = ModelSettings()
    chunking: ChunkSettings = ChunkSettings()
    search: SearchSettings = SearchSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    fetch: FetchSettings = FetchSettings()
    sources: list[SourceSettings] = Field(default_factory=list)

    @model_validator(mode="after")
    def _overlap_fits(self) -> Self:
        max_tokens = self.chunking.max_tokens
        if max_tokens is not None and self.chunking.overlap_tokens >= max_tokens // 2:
            raise ValueError("chunking.overlap_tokens must be less than half of max_tokens")
        return self

    def resolve_paths(self, base: Path) -> Self:
        """Return a copy whose relative paths are taken from ``base`` (the file's folder)."""
        index = self.index.model_copy(
            update={
                "data_dir": base / self.index.data_dir,
                "articles": [base / p for p in self.index.articles],
            }
        )
        # The model cache stays where it is when a caller moves the data dir (the bench).
        cache_dir = base / (self.model.cache_dir or self.index.data_dir / "models")
        model = self.model.model_copy(update={"cache_dir": cache_dir})
        store = self.store
        if not store.is_server:  # a Milvus Lite file
            store = store.model_copy(update={"uri": str(base / store.uri)})
        return self.model_copy(update={"index": index, "model": model, "store": store})


SettingsT = TypeVar("SettingsT", bound=Settings)


@overload
def load_settings(path: Path | None) -> Settings: ...


@overload
def load_settings(path: Path | None, model: type[SettingsT]) -> SettingsT: ...


def load_settings(path: Path | None, model: type[Settings] = Settings) -> Settings:
    """Read settings from ``path`` into ``model`` (``Settings`` or a subclass with more
    sections); ``None`` means built-in defaults relative to the cwd."""
    if path is None:
        return model().resolve_paths(Path.cwd())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read settings file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    try:
        settings = model.model_validate(raw)
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
