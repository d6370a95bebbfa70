"""``phase25 data build``: the Code Mode training set, deterministic from a seed.

Tool rows: system (the Code Mode prompt) -> user -> one ``execute_code`` call -> the tool turn
with the REAL ``ExecutionResult.to_tool_response()`` of that program run in the fixture
workspace -> the final answer written from that output. Direct rows: system -> user -> answer,
with the same tools offered. Rows are split train/valid by clusters of near-duplicates, so no
near-duplicate crosses the split. The same rows with the compact prompt (and tool responses cut
to ``COMPACT_RESPONSE_CHARS``) go to data/demo/compact for the tiny demo models. Compact rows carry
no ``tools`` key: the compact prompt lists the tools itself, and the template's tools JSON block
would more than double every row (the demo evaluation renders without it too).

Nothing in the output depends on time or machine: runs are cached by (program, workspace
content), the programs print no durations, and a response that leaks a temporary or absolute
path stops the build.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.build.execcache import ExecCache, run_key, workspace_digest
from core.data.build.plan import PlanError, plan_direct, plan_tool_tasks, workspaces
from core.data.build.tasks_base import AnswerError, Outcome, ToolTask
from core.data.similarity import clusters
from core.paths import DATA_DIR, PROJECT_ROOT
from core.runs import atomic_write_text

SEED = 25
N_ROWS = 857
N_TOOL = 419
VALID_FRACTION = 0.10
MAX_VALID_CLUSTER = 6
COMPACT_RESPONSE_CHARS = 200
"""Tool responses in the compact (demo) rows are cut to this many characters of stdout."""

OUT_DIR = DATA_DIR / "phase24_merged"
DEMO_DIR = DATA_DIR / "demo" / "compact"
CACHE_PATH = OUT_DIR / "cache" / "executions.jsonl"
WORKSPACES = DATA_DIR / "workspaces"
SUITE = DATA_DIR / "suite" / "suite.json"


class BuildError(RuntimeError):
    """The data can't be built as specified; the message says why (shown without a traceback)."""


@dataclass
class Example:
    kind: str                 # "tool" | "direct"
    group: str                # tool family or topic id
    tools: tuple[str, ...]
    full: dict[str, Any]
    compact: dict[str, Any]
    signature: str            # question + answer: what near-duplicate detection compares


@dataclass
class BuildReport:
    train: int = 0
    valid: int = 0
    tool: int = 0
    direct: int = 0
    per_tool: dict[str, int] = field(default_factory=dict)
    per_family: dict[str, int] = field(default_factory=dict)
    executed: int = 0
    cached: int = 0
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)


def _leaks(text: str) -> str | None:
    for marker in ("/tmp/", "codemode-", str(PROJECT_ROOT)):
        if marker in text:
            return marker
    return None


def _tool_examples(tasks: list[ToolTask], runs: dict[str, Any], keys: list[str]) -> list[Example]:
    from core.codemode.prompt import (
        assistant_tool_call,
        execute_code_tool_schema,
        system_prompt,
        tool_message,
    )

    tools = [execute_code_tool_schema()]
    full_sys, compact_sys = system_prompt(), system_prompt(compact=True)
    out = []
    for task, key in zip(tasks, keys, strict=True):
        res = runs[key].execution_result()
        if not res.ok:
            raise BuildError(f"the {task.family} program failed in {task.workspace}: "
                             f"{res.exception_type}: {res.exception_message}\n{task.code}")
        response = res.to_tool_response()
        leak = _leaks(response)
        if leak:
            raise BuildError(f"the {task.family} output in {task.workspace} contains {leak!r}, which would "
                             f"differ between machines:\n{response[:500]}")
        try:
            answer = task.answer(Outcome(res.stdout, res.ok, res.exception_type))
        except (AnswerError, ValueError, IndexError, KeyError) as exc:
            raise BuildError(f"the {task.family} answer can't be written from its output ({exc}):\n"
                             f"{task.code}\n--- output ---\n{res.stdout}") from None

        def row(system: str, resp: str, offered: list[dict[str, Any]] | None,
                task: ToolTask = task, answer: str = answer) -> dict[str, Any]:
            r: dict[str, Any] = {"messages": [
                {"role": "system", "content": system}, {"role": "user", "content": task.prompt},
                assistant_tool_call(task.code), tool_message(resp), {"role": "assistant", "content": answer}]}
            return {**r, "tools": offered} if offered is not None else r

        out.append(Example("tool", task.family, task.tools, row(full_sys, response, tools),
                           row(compact_sys, res.to_tool_response(max_chars=COMPACT_RESPONSE_CHARS), None),
                           f"{task.prompt}\n{answer}"))
    return out


def _direct_examples(items: list[tuple[Any, str]]) -> list[Example]:
    from core.codemode.prompt import execute_code_tool_schema, system_prompt

    tools = [execute_code_tool_schema()]
    full_sys, compact_sys = system_prompt(), system_prompt(compact=True)

    def row(system: str, q: str, a: str, offered: list[dict[str, Any]] | None) -> dict[str, Any]:
        r: dict[str, Any] = {"messages": [{"role": "system", "content": system}, {"role": "user", "content": q},
                                          {"role": "assistant", "content": a}]}
        return {**r, "tools": offered} if offered is not None else r

    return [Example("direct", t.id, (), row(full_sys, q, t.answer, tools), row(compact_sys, q, t.answer, None),
                    f"{q}\n{t.answer}") for t, q in items]


def split(examples: list[Example], seed: int, fraction: float = VALID_FRACTION) -> tuple[list[int], list[int]]:
    """Indices of train and valid rows. Whole clusters of near-duplicates go to one side; valid gets
    about ``fraction`` of the tool rows and of the direct rows, from small clusters."""
    ids = clusters([e.signature for e in examples])
    members: dict[int, list[int]] = {}
    for i, c in enumerate(ids):
        members.setdefault(c, []).append(i)
    order = sorted(members)
    random.Random(f"{seed}:split").shuffle(order)
    kinds = Counter(e.kind for e in examples)
    target = {k: round(n * fraction) for k, n in kinds.items()}
    got: Counter[str] = Counter()
    valid: list[int] = []
    for c in order:
        group = members[c]
        if len(group) > MAX_VALID_CLUSTER:
            continue
        need = Counter(examples[i].kind for i in group)
        if all(got[k] + n <= target[k] for k, n in need.items()):
            valid.extend(group)
            got.update(need)
    chosen = set(valid)
    train = [i for i in range(len(examples)) if i not in chosen]
    rng = random.Random(f"{seed}:order")
    rng.shuffle(train)
    valid.sort()
    rng.shuffle(valid)
    return train, valid


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def build(
    out_dir: Path = OUT_DIR,
    demo_dir: Path | None = DEMO_DIR,
    *,
    seed: int = SEED,
    n_rows: int = N_ROWS,
    n_tool: int = N_TOOL,
    workspaces_dir: Path = WORKSPACES,
    suite_path: Path = SUITE,
    cache_path: Path | None = CACHE_PATH,
    offline: bool = False,
    workers: int = 2,
    log: Callable[[str], None] = lambda _m: None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build and write ``train.jsonl``/``valid.jsonl`` (and the compact copies). ``offline``: fail
    instead of running a program that isn't cached."""
    from core.data.suite import load_suite

    t0 = time.perf_counter()
    suite = load_suite(suite_path)
    prompts = [q.prompt for q in suite.queries]
    wss = workspaces(workspaces_dir)
    if not wss:
        raise BuildError(f"no fixture workspaces in {workspaces_dir}")
    try:
        tasks = plan_tool_tasks(seed, wss, prompts)
        direct = plan_direct(seed, n_rows - n_tool, prompts)
    except PlanError as exc:
        raise BuildError(str(exc)) from None
    if len(tasks) != n_tool:
        raise BuildError(f"the family quotas give {len(tasks)} tool tasks, not {n_tool}")
    digests = {w.name: workspace_digest(w.root) for w in wss}
    roots = {w.name: w.root for w in wss}
    keys = [run_key(t.code, digests[t.workspace]) for t in tasks]
    cache = ExecCache(cache_path)
    jobs = [(k, t.workspace, roots[t.workspace], t.code) for k, t in zip(keys, tasks, strict=True)]
    pending = len({k for k in keys if k not in cache.entries})
    log(f"{len(tasks)} tool tasks ({len(set(keys))} distinct programs, {pending} to run), {len(direct)} direct")
    runs = cache.run_all(jobs, offline=offline, workers=workers, progress=progress)
    examples = _tool_examples(tasks, runs, keys) + _direct_examples(direct)
    train, valid = split(examples, seed)

    report = BuildReport(train=len(train), valid=len(valid), executed=cache.misses, cached=cache.hits)
    report.tool = sum(e.kind == "tool" for e in examples)
    report.direct = len(examples) - report.tool
    report.per_tool = dict(sorted(Counter(t for e in examples for t in e.tools).items()))
    report.per_family = dict(sorted(Counter(e.group for e in examples if e.kind == "tool").items()))
    targets = [(out_dir, "full")] + ([(demo_dir, "compact")] if demo_dir is not None else [])
    for folder, variant in targets:
        for name, idx in (("train", train), ("valid", valid)):
            path = Path(folder) / f"{name}.jsonl"
            atomic_write_text(path, _jsonl([getattr(examples[i], variant) for i in idx]))
            report.files.append(path)
    cache.save()
    report.seconds = time.perf_counter() - t0
    return report
