"""The newsbot command line, run in-process and, for the chat, as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from index.answer.leading import NOT_DIRECT
from tests.conftest import model_section

pytestmark = pytest.mark.model


@pytest.fixture
def config(tmp_path: Path, articles_dir: Path, model_cache: Path) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'[index]\ndata_dir = "data"\narticles = ["{articles_dir}"]\n' + model_section(model_cache)
    )
    return path


@pytest.fixture
def indexed(config: Path, capsys) -> Path:
    assert main(["--config", str(config), "reindex", "--quiet"]) == 0
    capsys.readouterr()
    return config


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_reindex_prints_a_summary_with_skipped_files_and_reasons(config, articles_dir, capsys):
    (articles_dir / "broken.json").write_text("{not json")
    code, out, _ = run(capsys, "--config", str(config), "reindex", "--quiet")
    assert code == 0
    assert "7 articles" in out and "7 added" in out and "1 skipped" in out
    assert "skipped broken.json: malformed JSON" in out


def test_reindex_prints_a_file_name_that_is_not_utf8_escaped(config, articles_dir, capsys):
    folder = os.fsencode(articles_dir)
    with open(os.path.join(folder, b"notes-\xff\n.txt"), "wb"):
        pass  # empty: skipped, so the summary names it
    with open(os.path.join(folder, b"ferry-\xff.txt"), "wb") as file:
        file.write(b"Ferry strike ends\n\nDock workers in Port Aven ended a nine-day strike.")

    code, out, _ = run(capsys, "--config", str(config), "reindex", "--quiet")

    assert code == 0 and "8 added" in out
    assert "  skipped notes-\\xff\\n.txt: empty file" in out.splitlines()


def test_ask_json_gives_the_answer_and_its_sources(indexed, capsys):
    code, out, _ = run(
        capsys, "--config", str(indexed), "ask", "--json", "who wants Iran out of Syria?"
    )
    assert code == 0
    reply = json.loads(out)
    assert reply["answered"] and "Netanyahu" in reply["answer"]
    assert reply["sources"][0]["title"] == "Running Iran Out of Syria"
    assert set(reply["sources"][0]) >= {"title", "url", "date", "source"}


def test_ask_leads_with_every_actor_the_seed_names(indexed, capsys):
    code, out, _ = run(capsys, "--config", str(indexed), "ask", "who wants Iran out of Syria?")
    assert code == 0
    lead = out.split("\n\n")[0]
    assert "Russia" in lead or "Putin" in lead
    assert "Israel" in lead or "Netanyahu" in lead


def test_ask_json_gives_the_short_answer_and_the_lead(indexed, capsys):
    code, out, _ = run(
        capsys, "--config", str(indexed), "ask", "--json", "who wants Iran out of Syria?"
    )
    assert code == 0
    reply = json.loads(out)
    short = reply["short_answer"]
    assert "Putin" in short["text"] and "Netanyahu" in short["text"]
    assert short["citations"] == [1] and "Netanyahu" in short["sentence"]
    assert reply["lead"] and "Netanyahu" in reply["lead"]


def test_a_question_the_articles_do_not_answer_gets_no_short_answer(indexed, capsys):
    question = "Who won the 2030 FIFA World Cup final?"
    code, out, _ = run(capsys, "--config", str(indexed), "ask", "--json", question)
    assert code == 0
    reply = json.loads(out)
    assert reply["short_answer"] is None
    assert reply["lead"] is None or reply["lead"].startswith(NOT_DIRECT)


def test_ask_as_of_a_day_leaves_out_later_articles_and_says_the_day(indexed, capsys):
    question = "When did the Eastholm tram Line 4 open?"
    tram = "Eastholm opens Line 4 tram to the university after three years of works"
    _, today, _ = run(capsys, "--config", str(indexed), "ask", "--json", question)
    assert tram in [s["title"] for s in json.loads(today)["sources"]]
    assert json.loads(today)["as_of"] == date.today().isoformat()
    code, earlier, _ = run(
        capsys, "--config", str(indexed), "ask", "--json", "--as-of", "2024-02-01", question
    )
    reply = json.loads(earlier)
    assert code == 0 and reply["as_of"] == "2024-02-01"
    assert tram not in [s["title"] for s in reply["sources"]]  # published 2024-05-20
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "--config", str(indexed), "ask", "--as-of", "May 1st", question)
    assert exit_.value.code == 2
    assert "expected a date like 2024-03-01" in capsys.readouterr().err


def test_search_honours_k_source_and_dates(indexed, capsys):
    code, out, _ = run(
        capsys, "--config", str(indexed), "search", "--json", "-k", "2",
        "--source", "Lakeside Courier", "--since", "2024-05-01", "tram",
    )  # fmt: skip
    hits = json.loads(out)
    assert code == 0 and len(hits) <= 2
    assert {h["source"] for h in hits} == {"Lakeside Courier"}
    assert all(h["date"] >= "2024-05-01" for h in hits)


def test_a_source_is_resolved_as_on_discord_and_an_unknown_one_gets_close_matches(indexed, capsys):
    code, out, _ = run(
        capsys, "--config", str(indexed), "search", "--json", "--source", "lakeside COURIER", "tram"
    )
    assert code == 0 and {h["source"] for h in json.loads(out)} == {"Lakeside Courier"}

    code, _, err = run(
        capsys, "--config", str(indexed), "ask", "--source", "Lakside Courrier", "x?"
    )
    assert code == 1 and "Did you mean “Lakeside Courier”?" in err and "--source" in err
    code, _, err = run(capsys, "--config", str(indexed), "ask", "--source", "Reuters", "x?")
    assert code == 1 and "'newsbot stats' lists them" in err and "/sources" not in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--since", "2024-06-01", "--until", "2024-01-01"],
         "--since 2024-06-01 is after --until 2024-01-01"),
        (["--since", "2024-06-01", "--as-of", "2024-01-01"],
         "--since 2024-06-01 is after --as-of 2024-01-01"),
    ],
)  # fmt: skip
def test_days_out_of_order_are_refused_naming_the_flags(indexed, capsys, flags, message):
    code, _, err = run(capsys, "--config", str(indexed), "ask", *flags, "who wants Iran out?")
    assert code == 1 and message in err


def test_a_day_that_is_not_a_date_names_its_flag(indexed, capsys):
    with pytest.raises(SystemExit):
        run(capsys, "--config", str(indexed), "search", "--since", "2024-13-01", "tram")
    err = capsys.readouterr().err
    assert "argument --since: expected a date like 2024-03-01 (YYYY-MM-DD), got '2024-13-01'" in err


def test_stats_lists_publishers_and_counts(indexed, capsys):
    code, out, _ = run(capsys, "--config", str(indexed), "stats")
    assert code == 0 and "7 articles" in out and "Northern Ledger" in out


def test_asking_before_any_reindex_is_a_one_line_error(config, capsys):
    code, out, err = run(capsys, "--config", str(config), "ask", "anything")
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "newsbot reindex" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[index]\ndata_dirr = 'x'\n", "unknown setting 'index.data_dirr'"),
        ("[search]\nk = 'five'\n", "setting 'search.k': Input should be a valid integer"),
        ("[index\n", "not valid TOML"),
    ],
)
def test_a_bad_settings_file_is_one_line_naming_file_and_key(tmp_path, capsys, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    code, _, err = run(capsys, "--config", str(path), "stats")
    assert code == 1 and str(path) in err and message in err
    assert "Traceback" not in err and err.strip().count("\n") == 0


def test_a_missing_settings_file_is_named(tmp_path, capsys):
    code, _, err = run(capsys, "--config", str(tmp_path / "nope.toml"), "stats")
    assert code == 1 and "nope.toml: settings file not found" in err


def test_the_example_settings_file_is_valid_and_documents_every_setting():
    example = Path(__file__).parents[2] / "config.example.toml"
    from bot.settings import AppSettings
    from index.config import SourceSettings, load_settings

    load_settings(example, AppSettings)
    text = example.read_text()
    for section, field in AppSettings.model_fields.items():
        model = SourceSettings if section == "sources" else field.annotation
        for key in model.model_fields:  # type: ignore[union-attr]
            assert f"{key} =" in text, f"{section}.{key} is not documented"


def test_an_unexpected_error_is_one_line_saying_what_failed_and_to_rerun_with_v(
    config, capsys, monkeypatch
):
    def broken(self):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr("index.knowledge_base.KnowledgeBase.stats", broken)

    code, out, err = run(capsys, "--config", str(config), "stats")

    assert (code, out) == (1, "")
    assert err == (
        "newsbot: stats failed unexpectedly: RuntimeError: disk on fire second line "
        "(rerun with -v for the traceback)\n"
    )


def test_with_v_an_unexpected_error_also_shows_its_traceback(config, capsys, monkeypatch):
    def broken(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("index.knowledge_base.KnowledgeBase.stats", broken)

    code, _, err = run(capsys, "--config", str(config), "-v", "stats")

    assert code == 1
    assert (
        "Traceback (most recent call last)" in err and 'raise RuntimeError("disk on fire")' in err
    )
    assert err.rstrip().splitlines()[-1].startswith("newsbot: stats failed unexpectedly")


def test_interrupting_a_command_exits_130(config, capsys, monkeypatch):
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr("index.knowledge_base.KnowledgeBase.stats", interrupted)

    code, _, err = run(capsys, "--config", str(config), "stats")

    assert (code, err) == (130, "newsbot: interrupted\n")


def test_chat_reads_questions_from_stdin_line_by_line(indexed):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(indexed), "chat"],
        input="who wants Iran out of Syria?\n\nHow many SUVs did Halden Motors recall?\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "> who wants Iran out of Syria?" in result.stdout
    assert "Netanyahu" in result.stdout and "84,000" in result.stdout
    assert result.stdout.count("Sources:") == 2


def test_output_into_a_closed_pipe_ends_quietly_with_the_status_sigpipe_gives(indexed):
    reader, writer = os.pipe()
    os.close(reader)  # as `newsbot search Iran | head -0`: nobody reads what is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(indexed), "search", "Iran"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
    finally:
        os.close(writer)

    assert (result.returncode, result.stderr) == (141, "")


HOSTILE_TITLE = "\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 title \u202ereversed"


@pytest.mark.parametrize("command", ["ask", "search"])
def test_a_hostile_title_prints_escaped_in_text_and_json(config, articles_dir, capsys, command):
    record = {
        "title": HOSTILE_TITLE,
        "url": "https://ferries.example/strike",
        "date": "2024-05-02",
        "source": "Harbour \u202eGazette",
        "text": "Dock workers in Port Aven ended a nine-day ferry strike on Monday after "
        "the operator agreed to a six per cent pay rise.",
    }
    (articles_dir / "hostile.json").write_text(json.dumps(record))
    assert main(["--config", str(config), "reindex", "--quiet"]) == 0
    capsys.readouterr()
    question = "Why did the Port Aven ferry strike end?"

    _, text, _ = run(capsys, "--config", str(config), command, question, "--as-of", "2024-06-01")
    _, printed, _ = run(
        capsys, "--config", str(config), command, question, "--as-of", "2024-06-01", "--json"
    )

    for output in (text, printed):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", output)
    assert "\\x1b[31mRED\\x1b[0m \\x1b]0;pwned\\x07 title \\u202ereversed" in text
    reply = json.loads(printed)
    titles = [s["title"] for s in (reply if command == "search" else reply["sources"])]
    assert HOSTILE_TITLE in titles  # JSON keeps the value, escaped
