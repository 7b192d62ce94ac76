"""Composition root of the Discord front end: settings in, a running bot until a signal."""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
from pydantic import SecretStr

from bot.discord.client import DETACHED_GRACE, NewsBot
from bot.discord.endpoints import use_endpoints
from bot.settings import AppSettings
from index.errors import ConfigError, IndexCorruptError, IndexNotFoundError
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore

log = logging.getLogger(__name__)

FEEDBACK_FILE = "feedback.sqlite"  # in the data dir, beside (not inside) the generations
SHUTDOWN_GRACE = 10.0  # seconds from SIGINT/SIGTERM to a stopped bot
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def run_bot(knowledge_base: KnowledgeBase, settings: AppSettings, token: SecretStr) -> None:
    """Run newsbot on Discord until SIGINT or SIGTERM, then stop cleanly.

    On a signal the bot stops taking questions and starting scheduled refreshes, gives
    running work the most of ``SHUTDOWN_GRACE`` seconds to finish, and closes its
    connection. A reindex (or scheduled refresh) still running stops at its next step
    and its thread ends before the process: its unpublished generation is removed by the
    next reindex, and the index in use is never touched.
    Raises ``ConfigError`` when Discord refuses the token or the message content intent.
    The knowledge base comes built from the composition root (``bot.composition``).
    """
    use_endpoints(settings.discord.api_base_url, settings.discord.gateway_url)
    await asyncio.to_thread(_open_index, knowledge_base)
    feedback = FeedbackStore(settings.index.data_dir / FEEDBACK_FILE)
    try:
        async with NewsBot.kind(settings)(
            settings=settings, knowledge_base=knowledge_base, feedback=feedback
        ) as bot:
            await _serve(bot, token.get_secret_value())
    finally:
        feedback.close()


def _open_index(knowledge_base: KnowledgeBase) -> None:
    """Load the model and the index now, not on the first question."""
    try:
        knowledge_base.searcher()
    except (IndexNotFoundError, IndexCorruptError) as error:
        log.warning("%s; questions get that answer until an admin runs /reindex", error)


async def _serve(bot: NewsBot, token: str) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in _STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    client = asyncio.create_task(bot.start(token), name="newsbot-discord")
    stopping = asyncio.create_task(stop.wait(), name="newsbot-stop-signal")
    try:
        await asyncio.wait({client, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if client.done():
            _raise_start_error(client)
            return
        log.info("stopping: letting running work finish")
        await bot.drain(SHUTDOWN_GRACE - DETACHED_GRACE)
        await bot.close()
        await client
    finally:
        stopping.cancel()
        for signum in _STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def _raise_start_error(client: asyncio.Task[None]) -> None:
    try:
        client.result()
    except discord.LoginFailure:
        raise ConfigError("Discord refused the token in DISCORD_TOKEN") from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "Discord refused the message content intent: enable it for the bot in the "
            "Developer Portal (Bot, Privileged Gateway Intents)"
        ) from None
    except discord.Forbidden as error:
        raise ConfigError(
            f"Discord refused a start-up request ({error}): invite the bot with the "
            "'bot' and 'applications.commands' scopes"
        ) from None
