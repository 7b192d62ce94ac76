"""The boundaries the layout promises: the core never imports a front end, the bot's
parts never import the client that loads them, and no module of either passes 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any level (also under TYPE_CHECKING)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_the_knowledge_base_never_imports_discord_or_the_front_ends():
    offenders = {}
    for path in sorted((ROOT / "index").rglob("*.py")):
        front_ends = {m for m in imported_modules(path) if m.split(".")[0] in ("discord", "bot")}
        if front_ends:
            offenders[str(path.relative_to(ROOT))] = sorted(front_ends)
    assert offenders == {}


def test_the_bots_parts_never_import_the_client():
    parts = ["channel_questions", "slash_commands", "votes", "refresh", "services", "streaming"]
    offenders = [
        name
        for name in parts
        if "bot.discord.client" in imported_modules(ROOT / "bot" / "discord" / f"{name}.py")
    ]
    assert offenders == []


def test_no_module_of_the_bot_or_the_knowledge_base_passes_400_lines():
    # A module that keeps growing is one that does two things; tests may run longer.
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in ("bot", "index")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > 400} == {}
