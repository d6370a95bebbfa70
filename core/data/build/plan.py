"""Choosing the examples from a seed: which tool tasks (family quotas over workspace slots) and
which direct questions, none of them resembling a suite query."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from core.data.build import (
    direct_language,
    direct_practice,
    direct_testing,
    direct_tooling,
    direct_typing,
    tasks_combo,
    tasks_files,
    tasks_lint,
    tasks_pytest,
    tasks_typecheck,
)
from core.data.build.tasks_base import Family, ToolTask, WorkspaceInfo, discover
from core.data.build.topics import Topic
from core.data.similarity import matches_suite

QUOTAS: dict[str, int] = {
    # typecheck: 82
    "typecheck-count": 14, "typecheck-list": 16, "typecheck-by-code": 12, "typecheck-by-file": 8,
    "typecheck-filter": 14, "typecheck-first": 10, "typecheck-lines": 8,
    # ruff: 80
    "lint-count": 14, "lint-list": 16, "lint-by-code": 12, "lint-fixable": 14, "lint-filter": 18, "lint-by-file": 6,
    # pytest: 62
    "pytest-summary": 14, "pytest-failures": 16, "pytest-k": 20, "pytest-green": 12,
    # read_file: 74
    "read-outline": 12, "read-range": 20, "read-definition": 18, "read-config": 14, "read-missing": 10,
    # run_command: 48
    "cmd-ls": 10, "cmd-wc": 8, "cmd-grep": 18, "cmd-exports": 6, "cmd-count-tests": 6,
    # several tools in one program: 73
    "combo-lint-typecheck": 16, "combo-ship": 12, "combo-typecheck-read": 12, "combo-lint-read": 12,
    "combo-failing-test-read": 9, "combo-per-module": 12,
}

FAMILIES: list[Family] = [f for m in (tasks_typecheck, tasks_lint, tasks_pytest, tasks_files, tasks_combo)
                          for f in m.FAMILIES]
TOPICS: list[Topic] = [t for m in (direct_typing, direct_testing, direct_tooling, direct_language, direct_practice)
                       for t in m.TOPICS]

WRAPS = (
    "Quick question: {q}",
    "{q} Keep it short, please.",
    "{q} No need to look at any code, just explain.",
    "I keep forgetting this one. {q}",
    "Conceptually: {q}",
)


class PlanError(RuntimeError):
    """The templates can't produce the requested examples (a bug in the content, shown to the user)."""


def workspaces(root: Path) -> list[WorkspaceInfo]:
    """The workspaces training rows use: the held-out ones (data/workspaces/HELDOUT) never."""
    from core.data.heldout import training_workspaces

    return [discover(p) for p in training_workspaces(root)]


def plan_tool_tasks(seed: int, wss: list[WorkspaceInfo], suite_prompts: Sequence[str],
                    quotas: dict[str, int] | None = None) -> list[ToolTask]:
    """Tasks per family quota, slots shuffled by the seed; each task has its own RNG, so adding a
    family or a workspace never changes the wording of the others."""
    quotas = QUOTAS if quotas is None else quotas
    by_name = {w.name: w for w in wss}
    unknown = sorted(set(quotas) - {f.id for f in FAMILIES})
    if unknown:
        raise PlanError(f"quotas name unknown families: {', '.join(unknown)}")
    tasks: list[ToolTask] = []
    seen: set[tuple[str, str, str]] = set()
    for fam in FAMILIES:
        quota = quotas.get(fam.id, 0)
        slots = fam.slots(wss)
        if quota and not slots:
            raise PlanError(f"family {fam.id} has no slots in the workspaces {', '.join(by_name)}")
        order = list(slots)
        random.Random(f"{seed}:{fam.id}:slots").shuffle(order)
        made = 0
        for i in range(quota * 20):
            if made == quota:
                break
            slot = order[i % len(order)]
            task = fam.make(random.Random(f"{seed}:{fam.id}:{i}"), by_name[slot[0]], slot)
            key = (task.workspace, task.prompt, task.code)
            if key in seen or matches_suite(task.prompt, suite_prompts):
                continue
            seen.add(key)
            tasks.append(task)
            made += 1
        if made < quota:
            raise PlanError(f"family {fam.id}: only {made} distinct tasks for a quota of {quota}")
    return tasks


def plan_direct(seed: int, n: int, suite_prompts: Sequence[str]) -> list[tuple[Topic, str]]:
    """Every phrasing of every topic, then wrapped variants until there are ``n``."""
    base = [(t, q) for t in TOPICS for q in t.questions]
    clash = [q for _, q in base if matches_suite(q, suite_prompts)]
    if clash:
        raise PlanError("direct questions resemble suite queries: " + "; ".join(clash[:5]))
    if n < len(base):
        rng = random.Random(f"{seed}:direct:subset")
        return sorted(rng.sample(base, n), key=base.index)
    rng = random.Random(f"{seed}:direct:variants")
    extra: list[tuple[Topic, str]] = []
    topics = list(TOPICS)
    while len(extra) < n - len(base):
        t = topics[rng.randrange(len(topics))]
        q = rng.choice(t.questions)
        wrapped = rng.choice(WRAPS).format(q=q)
        if (t, wrapped) not in extra and not matches_suite(wrapped, suite_prompts):
            extra.append((t, wrapped))
    return base + extra
