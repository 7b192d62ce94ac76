"""use_endpoints: where discord.py sends REST calls and opens its gateway."""

from __future__ import annotations

from collections.abc import Iterator

import discord.gateway
import discord.http
import discord.webhook.async_
import discord.webhook.sync
import pytest
import yarl

from bot.discord.endpoints import use_endpoints

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = yarl.URL("wss://gateway.discord.gg/")


@pytest.fixture(autouse=True)
def restore_endpoints() -> Iterator[None]:
    """use_endpoints patches class attributes: put them back after each test."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def test_defaults_are_discords_own() -> None:
    assert discord.http.Route.BASE == DEFAULT_API
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == DEFAULT_GATEWAY


def test_sets_rest_base_and_gateway() -> None:
    use_endpoints("http://127.0.0.1:8080/api/v10/", "ws://127.0.0.1:8080/gateway")

    route = discord.http.Route("GET", "/channels/{channel_id}", channel_id=1)
    assert route.url == "http://127.0.0.1:8080/api/v10/channels/1"
    assert (
        yarl.URL("ws://127.0.0.1:8080/gateway") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )


def test_interaction_webhooks_use_the_same_base() -> None:
    use_endpoints("https://fake.example/api/v10", None)

    for route_class in (discord.webhook.async_.Route, discord.webhook.sync.Route):
        route = route_class(
            "POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=1, webhook_token="t"
        )
        assert route.url == "https://fake.example/api/v10/webhooks/1/t"


def test_none_keeps_the_defaults() -> None:
    use_endpoints(None, None)

    assert discord.http.Route.BASE == DEFAULT_API
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == DEFAULT_GATEWAY


def test_none_for_one_keeps_only_that_one() -> None:
    use_endpoints(None, "wss://gateway.example/")

    assert discord.http.Route.BASE == DEFAULT_API
    assert yarl.URL("wss://gateway.example/") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


@pytest.mark.parametrize(
    ("api", "gateway", "message"),
    [
        ("ws://127.0.0.1/api/v10", None, "api_base_url must start with http:// or https://"),
        ("127.0.0.1:8080/api/v10", None, "api_base_url must start with http"),
        ("", None, "api_base_url must start with http"),
        ("http:///api/v10", None, "api_base_url has no host"),
        ("http://127.0.0.1/api/v10?x=1", None, "api_base_url must not have a query"),
        (None, "http://127.0.0.1/gateway", "gateway_url must start with ws:// or wss://"),
        (None, "wss://", "gateway_url has no host"),
    ],
)
def test_rejects_bad_urls(api: str | None, gateway: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        use_endpoints(api, gateway)


def test_a_bad_url_changes_nothing() -> None:
    with pytest.raises(ValueError):
        use_endpoints("http://127.0.0.1:1/api/v10", "http://not-a-websocket/")

    assert discord.http.Route.BASE == DEFAULT_API
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == DEFAULT_GATEWAY
