"""core/ never imports textual; tui/ never imports mlx (not even transitively)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in folder.rglob("*.py"):
        tree = ast.parse(f.read_text(), filename=str(f))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(f.relative_to(ROOT))] = names
    return found


def test_core_never_imports_textual():
    bad = {f: n for f, n in imported_modules(ROOT / "core").items() if n & {"textual", "textual_plotext", "tui"}}
    assert bad == {}


def test_tui_never_imports_mlx():
    bad = {f: n for f, n in imported_modules(ROOT / "tui").items() if n & {"mlx", "mlx_lm"}}
    assert bad == {}


def test_the_dashboard_process_does_not_load_mlx():
    code = (
        "import sys, importlib, pkgutil, tui\n"
        "for m in pkgutil.walk_packages(tui.__path__, 'tui.'):\n"
        "    importlib.import_module(m.name)\n"
        "import core.runner, core.state, core.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('mlx', 'mlx_lm'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
