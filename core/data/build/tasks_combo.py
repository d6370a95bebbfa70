"""Tool tasks that combine tools in one program: lint then typecheck, the full pre-merge check,
errors with their source lines, failing tests with their code, a per-file loop."""

from __future__ import annotations

import random
from typing import Any

from core.data.build.tasks_base import (
    Family,
    Outcome,
    ToolTask,
    WorkspaceInfo,
    check_paths,
    pick,
    plural,
    target_name,
    var,
    where_phrase,
)


def _slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in check_paths(ws)]


def _dir_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in (".", *ws.packages)]


def _lint_then_types(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Lint {where}, then type-check it. What do ruff and mypy each find?",
        f"Run ruff and then mypy on {where}; do they flag any of the same lines?",
        f"Check {where} with both the linter and the type checker.",
        f"First ruff, then mypy, on {where}: give me both counts and the lines both tools flag.",
    ])
    a, b = pick(rng, [("lint", "types"), ("ruff", "mypy"), ("lint_result", "type_result")])
    code = (f'{a} = ruff_check("{path}")\n{b} = typecheck("{path}")\n'
            f'print("violations:", {a}.violation_count)\nprint("type_errors:", {b}.error_count)\n'
            f'lint_lines = {{(v.file, v.line): v.code for v in {a}.violations}}\n'
            f'for e in {b}.errors:\n    if e.severity == "error" and (e.file, e.line) in lint_lines:\n'
            f'        print(f"- {{e.file}}:{{e.line}}: ruff {{lint_lines[(e.file, e.line)]}}, mypy {{e.code}}")\n')

    def answer(o: Outcome) -> str:
        nv, nt = o.int("violations"), o.int("type_errors")
        if nv == 0 and nt == 0:
            return f"Both are clean for {target}: ruff finds no violations and mypy no type errors."
        head = f"ruff finds {plural(nv, 'violation')} and mypy {plural(nt, 'type error')} in {target}."
        both = o.items()
        if not both:
            return head + " They don't flag any of the same lines."
        rows = "\n".join(f"- `{i.split(': ', 1)[0]}`: {i.split(': ', 1)[1]}" for i in both)
        return head + f" Both flag {plural(len(both), 'line')}:\n{rows}"

    return ToolTask("combo-lint-typecheck", ws.name, prompt, code, answer, ("ruff_check", "typecheck"))


def _ship_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name,) for ws in wss]


def _ship(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    prompt = pick(rng, [
        f"Is {ws.name} ready to merge? Run lint, type check and tests.",
        f"Do the full CI check on {ws.name}: ruff, mypy and pytest.",
        f"Give me a health report for the {ws.name} workspace (lint, types, tests).",
        f"Before I release {ws.name}: does everything pass?",
        f"Run all three checks on {ws.name} and tell me what's blocking.",
    ])
    lint, types, tests = var(rng), "types", "tests"
    code = (f'{lint} = ruff_check(".")\n{types} = typecheck(".")\n{tests} = pytest_run(".")\n'
            f'print("violations:", {lint}.violation_count)\nprint("type_errors:", {types}.error_count)\n'
            f'print("passed:", {tests}.passed)\nprint("failed:", {tests}.failed)\nprint("errors:", {tests}.errors)\n'
            f'print("ready:", {lint}.passed and {types}.passed and {tests}.exit_code == 0)\n')

    def answer(o: Outcome) -> str:
        nv, nt, p, f = o.int("violations"), o.int("type_errors"), o.int("passed"), o.int("failed")
        summary = (f"ruff: {plural(nv, 'violation')}; mypy: {plural(nt, 'error')}; "
                   f"pytest: {p} passed, {f} failed.")
        if o.value("ready") == "True":
            return f"Yes, {ws.name} is ready: {summary}"
        blockers = [b for b, bad in (("lint", nv), ("type errors", nt), ("failing tests", f + o.int("errors"))) if bad]
        return f"Not yet. Blocking: {', '.join(blockers)}. ({summary})"

    return ToolTask("combo-ship", ws.name, prompt, code, answer, ("ruff_check", "typecheck", "pytest_run"))


def _errors_with_source(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Show each type error in {where} together with the offending source line.",
        f"For every mypy error in {where}, read the line it points at.",
        f"Type-check {where} and quote the code behind each error.",
    ])
    v = var(rng)
    code = (f'{v} = typecheck("{path}")\nprint("errors:", {v}.error_count)\nfor e in {v}.errors:\n'
            f'    if e.severity != "error":\n        continue\n'
            f'    src = read_file(e.file, start=e.line, end=e.line).content.strip()\n'
            f'    print(f"- {{e.file}}:{{e.line}} [{{e.code}}] {{src}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("errors")
        if n == 0:
            return f"There's nothing to show: mypy reports no errors in {target}."
        rows = []
        for item in o.items():
            loc, rest = item.split(" [", 1)
            code_name, src = rest.split("] ", 1)
            rows.append(f"- `{loc}` ({code_name}): `{src}`")
        return f"{plural(n, 'type error')} in {target}:\n" + "\n".join(rows)

    return ToolTask("combo-typecheck-read", ws.name, prompt, code, answer, ("typecheck", "read_file"))


def _violations_with_source(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Show me the source line behind each ruff violation in {where}.",
        f"Lint {where} and quote the offending code for every violation.",
        f"For each lint problem in {where}, what does the code look like?",
    ])
    v = var(rng)
    code = (f'{v} = ruff_check("{path}")\nprint("violations:", {v}.violation_count)\nfor x in {v}.violations:\n'
            f'    src = read_file(x.file, start=x.line, end=x.line).content.strip()\n'
            f'    print(f"- {{x.file}}:{{x.line}} [{{x.code}}] {{src}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("violations")
        if n == 0:
            return f"Nothing to show: ruff reports no violations in {target}."
        rows = []
        for item in o.items():
            loc, rest = item.split(" [", 1)
            code_name, src = rest.split("] ", 1)
            rows.append(f"- `{loc}` {code_name}: `{src}`")
        return f"{plural(n, 'violation')} in {target}:\n" + "\n".join(rows)

    return ToolTask("combo-lint-read", ws.name, prompt, code, answer, ("ruff_check", "read_file"))


def _failing_test_source(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    prompt = pick(rng, [
        f"Run the {ws.name} tests and show me the code of any failing test.",
        f"Which {ws.name} tests fail? Read each failing test so I can see what it checks.",
        f"Find failing tests in {ws.name} and print their source with the failure message.",
    ])
    v = var(rng)
    code = (f'{v} = pytest_run(".")\nprint("failed:", {v}.failed + {v}.errors)\nprint("passed:", {v}.passed)\n'
            f'for f in {v}.failures:\n    file, name = f.test_id.split("::")[0], f.test_id.split("::")[-1]\n'
            f'    lines = read_file(file).content.splitlines()\n'
            f'    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"def {{name}}("))\n'
            f'    print("test:", f.test_id)\n    print("message:", f.message.splitlines()[0])\n'
            f'    for ln in lines[start:]:\n        if not ln.strip():\n            break\n        print("|", ln)\n')

    def answer(o: Outcome) -> str:
        nf, np_ = o.int("failed"), o.int("passed")
        if nf == 0:
            return f"No test fails in {ws.name} ({np_} passed), so there's nothing to show."
        blocks: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        for ln in o.stdout.splitlines():
            if ln.startswith("test: "):
                current = {"id": ln[6:], "msg": "", "src": []}
                blocks.append(current)
            elif ln.startswith("message: ") and current is not None:
                current["msg"] = ln[9:]
            elif ln.startswith("| ") and current is not None:
                current["src"].append(ln[2:])
        parts = [f"`{b['id']}` fails with `{b['msg']}`:\n```python\n" + "\n".join(b["src"]) + "\n```"
                 for b in blocks]
        return f"{plural(nf, 'test')} {'fails' if nf == 1 else 'fail'} ({np_} passed).\n\n" + "\n\n".join(parts)

    return ToolTask("combo-failing-test-read", ws.name, prompt, code, answer, ("pytest_run", "read_file"))


def _per_module(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, pkg = slot
    tool, one = pick(rng, [("typecheck", "type error"), ("ruff_check", "lint violation")])
    noun = one + "s"
    prompt = pick(rng, [
        f"Loop over the modules of `{pkg}` in {ws.name} and report {noun} per module.",
        f"Check each .py file in {ws.name}'s `{pkg}` separately for {noun}.",
        f"Which modules in `{pkg}` ({ws.name}) are clean and which have {noun}?",
    ])
    if tool == "typecheck":  # mypy follows imports: count only what it reports in the file itself
        body = ('    res = typecheck(str(path))\n'
                '    n = sum(1 for e in res.errors if e.severity == "error" and e.file == str(path))\n')
    else:
        body = '    n = ruff_check(str(path)).violation_count\n'
    code = (f'from pathlib import Path\n\ntotal = 0\nfor path in sorted(Path("{pkg}").glob("*.py")):\n'
            + body + '    total += n\n    print(f"- {path}: {n}")\nprint("total:", total)\n')

    def answer(o: Outcome) -> str:
        rows = [i.rsplit(": ", 1) for i in o.items()]
        clean = [f for f, n in rows if n == "0"]
        dirty = [(f, n) for f, n in rows if n != "0"]
        if not dirty:
            return f"Every module in `{pkg}` is clean ({plural(len(rows), 'file')} checked, 0 {noun})."
        listing = ", ".join(f"`{f}` ({n})" for f, n in dirty)
        tail = f"; clean: {', '.join(f'`{f}`' for f in clean)}" if clean else ""
        return f"{plural(o.int('total'), one)} in total ({'; '.join([f'with problems: {listing}'] + ([tail[2:]] if tail else []))})."

    return ToolTask("combo-per-module", ws.name, prompt, code, answer, (tool,))


def _pkg_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, pkg) for ws in wss for pkg in ws.packages]


FAMILIES = [
    Family("combo-lint-typecheck", ("ruff_check", "typecheck"), _slots, _lint_then_types),
    Family("combo-ship", ("ruff_check", "typecheck", "pytest_run"), _ship_slots, _ship),
    Family("combo-typecheck-read", ("typecheck", "read_file"), _dir_slots, _errors_with_source),
    Family("combo-lint-read", ("ruff_check", "read_file"), _dir_slots, _violations_with_source),
    Family("combo-failing-test-read", ("pytest_run", "read_file"), _ship_slots, _failing_test_source),
    Family("combo-per-module", ("typecheck", "ruff_check"), _pkg_slots, _per_module),
]
