"""A Discord-compatible server on loopback for end-to-end tests of discord.py bots."""

from tests.fakediscord.harness import fake_discord, run_client
from tests.fakediscord.model import Channel, Guild, Member, Message, Role, User
from tests.fakediscord.records import Callback, InteractionEvent, InteractionRecord, RecordedRequest
from tests.fakediscord.server import FakeDiscord

__all__ = [
    "Callback",
    "Channel",
    "FakeDiscord",
    "Guild",
    "InteractionEvent",
    "InteractionRecord",
    "Member",
    "Message",
    "RecordedRequest",
    "Role",
    "User",
    "fake_discord",
    "run_client",
]
