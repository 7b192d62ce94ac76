"""The fake Discord's REST API (``/api/v10``): the routes discord.py 2.7 uses.

Every HTTP request but the gateway's is recorded (``RestApi.requests``); requests to
routes not listed in ``routes()`` get Discord's 404 body and are recorded with
``route=None``. Bot routes
need ``Authorization: Bot <token>``; interaction callbacks and webhooks are authorised
by the token in their path, as on Discord.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakediscord import model
from tests.fakediscord.gateway import GATEWAY_PATH
from tests.fakediscord.modals import modal_errors
from tests.fakediscord.model import Guild, Json, Message
from tests.fakediscord.records import Callback, InteractionEvent, InteractionRecord, RecordedRequest
from tests.fakediscord.world import ApiError, Upload, World, invalid_form, json_response

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class _Body:
    """A request's JSON (or a multipart body's payload_json part) and uploaded files."""

    json: Any
    files: list[Upload]

    def object(self) -> Json:
        """The JSON as an object; {} when there is none."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise invalid_form([("_", "Expected an object.")])
        return self.json


BODY = web.RequestKey("body", _Body)

# Interaction types, and the callback types Discord accepts for each.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 6, 7, 8, 9
_CALLBACKS_ALLOWED = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    # 6 and 7 only for a modal opened from a message's component: they target that message.
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
}
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


class RestApi:
    """The REST routes, each a method reading and changing the ``World``."""

    def __init__(self, world: World, *, token: str) -> None:
        self._world = world
        self._token = token
        self.requests: list[RecordedRequest] = []
        self.errors: list[Exception] = []  # unexpected exceptions in handlers

    def add_routes(self, app: web.Application) -> None:
        app.middlewares.append(self._middleware)
        for method, path, handler in self.routes():
            app.router.add_route(method, API_PREFIX + path, handler)

    def routes(self) -> list[tuple[str, str, Handler]]:
        app = "/applications/{application_id}"
        message = "/channels/{channel_id}/messages/{message_id}"
        hook = "/webhooks/{application_id}/{token}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", app + "/commands", self._get_commands),
            ("PUT", app + "/commands", self._put_commands),
            ("GET", app + "/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", app + "/guilds/{guild_id}/commands", self._put_commands),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/typing", self._typing),
            ("GET", "/channels/{channel_id}/messages", self._get_messages),
            ("POST", "/channels/{channel_id}/messages", self._post_message),
            ("GET", message, self._get_message),
            ("PATCH", message, self._patch_message),
            ("DELETE", message, self._delete_message),
            ("PUT", message + "/reactions/{emoji}/@me", self._put_reaction),
            ("DELETE", message + "/reactions/{emoji}/@me", self._delete_reaction),
            ("POST", message + "/threads", self._post_message_thread),
            ("POST", "/channels/{channel_id}/threads", self._post_thread),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", hook, self._post_followup),
            ("GET", hook + "/messages/{message_id}", self._get_hook_message),
            ("PATCH", hook + "/messages/{message_id}", self._patch_hook_message),
            ("DELETE", hook + "/messages/{message_id}", self._delete_hook_message),
        ]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == GATEWAY_PATH:
            return await handler(request)
        match = request.match_info
        known = match.http_exception is None
        template = match.route.resource.canonical if known and match.route.resource else ""
        record = RecordedRequest(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            route=f"{request.method} {template.removeprefix(API_PREFIX)}" if known else None,
            query=dict(request.query),
            json=None,
            files=[],
            host=request.host,
        )
        self.requests.append(record)
        try:
            record.json, files = await _read_body(request)
            record.files = [upload.filename for upload in files]
            request[BODY] = _Body(record.json, files)
            if not known:
                log.warning("fakediscord: unknown route %s %s", request.method, request.path)
                raise ApiError(404, 0, "404: Not Found")
            if not self._authorized(request, record):
                raise ApiError(401, 0, "401: Unauthorized")
            response = await handler(request)
        except ApiError as error:
            response = error.response()
        except Exception as exc:
            # A bug in the fake (or a request it cannot parse). Not a 5xx, which discord.py
            # would retry for seconds: a 400 that names the problem fails the test at once.
            log.exception("fakediscord: %s %s failed", request.method, request.path)
            self.errors.append(exc)
            response = ApiError(400, 0, f"fakediscord could not handle this: {exc!r}").response()
        record.status = response.status
        response.headers.update(_rate_limit_headers(record.route or request.path))
        self._world.changed()
        return response

    def _authorized(self, request: web.Request, record: RecordedRequest) -> bool:
        if record.path.startswith(("/interactions/", "/webhooks/")):
            return True
        return request.headers.get("Authorization") == f"Bot {self._token}"

    # -- users, gateway, application ---------------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        return json_response(self._world.me())

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self._world.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return json_response(user.to_payload())

    async def _get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        url = self._world.gateway_url
        return json_response({"url": url, "shards": 1, "session_start_limit": limit})

    async def _get_application(self, request: web.Request) -> web.Response:
        world = self._world
        return json_response(
            {
                "id": str(world.application_id),
                "name": world.bot_user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": world.bot_user.to_payload(),
                "owner": world.owner.to_payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": world.application_flags,
                "hook": True,
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(world.guilds),
                "redirect_uris": [],
                "tags": [],
            }
        )

    # -- application commands ----------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        """The guild id of a guild-commands route, None for global commands."""
        if request.match_info["application_id"] != str(self._world.application_id):
            raise ApiError(404, 10002, "Unknown Application")
        if "guild_id" not in request.match_info:
            return None
        return self._guild(request).id

    async def _get_commands(self, request: web.Request) -> web.Response:
        return json_response(self._world.commands.get(self._command_scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite; a command keeps its id while its name and type stay."""
        scope = self._command_scope(request)
        body = request[BODY].json
        if not isinstance(body, list):
            raise invalid_form([("_", "Expected a list of commands.")])
        _validate_commands(body)
        ids = self._world.ids
        old = {(c["name"], c["type"]): c["id"] for c in self._world.commands.get(scope, [])}
        commands = []
        for command in body:
            kind = command.get("type", 1)
            defaults = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
            }
            stored = defaults | command | {"type": kind}
            if stored["default_member_permissions"] is not None:  # Discord answers a string
                stored["default_member_permissions"] = str(stored["default_member_permissions"])
            stored["id"] = old.get((command["name"], kind)) or str(ids.next())
            stored["application_id"] = str(self._world.application_id)
            stored["version"] = str(ids.next())
            if scope is not None:
                stored["guild_id"] = str(scope)
            commands.append(stored)
        self._world.commands[scope] = commands
        return json_response(commands)

    # -- guilds and channels -----------------------------------------------------------

    def _guild(self, request: web.Request) -> Guild:
        guild = self._world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request) -> web.Response:
        payload = self._guild(request).to_payload(members=[])
        for key in ("members", "channels", "threads", "voice_states", "presences"):
            payload.pop(key)
        return json_response(payload)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        channels = self._guild(request).channels.values()
        return json_response([c.to_payload() for c in channels if not c.is_thread])

    async def _get_member(self, request: web.Request) -> web.Response:
        member = self._guild(request).members.get(int(request.match_info["user_id"]))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(member.to_payload())

    async def _get_channel(self, request: web.Request) -> web.Response:
        _, channel = self._world.channel(request.match_info["channel_id"])
        return json_response(channel.to_payload())

    async def _typing(self, request: web.Request) -> web.Response:
        self._world.channel(request.match_info["channel_id"])
        return web.Response(status=204)

    async def _post_thread(self, request: web.Request) -> web.Response:
        _, parent = self._world.channel(request.match_info["channel_id"])
        body = request[BODY].object()
        thread = await self._world.open_thread(parent, body, self._world.ids.next())
        return json_response(thread.to_payload(), status=201)

    # -- messages ----------------------------------------------------------------------

    def _message(self, request: web.Request) -> Message:
        return self._world.message(
            request.match_info["channel_id"], request.match_info["message_id"]
        )

    async def _get_messages(self, request: web.Request) -> web.Response:
        _, channel = self._world.channel(request.match_info["channel_id"])
        self._world.require(channel, model.READ_MESSAGE_HISTORY)
        limit = int(request.query.get("limit", 50))
        before = int(request.query.get("before", 1 << 63))
        after = int(request.query.get("after", 0))
        found = [
            m for m in self._world.messages(channel.id) if after < m.id < before and not m.ephemeral
        ]
        newest_first = list(reversed(found))[:limit]
        return json_response([self._world.message_payload(m) for m in newest_first])

    async def _post_message(self, request: web.Request) -> web.Response:
        world = self._world
        _, channel = world.channel(request.match_info["channel_id"])
        send = model.SEND_MESSAGES_IN_THREADS if channel.is_thread else model.SEND_MESSAGES
        world.require(channel, send)
        body, files = request[BODY].object(), request[BODY].files
        _validate_new_message(body, files)
        reference = body.get("message_reference")
        if reference and reference.get("fail_if_not_exists", True):
            try:
                world.message(reference.get("channel_id") or channel.id, reference["message_id"])
            except ApiError:
                raise invalid_form([("message_reference", "Unknown message")]) from None
        message = world.bot_message(channel, body, files)
        await world.publish("MESSAGE_CREATE", message)
        return json_response(world.message_payload(message))

    async def _get_message(self, request: web.Request) -> web.Response:
        return json_response(self._world.message_payload(self._message(request)))

    async def _patch_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message.author.id != self._world.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        await self._world.edit(message, request[BODY].object(), request[BODY].files)
        return json_response(self._world.message_payload(message))

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message.author.id != self._world.bot_user.id:
            _, channel = self._world.channel(message.channel_id)
            self._world.require(channel, model.MANAGE_MESSAGES)
        await self._world.delete(message)
        return web.Response(status=204)

    async def _put_reaction(self, request: web.Request) -> web.Response:
        message = self._message(request)
        _, channel = self._world.channel(message.channel_id)
        self._world.require(channel, model.ADD_REACTIONS | model.READ_MESSAGE_HISTORY)
        emoji = request.match_info["emoji"]
        if emoji not in message.reactions:
            message.reactions.append(emoji)
        return web.Response(status=204)

    async def _delete_reaction(self, request: web.Request) -> web.Response:
        message = self._message(request)
        emoji = request.match_info["emoji"]
        if emoji in message.reactions:
            message.reactions.remove(emoji)
        return web.Response(status=204)

    async def _post_message_thread(self, request: web.Request) -> web.Response:
        """A thread started from a message; as on Discord it takes the message's id."""
        message = self._message(request)
        guild, parent = self._world.channel(message.channel_id)
        if message.id in guild.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = await self._world.open_thread(parent, request[BODY].object(), message.id)
        return json_response(thread.to_payload(), status=201)

    # -- interaction callbacks and webhooks --------------------------------------------

    async def _callback(self, request: web.Request) -> web.Response:
        """The bot's one response to an interaction, due before the record's deadline.

        4 posts a message, 5 posts a "thinking" (LOADING) message, 6 and 7 (components,
        and modals opened from one) target the clicked message, 7 editing it at once; 8
        answers an autocomplete with its choices, 9 opens a modal (both recorded; a test
        submits the modal with ``FakeDiscord.submit_modal``).
        """
        world = self._world
        record = world.interaction_for(request.match_info["token"])
        if record is None or str(record.id) != request.match_info["interaction_id"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if record.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() > record.deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        body, files = request[BODY].object(), request[BODY].files
        kind, data = body.get("type"), body.get("data") or {}
        updates = kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE)
        if kind not in _CALLBACKS_ALLOWED[record.type] or (
            updates and record.source_message is None
        ):
            raise invalid_form([("type", f"Callback type {kind} is not valid here.")])
        if kind == MODAL and (errors := modal_errors(data)):
            raise invalid_form(errors)
        _, channel = world.channel(record.channel_id)
        ephemeral = int(data.get("flags") or 0) & model.FLAG_EPHEMERAL
        if kind == CHANNEL_MESSAGE:
            _validate_new_message(data, files)
            record.original = world.bot_message(
                channel, data, files, flags=ephemeral, interaction=record
            )
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            flags = model.FLAG_LOADING | ephemeral
            record.original = world.bot_message(channel, {}, [], flags=flags, interaction=record)
        elif updates:
            if errors := model.message_errors(data):
                raise invalid_form(errors)
            record.original = record.source_message
        record.callbacks.append(Callback(kind, data))
        original_id = None if record.original is None else record.original.id
        record.events.append(InteractionEvent("callback", body, original_id))
        if kind == UPDATE_MESSAGE and record.original is not None:
            await world.edit(record.original, data, files)
        elif kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE) and record.original is not None:
            await world.publish("MESSAGE_CREATE", record.original)
        if not _truthy(request.query.get("with_response")):
            return web.Response(status=204)
        return json_response(self._callback_response(record, kind))

    def _callback_response(self, record: InteractionRecord, kind: int) -> Json:
        """The body for ``?with_response=true`` (discord.py 2.7 always asks for it)."""
        original = record.original
        interaction: Json = {"id": str(record.id), "type": record.type}
        resource: Json = {"type": kind}
        if original is not None and kind != DEFERRED_UPDATE_MESSAGE:
            interaction |= {
                "response_message_id": str(original.id),
                "response_message_loading": bool(original.flags & model.FLAG_LOADING),
                "response_message_ephemeral": original.ephemeral,
            }
            if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
                resource["message"] = self._world.message_payload(original)
        return {"interaction": interaction, "resource": resource}

    def _hook_record(self, request: web.Request) -> InteractionRecord:
        """The interaction a webhook route's token belongs to; it must be acknowledged."""
        record = self._world.interaction_for(request.match_info["token"])
        application = request.match_info["application_id"] == str(self._world.application_id)
        if record is None or not application or not record.acknowledged:
            raise ApiError(404, 10015, "Unknown Webhook")
        return record

    def _hook_message(self, request: web.Request, record: InteractionRecord) -> Message:
        ref = request.match_info["message_id"]
        if ref == "@original":
            message = record.original
        else:
            candidates = [record.original, *record.followups]
            message = next((m for m in candidates if m is not None and str(m.id) == ref), None)
        if message is None or message.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    async def _post_followup(self, request: web.Request) -> web.Response:
        """A follow-up; the first one after a deferral fills the "thinking" message."""
        world = self._world
        record = self._hook_record(request)
        body, files = request[BODY].object(), request[BODY].files
        _validate_new_message(body, files)
        original = record.original
        if original is not None and original.flags & model.FLAG_LOADING:
            message = original
            await world.edit(message, {k: v for k, v in body.items() if k != "flags"}, files)
        else:
            _, channel = world.channel(record.channel_id)
            flags = int(body.get("flags") or 0) & model.FLAG_EPHEMERAL
            message = world.bot_message(channel, body, files, flags=flags, interaction=record)
            await world.publish("MESSAGE_CREATE", message)
        record.followups.append(message)
        record.events.append(InteractionEvent("followup", body, message.id))
        if not _truthy(request.query.get("wait")):
            return web.Response(status=204)
        return json_response(world.message_payload(message))

    async def _get_hook_message(self, request: web.Request) -> web.Response:
        message = self._hook_message(request, self._hook_record(request))
        return json_response(self._world.message_payload(message))

    async def _patch_hook_message(self, request: web.Request) -> web.Response:
        record = self._hook_record(request)
        message = self._hook_message(request, record)
        body = request[BODY].object()
        await self._world.edit(message, body, request[BODY].files)
        record.events.append(InteractionEvent("edit", body, message.id))
        return json_response(self._world.message_payload(message))

    async def _delete_hook_message(self, request: web.Request) -> web.Response:
        record = self._hook_record(request)
        message = self._hook_message(request, record)
        await self._world.delete(message)
        record.events.append(InteractionEvent("delete", {}, message.id))
        return web.Response(status=204)


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """The JSON body, or for multipart/form-data its payload_json part and its files."""
    if request.content_type == "multipart/form-data":
        form = await request.post()
        uploads = [
            Upload(part.filename, part.content_type, part.file.read())
            for name, part in form.items()
            if isinstance(part, web.FileField) and name != "payload_json"
        ]
        payload_json = form.get("payload_json")
        if isinstance(payload_json, web.FileField):
            payload_json = payload_json.file.read().decode()
        return (json.loads(payload_json) if payload_json else None), uploads
    if not request.body_exists:
        return None, []
    text = await request.text()
    try:
        return (json.loads(text) if text else None), []
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


def _validate_new_message(body: Json, files: list[Upload]) -> None:
    if model.is_empty_message(body, len(files)):
        raise ApiError(400, 50006, "Cannot send an empty message")
    if errors := model.message_errors(body):
        raise invalid_form(errors)


def _validate_commands(commands: list[Json]) -> None:
    errors: list[tuple[str, str]] = []
    if len(commands) > 100:
        errors.append(("_", "Must be 100 or fewer in length."))
    for i, command in enumerate(commands):
        name = command.get("name") or ""
        chat_input = command.get("type", 1) == 1
        if chat_input and (not _COMMAND_NAME.match(name) or name != name.lower()):
            errors.append((f"{i}.name", f"Command name is invalid: {name!r}"))
        if chat_input and not 1 <= len(command.get("description") or "") <= 100:
            errors.append((f"{i}.description", "Must be between 1 and 100 in length."))
        if len(command.get("options") or []) > 25:
            errors.append((f"{i}.options", "Must be 25 or fewer in length."))
    if errors:
        raise invalid_form(errors)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


def _rate_limit_headers(bucket: str) -> dict[str, str]:
    """Generous rate-limit headers: discord.py parses them and never needs to wait."""
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": uuid.uuid5(uuid.NAMESPACE_URL, bucket).hex,
    }
