"""The layer table of DESIGN.md, enforced on every import in the tree (function-local ones too).

No arrow points up: the foundation imports only itself; the domain never imports the stages, the
runner or the CLI; the stages are started by name, never imported by the runner or the dashboard;
the dashboard draws the typed results view and never reaches into evaluation internals, training
or data; within core, rich belongs to the CLI alone. A deliberate back-edge is shown to fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (layer, module prefixes), most specific first; the first prefix that matches names the layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("view", ("core.evaluation.view",)),
    ("domain", ("core.codemode", "core.data", "core.evaluation", "core.training", "core.convert", "core.tokenizers",
                "core.demo", "core.demo_corpus", "core.doctor")),
    ("stages", ("core.stages",)),
    ("runner", ("core.runner",)),
    ("cli", ("core.cli",)),
    ("tui", ("tui",)),
    ("foundation", ("core",)),
]

MAY_IMPORT: dict[str, set[str]] = {
    "foundation": {"foundation"},
    "view": {"foundation", "view", "domain"},
    "domain": {"foundation", "view", "domain"},
    "stages": {"foundation", "view", "domain", "stages"},
    "runner": {"foundation", "runner"},
    "cli": {"foundation", "view", "domain", "runner", "cli"},
    "tui": {"foundation", "view", "runner", "tui"},
}

RICH_ONLY_IN = {"cli", "tui"}  # the dashboard draws with Textual, which renders through rich


def layer_of(module: str) -> str | None:
    for layer, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    pkg = module_name(path).split(".")
    if path.name != "__init__.py":
        pkg = pkg[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from core import events`
    return found


def graph() -> dict[str, set[str]]:
    files = [*ROOT.joinpath("core").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]
    return {module_name(f): imports_of(f) for f in files}


def violations(edges: dict[str, set[str]]) -> list[str]:
    known = set(edges)
    bad = []
    for mod, targets in sorted(edges.items()):
        src = layer_of(mod)
        assert src is not None, mod
        for t in sorted(targets):
            if t.split(".")[0] == "rich" and src not in RICH_ONLY_IN:
                bad.append(f"{mod} imports rich (only the CLI and the dashboard draw with it)")
            if t not in known:  # a name imported from a module, or a third-party module
                continue
            dst = layer_of(t)
            if dst is not None and dst not in MAY_IMPORT[src]:
                bad.append(f"{mod} ({src}) imports {t} ({dst})")
    return bad


def cycles_between_packages(edges: dict[str, set[str]]) -> list[list[str]]:
    """Cycles in the graph of packages (core.data, core.evaluation, ...), found by depth-first search."""
    def pkg(m: str) -> str:  # core.<package> (a root module counts as its own), or tui as a whole
        return "tui" if m.startswith("tui") else ".".join(m.split(".")[:2])

    known = set(edges)
    pg: dict[str, set[str]] = {}
    for m, ts in edges.items():
        pg.setdefault(pkg(m), set()).update(pkg(t) for t in ts if t in known and pkg(t) != pkg(m))
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for t in sorted(pg.get(n, ())):
            if state.get(t) == 1:
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(pg):
        if n not in state:
            visit(n)
    return found


def test_every_module_has_a_layer_and_no_import_points_up():
    assert violations(graph()) == []


def test_a_deliberate_back_edge_is_caught():
    edges = graph()
    edges["core.training.trainer"] = edges["core.training.trainer"] | {"core.stages.base"}
    edges["core.state"] = edges["core.state"] | {"core.runner"}
    edges["tui.app"] = edges["tui.app"] | {"core.training.plan"}
    bad = violations(edges)
    assert "core.training.trainer (domain) imports core.stages.base (stages)" in bad
    assert "core.state (foundation) imports core.runner (runner)" in bad
    assert "tui.app (tui) imports core.training.plan (domain)" in bad


def test_no_cycle_between_packages():
    assert cycles_between_packages(graph()) == []
    edges = graph()
    edges["core.data.suite"] = edges["core.data.suite"] | {"core.evaluation.scoring"}
    assert cycles_between_packages(edges), "a planted cycle between core.data and core.evaluation is found"
