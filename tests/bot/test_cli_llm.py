"""The command line with [llm]: `ask` (JSON and text) and the terminal chat, which streams
the draft on a terminal and replaces it with the checked answer; the scripted server on
loopback stands in for the language model."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.fakellm import CutOff, Malformed, ScriptedLLM, Status, Text
from tests.fakellm.scripts import GOOD_SYRIA, INVENTED, SYRIA_ANCHOR, SYRIA_QUESTION, good_syria

pytestmark = pytest.mark.model

DIM = "\x1b[2m"
ERASE = "\x1b[J"


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM(good_syria) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def config(tmp_path: Path, articles_dir: Path, llm: ScriptedLLM, capsys) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'[index]\ndata_dir = "data"\narticles = ["{articles_dir}"]\n\n'
        f'[llm]\nbase_url = "{llm.base_url}"\nmodel = "scripted"\ntimeout_seconds = 10\n'
    )
    assert main(["--config", str(path), "reindex", "--quiet"]) == 0
    capsys.readouterr()
    return path


def ask_json(config: Path, capsys, question: str = SYRIA_QUESTION) -> dict:
    assert main(["--config", str(config), "ask", "--json", question]) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_json_says_the_answer_was_written_by_the_model_and_what_checking_did(config, capsys):
    reply = ask_json(config, capsys)

    assert reply["mode"] == "llm" and reply["fallback"] is None and reply["note"] is None
    assert reply["answer"].startswith("Netanyahu, who met with Putin, wants Iranian forces")
    assert [s["citations"] for s in reply["sentences"]] == [[1], [1]]
    assert [s["title"] for s in reply["sources"]] == ["Running Iran Out of Syria"]
    verification = reply["verification"]
    assert verification["kept"] == 2 and verification["dropped"] == []
    assert 0 < verification["first_text_seconds"] <= verification["seconds"]


def test_ask_json_after_a_server_error_is_extractive_with_a_note(config, capsys, llm):
    llm.script = lambda request: Status(503)

    reply = ask_json(config, capsys)

    assert (reply["mode"], reply["fallback"]) == ("extractive", "error")
    assert reply["note"] == (
        "Composed from the articles directly: the language model could not be used."
    )
    assert reply["answered"] and "Netanyahu" in reply["answer"]


def test_without_an_llm_section_ask_json_is_extractive_without_a_note(tmp_path, config, capsys):
    plain = tmp_path / "plain.toml"
    plain.write_text(config.read_text().split("[llm]")[0])

    reply = ask_json(plain, capsys)

    assert (reply["mode"], reply["fallback"], reply["verification"]) == ("extractive", None, None)


def test_the_api_key_comes_from_the_environment(config, capsys, llm, monkeypatch):
    monkeypatch.setenv("NEWSBOT_LLM_API_KEY", "sk-from-env")
    ask_json(config, capsys)
    assert llm.requests[-1].headers["authorization"] == "Bearer sk-from-env"


def test_ask_text_off_a_terminal_prints_only_the_checked_answer(config, capsys, llm):
    llm.script = lambda request: Text(
        GOOD_SYRIA.format(n=request.passage_with(SYRIA_ANCHOR))
        + " "
        + INVENTED.format(n=request.passage_with(SYRIA_ANCHOR))
    )

    assert main(["--config", str(config), "ask", SYRIA_QUESTION]) == 0
    out = capsys.readouterr().out

    assert DIM not in out and "Lieberman" not in out
    assert out.startswith("Netanyahu, who met with Putin, wants Iranian forces")
    assert "Sources:\n  [1] Running Iran Out of Syria" in out
    assert out.endswith("(1 sentence of the draft left out: not supported by the sources cited.)\n")


def run_on_a_terminal(config: Path, *args: str, stdin: str) -> str:
    """``newsbot`` as a subprocess whose output is a terminal (a pty); all it wrote."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        stdin=subprocess.PIPE,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "100"},
    )
    os.close(terminal)
    process.stdin.write(stdin.encode())  # type: ignore[union-attr]
    process.stdin.close()  # type: ignore[union-attr]
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            process.kill()
            raise TimeoutError(f"no output for 120 s; so far: {output!r}")
        try:
            data = os.read(controller, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        output += data
    os.close(controller)
    assert process.wait(30) == 0, process.stderr.read()  # type: ignore[union-attr]
    return output.decode().replace("\r\n", "\n")


def test_the_chat_streams_only_verified_sentences_then_prints_the_whole_answer(config, llm):
    llm.script = lambda request: Text(
        GOOD_SYRIA.format(n=request.passage_with(SYRIA_ANCHOR))
        + " "
        + INVENTED.format(n=request.passage_with(SYRIA_ANCHOR)),
        piece_chars=3,
    )

    out = run_on_a_terminal(config, "chat", stdin=SYRIA_QUESTION + "\n")

    draft, _, final = out.partition(ERASE)
    shown = draft.split(DIM, 1)[1].split("\x1b[0m")[0]
    assert shown.startswith("… Netanyahu, who met with Putin, wants Iranian forces")
    assert shown.endswith("Moscow to Iranian forces. [1]")  # verified, with its sources
    assert "Lieberman" not in out  # written, checked, never shown
    assert final.startswith("Netanyahu, who met with Putin, wants Iranian forces")
    assert "Sources:\n  [1] Running Iran Out of Syria" in final
    assert "(1 sentence of the draft left out: not supported by the sources cited.)" in final


def test_the_chat_on_a_terminal_shows_the_fallback_note_after_a_stream_is_cut(config, llm):
    llm.script = lambda request: CutOff("Netanyahu wants Iranian forces out", delay=0.01)

    out = run_on_a_terminal(config, "chat", stdin=SYRIA_QUESTION + "\n")

    assert DIM not in out and "Netanyahu wants Iranian forces out" not in out  # unfinished
    assert "Composed from the articles directly: the language model could not be used." in out
    assert "Sources:" in out


@pytest.mark.parametrize("stream", [True, False])
def test_a_malformed_model_reply_is_one_warning_line_without_a_traceback(config, llm, stream):
    llm.script = lambda request: Malformed()
    config.write_text(config.read_text() + f"stream = {str(stream).lower()}\n")

    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "ask", SYRIA_QUESTION],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )

    assert result.returncode == 0, result.stderr
    assert "Netanyahu" in result.stdout
    assert "Composed from the articles directly" in result.stdout
    [warning] = result.stderr.splitlines()
    assert warning.startswith("WARNING index.llm.compose: language model: ")
