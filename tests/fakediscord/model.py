"""The fake Discord's world: users, guilds, channels, messages, and their API payloads.

Pure data and pure functions, no I/O. The payload shapes follow Discord API v10 as far as
discord.py 2.7 reads them.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADD_REACTIONS = 1 << 6
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

# Gateway intents that change what the fake sends.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Channel types.
GUILD_TEXT = 0
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)

# Application command option types (what invoke_slash guesses from Python values).
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_NUMBER = 10


class Snowflakes:
    """Increasing snowflake ids whose timestamp part is the current time, or the time the
    fake was moved to (``travel_to``): discord.py reads a message's time from its id."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._last = 0
        self._offset = 0.0  # seconds added to the real clock

    def travel_to(self, when: datetime) -> None:
        """From now on, ids are made as if the clock showed ``when`` (and ran on)."""
        self._offset = when.timestamp() - time.time()
        self._last = 0  # ids restart from that time, even if it is in the past

    def next(self) -> int:
        ms = int((time.time() + self._offset) * 1000) - DISCORD_EPOCH_MS
        self._last = max(self._last + 1, (ms << 22) | (next(self._counter) & 0xFFF))
        return self._last


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(slots=True)
class User:
    id: int
    name: str
    bot: bool = False

    def to_payload(self) -> Json:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": None if self.bot else self.name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(slots=True)
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def to_payload(self) -> Json:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(slots=True)
class Member:
    user: User
    role_ids: list[int]
    joined_at: str = field(default_factory=iso_now)

    def to_payload(self, *, with_user: bool = True, permissions: int | None = None) -> Json:
        payload: Json = {
            "roles": [str(role_id) for role_id in self.role_ids],
            "nick": None,
            "avatar": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload


@dataclass(slots=True)
class Channel:
    """A text channel, or a thread when ``parent_id`` is set."""

    id: int
    guild_id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def to_payload(self) -> Json:
        payload: Json = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": None if self.parent_id is None else str(self.parent_id),
            "last_message_id": None if self.last_message_id is None else str(self.last_message_id),
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.is_thread:
            payload |= {
                "owner_id": str(self.owner_id),
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso_now(),
                    "locked": False,
                    "create_timestamp": iso_now(),
                },
            }
        else:
            payload |= {
                "position": self.position,
                "permission_overwrites": [],
                "topic": None,
                "nsfw": False,
                "default_thread_rate_limit_per_user": 0,
            }
        return payload


@dataclass(slots=True)
class Guild:
    """A guild; its @everyone role has the guild's id, as on Discord."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def role_named(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"guild {self.id} has no role named {name!r}")

    def permissions_of(self, user_id: int) -> int:
        """The member's guild-wide permissions (no channel overwrites in this fake)."""
        member = self.members[user_id]
        permissions = self.everyone.permissions
        for role_id in member.role_ids:
            permissions |= self.roles[role_id].permissions
        if user_id == self.owner_id or permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return permissions

    def to_payload(self, *, members: list[Member]) -> Json:
        """The GUILD_CREATE payload; ``members`` is what the bot's intents let it see."""
        text_channels = [c for c in self.channels.values() if not c.is_thread]
        threads = [c for c in self.channels.values() if c.is_thread]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [role.to_payload() for role in self.roles.values()],
            "system_channel_id": str(text_channels[0].id) if text_channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [member.to_payload() for member in members],
            "channels": [channel.to_payload() for channel in text_channels],
            "threads": [thread.to_payload() for thread in threads],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass(slots=True)
class Message:
    """A message in a channel: from a simulated person, or everything the bot sent.

    The fields the bot sent are kept as it sent them (``embeds``, ``components``,
    ``allowed_mentions``, ``message_reference``, ``flags``); ``edits`` holds the body
    of each later edit, oldest first.
    """

    id: int
    channel_id: int
    guild_id: int
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Json] = field(default_factory=list)
    allowed_mentions: Json | None = None
    message_reference: Json | None = None
    flags: int = 0
    tts: bool = False
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    webhook_id: int | None = None
    interaction_metadata: Json | None = None
    reactions: list[str] = field(default_factory=list)
    edits: list[Json] = field(default_factory=list)
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def custom_ids(self) -> list[str]:
        """custom_id of every component, in order."""
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]

    def apply(self, body: Json) -> None:
        """Take the message fields of a create or edit body; in an edit, a field sent as
        null is cleared. Attachments are the World's business (they need ids and URLs)."""
        cleared: dict[str, Any] = {"content": "", "embeds": [], "components": []}
        for key, empty in cleared.items():
            if key in body:
                setattr(self, key, empty if body[key] is None else body[key])
        if body.get("allowed_mentions") is not None:
            self.allowed_mentions = body["allowed_mentions"]
        if body.get("message_reference") is not None:
            self.message_reference = body["message_reference"]
        if body.get("flags") is not None:
            self.flags = int(body["flags"]) | (self.flags & FLAG_EPHEMERAL)
        self.tts = bool(body.get("tts", self.tts))

    def to_payload(self, guild: Guild, referenced: Message | None = None) -> Json:
        replied_to = None if referenced is None else referenced.author.id
        user_ids, role_ids, everyone = resolve_mentions(self, guild, replied_to)
        mentioned = [guild.members[uid] for uid in user_ids]
        payload: Json = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": everyone,
            "mentions": [
                m.user.to_payload() | {"member": m.to_payload(with_user=False)} for m in mentioned
            ],
            "mention_roles": [str(role_id) for role_id in role_ids],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "reactions": _reaction_payloads(self.reactions),
            "pinned": False,
            "type": 19 if self.message_reference else 0,
            "flags": self.flags,
        }
        if self.author.id in guild.members and self.webhook_id is None:
            payload["member"] = guild.members[self.author.id].to_payload(with_user=False)
        if self.message_reference is not None:
            payload["message_reference"] = {"type": 0, "channel_id": str(self.channel_id)} | {
                key: str(value) if key.endswith("_id") else value
                for key, value in self.message_reference.items()
            }
            if referenced is not None:
                payload["referenced_message"] = referenced.to_payload(guild)
        if self.webhook_id is not None:
            payload["webhook_id"] = str(self.webhook_id)
            payload["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            payload["interaction_metadata"] = self.interaction_metadata
        return payload


def _reaction_payloads(emojis: list[str]) -> list[Json]:
    counts: dict[str, int] = {}
    for emoji in emojis:
        counts[emoji] = counts.get(emoji, 0) + 1
    return [
        {"count": count, "me": True, "emoji": _emoji_payload(emoji), "burst_colors": []}
        for emoji, count in counts.items()
    ]


def _emoji_payload(emoji: str) -> Json:
    name, _, emoji_id = emoji.partition(":")
    return {"id": emoji_id or None, "name": name}


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def resolve_mentions(
    message: Message, guild: Guild, replied_to: int | None = None
) -> tuple[list[int], list[int], bool]:
    """Who the message pings: (user ids, role ids, @everyone), as allowed_mentions and
    the author's MENTION_EVERYONE permission allow.

    ``replied_to`` is the author of the message this one replies to: pinged when there
    is no allowed_mentions or it sets replied_user.
    """
    users = [int(uid) for uid in _USER_MENTION.findall(message.content)]
    roles = [int(rid) for rid in _ROLE_MENTION.findall(message.content)]
    everyone = "@everyone" in message.content or "@here" in message.content
    allowed = message.allowed_mentions
    if allowed is not None:
        parse = allowed.get("parse", [])
        if "users" not in parse:
            users = [uid for uid in users if str(uid) in map(str, allowed.get("users", []))]
        if "roles" not in parse:
            roles = [rid for rid in roles if str(rid) in map(str, allowed.get("roles", []))]
        everyone = everyone and "everyone" in parse
    if message.author.id in guild.members:
        everyone = everyone and bool(guild.permissions_of(message.author.id) & MENTION_EVERYONE)
    if replied_to is not None and (allowed is None or allowed.get("replied_user", False)):
        users.append(replied_to)
    users = [uid for uid in users if uid in guild.members]
    return list(dict.fromkeys(users)), list(dict.fromkeys(roles)), everyone


def iter_components(components: list[Json]) -> list[Json]:
    """Every component in a tree of action rows, containers and labels, depth first."""
    found: list[Json] = []
    for component in components:
        found.append(component)
        found.extend(iter_components(component.get("components", [])))
        for key in ("accessory", "component"):  # a section's button, a label's input
            if isinstance(component.get(key), dict):
                found.append(component[key])
    return found


# Limits Discord enforces on a message body; a violation is HTTP 400 code 50035.
_EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}


def message_errors(body: Json) -> list[tuple[str, str]]:
    """Why Discord would reject this message body, as (field path, reason) pairs."""
    errors: list[tuple[str, str]] = []

    def too_long(path: str, text: str, limit: int) -> None:
        if len(text) > limit:
            errors.append((path, f"Must be {limit} or fewer in length (got {len(text)})."))

    embeds = body.get("embeds") or []
    too_long("content", body.get("content") or "", 2000)
    if len(embeds) > 10:
        errors.append(("embeds", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        texts = {
            f"embeds.{i}.{key}": (embed.get(key) or "", n) for key, n in _EMBED_TEXT_LIMITS.items()
        }
        texts[f"embeds.{i}.footer.text"] = ((embed.get("footer") or {}).get("text") or "", 2048)
        texts[f"embeds.{i}.author.name"] = ((embed.get("author") or {}).get("name") or "", 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.append((f"embeds.{i}.fields", "Must be 25 or fewer in length."))
        for j, embed_field in enumerate(fields):
            texts[f"embeds.{i}.fields.{j}.name"] = (embed_field.get("name") or "", 256)
            texts[f"embeds.{i}.fields.{j}.value"] = (embed_field.get("value") or "", 1024)
            if not embed_field.get("name") or not embed_field.get("value"):
                errors.append((f"embeds.{i}.fields.{j}", "Field name and value are required."))
        for path, (text, limit) in texts.items():
            too_long(path, text, limit)
            total += len(text)
    if total > 6000:
        errors.append(("embeds", f"Embed size exceeds maximum size of 6000 (got {total})."))
    components = body.get("components") or []
    if len([c for c in components if c.get("type") == 1]) > 5:
        errors.append(("components", "Must be 5 or fewer action rows."))
    for component in iter_components(components):
        custom_id = component.get("custom_id")
        if custom_id is not None and not 1 <= len(custom_id) <= 100:
            errors.append(("components", f"custom_id must be 1 to 100 long: {custom_id!r}"))
        too_long("components.label", component.get("label") or "", 80)
    return errors


def is_empty_message(body: Json, files: int) -> bool:
    keys = ("content", "embeds", "components", "sticker_ids", "poll")
    return not files and not any(body.get(key) for key in keys)
