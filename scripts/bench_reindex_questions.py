"""How long members wait for answers while a big /reindex runs, through the fake Discord.

    .venv/bin/python scripts/bench_reindex_questions.py ../shared/bench/rtqa-2024/articles.jsonl
        [--articles 500] [--questions 40] [--model-cache DIR] [--json]

The bot (the real one, over a real loopback socket to ``tests/fakediscord``) starts on
the fixture collection; ``--articles`` articles of the file are then added and an admin
runs /reindex. While it runs, members mention the bot with questions one at a time
(questions.jsonl beside the articles); each is timed from the message being posted to
the answer arriving. Only answers that arrived before the reindex finished count.
Absolute times move with the machine's load, printed beside them: compare runs made
back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from bot.discord.client import NewsBot
from bot.discord.endpoints import use_endpoints
from bot.settings import AppSettings, DiscordSettings
from index.config import Settings
from index.knowledge_base import KnowledgeBase
from index.store.feedback import FeedbackStore
from tests.fakediscord import FakeDiscord, InteractionRecord, run_client

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "collection"
PAUSE = 0.3  # seconds between an answer and the next question, as a reader would take
TIMEOUT = 120.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", type=Path, help="an articles.jsonl file")
    parser.add_argument("--articles", dest="limit", type=int, default=500)
    parser.add_argument("--questions", dest="count", type=int, default=40)
    parser.add_argument("--model-cache", type=Path, help="where the int8 model is (built)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    lines = args.articles.read_text(encoding="utf-8").splitlines()[: args.limit]
    questions_file = args.articles.with_name("questions.jsonl")
    questions = [json.loads(line)["question"] for line in questions_file.read_text().splitlines()]
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        report = asyncio.run(_measure(Path(tmp), lines, questions[: args.count], args.model_cache))
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        _print(report)
    return 0


async def _measure(
    tmp: Path, lines: list[str], questions: list[str], cache: Path | None
) -> dict[str, Any]:
    articles = tmp / "articles"
    shutil.copytree(FIXTURES, articles)
    defaults = Settings()
    model = defaults.model.model_copy(update={"cache_dir": cache or tmp / "models"})
    index = defaults.index.model_copy(update={"data_dir": tmp / "data", "articles": [articles]})
    knowledge_base = KnowledgeBase(defaults.model_copy(update={"index": index, "model": model}))
    knowledge_base.reindex()
    knowledge_base.searcher()
    for number, line in enumerate(lines):  # one file each, as fetched pages would be
        (articles / f"bench-{number:04d}.json").write_text(line, encoding="utf-8")
    feedback = FeedbackStore(tmp / "data" / "feedback.sqlite")
    async with FakeDiscord() as fake:
        use_endpoints(fake.api_base_url, fake.gateway_url)
        discord_settings = DiscordSettings(
            api_base_url=fake.api_base_url,
            gateway_url=fake.gateway_url,
            dev_guild_id=fake.guild.id,
            cooldown_seconds=0,
        )
        settings = AppSettings(**knowledge_base.settings.model_dump(), discord=discord_settings)
        bot = NewsBot(settings=settings, knowledge_base=knowledge_base, feedback=feedback)
        async with run_client(bot, fake):
            await fake.wait_for_commands_synced(fake.guild.id)
            report = await _during_reindex(fake, questions)
    feedback.close()
    return report | {"articles_added": len(lines)}


async def _during_reindex(fake: FakeDiscord, questions: list[str]) -> dict[str, Any]:
    admin = await fake.add_member(fake.guild.id, "editor", admin=True)
    reader = await fake.add_member(fake.guild.id, "reader")
    load_before = os.getloadavg()
    started = time.perf_counter()
    reindex = await fake.invoke_slash("reindex", {}, user_id=admin.id)
    seconds: list[float] = []
    for question in questions:
        if _finished(reindex):
            break
        sent = await fake.send_message(fake.channel.id, reader.id, question, mention_bot=True)
        asked = time.perf_counter()
        await fake.wait_for_message(sent.id, timeout=TIMEOUT)
        if _finished(reindex):
            break  # answered after the reindex: not a question asked during one
        seconds.append(time.perf_counter() - asked)
        await asyncio.sleep(PAUSE)
    await reindex.wait_for(_finished, TIMEOUT * 10)
    ordered = sorted(seconds)
    return {
        "questions": len(seconds),
        "p50_s": statistics.median(ordered) if ordered else None,
        "p95_s": ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else None,
        "max_s": ordered[-1] if ordered else None,
        "reindex_s": time.perf_counter() - started,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }


def _finished(reindex: InteractionRecord) -> bool:
    return bool(reindex.original and reindex.original.embeds)


def _print(report: dict[str, Any]) -> None:
    if not report["questions"]:
        print("no question was answered before the reindex finished")
        return
    print(
        f"{report['questions']} questions during a reindex of {report['articles_added']} "
        f"articles ({report['reindex_s']:.1f} s): p50 {report['p50_s']:.2f} s, "
        f"p95 {report['p95_s']:.2f} s, max {report['max_s']:.2f} s"
    )
    before, after = report["load_average_before"], report["load_average_after"]
    print(f"load average (1/5/15 min) before {before}, after {after}")


if __name__ == "__main__":
    raise SystemExit(main())
