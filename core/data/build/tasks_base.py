"""What every tool-task family shares: the task record, workspace discovery, and functions to
read the program's printed output and word the answer.

A task's program prints labelled values (``errors: 5``) and item lines (``- file:line ...``);
its answer is written from exactly that printed output (what the model sees in the tool turn),
so every number and name in an answer comes from the real run.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar


@dataclass(frozen=True)
class Outcome:
    """The parts of an execution an answer may use."""

    stdout: str
    ok: bool
    error: str | None = None

    def value(self, key: str) -> str:
        """The value printed as ``key: value`` (the first such line)."""
        for line in self.stdout.splitlines():
            if line.startswith(key + ":"):
                return line[len(key) + 1 :].strip()
        raise AnswerError(f"the output has no '{key}:' line")

    def int(self, key: str) -> int:
        return int(self.value(key))

    def items(self, prefix: str = "- ") -> list[str]:
        return [ln[len(prefix):] for ln in self.stdout.splitlines() if ln.startswith(prefix)]

    def has(self, key: str) -> bool:
        return any(ln.startswith(key + ":") for ln in self.stdout.splitlines())


class AnswerError(RuntimeError):
    """A program's output did not have the shape its answer writer expects (a bug in a template)."""


@dataclass(frozen=True)
class ToolTask:
    family: str
    workspace: str
    prompt: str
    code: str
    answer: Callable[[Outcome], str] = field(compare=False)
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkspaceInfo:
    """What a fixture workspace holds, read from its files (for choosing prompt slots only)."""

    name: str
    root: Path
    packages: tuple[str, ...]
    modules: tuple[str, ...]          # package modules other than __init__.py
    test_files: tuple[str, ...]
    tests_dir: str | None
    defs: dict[str, tuple[str, ...]]  # module path -> top-level functions and classes
    methods: dict[str, tuple[str, ...]]  # module path -> methods of its classes
    test_names: tuple[str, ...]

    @property
    def all_defs(self) -> list[tuple[str, str]]:
        return [(m, d) for m in self.modules for d in self.defs.get(m, ()) + self.methods.get(m, ())]

    def test_keywords(self) -> list[str]:
        """Words that appear in test names, usable with ``pytest -k``."""
        words: set[str] = set()
        for name in self.test_names:
            words.update(w for w in name.removeprefix("test_").split("_") if len(w) >= 4 and w not in _STOP)
        return sorted(words)


_STOP = {"then", "what", "gets", "every", "runs", "returns", "mentions", "left", "with", "from", "that"}


def _names(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return (), ()
    top: list[str] = []
    methods: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top.append(node.name)
        if isinstance(node, ast.ClassDef):
            methods.extend(n.name for n in node.body
                           if isinstance(n, ast.FunctionDef) and not n.name.startswith("__"))
    return tuple(top), tuple(methods)


def discover(root: Path) -> WorkspaceInfo:
    root = Path(root)
    packages = sorted(p.name for p in root.iterdir()
                      if p.is_dir() and (p / "__init__.py").is_file() and p.name != "tests")
    modules = sorted(f"{pkg}/{f.name}" for pkg in packages for f in (root / pkg).glob("*.py")
                     if f.name != "__init__.py")
    tests_dir = "tests" if (root / "tests").is_dir() else None
    test_files = sorted(f"tests/{f.name}" for f in (root / "tests").glob("test_*.py")) if tests_dir else []
    defs, methods = {}, {}
    for m in modules:
        defs[m], methods[m] = _names(root / m)
    test_names = sorted({n for t in test_files for n in _names(root / t)[0] if n.startswith("test_")})
    return WorkspaceInfo(root.name, root, tuple(packages), tuple(modules), tuple(test_files), tests_dir,
                         defs, methods, tuple(test_names))


# -------------------------------------------------------------------------------- wording
T = TypeVar("T")


def pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[rng.randrange(len(options))]


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def code_list(items: Sequence[str]) -> str:
    """`a`, `b` and `c`."""
    quoted = [f"`{i}`" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def where_phrase(ws: str, path: str) -> str:
    """How a prompt names what to check: the whole workspace, or a path inside it."""
    if path == ".":
        return f"the {ws} workspace"
    return f"`{path}` in the {ws} workspace"


def target_name(ws: str, path: str) -> str:
    return f"the {ws} workspace" if path == "." else f"`{path}`"


VAR_NAMES = ("r", "res", "result", "report", "out")


def var(rng: random.Random, *avoid: str) -> str:
    options = [v for v in VAR_NAMES if v not in avoid]
    return pick(rng, options)


def call(tool: str, path: str, **kwargs: Any) -> str:
    args = [f'"{path}"'] + [f"{k}={v!r}".replace("'", '"') for k, v in kwargs.items() if v is not None]
    return f"{tool}({', '.join(args)})"


# -------------------------------------------------------------------------------- hints
MYPY_HINTS = {
    "union-attr": "the value can be `None` there (e.g. from `dict.get`), so narrow it with an `is None` "
                  "check before using the attribute",
    "return-value": "the returned value doesn't match the declared return type; fix the value or the annotation",
    "operator": "the operand types don't support that operator; convert one side first (e.g. `str(...)`)",
    "name-defined": "the name is used but never defined or imported",
    "arg-type": "a call passes a value of the wrong type; convert it or widen the parameter's annotation",
    "attr-defined": "the attribute doesn't exist on that type (often a typo)",
    "assignment": "the assigned value doesn't match the variable's declared type",
    "call-arg": "the call's arguments don't match the function's signature",
    "index": "the value can't be indexed that way",
    "no-untyped-def": "the function needs type annotations under the strict settings",
    "var-annotated": "mypy needs an annotation for that variable (typically an empty collection)",
}

RUFF_HINTS = {
    "F401": "remove the unused import",
    "F821": "define or import the name (it would raise NameError at runtime)",
    "F841": "drop the variable, or the whole assignment if nothing uses it",
    "E711": "compare with `is None` instead of `== None`",
    "E712": "test truthiness directly instead of comparing with `True`/`False`",
    "B006": "use `None` as the default and create the list inside the function",
    "I001": "sort the import block (`ruff check --fix` does it)",
    "E402": "move the import to the top of the module",
    "E722": "catch a specific exception instead of a bare `except:`",
    "UP006": "use the built-in generic (`list[int]`) instead of `typing.List`",
    "W291": "remove the trailing whitespace",
}


def hints(codes: Sequence[str], table: dict[str, str]) -> list[str]:
    seen: list[str] = []
    for c in codes:
        if c in table and c not in seen:
            seen.append(c)
    return [f"`{c}`: {table[c]}" for c in seen]


ITEM = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+)(?::(?P<col>\d+))? \[(?P<code>[^\]]*)\] (?P<msg>.*)$")


def parse_item(text: str) -> dict[str, str]:
    m = ITEM.match(text)
    if not m:
        raise AnswerError(f"unexpected item line: {text!r}")
    return m.groupdict()


@dataclass(frozen=True)
class Family:
    """A kind of tool task: which slots it fills (workspace, path, ...) and how it makes a task."""

    id: str
    tools: tuple[str, ...]
    slots: Callable[[list[WorkspaceInfo]], list[tuple[Any, ...]]]
    make: Callable[[random.Random, WorkspaceInfo, tuple[Any, ...]], ToolTask]


def check_paths(ws: WorkspaceInfo) -> list[str]:
    """Paths a checker can be pointed at: the workspace, its packages, its modules."""
    return [".", *ws.packages, *ws.modules]
