"""Tool tasks: ``ruff_check`` on a workspace, a package, a module or the tests."""

from __future__ import annotations

import random

from core.data.build.tasks_base import (
    RUFF_HINTS,
    Family,
    Outcome,
    ToolTask,
    WorkspaceInfo,
    check_paths,
    hints,
    parse_item,
    pick,
    plural,
    target_name,
    var,
    where_phrase,
)

TOOLS = ("ruff_check",)


def _paths(ws: WorkspaceInfo) -> list[str]:
    return check_paths(ws) + ([ws.tests_dir] if ws.tests_dir else [])


def _slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in _paths(ws)]


def _dir_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in (".", *ws.packages)]


def _clean(rng: random.Random, target: str) -> str:
    return pick(rng, [
        f"ruff finds no violations in {target}: it's lint-clean.",
        f"{target[0].upper() + target[1:]} passes `ruff check` with no violations.",
        f"Nothing to fix: ruff reports 0 violations in {target}.",
    ])


def _bullets(items: list[str]) -> list[str]:
    return [f"- `{d['file']}:{d['line']}` {d['code']}: {d['msg']}" for d in map(parse_item, items)]


def _hint_block(codes: list[str]) -> str:
    hs = hints(codes, RUFF_HINTS)
    return ("\n\nFixes:\n" + "\n".join(f"- {h}" for h in hs)) if hs else ""


def _count(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"How many ruff violations are there in {where}?",
        f"Lint {where} with ruff. How many problems?",
        f"Is {where} lint-clean?",
        f"Run ruff over {where} and just give me the count.",
        f"Does `ruff check` pass for {where}?",
    ])
    v = var(rng)
    code = f'{v} = ruff_check("{path}")\nprint("violations:", {v}.violation_count)\nprint("passed:", {v}.passed)\n'

    def answer(o: Outcome) -> str:
        n = o.int("violations")
        if n == 0:
            return _clean(rng, target)
        return pick(rng, [f"ruff reports {plural(n, 'violation')} in {target}.",
                          f"No: `ruff check` finds {plural(n, 'violation')} in {target}.",
                          f"{target[0].upper() + target[1:]} has {plural(n, 'lint violation')}."])

    return ToolTask("lint-count", ws.name, prompt, code, answer, TOOLS)


def _list(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"List the ruff violations in {where}.",
        f"What does ruff flag in {where}? File, line and rule, please.",
        f"Lint {where} and show me every problem.",
        f"Which lint errors does {where} have?",
        f"Run ruff on {where} and tell me what needs fixing.",
    ])
    v, x = var(rng), pick(rng, ["v", "viol", "item"])
    code = (f'{v} = ruff_check("{path}")\nprint("violations:", {v}.violation_count)\nfor {x} in {v}.violations:\n'
            f'    print(f"- {{{x}.file}}:{{{x}.line}} [{{{x}.code}}] {{{x}.message}}")\n')

    def answer(o: Outcome) -> str:
        n, items = o.int("violations"), o.items()
        if n == 0:
            return _clean(rng, target)
        codes = [parse_item(i)["code"] for i in items]
        head = pick(rng, [f"ruff reports {plural(n, 'violation')} in {target}:",
                          f"{plural(n, 'violation')} in {target}:"])
        return head + "\n" + "\n".join(_bullets(items)) + _hint_block(codes)

    return ToolTask("lint-list", ws.name, prompt, code, answer, TOOLS)


def _by_code(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Which ruff rules fire in {where}, and how often?",
        f"Break down the lint violations in {where} by rule code.",
        f"Count ruff violations per rule for {where}.",
        f"What kinds of lint problems does {where} have?",
    ])
    v = var(rng, "out")
    code = (f'from collections import Counter\n\n{v} = ruff_check("{path}")\n'
            f'by_rule = Counter(x.code for x in {v}.violations)\nprint("violations:", {v}.violation_count)\n'
            f'for rule, n in sorted(by_rule.items()):\n    print(f"- {{rule}}: {{n}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("violations")
        if n == 0:
            return _clean(rng, target)
        pairs = [i.rsplit(": ", 1) for i in o.items()]
        parts = ", ".join(f"{c} ×{k}" for c, k in pairs)
        return f"{plural(n, 'violation')} in {target}: {parts}." + _hint_block([c for c, _ in pairs])

    return ToolTask("lint-by-code", ws.name, prompt, code, answer, TOOLS)


def _fixable(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"How many of the ruff violations in {where} can `ruff check --fix` fix automatically?",
        f"Which lint problems in {where} are auto-fixable and which need manual work?",
        f"Split the ruff findings for {where} into fixable and manual.",
        f"If I run ruff --fix on {where}, what will be left for me to fix by hand?",
    ])
    v = var(rng)
    code = (f'{v} = ruff_check("{path}")\nauto = [x for x in {v}.violations if x.fixable]\n'
            f'manual = [x for x in {v}.violations if not x.fixable]\n'
            f'print("violations:", {v}.violation_count)\nprint("fixable:", len(auto))\n'
            f'for x in manual:\n    print(f"- {{x.file}}:{{x.line}} [{{x.code}}] {{x.message}}")\n')

    def answer(o: Outcome) -> str:
        n, fixable = o.int("violations"), o.int("fixable")
        if n == 0:
            return _clean(rng, target)
        manual = o.items()
        head = f"Of {plural(n, 'violation')} in {target}, {fixable} {'is' if fixable == 1 else 'are'} auto-fixable"
        if not manual:
            return head + "; `ruff check --fix` clears them all."
        codes = [parse_item(i)["code"] for i in manual]
        return (head + f" and {len(manual)} need{'s' if len(manual) == 1 else ''} a manual fix:\n"
                + "\n".join(_bullets(manual)) + _hint_block(codes))

    return ToolTask("lint-fixable", ws.name, prompt, code, answer, TOOLS)


RULES = {
    "F401": "unused imports",
    "F821": "undefined names",
    "F841": "unused variables",
    "E711": "comparisons to None with ==",
    "B006": "mutable default arguments",
    "I001": "unsorted imports",
}


def _filter_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p, r) for ws in wss for p in _paths(ws) for r in RULES]


def _filter(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path, rule = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    desc = RULES[rule]
    prompt = pick(rng, [
        f"Are there any {desc} in {where}?",
        f"Does ruff report {rule} ({desc}) anywhere in {where}?",
        f"Find the {desc} ({rule}) in {where}.",
        f"Check {where} for {rule} violations only.",
    ])
    v = var(rng)
    code = (f'{v} = ruff_check("{path}")\nhits = [x for x in {v}.violations if x.code == "{rule}"]\n'
            f'print("total:", {v}.violation_count)\nprint("matching:", len(hits))\nfor x in hits:\n'
            f'    print(f"- {{x.file}}:{{x.line}} [{{x.code}}] {{x.message}}")\n')

    def answer(o: Outcome) -> str:
        total, n = o.int("total"), o.int("matching")
        if n == 0:
            other = f" (ruff reports {plural(total, 'other violation')})" if total else " (ruff reports nothing at all)"
            return f"No {rule} violations in {target}{other}."
        hint = RUFF_HINTS.get(rule)
        return (f"Yes, {plural(n, f'{rule} violation')} in {target}:\n" + "\n".join(_bullets(o.items()))
                + (f"\n\nFix: {hint}." if hint else ""))

    return ToolTask("lint-filter", ws.name, prompt, code, answer, TOOLS)


def _by_file(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Which files in {where} have lint violations?",
        f"Per file, how many ruff violations does {where} have?",
        f"Where should I start cleaning up lint in {where}? Count per file.",
    ])
    v = var(rng)
    code = (f'{v} = ruff_check("{path}")\nfiles: dict[str, list[str]] = {{}}\nfor x in {v}.violations:\n'
            f'    files.setdefault(x.file, []).append(x.code)\nprint("violations:", {v}.violation_count)\n'
            f'for name in sorted(files):\n    print(f"- {{name}}: {{len(files[name])}} ({{\', \'.join(files[name])}})")\n')

    def answer(o: Outcome) -> str:
        n = o.int("violations")
        if n == 0:
            return _clean(rng, target)
        rows = o.items()
        worst = max(rows, key=lambda r: int(r.split(": ", 1)[1].split(" ", 1)[0]))
        lines = "\n".join(f"- `{r.split(': ', 1)[0]}`: {r.split(': ', 1)[1]}" for r in rows)
        return (f"{plural(n, 'violation')} in {plural(len(rows), 'file')}:\n{lines}\n\n"
                f"Start with `{worst.split(': ', 1)[0]}`.") if len(rows) > 1 else (
                f"All {plural(n, 'violation')} are in `{rows[0].split(': ', 1)[0]}`: {rows[0].split(': ', 1)[1]}.")

    return ToolTask("lint-by-file", ws.name, prompt, code, answer, TOOLS)


FAMILIES = [
    Family("lint-count", TOOLS, _slots, _count),
    Family("lint-list", TOOLS, _slots, _list),
    Family("lint-by-code", TOOLS, _slots, _by_code),
    Family("lint-fixable", TOOLS, _slots, _fixable),
    Family("lint-filter", TOOLS, _filter_slots, _filter),
    Family("lint-by-file", TOOLS, _dir_slots, _by_file),
]
