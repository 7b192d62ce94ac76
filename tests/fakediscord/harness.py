"""Pytest glue for the fake Discord: a fixture that points discord.py at it, and a
context manager that runs a discord.py client against it.

Another test package uses the fixture by importing it into its conftest.py:
``from tests.fakediscord.harness import fake_discord  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator

import discord
import discord.gateway
import discord.http
import pytest_asyncio

from bot.discord.endpoints import use_endpoints
from tests.fakediscord.server import FakeDiscord


@contextlib.contextmanager
def discord_endpoints_restored() -> Iterator[None]:
    """Put discord.py's endpoint class attributes back as they were on exit."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running FakeDiscord that discord.py talks to, for the length of one test; the
    test fails if the fake could not handle a request."""
    async with FakeDiscord() as server:
        with discord_endpoints_restored():
            use_endpoints(server.api_base_url, server.gateway_url)
            yield server
    assert not server.errors, f"the fake failed to handle requests: {server.errors}"


@contextlib.asynccontextmanager
async def run_client(
    client: discord.Client, server: FakeDiscord, *, timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """Start ``client`` against ``server``; enter once it has every guild, close on exit.

    An exception from the client's start (login, setup_hook, gateway) is raised here.
    Waits for the guilds rather than ``on_ready``, which discord.py delays by
    ``guild_ready_timeout`` (2 s by default).
    """
    task = asyncio.create_task(client.start(server.token), name="fakediscord-client")
    try:
        await _until(lambda: task.done() or _has_guilds(client, server), timeout, task)
        if task.done():
            task.result()  # raises what stopped the client
            raise RuntimeError("the client stopped before it received its guilds")
        yield client
    finally:
        await client.close()
        async with asyncio.timeout(timeout):
            await asyncio.gather(task, return_exceptions=True)


def _has_guilds(client: discord.Client, server: FakeDiscord) -> bool:
    guilds = (client.get_guild(guild_id) for guild_id in server.guilds)
    return all(guild is not None and not guild.unavailable for guild in guilds)


async def _until(probe: Callable[[], bool], timeout: float, task: asyncio.Task[None]) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not probe():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise TimeoutError(f"client did not receive its guilds within {timeout} s") from None
