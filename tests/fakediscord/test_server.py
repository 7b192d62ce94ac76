"""discord.py itself, over real HTTP and websockets on 127.0.0.1, against the fake."""

from __future__ import annotations

import asyncio
import io
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import discord.utils
import pytest
import pytest_asyncio
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import FakeDiscord, run_client
from tests.fakediscord.gateway import make_encoder

TIMEOUT = 5.0


class PollView(discord.ui.View):
    @discord.ui.button(label="Yes", custom_id="poll:yes")
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Votes: 1", view=None)


@app_commands.command(description="Ask a question")
@app_commands.describe(question="What to ask")
async def ask(interaction: discord.Interaction, question: str, limit: int = 3) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send(f"Answer to {question!r} (limit {limit})")


@app_commands.command(description="Summarise after thinking")
async def summary(interaction: discord.Interaction) -> None:
    await interaction.response.defer()
    await interaction.edit_original_response(content="Summary: nothing happened")


@app_commands.command(description="Start a poll")
async def poll(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Vote?", view=PollView())


@app_commands.command(description="Answer only to you")
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("just for you", ephemeral=True)


@app_commands.command(description="Answer too late")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(0.3)
    try:
        await interaction.response.send_message("finally")
    except discord.HTTPException as exc:
        interaction.client.errors.append(exc)  # type: ignore[attr-defined]


class EchoBot(commands.Bot):
    """A plain discord.py bot: guild slash commands and replies to messages."""

    def __init__(self, guild_id: int, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        self.urls: list[yarl.URL] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._record_url)
        super().__init__(command_prefix="!", intents=intents, http_trace=trace)
        self.guild_object = discord.Object(guild_id)
        self.seen: list[discord.Message] = []
        self.errors: list[Exception] = []

    async def _record_url(self, session: Any, context: Any, params: Any) -> None:
        self.urls.append(params.url)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No pause: discord.py waits 5 s before every IDENTIFY but the first."""

    async def setup_hook(self) -> None:
        slash: list[app_commands.Command[Any, Any, None]] = [ask, summary, poll, secret, slow]
        for command in slash:
            self.tree.add_command(command, guild=self.guild_object)
        await self.tree.sync(guild=self.guild_object)

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)
        if message.author.bot:
            return
        try:
            await self._answer(message)
        except discord.HTTPException as exc:
            self.errors.append(exc)

    async def _answer(self, message: discord.Message) -> None:
        if message.content == "long":
            await message.channel.send("x" * 2001)
        elif message.content == "file":
            await message.channel.send("the file", file=discord.File(io.BytesIO(b"data"), "a.txt"))
        elif message.content == "thread":
            async with message.channel.typing():
                await message.add_reaction("\N{NEWSPAPER}")
                thread = await message.create_thread(name="Discussion")
                await thread.send("Let's talk here")
        elif message.content:
            await message.reply(
                f"you said: {message.content}",
                mention_author=False,
                embed=discord.Embed(title="Echo", description=message.content),
            )


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[EchoBot]:
    async with run_client(EchoBot(fake_discord.guild.id), fake_discord) as client:
        yield client  # type: ignore[misc]


@pytest.mark.asyncio
async def test_bot_connects_over_loopback_only(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    session = await fake_discord.wait_until_ready(TIMEOUT)

    assert fake_discord.identify_payload is not None
    assert fake_discord.identify_payload["intents"] == bot.intents.value
    assert [g.id for g in bot.guilds] == [fake_discord.guild.id]
    assert bot.get_channel(fake_discord.channel.id) is not None
    assert bot.user is not None and bot.user.id == fake_discord.bot_user.id
    assert [frame["t"] for frame in session.sent[:2]] == ["READY", "GUILD_CREATE"]
    assert {url.host for url in bot.urls} == {"127.0.0.1"}
    assert fake_discord.api_base_url == discord.http.Route.BASE
    assert fake_discord.unknown_requests == []


@pytest.mark.asyncio
async def test_gateway_frames_are_stream_compressed_as_asked(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    await fake_discord.wait_until_ready(TIMEOUT)

    [connection] = fake_discord.gateway.connections
    expected = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert connection.query == {"v": "10", "encoding": "json", "compress": expected}
    assert connection.host.startswith("127.0.0.1:")
    assert fake_discord.gateway.heartbeats >= 1


@pytest.mark.asyncio
async def test_bot_syncs_its_commands_to_the_guild(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    synced = await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)

    assert sorted(c["name"] for c in synced) == ["ask", "poll", "secret", "slow", "summary"]
    ask_options = next(c for c in synced if c["name"] == "ask")["options"]
    assert [(o["name"], o["type"], o["required"]) for o in ask_options] == [
        ("question", 3, True),
        ("limit", 4, False),
    ]
    assert all(c["guild_id"] == str(fake_discord.guild.id) for c in synced)


@pytest.mark.asyncio
async def test_bot_replies_to_a_user_message(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    alice = await fake_discord.add_member(fake_discord.guild.id, "alice")
    sent = await fake_discord.send_message(fake_discord.channel.id, alice.id, "hello")

    reply = await fake_discord.wait_for_message(fake_discord.channel.id, timeout=TIMEOUT)

    assert reply.author.id == fake_discord.bot_user.id
    assert reply.content == "you said: hello"
    assert reply.message_reference is not None
    assert int(reply.message_reference["message_id"]) == sent.id
    [embed] = reply.embeds
    assert (embed["title"], embed["description"]) == ("Echo", "hello")
    assert reply.allowed_mentions is not None
    assert reply.allowed_mentions["replied_user"] is False
    assert fake_discord.payload(reply)["mentions"] == []  # alice is not pinged
    # The bot's own message came back over the gateway too, and was ignored.
    await fake_discord.wait_for(lambda: any(m.id == reply.id for m in bot.seen), TIMEOUT)
    assert fake_discord.unknown_requests == []


@pytest.mark.asyncio
async def test_slash_command_defers_then_follows_up(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)

    record = await fake_discord.invoke_slash("ask", {"question": "What happened?"})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    assert [event.kind for event in record.events] == ["callback", "followup"]
    assert answer.content == "Answer to 'What happened?' (limit 3)"
    assert answer is record.original  # the first follow-up fills the "thinking" message
    assert record.payload["data"]["options"] == [
        {"name": "question", "type": 3, "value": "What happened?"}
    ]
    assert fake_discord.unknown_requests == []


@pytest.mark.asyncio
async def test_slash_command_edits_its_deferred_response(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)

    record = await fake_discord.invoke_slash("summary", {})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.callback_types == [5]
    assert [event.kind for event in record.events] == ["callback", "edit"]
    assert answer.content == "Summary: nothing happened"
    assert not record.ephemeral


@pytest.mark.asyncio
async def test_button_click_updates_the_message(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)
    record = await fake_discord.invoke_slash("poll", {})
    message = await record.wait_for_response(TIMEOUT)
    assert record.callback_types == [4]
    assert message.custom_ids == ["poll:yes"]

    click = await fake_discord.click_button(message.id, "poll:yes")
    await click.wait_for(lambda r: r.acknowledged, TIMEOUT)

    assert click.callback_types == [7]
    assert message.content == "Votes: 1"
    assert message.components == []
    assert fake_discord.unknown_requests == []


@pytest.mark.asyncio
async def test_ephemeral_response_is_flagged(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)

    record = await fake_discord.invoke_slash("secret", {})
    answer = await record.wait_for_response(TIMEOUT)

    assert record.ephemeral and answer.ephemeral
    assert answer.flags & 64


@pytest.mark.asyncio
async def test_response_after_the_deadline_is_refused(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)
    fake_discord.interaction_deadline = 0.1

    record = await fake_discord.invoke_slash("slow", {})
    await fake_discord.wait_for(lambda: bot.errors, TIMEOUT)

    assert isinstance(bot.errors[0], discord.NotFound)
    assert bot.errors[0].code == 10062
    assert not record.acknowledged


@pytest.mark.asyncio
async def test_slash_options_must_match_the_synced_command(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    await fake_discord.wait_for_commands_synced(fake_discord.guild.id, TIMEOUT)

    with pytest.raises(ValueError, match="unknown options"):
        await fake_discord.invoke_slash("ask", {"question": "q", "typo": 1})
    with pytest.raises(ValueError, match="missing required"):
        await fake_discord.invoke_slash("ask", {})


@pytest.mark.asyncio
async def test_too_long_message_is_rejected_like_discord(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    await fake_discord.send_message(fake_discord.channel.id, fake_discord.owner.id, "long")

    await fake_discord.wait_for(lambda: bot.errors, TIMEOUT)

    assert isinstance(bot.errors[0], discord.HTTPException)
    assert bot.errors[0].status == 400 and bot.errors[0].code == 50035
    assert "content" in str(bot.errors[0])


@pytest.mark.asyncio
async def test_reaction_typing_and_thread(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    channel_id = fake_discord.channel.id
    sent = await fake_discord.send_message(channel_id, fake_discord.owner.id, "thread")

    post = await fake_discord.wait_for_message(sent.id, timeout=TIMEOUT)  # thread id = message id

    assert post.content == "Let's talk here"
    assert sent.reactions == ["\N{NEWSPAPER}"]
    routes = [r.route for r in fake_discord.requests]
    assert "POST /channels/{channel_id}/typing" in routes
    assert "POST /channels/{channel_id}/messages/{message_id}/threads" in routes
    assert bot.get_channel(sent.id) is not None  # THREAD_CREATE reached the bot


@pytest.mark.asyncio
async def test_reconnect_resumes_on_the_fake(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    session = await fake_discord.wait_until_ready(TIMEOUT)

    await fake_discord.reconnect()
    await fake_discord.wait_for(lambda: session.resumes == 1 and session.connection, TIMEOUT)
    await fake_discord.send_message(fake_discord.channel.id, fake_discord.owner.id, "again")
    reply = await fake_discord.wait_for_message(fake_discord.channel.id, timeout=TIMEOUT)

    assert reply.content == "you said: again"
    assert len(fake_discord.gateway.connections) == 2
    assert {c.host.split(":")[0] for c in fake_discord.gateway.connections} == {"127.0.0.1"}


@pytest.mark.asyncio
async def test_dropped_connection_resumes_and_replays_missed_events(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    session = await fake_discord.wait_until_ready(TIMEOUT)

    await fake_discord.drop_connections()
    await fake_discord.send_message(fake_discord.channel.id, fake_discord.owner.id, "missed")
    reply = await fake_discord.wait_for_message(fake_discord.channel.id, timeout=TIMEOUT)

    assert reply.content == "you said: missed"
    assert session.resumes == 1
    assert fake_discord.identify_payload is session.identify  # no second IDENTIFY


@pytest.mark.asyncio
async def test_resume_replays_exactly_the_missed_dispatches(fake_discord: FakeDiscord) -> None:
    url = f"{fake_discord.gateway_url}?v=10&encoding=json"
    identify = {"token": fake_discord.token, "intents": 1 << 9, "properties": {}}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as ws:
            assert (await ws.receive_json())["op"] == 10
            await ws.send_json({"op": 2, "d": identify})
            ready = await ws.receive_json()
            guild_create = await ws.receive_json()
            await ws.close(code=4000)  # 1000 would end the session
        session = fake_discord.gateway.sessions[ready["d"]["session_id"]]
        await fake_discord.wait_for(lambda: session.connection is None, TIMEOUT)
        missed = await fake_discord.send_message(
            fake_discord.channel.id, fake_discord.owner.id, "hi"
        )

        async with http.ws_connect(url) as ws:
            await ws.receive_json()  # HELLO
            resume = {"token": fake_discord.token, "session_id": session.id, "seq": 2}
            await ws.send_json({"op": 6, "d": resume})
            replayed, resumed = await ws.receive_json(), await ws.receive_json()

    assert [ready["s"], guild_create["s"]] == [1, 2]
    assert (replayed["t"], replayed["s"], replayed["d"]["id"]) == (
        "MESSAGE_CREATE",
        3,
        str(missed.id),
    )
    assert (resumed["t"], resumed["s"]) == ("RESUMED", 4)


@pytest.mark.asyncio
async def test_invalid_session_identifies_again_on_the_fake(
    fake_discord: FakeDiscord, bot: EchoBot
) -> None:
    first = await fake_discord.wait_until_ready(TIMEOUT)

    await fake_discord.invalidate_session(resumable=False)
    second = await fake_discord.wait_until_ready(TIMEOUT)

    assert second.id != first.id
    assert {url.host for url in bot.urls} == {"127.0.0.1"}


@pytest.mark.asyncio
async def test_without_message_content_intent_content_is_blank(
    fake_discord: FakeDiscord,
) -> None:
    client = EchoBot(fake_discord.guild.id, message_content=False)
    async with run_client(client, fake_discord):
        owner, channel_id = fake_discord.owner.id, fake_discord.channel.id
        await fake_discord.send_message(channel_id, owner, "unseen words")
        await fake_discord.send_message(channel_id, owner, "seen words", mention_bot=True)
        await fake_discord.wait_for(lambda: len(client.seen) >= 2, TIMEOUT)

    assert client.seen[0].content == ""
    assert client.seen[1].content.endswith("seen words")


@pytest.mark.asyncio
async def test_wrong_token_fails_login(fake_discord: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
    assert fake_discord.requests[0].status == 401


@pytest.mark.asyncio
async def test_file_upload_becomes_an_attachment(fake_discord: FakeDiscord, bot: EchoBot) -> None:
    await fake_discord.send_message(fake_discord.channel.id, fake_discord.owner.id, "file")

    post = await fake_discord.wait_for_message(fake_discord.channel.id, timeout=TIMEOUT)

    assert post.content == "the file"
    assert [(a["filename"], a["size"]) for a in post.attachments] == [("a.txt", 4)]
    assert fake_discord.requests[-1].files == ["a.txt"]


@pytest.mark.asyncio
async def test_unknown_route_is_recorded_and_answered_404(fake_discord: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{fake_discord.api_base_url}/nope/1", headers=headers) as response,
    ):
        body = await response.json()

    assert response.status == 404
    assert body == {"message": "404: Not Found", "code": 0}
    assert [(r.method, r.path) for r in fake_discord.unknown_requests] == [("GET", "/nope/1")]


def _binary_frames(compress: str, *texts: str) -> list[bytes]:
    encode = make_encoder(compress)
    frames = [encode(text) for text in texts]
    assert all(isinstance(frame, bytes) for frame in frames)
    return [frame for frame in frames if isinstance(frame, bytes)]


def test_zlib_stream_frames_end_with_sync_flush() -> None:
    frames = _binary_frames("zlib-stream", '{"op": 10}', '{"op": 11}')

    decompressor = zlib.decompressobj()
    assert all(frame.endswith(b"\x00\x00\xff\xff") for frame in frames)
    assert [decompressor.decompress(f) for f in frames] == [b'{"op": 10}', b'{"op": 11}']
