"""A larger Code Mode fine-tune corpus for the baseline stand-in (the Phase 24 analogue).

The demo training set (``data/demo/compact``, 772 + 85 rows from the data build's seed) is too
small for a randomly initialised model to generalise from. This module makes more rows of the
same kind with the data build's own templates (``core.data.build``) and other seeds:

* tool tasks on the SEEN workspaces only (``plan.workspaces`` never yields a held-out one);
* every program run for real on its fixture workspace, so each tool turn is the true output and
  each answer is written from it. The programs run here, in this process (``InProcessRunner``):
  each distinct tool call (``typecheck(".")`` in ``inventory``) runs once, on a fresh copy of the
  workspace, and its result is shared by every program that makes the same call. (The data
  build's confined executor takes seconds a program; 600 programs would take most of an hour.)
  The programs are the data build's own templates, so they need no confinement;
* one house style: the result of the program's tool call is always named ``r`` (the templates
  pick one of five names per program; a tiny model trained on the mix mixes them within one
  program), renamed token by token, so strings and other names are untouched;
* every row checked by the leakage check (``core.data.leakage.check_rows``) against every suite
  query and held-out workspace, and dropped on ANY finding, the ``facts`` warnings included;
  rows whose prompt is a validation prompt of the demo training set are dropped too.

The rows go to ``data/demo/finetune/train.jsonl`` (compact prompt, like the demo training set);
``phase25 demo corpus`` regenerates them, ``phase25 demo build`` fine-tunes the baseline on them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import re
import shutil
import tempfile
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core.paths import DATA_DIR

FINETUNE_DIR = DATA_DIR / "demo" / "finetune"
SEEDS = tuple(range(100, 112))
TOOLS = ("typecheck", "ruff_check", "pytest_run", "read_file", "run_command")
_ASSIGN = re.compile(rf"^(\w+) = (?:{'|'.join(TOOLS)})\(", re.MULTILINE)


def house_style(code: str, name: str = "r") -> str:
    """``code`` with its tool result's variable renamed to ``name`` (NAME tokens only).

    Programs whose single tool-result name can't be renamed safely (several result names, or
    ``name`` already used for something else) come back unchanged.
    """
    from core.data.build.tasks_base import VAR_NAMES

    assigned = {m.group(1) for m in _ASSIGN.finditer(code)} & set(VAR_NAMES)
    if len(assigned) != 1:
        return code
    old = assigned.pop()
    toks = list(tokenize.generate_tokens(io.StringIO(code).readline))
    if old == name or any(t.type == tokenize.NAME and t.string == name for t in toks):
        return code
    lines = code.splitlines(keepends=True)
    for t in reversed(toks):
        if t.type == tokenize.NAME and t.string == old:
            (row, col), (_r2, end) = t.start, t.end
            line = lines[row - 1]
            lines[row - 1] = line[:col] + name + line[end:]
    return "".join(lines)


class InProcessRunner:
    """Runs template programs here, each distinct tool call once on a fresh workspace copy."""

    def __init__(self, roots: dict[str, Path]):
        self.roots = roots
        self.calls = 0
        self._memo: dict[tuple[str, str, str], Any] = {}
        self._tmp = Path(tempfile.mkdtemp(prefix="demo-gen-"))

    def __enter__(self) -> InProcessRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _copy(self, ws: str) -> Path:
        from core.codemode.workcopy import COPY_IGNORE

        dest = self._tmp / f"run-{len(list(self._tmp.iterdir()))}" / ws
        shutil.copytree(self.roots[ws], dest, ignore=shutil.ignore_patterns(*COPY_IGNORE))
        return dest

    def _tool(self, ws: str, name: str) -> Callable[..., Any]:
        from core.codemode import tools

        def call(*args: Any, **kwargs: Any) -> Any:
            key = (ws, name, repr((args, sorted(kwargs.items()))))
            if key not in self._memo:
                here = os.getcwd()
                os.chdir(self._copy(ws))
                try:
                    self._memo[key] = getattr(tools, name)(*args, **kwargs)
                except Exception as exc:  # the program sees the tool's exception, as in the sandbox
                    self._memo[key] = exc
                finally:
                    os.chdir(here)
                self.calls += 1
            got = self._memo[key]
            if isinstance(got, Exception):
                raise got
            return got.model_copy(deep=True)

        return call

    def run(self, ws: str, code: str) -> dict[str, Any]:
        """The fields ``ExecCache`` keeps for one run of ``code`` in workspace ``ws``."""
        scope: dict[str, Any] = {"__name__": "__main__", **{t: self._tool(ws, t) for t in TOOLS}}
        out = io.StringIO()
        here = os.getcwd()
        os.chdir(self._copy(ws))
        result: dict[str, Any] = {"stdout": "", "stderr": "", "stdout_truncated": False, "stderr_truncated": False,
                                  "exception_type": None, "exception_message": None, "timed_out": False,
                                  "exit_code": 0}
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, "<execute_code>", "exec"), scope)  # noqa: S102 - the data build's templates
        except Exception as exc:
            result.update(exception_type=type(exc).__name__, exception_message=str(exc), exit_code=1)
        finally:
            os.chdir(here)
        result["stdout"] = out.getvalue()
        return result


@dataclasses.dataclass
class GenReport:
    seeds: list[int]
    tasks: int = 0
    distinct: int = 0
    programs: int = 0
    executed: int = 0
    failed: int = 0
    dropped_valid_prompt: int = 0
    dropped_leak: dict[str, int] = dataclasses.field(default_factory=dict)
    rows: int = 0
    per_tool: dict[str, int] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _valid_prompts(corpus_dir: Path) -> set[str]:
    path = corpus_dir / "valid.jsonl"
    if not path.is_file():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out |= {m["content"] for m in json.loads(line)["messages"] if m["role"] == "user"}
    return out


def generate(seeds: Iterable[int] = SEEDS, corpus_dir: Path = DATA_DIR / "demo" / "compact",
             log: Callable[[str], None] = print) -> tuple[list[dict[str, Any]], GenReport]:
    """The generated rows (compact prompt) and the counts of what was made and dropped."""
    from core.data.build.builder import SUITE, WORKSPACES, BuildError, _tool_examples
    from core.data.build.execcache import Run, run_key, workspace_digest
    from core.data.build.plan import plan_tool_tasks, workspaces
    from core.data.corpora import row_text
    from core.data.leakage import check_rows, heldout_folders, suite_with_extension

    suite, _ = suite_with_extension(SUITE)
    prompts = [q.prompt for q in suite.queries]
    wss = workspaces(WORKSPACES)
    report = GenReport(seeds=list(seeds))
    held_valid = _valid_prompts(Path(corpus_dir))
    tasks, seen = [], set()
    for seed in report.seeds:
        for t in plan_tool_tasks(seed, wss, prompts):
            report.tasks += 1
            t = dataclasses.replace(t, code=house_style(t.code))
            key = (t.workspace, t.prompt, t.code)
            if key in seen:
                continue
            seen.add(key)
            if t.prompt in held_valid:
                report.dropped_valid_prompt += 1
                continue
            tasks.append(t)
    report.distinct = len(tasks)
    digests = {w.name: workspace_digest(w.root) for w in wss}
    roots = {w.name: w.root for w in wss}
    keys = [run_key(t.code, digests[t.workspace]) for t in tasks]
    report.programs = len(set(keys))
    log(f"{report.tasks} tasks from seeds {report.seeds[0]}..{report.seeds[-1]}: {len(tasks)} distinct, "
        f"{report.programs} programs")
    runs: dict[str, Run] = {}
    with InProcessRunner(roots) as runner:
        for k, t in zip(keys, tasks, strict=True):
            if k not in runs:
                runs[k] = Run(k, t.workspace, t.code, runner.run(t.workspace, t.code))
                if len(runs) % 50 == 0:
                    log(f"  ran {len(runs)}/{report.programs} programs ({runner.calls} distinct tool calls)")
        report.executed = runner.calls
    rows: list[dict[str, Any]] = []
    row_tools: list[tuple[str, ...]] = []
    for t, k in zip(tasks, keys, strict=True):
        try:
            example = _tool_examples([t], runs, [k])[0]
        except BuildError:
            report.failed += 1
            continue
        rows.append(example.compact)
        row_tools.append(example.tools)
    leaks = check_rows([row_text(Path("generated"), i, r) for i, r in enumerate(rows)], suite,
                       heldout_folders(WORKSPACES))
    bad: dict[int, str] = {}
    for leak in leaks:
        bad.setdefault(int(leak.where.rsplit(":", 1)[-1]), leak.kind)
    report.dropped_leak = dict(Counter(bad.values()))
    rows = [r for i, r in enumerate(rows) if i not in bad]
    report.rows = len(rows)
    report.per_tool = dict(sorted(Counter(t for i, ts in enumerate(row_tools) if i not in bad for t in ts).items()))
    return rows, report


def write(rows: list[dict[str, Any]], report: GenReport, out_dir: Path = FINETUNE_DIR) -> Path:
    from core.runs import atomic_write_text

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "train.jsonl"
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    atomic_write_text(out_dir / "MANIFEST.json", json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n")
    return path
