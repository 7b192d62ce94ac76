"""Point discord.py at a Discord-compatible server other than discord.com.

Used by the end-to-end tests (a fake Discord on 127.0.0.1) and by anyone running the bot
against a self-hosted, API-compatible server.
"""

from __future__ import annotations

import logging

import discord.gateway
import discord.http
import discord.webhook.async_
import discord.webhook.sync
import yarl

log = logging.getLogger(__name__)

_REST_SCHEMES = ("http", "https")
_GATEWAY_SCHEMES = ("ws", "wss")


def use_endpoints(api_base_url: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST calls to ``api_base_url`` and its gateway to ``gateway_url``.

    ``api_base_url`` includes the API version, e.g. ``http://127.0.0.1:8080/api/v10``;
    ``gateway_url`` is e.g. ``ws://127.0.0.1:8080/gateway``. ``None`` leaves that endpoint
    as it is. Applies to every client in the process; call it before the client starts.

    Raises ``ValueError`` for a URL of the wrong scheme or without a host; nothing is
    changed then.
    """
    api = _validated(api_base_url, _REST_SCHEMES, "api_base_url")
    gateway = _validated(gateway_url, _GATEWAY_SCHEMES, "gateway_url")

    # discord.py has no per-client setting for its endpoints: every request URL is built
    # from the class attribute Route.BASE and the first gateway connection (and the one
    # after an INVALIDATE_SESSION) uses DiscordWebSocket.DEFAULT_GATEWAY. So the class
    # attributes are what we patch. Resuming uses the resume_gateway_url that the
    # configured gateway itself sent in READY, and AutoShardedClient asks the configured
    # REST base for GET /gateway/bot, so nothing goes to discord.com or discord.gg.
    # (discord.http._set_api_version would reset Route.BASE: call this after it.)
    if api is not None:
        base = str(api).rstrip("/")
        # The webhook adapters (interaction callbacks and follow-ups) import http.Route
        # in 2.7.1; set BASE on each in case a version gives them their own class.
        for route in {discord.http.Route, discord.webhook.async_.Route, discord.webhook.sync.Route}:
            route.BASE = base
        log.info("discord REST API at %s", base)
    if gateway is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        log.info("discord gateway at %s", gateway)


def _validated(url: str | None, schemes: tuple[str, ...], name: str) -> yarl.URL | None:
    if url is None:
        return None
    try:
        parsed = yarl.URL(url)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a valid URL: {url!r}") from exc
    if parsed.scheme not in schemes:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValueError(f"{name} must start with {allowed}, got {url!r}")
    if not parsed.host:
        raise ValueError(f"{name} has no host: {url!r}")
    if parsed.query_string or parsed.fragment:
        raise ValueError(f"{name} must not have a query or fragment: {url!r}")
    return parsed
