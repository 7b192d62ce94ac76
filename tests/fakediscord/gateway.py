"""The fake Discord gateway: sessions, sequence numbers, transport compression, opcodes.

A connection goes HELLO -> IDENTIFY (new session: READY, GUILD_CREATE...) or RESUME
(replay what was missed, RESUMED) -> dispatches. A session outlives its websocket, so a
bot that reconnects can RESUME it and get every event it missed, as on Discord.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from tests.fakediscord.model import PRIVILEGED_INTENTS, Json

log = logging.getLogger(__name__)

Event = tuple[str, Json]

GATEWAY_PATH = "/gateway"

# Opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE = 0, 1, 2, 3
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION = 6, 7, 8, 9
HELLO, HEARTBEAT_ACK = 10, 11

# Close codes discord.py reacts to.
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_API_VERSION = 4012
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014


class WorldHooks(Protocol):
    """What the gateway asks of the rest of the fake."""

    def ready_events(self, session: GatewaySession) -> list[Event]: ...

    def member_chunk_events(self, session: GatewaySession, request: Json) -> list[Event]: ...

    def changed(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """One websocket connection the bot opened, and the query it asked for."""

    url: str
    host: str
    query: dict[str, str]


def make_encoder(compress: str | None) -> Callable[[str], str | bytes]:
    """Frame encoder for the ``compress`` query parameter; one per connection (stateful)."""
    if compress is None:
        return lambda text: text
    if compress == "zlib-stream":
        # One zlib stream per connection; each message ends with the Z_SYNC_FLUSH suffix.
        compressor = zlib.compressobj()
        return lambda text: compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
    # discord.py asks for zstd-stream only when zstandard is installed, which newsbot
    # does not install; such a client is refused here rather than half-served.
    raise ValueError(f"unsupported compress={compress!r}")


class GatewayConnection:
    """One websocket; frames are encoded and sent in order under a lock."""

    def __init__(self, ws: web.WebSocketResponse, encode: Callable[[str], str | bytes]) -> None:
        self.ws = ws
        self._encode = encode
        self._lock = asyncio.Lock()
        self.session: GatewaySession | None = None
        self.closed_by_server = False

    async def send(self, payload: Json) -> bool:
        """Send one frame; False when the socket is already gone."""
        async with self._lock:
            if self.ws.closed:
                return False
            frame = self._encode(json.dumps(payload))
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except ConnectionError:
                return False
            return True

    async def close(self, code: int, reason: str) -> None:
        log.debug("closing gateway connection: %s %s", code, reason)
        self.closed_by_server = True
        await self.ws.close(code=code, message=reason.encode())


@dataclass(slots=True)
class GatewaySession:
    """An identified bot session: its intents and every dispatch sent, numbered."""

    id: str
    intents: int
    shard: list[int]
    identify: Json
    seq: int = 0
    sent: list[Json] = field(default_factory=list)
    connection: GatewayConnection | None = None
    resumes: int = 0

    async def dispatch(self, event: str, data: Json) -> None:
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.sent.append(frame)
        if self.connection is not None:
            await self.connection.send(frame)

    def events(self, name: str | None = None) -> list[Json]:
        """Dispatch frames sent in this session, optionally only those named ``name``."""
        return [frame for frame in self.sent if name is None or frame["t"] == name]


class Gateway:
    """Accepts the bot's websockets and runs the opcode state machine on each."""

    def __init__(
        self,
        world: WorldHooks,
        *,
        token: str,
        heartbeat_interval_ms: int,
        allowed_intents: int,
    ) -> None:
        self._world = world
        self._token = token
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._allowed_intents = allowed_intents
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[ConnectionInfo] = []
        self.heartbeats = 0
        self.presence_updates: list[Json] = []
        self._open: set[GatewayConnection] = set()
        self.silent = False  # new websockets get no HELLO: the client hangs in connecting

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        self.connections.append(ConnectionInfo(str(request.url), request.host, query))
        self._world.changed()
        try:
            encode = make_encoder(query.get("compress"))
        except ValueError as exc:
            await ws.close(code=CLOSE_DECODE_ERROR, message=str(exc).encode())
            return ws
        connection = GatewayConnection(ws, encode)
        if query.get("v") != "10":
            await connection.close(CLOSE_INVALID_API_VERSION, "Invalid API version")
            return ws
        self._open.add(connection)
        try:
            if self.silent:
                async for _ in ws:  # read and ignore until the client gives up
                    pass
                return ws
            await connection.send({"op": HELLO, "s": None, "t": None, "d": self._hello()})
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    await connection.close(CLOSE_DECODE_ERROR, "Decode error")
                    break
                await self._on_payload(connection, payload)
        finally:
            self._open.discard(connection)
            self._detach(connection)
        return ws

    def _detach(self, connection: GatewayConnection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            # A client that closes with 1000/1001 ends its session: it cannot RESUME.
            if not connection.closed_by_server and connection.ws.close_code in (1000, 1001):
                self.sessions.pop(session.id, None)
        self._world.changed()

    def _hello(self) -> Json:
        return {"heartbeat_interval": self._heartbeat_interval_ms, "_trace": ["fakediscord"]}

    async def _on_payload(self, connection: GatewayConnection, payload: Json) -> None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == HEARTBEAT:
            self.heartbeats += 1
            await connection.send({"op": HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == IDENTIFY:
            await self._identify(connection, data)
        elif op == RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            await connection.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated")
        elif op == PRESENCE_UPDATE:
            self.presence_updates.append(data)
        elif op == REQUEST_GUILD_MEMBERS:
            for event, event_data in self._world.member_chunk_events(connection.session, data):
                await connection.session.dispatch(event, event_data)
        self._world.changed()

    async def _identify(self, connection: GatewayConnection, data: Json) -> None:
        if connection.session is not None:
            await connection.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated")
            return
        if data.get("token") != self._token:
            await connection.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await connection.close(CLOSE_INVALID_INTENTS, "Invalid intent(s)")
            return
        if intents & PRIVILEGED_INTENTS & ~self._allowed_intents:
            await connection.close(CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s)")
            return
        session = GatewaySession(
            id=uuid.uuid4().hex,
            intents=intents,
            shard=list(data.get("shard") or [0, 1]),
            identify=data,
        )
        self.sessions[session.id] = session
        connection.session = session
        session.connection = connection
        for event, event_data in self._world.ready_events(session):
            await session.dispatch(event, event_data)

    async def _resume(self, connection: GatewayConnection, data: Json) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        if data.get("token") != self._token:
            await connection.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed")
            return
        if session is None or connection.session is not None:
            await connection.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        if session.connection is not None:
            await session.connection.close(CLOSE_UNKNOWN_ERROR, "Session resumed elsewhere")
        connection.session = session
        # Replay what the bot missed, including what is dispatched meanwhile; attach the
        # connection only once caught up (no await in between), so order is kept.
        seen = data.get("seq") or 0
        while missed := [frame for frame in session.sent if frame["s"] > seen]:
            for frame in missed:
                await connection.send(frame)
            seen = missed[-1]["s"]
        session.connection = connection
        session.resumes += 1
        await session.dispatch("RESUMED", {"_trace": ["fakediscord"]})

    async def dispatch(self, event: str, shape: Callable[[GatewaySession], Json | None]) -> None:
        """Dispatch ``event`` to every session; ``shape`` gives the data a session may
        see (None: that session does not get the event)."""
        for session in list(self.sessions.values()):
            data = shape(session)
            if data is not None:
                await session.dispatch(event, data)
        self._world.changed()

    async def send_op(self, op: int, data: Any) -> None:
        """Send a non-dispatch opcode (RECONNECT, INVALID_SESSION...) on every connection."""
        for connection in list(self._open):
            if connection.session is not None:
                await connection.send({"op": op, "s": None, "t": None, "d": data})

    async def invalidate(self, *, resumable: bool) -> None:
        """Send INVALID_SESSION; unless resumable, the sessions are forgotten."""
        if not resumable:
            for session in self.sessions.values():
                session.connection = None
            self.sessions.clear()
        await self.send_op(INVALID_SESSION, resumable)

    async def drop_connections(self, code: int = CLOSE_UNKNOWN_ERROR) -> None:
        """Close every websocket as if the network failed; sessions stay resumable."""
        for connection in list(self._open):
            await connection.close(code, "Connection dropped by the test")

    async def close(self) -> None:
        for connection in list(self._open):
            await connection.close(1001, "Server shutting down")
