"""The shape of the house, checked: one core with thin doors, SQL only in the store, no import
cycles, short functions (complexity is checked by ruff's C901 at 15)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "wijkloket"
DOORS = ("cli", "report", "web")
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        rel = p.relative_to(SRC.parent).with_suffix("")
        out[".".join(rel.parts).removesuffix(".__init__")] = p
    return out


def _imports(tree: ast.Module, mods: dict[str, Path], top_level: bool) -> set[str]:
    nodes = tree.body if top_level else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in mods}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_no_import_cycles_at_module_level() -> None:
    mods = _modules()
    graph = {name: {m for m in _imports(ast.parse(p.read_text("utf-8")), mods, True) if m in mods and m != name}
             for name, p in mods.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join(path + [nxt])
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(mods):
        if name not in state:
            visit(name, [name])


def test_sql_and_duckdb_only_in_the_store() -> None:
    offenders = []
    for name, p in _modules().items():
        if name.startswith("wijkloket.store"):
            continue
        tree = ast.parse(p.read_text("utf-8"))
        for engine in ("duckdb", "sqlalchemy"):
            if any(m == engine or m.startswith(engine + ".") for m in _imports(tree, {}, False)):
                offenders.append(f"{name} imports {engine}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "con":
                offenders.append(f"{name}:{node.lineno} uses .con")
    assert offenders == []


def test_doors_only_call_the_use_cases() -> None:
    offenders = []
    for name, p in _modules().items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in DOORS:
            continue
        for m in _imports(ast.parse(p.read_text("utf-8")), {}, False):
            if m.startswith(("wijkloket.store", "wijkloket.sources", "wijkloket.core")):
                offenders.append(f"{name} imports {m}")
    assert offenders == []


def test_no_function_over_80_lines() -> None:
    long = []
    for name, p in _modules().items():
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {n} lines")
    assert long == []
