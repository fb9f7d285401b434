"""The kernel imports no domain and not the web app: domains join through entry points."""

from __future__ import annotations

import ast
from pathlib import Path

from station import plugins

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = {"production", "subtitles", "schedule", "planning", "delivery", "publishing", "results",
           "web"}


def test_the_kernel_imports_no_domain() -> None:
    offenders = []
    for path in sorted((ROOT / "station").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in DOMAINS]
    assert offenders == []


def test_every_domain_is_registered_through_entry_points() -> None:
    assert {e.name for e in plugins.entries("station.commands")} == {
        "production", "subtitles", "schedule", "planning", "delivery", "publishing", "results"}
    assert {e.value.split(".")[0] for e in plugins.entries("station.models")} == {
        "production", "subtitles", "schedule", "planning", "delivery", "publishing"}
    seeds = [e.value for e in plugins.entries("station.seeds")]
    assert seeds[0] == "production.services:ensure_channels"  # channels before their specs
    assert plugins.one("station.web").__name__ == "create_app"


# Each domain builds only on those before it (docs/architecture.md): production at the bottom,
# results at the top; none imports Flask or the web app.
LAYERS = ("production", "subtitles", "schedule", "planning", "delivery", "publishing", "results")


def test_each_domain_imports_only_what_sits_below_it() -> None:
    offenders = []
    for level, domain in enumerate(LAYERS):
        allowed = set(LAYERS[:level + 1])
        for path in sorted((ROOT / domain).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""]
                         if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
                for name in names:
                    top = name.split(".")[0]
                    if (top in LAYERS and top not in allowed) or top in ("web", "flask"):
                        offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_demo_is_each_domains_own_step_in_layer_order() -> None:
    steps = [e.value.split(".")[0] for e in plugins.entries("station.demo")]
    assert steps == ["production", "subtitles", "schedule", "planning", "delivery", "publishing"]
    assert sorted(steps, key=LAYERS.index) == steps


# A file or function past these sizes does too much to read in one sitting (issue 14); one
# that is long on purpose (a table-like argument list, a migration) says why in its docstring
# with the words "Long because".
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60
SIZED = ("station", *LAYERS, "web")


def _explained(node: ast.AST) -> bool:
    doc = ast.get_docstring(node) if isinstance(
        node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef) else None
    return "Long because" in (doc or "")


def test_no_file_or_function_is_too_long_without_saying_why() -> None:
    offenders = []
    for package in SIZED:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            where = path.relative_to(ROOT)
            lines = text.count("\n")
            if lines > MAX_FILE_LINES and not _explained(tree):
                offenders.append(f"{where}: {lines} lines")
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES and not _explained(node):
                        offenders.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    assert offenders == []
