"""A Discord-compatible server on 127.0.0.1 for end-to-end tests of a discord.py bot.

One aiohttp application serves the REST API under ``/api/v10`` (``rest``) and the
gateway at ``/gateway`` (``gateway``); both act on one ``World``. Tests play the people:
``send_message``, ``invoke_slash``, ``click_button``; and read what the bot did:
``messages``, ``requests``, the ``InteractionRecord`` of each interaction.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from tests.fakediscord import model
from tests.fakediscord.gateway import GATEWAY_PATH, RECONNECT, Gateway, GatewaySession
from tests.fakediscord.modals import submission
from tests.fakediscord.model import Channel, Guild, Json, Message, User
from tests.fakediscord.records import InteractionRecord, RecordedRequest
from tests.fakediscord.rest import (
    API_PREFIX,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    RestApi,
)
from tests.fakediscord.world import Shape, World

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "fake-bot-token"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_PYTHON_OPTION_TYPES = {
    bool: model.OPTION_BOOLEAN,
    int: model.OPTION_INTEGER,
    float: model.OPTION_NUMBER,
    str: model.OPTION_STRING,
}
_SUBCOMMAND = 1
_USER, _CHANNEL, _ROLE = 6, 7, 8


class FakeDiscord:
    """A Discord API v10 server with one guild, its roles, a channel and two members.

    Use as ``async with FakeDiscord() as server:``, point the bot at
    ``server.api_base_url`` and ``server.gateway_url`` (``bot.discord.endpoints``) and
    log in with ``server.token``. ``server.guild`` has an @everyone role, an "Admin" role
    with ADMINISTRATOR, the text channel ``server.channel`` ("general"), its owner
    ``server.owner`` (an admin) and the bot, whose managed role has ``bot_permissions``.

    ``interaction_deadline`` is how long the bot has to answer an interaction (Discord:
    3 s); ``allowed_intents`` the privileged intents the bot may ask for (others: close
    4014).
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "newsbot",
        heartbeat_interval_ms: int = 41_250,
        interaction_deadline: float = 3.0,
        allowed_intents: int = model.PRIVILEGED_INTENTS,
        bot_permissions: int = model.EVERYONE_PERMISSIONS,
    ) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.world = World(
            bot_name=bot_name,
            bot_permissions=bot_permissions,
            allowed_intents=allowed_intents,
            dispatch=self._dispatch,
        )
        self.gateway = Gateway(
            self.world,
            token=token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_intents=allowed_intents,
        )
        self.rest = RestApi(self.world, token=token)
        self.api_base_url = ""
        self.gateway_url = ""
        self._runner: web.AppRunner | None = None
        self.guild = self.world.new_guild("Newsroom", ["general"])
        self.channel = next(iter(self.guild.channels.values()))

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        self.rest.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.api_base_url = f"http://127.0.0.1:{port}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{port}{GATEWAY_PATH}"
        self.world.gateway_url = self.gateway_url
        self.world.attachment_base_url = f"http://127.0.0.1:{port}/attachments"
        log.info("fake discord listening on 127.0.0.1:%s", port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, event: str, shape: Shape) -> None:
        await self.gateway.dispatch(event, shape)

    # -- who and what is there ---------------------------------------------------------

    @property
    def bot_user(self) -> User:
        return self.world.bot_user

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def owner(self) -> User:
        return self.world.owner

    @property
    def guilds(self) -> dict[int, Guild]:
        return self.world.guilds

    @property
    def commands(self) -> dict[int | None, list[Json]]:
        """Synced commands by guild id (None: global), as the bot last sent them."""
        return self.world.commands

    @property
    def interactions(self) -> list[InteractionRecord]:
        return self.world.interactions

    def travel_to(self, when: datetime) -> None:
        """Messages and interactions from now on carry ``when`` as their time."""
        self.world.ids.travel_to(when)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request, in order."""
        return self.rest.requests

    @property
    def errors(self) -> list[Exception]:
        """Exceptions the fake raised handling requests (bugs, or bodies it cannot read)."""
        return self.rest.errors

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes this fake does not implement (answered 404)."""
        return [r for r in self.rest.requests if r.route is None]

    @property
    def identify_payload(self) -> Json | None:
        """The data of the latest IDENTIFY (token, intents, properties...)."""
        sessions = list(self.gateway.sessions.values())
        return sessions[-1].identify if sessions else None

    def messages(self, channel_id: int, *, include_deleted: bool = False) -> list[Message]:
        """Every message in the channel (people's, the bot's, ephemeral ones), oldest first."""
        return self.world.messages(channel_id, include_deleted=include_deleted)

    def bot_messages(self, channel_id: int) -> list[Message]:
        return [m for m in self.messages(channel_id) if m.author.id == self.bot_user.id]

    def payload(self, message: Message) -> Json:
        """The message as Discord shows it, with ``mentions`` resolved (who is pinged)."""
        return self.world.message_payload(message)

    async def add_guild(self, name: str, channel_names: tuple[str, ...] = ("general",)) -> Guild:
        """A new guild the bot is in (GUILD_CREATE when the bot is connected)."""
        guild = self.world.new_guild(name, list(channel_names))
        await self._dispatch("GUILD_CREATE", lambda s: self.world.guild_create(guild, s))
        return guild

    async def add_channel(self, guild_id: int, name: str) -> Channel:
        guild = self.guilds[guild_id]
        channel = Channel(self.world.ids.next(), guild_id, name, position=len(guild.channels))
        guild.channels[channel.id] = channel
        await self._dispatch("CHANNEL_CREATE", lambda s: channel.to_payload())
        return channel

    async def add_member(self, guild_id: int, name: str, *, admin: bool = False) -> User:
        """A new person in the guild; ``admin`` gives them the "Admin" role."""
        member = self.world.new_member(self.guilds[guild_id], name, admin=admin)
        payload = member.to_payload() | {"guild_id": str(guild_id)}
        members_intent = model.INTENT_GUILD_MEMBERS
        await self._dispatch(
            "GUILD_MEMBER_ADD", lambda s: payload if s.intents & members_intent else None
        )
        return member.user

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """What the bot's role allows; REST calls needing more get 403 code 50013."""
        self.guilds[guild_id].role_named(self.bot_user.name).permissions = permissions

    # -- waiting -----------------------------------------------------------------------

    async def wait_for(
        self, probe: Callable[[], object], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """``probe()`` once truthy; re-checked after every request and gateway frame."""
        return await self.world.changes.wait_until(probe, timeout, lambda: what)

    async def wait_until_ready(self, timeout: float = 10.0) -> GatewaySession:
        """The bot's session, once it was sent READY and a GUILD_CREATE per guild."""

        def ready() -> GatewaySession | None:
            for session in self.gateway.sessions.values():
                if session.connection and len(session.events("GUILD_CREATE")) >= len(self.guilds):
                    return session
            return None

        return await self.world.changes.wait_until(ready, timeout, lambda: "identified bot")

    async def wait_for_message(
        self,
        channel_id: int,
        predicate: Callable[[Message], object] = lambda message: True,
        *,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Message:
        """The first message the bot posted in the channel with an id above ``after``
        for which ``predicate`` is truthy; edits are seen as they happen, "thinking"
        messages of a deferred interaction only once filled."""

        def find() -> Message | None:
            candidates = (
                m
                for m in self.bot_messages(channel_id)
                if m.id > after and not m.flags & model.FLAG_LOADING
            )
            return next((m for m in candidates if predicate(m)), None)

        def what() -> str:
            seen = [(m.id, m.content[:60]) for m in self.bot_messages(channel_id)]
            return f"matching bot message in channel {channel_id}; bot messages: {seen}"

        return await self.world.changes.wait_until(find, timeout, what)

    async def wait_for_commands_synced(
        self, guild_id: int | None = None, timeout: float = 10.0
    ) -> list[Json]:
        """The commands once the bot bulk-overwrote them for ``guild_id`` (None: global)."""
        path = "/commands" if guild_id is None else f"/guilds/{guild_id}/commands"
        prefix = f"/applications/{self.application_id}"

        def synced() -> bool:
            return any(r.method == "PUT" and r.path == prefix + path for r in self.requests)

        await self.world.changes.wait_until(synced, timeout, lambda: f"PUT {prefix}{path}")
        return self.commands.get(guild_id, [])

    # -- the gateway, from the server side ---------------------------------------------

    async def reconnect(self) -> None:
        """Ask the bot to reconnect (op 7 RECONNECT); it should RESUME."""
        await self.gateway.send_op(RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; unless resumable, the bot must IDENTIFY again."""
        await self.gateway.invalidate(resumable=resumable)

    async def drop_connections(self) -> None:
        """Close the bot's websockets abruptly (close code 4000); it should RESUME."""
        await self.gateway.drop_connections()

    async def go_silent(self) -> None:
        """Drop the bot's websockets and answer its new ones with silence (no HELLO), as
        a gateway that is down would: the bot stays reconnecting."""
        self.gateway.silent = True
        await self.gateway.drop_connections()

    # -- simulated people --------------------------------------------------------------

    async def send_message(
        self,
        channel_id: int,
        author_id: int,
        content: str,
        *,
        mention_bot: bool = False,
        reply_to: int | None = None,
    ) -> Message:
        """A person posts a message (MESSAGE_CREATE). ``mention_bot`` puts ``<@bot>``
        first; ``reply_to`` makes it a reply to that message."""
        guild, channel = self.world.channel(channel_id)
        if author_id not in guild.members:
            raise ValueError(f"user {author_id} is not a member of guild {guild.id}")
        if mention_bot:
            content = f"<@{self.bot_user.id}> {content}"
        author = self.world.users[author_id]
        message = Message(self.world.ids.next(), channel.id, guild.id, author, content)
        if reply_to is not None:
            replied = self.world.message(channel.id, reply_to)
            message.message_reference = {"message_id": replied.id, "guild_id": guild.id}
        self.world.store(message)
        await self.world.publish("MESSAGE_CREATE", message)
        return message

    async def invoke_slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        user_id: int | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        *,
        option_types: dict[str, int] | None = None,
    ) -> InteractionRecord:
        """A person runs ``/name`` (INTERACTION_CREATE type 2) in ``channel_id``
        (default ``server.channel``) as ``user_id`` (default the owner).

        Option types come from the synced command, which must then declare every option
        given; for a command never synced, from ``option_types`` or else the Python type
        of each value. A dict value fills a subcommand: ``{"sub": {"arg": 1}}``.
        """
        guild, channel = self.world.channel(channel_id or self.channel.id)
        if guild_id is not None and guild_id != guild.id:
            raise ValueError(f"channel {channel.id} is in guild {guild.id}, not {guild_id}")
        command = self._synced_command(name, guild.id)
        declared = None if command is None else command.get("options") or []
        data: Json = {
            "id": command["id"] if command else str(self.world.ids.next()),
            "name": name,
            "type": 1,
            "options": _options(declared, options or {}, option_types or {}),
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved := _resolved(data["options"], guild):
            data["resolved"] = resolved
        return await self._interact(APPLICATION_COMMAND, data, user_id, guild, channel)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        user_id: int | None = None,
        channel_id: int | None = None,
    ) -> InteractionRecord:
        """A person types in option ``focused`` of ``/name`` (INTERACTION_CREATE type 4);
        the bot's choices are in the record's callback (type 8)."""
        guild, channel = self.world.channel(channel_id or self.channel.id)
        command = self._synced_command(name, guild.id)
        if command is None:
            raise ValueError(f"no synced command /{name}")
        declared = command.get("options") or []
        typed = _options(declared, options, {})
        for option in typed:
            if option["name"] == focused:
                option["focused"] = True
        data: Json = {"id": command["id"], "name": name, "type": 1, "options": typed}
        return await self._interact(AUTOCOMPLETE, data, user_id, guild, channel)

    async def invoke_message_command(
        self, name: str, message_id: int, user_id: int | None = None
    ) -> InteractionRecord:
        """A person picks the message context command ``name`` on a message
        (INTERACTION_CREATE type 2, command type 3)."""
        message = self.world.find_message(message_id)
        if message is None:
            raise ValueError(f"no message {message_id}")
        guild, channel = self.world.channel(message.channel_id)
        commands = self.commands.get(guild.id, []) + self.commands.get(None, [])
        command = next((c for c in commands if c["name"] == name and c["type"] == 3), None)
        if command is None:
            raise ValueError(f"no synced message command {name!r}")
        data: Json = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): self.world.message_payload(message)}},
        }
        return await self._interact(APPLICATION_COMMAND, data, user_id, guild, channel)

    async def submit_modal(
        self, opened_by: InteractionRecord, values: dict[str, str] | None = None
    ) -> InteractionRecord:
        """The person who got the modal the bot opened in answer to ``opened_by`` fills it
        in and sends it (INTERACTION_CREATE type 5): ``values`` by text input custom_id,
        the others empty. Not calling this is dismissing the modal: Discord tells the bot
        nothing then."""
        [modal] = [c.data for c in opened_by.callbacks if c.type == MODAL]
        data = submission(modal, values or {})
        guild, channel = self.world.channel(opened_by.channel_id)
        message = opened_by.source_message
        return await self._interact(MODAL_SUBMIT, data, opened_by.user_id, guild, channel, message)

    async def click_button(
        self, message_id: int, custom_id: str, user_id: int | None = None
    ) -> InteractionRecord:
        """A person clicks button ``custom_id`` of a message (INTERACTION_CREATE type 3)."""
        return await self._use_component(message_id, custom_id, user_id, values=None)

    async def select(
        self, message_id: int, custom_id: str, values: list[str], user_id: int | None = None
    ) -> InteractionRecord:
        """A person picks ``values`` in select menu ``custom_id`` of a message."""
        return await self._use_component(message_id, custom_id, user_id, values=values)

    def _synced_command(self, name: str, guild_id: int) -> Json | None:
        for command in self.commands.get(guild_id, []) + self.commands.get(None, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        return None

    async def _use_component(
        self, message_id: int, custom_id: str, user_id: int | None, values: list[str] | None
    ) -> InteractionRecord:
        message = self.world.find_message(message_id)
        if message is None:
            raise ValueError(f"no message {message_id}")
        components = model.iter_components(message.components)
        component = next((c for c in components if c.get("custom_id") == custom_id), None)
        if component is None:
            raise ValueError(f"message {message_id} has no component {custom_id!r}: {components}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data: Json = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        guild, channel = self.world.channel(message.channel_id)
        return await self._interact(MESSAGE_COMPONENT, data, user_id, guild, channel, message)

    async def _interact(
        self,
        kind: int,
        data: Json,
        user_id: int | None,
        guild: Guild,
        channel: Channel,
        message: Message | None = None,
    ) -> InteractionRecord:
        user_id = user_id or self.owner.id
        if user_id not in guild.members:
            raise ValueError(f"user {user_id} is not a member of guild {guild.id}")
        if not self.gateway.sessions:
            raise RuntimeError("no bot is connected to the fake gateway")
        interaction_id = self.world.ids.next()
        member = guild.members[user_id].to_payload(permissions=guild.permissions_of(user_id))
        payload: Json = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_id": str(guild.id),
            "channel": channel.to_payload(),
            "channel_id": str(channel.id),
            "member": member,
            "token": f"interaction-{uuid.uuid4().hex}",
            "version": 1,
            "app_permissions": str(guild.permissions_of(self.bot_user.id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if message is not None:
            payload["message"] = self.world.message_payload(message)
        record = InteractionRecord(
            id=interaction_id,
            token=payload["token"],
            type=kind,
            payload=payload,
            user_id=user_id,
            channel_id=channel.id,
            guild_id=guild.id,
            deadline=time.monotonic() + self.interaction_deadline,
            changes=self.world.changes,
            source_message=message,
        )
        self.interactions.append(record)
        await self._dispatch("INTERACTION_CREATE", lambda session: payload)
        return record


def _options(
    declared: list[Json] | None, values: dict[str, Any], explicit: dict[str, int]
) -> list[Json]:
    """Interaction options for ``values``, typed as ``declared`` (None: not synced)."""
    by_name = {option["name"]: option for option in declared or []}
    if declared is not None:
        if unknown := set(values) - set(by_name):
            raise ValueError(f"unknown options {sorted(unknown)}; declared: {sorted(by_name)}")
        required = {n for n, o in by_name.items() if o.get("required")} - set(values)
        if required:
            raise ValueError(f"missing required options {sorted(required)}")
    options = []
    for name, value in values.items():
        spec = by_name.get(name, {})
        kind = spec.get("type") or explicit.get(name)
        if isinstance(value, dict):
            nested = (spec.get("options") or []) if declared is not None else None
            sub = _options(nested, value, explicit)
            options.append({"name": name, "type": kind or _SUBCOMMAND, "options": sub})
        else:
            kind = kind or _PYTHON_OPTION_TYPES.get(type(value), model.OPTION_STRING)
            options.append({"name": name, "type": kind, "value": value})
    return options


def _resolved(options: list[Json], guild: Guild) -> Json:
    """The ``resolved`` map for user, channel and role options, as discord.py reads it."""
    resolved: dict[str, Json] = {}
    for option in options:
        for key, found in _resolved(option.get("options") or [], guild).items():
            resolved.setdefault(key, {}).update(found)
        if "value" not in option or option["type"] not in (_USER, _CHANNEL, _ROLE):
            continue
        value = str(option["value"])
        if option["type"] == _USER and int(value) in guild.members:
            member = guild.members[int(value)]
            resolved.setdefault("users", {})[value] = member.user.to_payload()
            permissions = guild.permissions_of(member.user.id)
            resolved.setdefault("members", {})[value] = member.to_payload(
                with_user=False, permissions=permissions
            )
        elif option["type"] == _CHANNEL and int(value) in guild.channels:
            channel = guild.channels[int(value)].to_payload() | {"permissions": "0"}
            resolved.setdefault("channels", {})[value] = channel
        elif option["type"] == _ROLE and int(value) in guild.roles:
            resolved.setdefault("roles", {})[value] = guild.roles[int(value)].to_payload()
    return resolved
