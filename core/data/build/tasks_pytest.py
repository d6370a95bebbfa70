"""Tool tasks: ``pytest_run`` on a workspace, its tests folder or one test file, with or without ``k``."""

from __future__ import annotations

import random

from core.data.build.tasks_base import Family, Outcome, ToolTask, WorkspaceInfo, pick, plural, var

TOOLS = ("pytest_run",)


def _paths(ws: WorkspaceInfo) -> list[str]:
    return ["."] + ([ws.tests_dir] if ws.tests_dir else []) + list(ws.test_files)


def _slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in _paths(ws)]


def _where(ws: str, path: str) -> str:
    return f"the {ws} tests" if path in (".", "tests") else f"`{path}` in {ws}"


def _tally(o: Outcome) -> str:
    parts = [f"{o.int('passed')} passed", f"{o.int('failed')} failed"]
    if o.has("skipped") and o.int("skipped"):
        parts.append(f"{o.int('skipped')} skipped")
    if o.has("errors") and o.int("errors"):
        parts.append(f"{plural(o.int('errors'), 'error')}")
    return ", ".join(parts)


SUMMARY_PRINTS = ('print("passed:", {v}.passed)\nprint("failed:", {v}.failed)\n'
                  'print("skipped:", {v}.skipped)\nprint("errors:", {v}.errors)\n')
FAILURE_LOOP = ('for f in {v}.failures:\n'
                '    print(f"- {{f.test_id}}: {{f.message.splitlines()[0] if f.message else \'\'}}")\n')


def _failure_lines(o: Outcome) -> list[str]:
    out = []
    for item in o.items():
        test_id, _, msg = item.partition(": ")
        out.append(f"- `{test_id}`" + (f": {msg}" if msg else ""))
    return out


def _summary(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where = _where(ws.name, path)
    prompt = pick(rng, [
        f"Run {where}. How many pass and fail?",
        f"What's the pytest result for {where}?",
        f"Run the test suite of {ws.name} and summarise it." if path == "." else f"Run {where} and summarise.",
        f"Give me the pass/fail/skip counts for {where}.",
        f"Do a test run of {where}: totals only.",
    ])
    v = var(rng)
    code = f'{v} = pytest_run("{path}")\n' + SUMMARY_PRINTS.format(v=v)

    def answer(o: Outcome) -> str:
        if o.int("failed") == 0 and o.int("errors") == 0:
            return pick(rng, [f"All green: {_tally(o)}.", f"{where[0].upper() + where[1:]}: {_tally(o)}."])
        return pick(rng, [f"{where[0].upper() + where[1:]}: {_tally(o)}.",
                          f"Not all passing: {_tally(o)}."])

    return ToolTask("pytest-summary", ws.name, prompt, code, answer, TOOLS)


def _failures(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where = _where(ws.name, path)
    prompt = pick(rng, [
        f"Which tests fail in {where}, and why?",
        f"Run {where} and show me the failures with their messages.",
        f"Are there failing tests in {where}? What do the assertions say?",
        f"What's broken in {where}? Show failing test ids.",
        f"Run pytest on {where} and explain any failures.",
    ])
    v = var(rng)
    code = f'{v} = pytest_run("{path}")\n' + SUMMARY_PRINTS.format(v=v) + FAILURE_LOOP.format(v=v)

    def answer(o: Outcome) -> str:
        lines = _failure_lines(o)
        if not lines:
            return f"Nothing fails in {where}: {_tally(o)}."
        n = len(lines)
        return (f"{plural(n, 'test')} {'fails' if n == 1 else 'fail'} ({_tally(o)}):\n" + "\n".join(lines))

    return ToolTask("pytest-failures", ws.name, prompt, code, answer, TOOLS)


def _k_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, ".", k) for ws in wss for k in ws.test_keywords()]


def _k(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path, k = slot
    prompt = pick(rng, [
        f"In {ws.name}, run only the tests matching `{k}`.",
        f"Run the {ws.name} tests selected by -k {k}. Do they pass?",
        f"Just the `{k}` tests in {ws.name}, please: what's the result?",
        f"Use a keyword filter ({k}) to run part of the {ws.name} suite and report back.",
    ])
    v = var(rng)
    code = (f'{v} = pytest_run("{path}", k="{k}")\nprint("selected:", {v}.passed + {v}.failed + {v}.skipped)\n'
            + SUMMARY_PRINTS.format(v=v) + FAILURE_LOOP.format(v=v))

    def answer(o: Outcome) -> str:
        sel = o.int("selected")
        if sel == 0 and o.int("errors") == 0:
            return f"`-k {k}` selects no tests in {ws.name}, so nothing ran."
        lines = _failure_lines(o)
        head = f"`-k {k}` selects {plural(sel, 'test')} in {ws.name}: {_tally(o)}."
        return head + ("\n" + "\n".join(lines) if lines else "")

    return ToolTask("pytest-k", ws.name, prompt, code, answer, TOOLS)


def _green(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where = _where(ws.name, path)
    prompt = pick(rng, [
        f"Do all of {where} pass?",
        f"Is {where} green?",
        f"Quick yes/no: does pytest pass for {where}?",
        f"Can I merge? Check whether {where} pass.",
    ])
    v = var(rng)
    code = (f'{v} = pytest_run("{path}")\nprint("exit_code:", {v}.exit_code)\n' + SUMMARY_PRINTS.format(v=v)
            + FAILURE_LOOP.format(v=v))

    def answer(o: Outcome) -> str:
        code_ = o.int("exit_code")
        if code_ == 0:
            return f"Yes: pytest exits 0 ({_tally(o)})."
        if code_ == 5:
            return f"pytest collected no tests for {where} (exit code 5), so there's nothing to pass."
        lines = _failure_lines(o)
        return (f"No: pytest exits {code_} ({_tally(o)})." + ("\n" + "\n".join(lines) if lines else ""))

    return ToolTask("pytest-green", ws.name, prompt, code, answer, TOOLS)


FAMILIES = [
    Family("pytest-summary", TOOLS, _slots, _summary),
    Family("pytest-failures", TOOLS, _slots, _failures),
    Family("pytest-k", TOOLS, _k_slots, _k),
    Family("pytest-green", TOOLS, _slots, _green),
]
