"""What the end-to-end tests of the bot share: questions, limits of waiting, and checks of
what the bot sent."""

from __future__ import annotations

from pathlib import Path

from tests.fakediscord import FakeDiscord, Message
from tests.fakediscord.model import iter_components

TIMEOUT = 20.0  # the model shares two CPUs with whatever else runs
QUESTION = "who wants Iran out of Syria?"
SEED_TITLE = "Running Iran Out of Syria"
INTENTS = (1 << 0) | (1 << 9) | (1 << 15)  # guilds, guild messages, message content


def description(message: Message) -> str:
    [embed] = message.embeds
    return embed["description"]


def sources(message: Message) -> list[str]:
    """The lines of the answer's "Sources" field."""
    [embed] = message.embeds
    [field] = [f for f in embed["fields"] if f["name"] == "Sources"]
    return field["value"].splitlines()


def votes_and_more(message: Message) -> list[str]:
    """What the buttons with custom ids do: "up", "down", "more"."""
    return [c.split(":")[-1] if ":vote:" in c else c.split(":")[1] for c in message.custom_ids]


def link_buttons(message: Message) -> list[tuple[str, str]]:
    """(label, url) of each link button."""
    return [(c["label"], c["url"]) for c in iter_components(message.components) if c.get("url")]


def assert_answers_the_seed_question(message: Message) -> None:
    text = description(message)
    lead = text.splitlines()[0]
    assert lead.startswith("**") and "Netanyahu" in lead and lead.endswith("** [1]")
    assert "Russia" in text or "Moscow" in text
    assert sources(message)[0] == f"[1] {SEED_TITLE} — GZERO Media · undated"


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
