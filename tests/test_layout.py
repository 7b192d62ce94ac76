"""The boundaries the layout promises: the core never imports a front end, its packages
import in one direction (``index.LAYERS``) with no cycle between them, the bot's parts
never import the client that loads them, and no module of either passes 400 lines."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Set
from pathlib import Path

from index import LAYERS

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


def package_imports() -> dict[str, set[str]]:
    """For each package (or top-level module) of ``index``, the others it imports."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "index").rglob("*.py"):
        parts = path.relative_to(ROOT / "index").with_suffix("").parts
        if parts == ("__init__",):
            continue
        own = parts[0]
        targets = {m.split(".")[1] for m in imported_modules(path) if m.startswith("index.")}
        graph.setdefault(own, set()).update(targets - {own})
    return graph


def cycle_in(graph: Mapping[str, Set[str]]) -> list[str]:
    """One import cycle of ``graph`` (its packages in order, the first again at the end),
    or [] when there is none."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        for target in sorted(graph.get(node, ())):
            if found := visit(target, [*path, node]):
                return found
        done.add(node)
        return []

    for node in sorted(graph):
        if found := visit(node, []):
            return found
    return []


def test_the_cycle_check_finds_a_cycle_between_packages():
    assert cycle_in({"store": {"search"}, "search": {"ingest", "store"}}) == [
        "search",
        "store",
        "search",
    ]
    assert cycle_in({"store": {"ingest"}, "search": {"store", "ingest"}}) == []


def test_no_import_cycle_between_the_knowledge_bases_packages():
    assert cycle_in(package_imports()) == []


def test_the_knowledge_bases_packages_import_only_earlier_layers():
    layer = {name: number for number, names in enumerate(LAYERS) for name in names}
    graph = package_imports()
    assert set(graph) <= set(layer), "a new package needs its place in index.LAYERS"
    upward = {
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if layer[target] > layer[source]
    }
    assert upward == set()
