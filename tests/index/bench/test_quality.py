"""`newsbot bench` runs end to end on a tiny collection and reports what the issue asks."""

from __future__ import annotations

import json
import shutil

import pytest

from bot.cli import main
from tests.conftest import FIXTURES, model_section
from tests.fakellm import ScriptedLLM
from tests.fakellm.scripts import reasonable

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_bench_json_reports_every_figure_for_every_system(tmp_path, capsys, model_cache):
    config = tmp_path / "newsbot.toml"
    config.write_text(model_section(model_cache))
    bench = ["bench", str(FIXTURES / "bench"), "--json", "--work-dir", str(tmp_path)]
    assert main(["--config", str(config), *bench]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["systems"]) == {"newsbot", "bm25", "dense", "naive"}
    for hits in report["systems"].values():
        assert set(hits) == {"hit@1", "hit@3", "hit@5", "hit@10"}
        assert all(0.0 <= value <= 1.0 for value in hits.values())
    # Four easy questions, and one asked before its answer was published: no system
    # may see that article, the baselines included.
    assert report["systems"]["newsbot"]["hit@5"] == 0.8
    assert all(hits["hit@10"] <= 0.8 for hits in report["systems"].values())
    assert report["as_of"] is True
    assert report["articles"] == 7 and report["questions"] == 5
    assert 0.0 <= report["answer_contains"] <= 1.0
    assert 0.0 <= report["answer_in_lead"] <= report["answer_contains"]
    assert report["lead_chars"] > 0
    short = report["short_answer"]
    assert 0.0 <= short["right"] <= short["given"] <= 1.0
    assert report["unanswerable_abstained"] is None  # one set: no other set's questions
    assert report["index_tokens_per_s"]["newsbot"] > 0 and report["index_tokens_per_s"]["naive"] > 0
    assert 0 < report["ask_ms"]["p50"] <= report["ask_ms"]["p95"]
    assert 0 < report["naive_query_ms"]["p50"] <= report["naive_query_ms"]["p95"]
    assert report["peak_rss_mb"] > 0
    assert "llm" not in report  # without [llm], the report is what it always was
    calibration = report["weak_evidence_calibration"]
    assert [row["threshold"] for row in calibration] == [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]


def test_bench_over_two_sets_reports_each_the_total_and_the_unanswerable(
    tmp_path, capsys, model_cache
):
    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(FIXTURES / "bench", one)
    two.mkdir()
    # The second set lacks the recall and the transfer: the first set's questions about
    # them are questions its collection cannot answer.
    articles = (one / "articles.jsonl").read_text().splitlines()
    (two / "articles.jsonl").write_text(
        "\n".join(a for a in articles if "Halden" not in a and "Westbridge" not in a)
    )
    questions = (one / "questions.jsonl").read_text().splitlines()
    (two / "questions.jsonl").write_text("\n".join(questions[1:3]))
    config = tmp_path / "newsbot.toml"
    config.write_text(model_section(model_cache))
    details = tmp_path / "details.jsonl"
    bench = ["bench", str(one), str(two), "--json", "--details", str(details)]
    assert main(["--config", str(config), *bench, "--work-dir", str(tmp_path / "work")]) == 0

    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"sets", "total"} and set(report["sets"]) == {"one", "two"}
    assert report["sets"]["one"]["questions"] == 5 and report["sets"]["two"]["questions"] == 2
    total = report["total"]
    assert total["questions"] == 7
    assert set(total) == {
        "questions",
        "systems",
        "answer_contains",
        "answer_in_lead",
        "lead_chars",
        "short_answer",
        "unanswerable_abstained",
        "ask_ms",
    }
    assert report["sets"]["one"]["unanswerable_abstained"] is None  # "two" answers are in "one"
    assert report["sets"]["two"]["unanswerable_abstained"] == total["unanswerable_abstained"] == 1.0
    rows = [json.loads(line) for line in details.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4", "q5", "q2", "q3", "q1", "q4", "q5"]
    assert all(r["short_answer"] is None for r in rows[-3:])
    assert {"ranks", "lead", "short_answer", "right"} <= set(rows[0])


def test_bench_with_a_language_model_also_measures_its_answers(tmp_path, capsys, model_cache):
    with ScriptedLLM(reasonable) as llm:
        config = tmp_path / "newsbot.toml"
        config.write_text(
            model_section(model_cache) + f'[llm]\nbase_url = "{llm.base_url}"\nmodel = "scripted"\n'
        )
        argv = ["--config", str(config), "bench", str(FIXTURES / "bench"), "--json"]
        assert main([*argv, "--work-dir", str(tmp_path / "work")]) == 0
    assert llm.errors == []
    report = json.loads(capsys.readouterr().out)

    figures = report["llm"]
    # The question asked before its answer was published has no evidence: refused
    # without asking the model. The scripted model quotes the passage sentence closest
    # to each other question, cited: verification keeps every one.
    assert figures["questions"] == 5 and figures["model_asked"] == len(llm.requests) == 4
    assert figures["llm_mode"] == 0.8 and figures["fallbacks"] == {}
    assert figures["sentences_generated"] == 4 and figures["sentences_dropped"] == 0.0
    assert 0.5 <= figures["answer_contains_llm_mode"] <= 1.0
    assert 0.0 <= figures["answer_contains"] <= 0.8
    assert 0.0 <= figures["answer_in_lead"] <= figures["answer_contains"]
    short = figures["short_answer"]
    assert 0.0 <= short["right"] <= short["given"] <= 1.0
    for timing in ("first_text_ms", "answer_ms"):
        assert 0 < figures[timing]["p50"] <= figures[timing]["p95"]
    assert report["systems"]["newsbot"]["hit@5"] == 0.8  # the rest is unchanged
