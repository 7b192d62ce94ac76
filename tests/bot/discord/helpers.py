"""What the end-to-end tests of the bot share: questions, limits of waiting, and checks of
what the bot sent."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fakediscord import FakeDiscord, Message

TIMEOUT = 20.0  # the model shares two CPUs with whatever else runs
QUESTION = "who wants Iran out of Syria?"
SEED_TITLE = "Running Iran Out of Syria"
VOTE_ID = re.compile(r"newsbot:vote:[0-9a-f]{32}:(up|down)")
INTENTS = (1 << 0) | (1 << 9) | (1 << 15)  # guilds, guild messages, message content


def description(message: Message) -> str:
    [embed] = message.embeds
    return embed["description"]


def assert_answers_the_seed_question(message: Message) -> None:
    text = description(message)
    assert "Putin" in text or "Russia" in text
    assert "Netanyahu" in text or "Israel" in text
    assert re.search(r"\[1\]", text)
    [embed] = message.embeds
    assert embed["fields"][0]["name"] == f"[1] {SEED_TITLE}"


def assert_never_pings(fake: FakeDiscord, message: Message) -> None:
    assert message.allowed_mentions is not None
    assert message.allowed_mentions["parse"] == []
    assert not message.allowed_mentions.get("replied_user")
    payload = fake.payload(message)
    assert payload["mentions"] == [] and payload["mention_roles"] == []
    assert not payload["mention_everyone"]


def add_articles(folder: Path, count: int) -> None:
    """Invented articles, different enough not to be skipped as duplicates."""
    topics = ["harbour", "school", "bridge", "library", "market", "stadium", "railway"]
    for number in range(count):
        topic = topics[number % len(topics)]
        body = " ".join(
            f"Paragraph {p} of report {number}: the {topic} project in district {number} "
            f"moved ahead after council vote {p}, officials said on day {number + p}."
            for p in range(12)
        )
        text = f"---\ntitle: The {topic} plan, part {number}\nsource: Test Wire\n---\n{body}\n"
        (folder / f"generated-{number:03d}.md").write_text(text, encoding="utf-8")
