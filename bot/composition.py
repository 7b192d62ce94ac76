"""The composition root of every front end: settings, secrets, language-model client,
store and knowledge base are built here and passed in. Secrets are read here only, from
the environment, as ``SecretStr`` (they never come from a file, and never print)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import SecretStr

from bot.settings import AppSettings
from index.knowledge_base import KnowledgeBase
from index.llm.client import OpenAIChat, chat_model
from index.store.backend import open_store

DISCORD_TOKEN = "DISCORD_TOKEN"
MILVUS_TOKEN = "NEWSBOT_MILVUS_TOKEN"
LLM_API_KEY = "NEWSBOT_LLM_API_KEY"


def secret(name: str, environ: Mapping[str, str] = os.environ) -> SecretStr | None:
    """The environment variable ``name`` as a secret, None when unset or blank."""
    value = environ.get(name, "").strip()
    return SecretStr(value) if value else None


def milvus_token() -> SecretStr | None:
    return secret(MILVUS_TOKEN)


def language_model(settings: AppSettings) -> OpenAIChat | None:
    """The ``[llm]`` server's client (None without one), its API key from the environment."""
    return chat_model(settings.llm, secret(LLM_API_KEY))


def knowledge_base(
    settings: AppSettings, *, answers: bool = True, serving: bool = False
) -> KnowledgeBase:
    """The knowledge base with the configured store and, for answering (``answers``),
    the language model when ``[llm]`` names a server; a process that keeps ``serving``
    (the bot, the chat) verifies the index it opens in the background."""
    store = open_store(settings, milvus_token())
    chat = language_model(settings) if answers else None
    return KnowledgeBase(settings, chat=chat, store=store, verify_in_background=serving)
