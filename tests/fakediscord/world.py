"""The fake Discord's state and the operations both the REST API and the tests use.

Who is where (guilds, channels, members), every message, the synced commands and the
interactions; storing a message also publishes it on the gateway to the sessions whose
intents let them see it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakediscord import model
from tests.fakediscord.gateway import Event, GatewaySession
from tests.fakediscord.model import Channel, Guild, Json, Member, Message, Role, User
from tests.fakediscord.records import Changes, InteractionRecord

Shape = Callable[[GatewaySession], Json | None]
Dispatch = Callable[[str, Shape], Awaitable[None]]


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response typed exactly ``application/json``, as Discord sends it:
    discord.py decodes a body only for that exact content type (no charset)."""
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


class ApiError(Exception):
    """An error response in Discord's shape: ``{"message", "code", "errors"?}``."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: Json = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return json_response(body, status=self.status)


def invalid_form(errors: list[tuple[str, str]]) -> ApiError:
    """HTTP 400 code 50035 with errors keyed by field path, as discord.py reports them."""
    nested = {path: {"_errors": [{"code": "INVALID", "message": why}]} for path, why in errors}
    return ApiError(400, 50035, "Invalid Form Body", nested)


class Upload:
    """A file the bot uploaded in a multipart request."""

    __slots__ = ("content_type", "data", "filename")

    def __init__(self, filename: str, content_type: str, data: bytes) -> None:
        self.filename, self.content_type, self.data = filename, content_type, data


class World:
    """Guilds, users, messages, commands and interactions of one fake Discord."""

    def __init__(
        self,
        *,
        bot_name: str,
        bot_permissions: int,
        allowed_intents: int,
        dispatch: Dispatch,
    ) -> None:
        self.ids = model.Snowflakes()
        self.changes = Changes()
        self._dispatch = dispatch
        self._bot_permissions = bot_permissions
        self.bot_user = User(self.ids.next(), bot_name, bot=True)
        self.application_id = self.bot_user.id  # as for every bot made since 2020
        self.application_flags = _application_flags(allowed_intents)
        self.owner = User(self.ids.next(), "owner")
        self.users: dict[int, User] = {u.id: u for u in (self.bot_user, self.owner)}
        self.guilds: dict[int, Guild] = {}
        self.commands: dict[int | None, list[Json]] = {}  # guild id (None: global) -> list
        self.interactions: list[InteractionRecord] = []
        self.gateway_url = ""
        self.attachment_base_url = ""
        self._messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[Message]] = {}

    def changed(self) -> None:
        self.changes.notify()

    # -- places and people -------------------------------------------------------------

    def new_guild(self, name: str, channel_names: list[str]) -> Guild:
        """A guild with @everyone, "Admin" (ADMINISTRATOR), the bot's managed role, the
        owner (an admin), the bot and one text channel per name."""
        guild = Guild(self.ids.next(), name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", model.EVERYONE_PERMISSIONS)
        admin = Role(self.ids.next(), "Admin", model.ADMINISTRATOR, position=2)
        bot_role = Role(self.ids.next(), self.bot_user.name, self._bot_permissions, 1, True)
        guild.roles |= {admin.id: admin, bot_role.id: bot_role}
        guild.members[self.owner.id] = Member(self.owner, [admin.id])
        guild.members[self.bot_user.id] = Member(self.bot_user, [bot_role.id])
        for position, channel_name in enumerate(channel_names):
            channel = Channel(self.ids.next(), guild.id, channel_name, position=position)
            guild.channels[channel.id] = channel
        self.guilds[guild.id] = guild
        return guild

    def new_member(self, guild: Guild, name: str, *, admin: bool) -> Member:
        user = User(self.ids.next(), name)
        self.users[user.id] = user
        member = Member(user, [guild.role_named("Admin").id] if admin else [])
        guild.members[user.id] = member
        return member

    def channel(self, channel_id: int | str) -> tuple[Guild, Channel]:
        for guild in self.guilds.values():
            if (channel := guild.channels.get(int(channel_id))) is not None:
                return guild, channel
        raise ApiError(404, 10003, "Unknown Channel")

    def require(self, channel: Channel, permission: int) -> None:
        """403 50013 unless the bot may view the channel and has ``permission``."""
        guild = self.guilds[channel.guild_id]
        needed = model.VIEW_CHANNEL | permission
        if guild.permissions_of(self.bot_user.id) & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    # -- messages ----------------------------------------------------------------------

    def message(self, channel_id: int | str, message_id: int | str) -> Message:
        message = self._messages.get(int(message_id))
        if message is None or message.deleted or message.channel_id != int(channel_id):
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def find_message(self, message_id: int) -> Message | None:
        message = self._messages.get(message_id)
        return None if message is None or message.deleted else message

    def messages(self, channel_id: int, *, include_deleted: bool = False) -> list[Message]:
        messages = self._channel_messages.get(channel_id, [])
        return [m for m in messages if include_deleted or not m.deleted]

    def message_payload(self, message: Message) -> Json:
        guild = self.guilds[message.guild_id]
        reference = message.message_reference or {}
        referenced = self._messages.get(int(reference.get("message_id") or 0))
        return message.to_payload(guild, referenced)

    def store(self, message: Message) -> None:
        _, channel = self.channel(message.channel_id)
        self._messages[message.id] = message
        self._channel_messages.setdefault(channel.id, []).append(message)
        channel.last_message_id = message.id
        self.changed()

    def bot_message(
        self,
        channel: Channel,
        body: Json,
        files: list[Upload],
        *,
        flags: int = 0,
        interaction: InteractionRecord | None = None,
    ) -> Message:
        """Store a message the bot sends, keeping every field it sent."""
        message = Message(self.ids.next(), channel.id, channel.guild_id, self.bot_user)
        message.apply(body)
        message.flags |= flags
        message.attachments = [self._attachment(channel, upload) for upload in files]
        if interaction is not None:
            message.webhook_id = self.application_id
            message.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self.users[interaction.user_id].to_payload(),
                "authorizing_integration_owners": {"0": str(channel.guild_id)},
            }
        self.store(message)
        return message

    def _attachment(self, channel: Channel, upload: Upload) -> Json:
        attachment_id = self.ids.next()
        url = f"{self.attachment_base_url}/{channel.id}/{attachment_id}/{upload.filename}"
        return {
            "id": str(attachment_id),
            "filename": upload.filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url,
            "content_type": upload.content_type,
        }

    async def edit(self, message: Message, body: Json, files: list[Upload]) -> None:
        """Apply an edit (which also ends a deferred "thinking" state); MESSAGE_UPDATE."""
        if errors := model.message_errors(body):
            raise invalid_form(errors)
        message.apply(body)
        _, channel = self.channel(message.channel_id)
        if body.get("attachments") is not None:  # the existing attachments to keep
            keep = {str(attachment.get("id")) for attachment in body["attachments"]}
            message.attachments = [a for a in message.attachments if a["id"] in keep]
        message.attachments += [self._attachment(channel, upload) for upload in files]
        message.flags &= ~model.FLAG_LOADING
        message.edited_timestamp = model.iso_now()
        message.edits.append(body)
        await self.publish("MESSAGE_UPDATE", message)

    async def delete(self, message: Message) -> None:
        message.deleted = True
        self.changed()
        if message.ephemeral:
            return
        data = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "guild_id": str(message.guild_id),
        }
        await self._dispatch(
            "MESSAGE_DELETE", lambda s: data if s.intents & model.INTENT_GUILD_MESSAGES else None
        )

    async def publish(self, event: str, message: Message) -> None:
        """MESSAGE_CREATE/UPDATE to sessions whose intents allow it; content blanked
        without MESSAGE_CONTENT unless the bot wrote it or is mentioned (as on Discord).
        Ephemeral messages are never dispatched."""
        if message.ephemeral:
            return
        payload = self.message_payload(message)
        exempt = message.author.id == self.bot_user.id or any(
            user["id"] == str(self.bot_user.id) for user in payload["mentions"]
        )

        def shape(session: GatewaySession) -> Json | None:
            if not session.intents & model.INTENT_GUILD_MESSAGES:
                return None
            if exempt or session.intents & model.INTENT_MESSAGE_CONTENT:
                return payload
            return payload | {"content": "", "embeds": [], "attachments": [], "components": []}

        await self._dispatch(event, shape)

    async def open_thread(self, parent: Channel, body: Json, thread_id: int) -> Channel:
        """A public thread the bot opens under ``parent``; THREAD_CREATE."""
        if parent.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        self.require(parent, model.CREATE_PUBLIC_THREADS)
        if not 1 <= len(body.get("name") or "") <= 100:
            raise invalid_form([("name", "Must be between 1 and 100 in length.")])
        thread = Channel(
            thread_id,
            parent.guild_id,
            body["name"],
            type=int(body.get("type") or model.PUBLIC_THREAD),
            parent_id=parent.id,
            owner_id=self.bot_user.id,
        )
        self.guilds[parent.guild_id].channels[thread.id] = thread
        payload = thread.to_payload() | {"newly_created": True}
        await self._dispatch("THREAD_CREATE", lambda session: payload)
        return thread

    def interaction_for(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions if r.token == token), None)

    # -- what the gateway sends (gateway.WorldHooks) ----------------------------------------

    def me(self) -> Json:
        extra = {"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        return self.bot_user.to_payload() | extra

    def guild_create(self, guild: Guild, session: GatewaySession) -> Json:
        """GUILD_CREATE; without GUILD_MEMBERS the bot sees only itself, as on Discord."""
        members = list(guild.members.values())
        if not session.intents & model.INTENT_GUILD_MEMBERS:
            members = [guild.members[self.bot_user.id]]
        return guild.to_payload(members=members)

    def ready_events(self, session: GatewaySession) -> list[Event]:
        ready = {
            "v": 10,
            "user": self.me(),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in self.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": session.shard,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fakediscord"],
        }
        guilds = [("GUILD_CREATE", self.guild_create(g, session)) for g in self.guilds.values()]
        return [("READY", ready), *guilds]

    def member_chunk_events(self, session: GatewaySession, request: Json) -> list[Event]:
        guild = self.guilds.get(int(request.get("guild_id") or 0))
        if guild is None:
            return []
        wanted = {int(uid) for uid in request.get("user_ids") or []}
        query = (request.get("query") or "").lower()
        if wanted:
            members = [m for m in guild.members.values() if m.user.id in wanted]
        else:
            members = [m for m in guild.members.values() if m.user.name.lower().startswith(query)]
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(uid) for uid in wanted - {m.user.id for m in members}],
        }
        if request.get("nonce") is not None:
            chunk["nonce"] = request["nonce"]
        return [("GUILD_MEMBERS_CHUNK", chunk)]


def _application_flags(allowed_intents: int) -> int:
    flags = 0
    if allowed_intents & model.INTENT_GUILD_PRESENCES:
        flags |= 1 << 12  # GATEWAY_PRESENCE
    if allowed_intents & model.INTENT_GUILD_MEMBERS:
        flags |= 1 << 14  # GATEWAY_GUILD_MEMBERS
    if allowed_intents & model.INTENT_MESSAGE_CONTENT:
        flags |= 1 << 18  # GATEWAY_MESSAGE_CONTENT
    return flags
