"""Tool tasks: ``typecheck`` (mypy) on a workspace, a package or a module."""

from __future__ import annotations

import random

from core.data.build.tasks_base import (
    MYPY_HINTS,
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

TOOLS = ("typecheck",)


def _slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in check_paths(ws)]


def _dir_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p) for ws in wss for p in (".", *ws.packages)]


def _module_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, m) for ws in wss for m in ws.modules]


def _clean(rng: random.Random, target: str) -> str:
    return pick(rng, [
        f"{target[0].upper() + target[1:]} type-checks cleanly: mypy reports no errors.",
        f"No type errors: mypy passes on {target}.",
        f"mypy finds nothing to complain about in {target} (0 errors).",
    ])


def _bullets(items: list[str]) -> list[str]:
    out = []
    for it in items:
        d = parse_item(it)
        out.append(f"- `{d['file']}:{d['line']}` [{d['code']}] {d['msg']}")
    return out


def _hint_block(codes: list[str]) -> str:
    hs = hints(codes, MYPY_HINTS)
    return ("\n\nWhat they mean:\n" + "\n".join(f"- {h}" for h in hs)) if hs else ""


# ------------------------------------------------------------------------------ count
def _count(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"How many type errors does mypy report for {where}?",
        f"Run mypy on {where} and give me the error count.",
        f"Does {target} type-check cleanly in {ws.name}?" if path != "." else f"Does the {ws.name} workspace type-check cleanly?",
        f"Type-check {where}. How many errors are there?",
        f"What's the mypy error count for {where}?",
        f"Is {where} clean under mypy? Just tell me how many errors there are.",
    ])
    v = var(rng)
    code = f'{v} = typecheck("{path}")\nprint("errors:", {v}.error_count)\nprint("passed:", {v}.passed)\n'

    def answer(o: Outcome) -> str:
        n = o.int("errors")
        if n == 0:
            return _clean(rng, target)
        return pick(rng, [
            f"mypy reports {plural(n, 'error')} in {target}, so it does not type-check cleanly.",
            f"{target[0].upper() + target[1:]} has {plural(n, 'type error')} (mypy fails).",
            f"No, it isn't clean: mypy finds {plural(n, 'error')} in {target}.",
        ])

    return ToolTask("typecheck-count", ws.name, prompt, code, answer, TOOLS)


# ------------------------------------------------------------------------------ list
def _list(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"List the mypy errors in {where}.",
        f"What type errors does mypy find in {where}? Give file, line and message.",
        f"Show me every type error in {where}.",
        f"Type-check {where} and walk me through the errors.",
        f"What does mypy complain about in {where}?",
        f"Can you run the type checker over {where} and list what it finds?",
    ])
    v, e = var(rng), pick(rng, ["e", "err", "item"])
    code = (f'{v} = typecheck("{path}")\nprint("errors:", {v}.error_count)\nfor {e} in {v}.errors:\n'
            f'    if {e}.severity == "error":\n'
            f'        print(f"- {{{e}.file}}:{{{e}.line}} [{{{e}.code}}] {{{e}.message}}")\n')

    def answer(o: Outcome) -> str:
        n, items = o.int("errors"), o.items()
        if n == 0:
            return _clean(rng, target)
        codes = [parse_item(i)["code"] for i in items]
        head = pick(rng, [f"mypy reports {plural(n, 'error')} in {target}:",
                          f"{plural(n, 'type error')} in {target}:",
                          f"Here are the {plural(n, 'error')} mypy finds in {target}:"])
        return head + "\n" + "\n".join(_bullets(items)) + _hint_block(codes)

    return ToolTask("typecheck-list", ws.name, prompt, code, answer, TOOLS)


# ------------------------------------------------------------------------------ by code
def _by_code(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Group the mypy errors in {where} by error code.",
        f"Which kinds of type errors does {where} have, and how many of each?",
        f"Give me a breakdown of mypy error codes for {where}.",
        f"Which mypy error codes show up in {where}? Count them.",
        f"Summarise the type errors in {where} by category.",
    ])
    v = var(rng, "out")
    code = (f'from collections import Counter\n\n{v} = typecheck("{path}")\n'
            f'counts = Counter(e.code for e in {v}.errors if e.severity == "error")\n'
            f'print("errors:", {v}.error_count)\nfor code, n in counts.most_common():\n'
            f'    print(f"- {{code}}: {{n}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("errors")
        if n == 0:
            return _clean(rng, target)
        pairs = [i.rsplit(": ", 1) for i in o.items()]
        parts = ", ".join(f"{c} ×{k}" for c, k in pairs)
        return (pick(rng, [f"{plural(n, 'error')} in {target} by code: {parts}.",
                           f"mypy's {plural(n, 'error')} in {target} break down as {parts}."])
                + _hint_block([c for c, _ in pairs]))

    return ToolTask("typecheck-by-code", ws.name, prompt, code, answer, TOOLS)


# ------------------------------------------------------------------------------ by file
def _by_file(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"Which files in {where} have type errors, and how many each?",
        f"Type-check {where} and tell me the error count per file.",
        f"Where are the mypy errors in {where}? Per file, please.",
        f"Which modules under {where} fail mypy?",
    ])
    v = var(rng)
    code = (f'{v} = typecheck("{path}")\nper_file: dict[str, int] = {{}}\nfor e in {v}.errors:\n'
            f'    if e.severity == "error":\n        per_file[e.file] = per_file.get(e.file, 0) + 1\n'
            f'print("errors:", {v}.error_count)\nfor name, n in sorted(per_file.items()):\n'
            f'    print(f"- {{name}}: {{n}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("errors")
        if n == 0:
            return _clean(rng, target)
        pairs = [i.rsplit(": ", 1) for i in o.items()]
        if len(pairs) == 1:
            return f"All {plural(n, 'error')} in {target} are in `{pairs[0][0]}`."
        rows = "\n".join(f"- `{f}`: {k}" for f, k in pairs)
        return f"{plural(n, 'error')} across {plural(len(pairs), 'file')}:\n{rows}"

    return ToolTask("typecheck-by-file", ws.name, prompt, code, answer, TOOLS)


# ------------------------------------------------------------------------------ filter
FILTERS = {
    "union-attr": "possibly-None (union-attr)",
    "return-value": "wrong return type (return-value)",
    "name-defined": "undefined name (name-defined)",
    "operator": "bad operand (operator)",
    "arg-type": "wrong argument type (arg-type)",
}


def _filter_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, p, c) for ws in wss for p in check_paths(ws) for c in FILTERS]


def _filter(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path, code_name = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    desc = FILTERS[code_name]
    prompt = pick(rng, [
        f"Are there any {desc} errors in {where}?",
        f"Does mypy report any `{code_name}` errors for {where}? Show them.",
        f"Check {where} for {desc} type errors only.",
        f"Only the `{code_name}` errors in {where}, please: where are they?",
    ])
    v, hits = var(rng), pick(rng, ["hits", "matching", "found"])
    code = (f'{v} = typecheck("{path}")\n{hits} = [e for e in {v}.errors if e.code == "{code_name}"]\n'
            f'print("total:", {v}.error_count)\nprint("matching:", len({hits}))\nfor e in {hits}:\n'
            f'    print(f"- {{e.file}}:{{e.line}} [{{e.code}}] {{e.message}}")\n')

    def answer(o: Outcome) -> str:
        total, n = o.int("total"), o.int("matching")
        if n == 0:
            rest = (f" (mypy does report {plural(total, 'error')} of other kinds)" if total
                    else " (mypy reports no errors at all)")
            return f"No `{code_name}` errors in {target}{rest}."
        hint = MYPY_HINTS.get(code_name)
        return (f"Yes, {plural(n, f'`{code_name}` error')} (of {total} in total):\n" + "\n".join(_bullets(o.items()))
                + (f"\n\nFix: {hint}." if hint else ""))

    return ToolTask("typecheck-filter", ws.name, prompt, code, answer, TOOLS)


# ------------------------------------------------------------------------------ first
def _first(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    where, target = where_phrase(ws.name, path), target_name(ws.name, path)
    prompt = pick(rng, [
        f"What's the first type error mypy reports in {where}?",
        f"Show me just the first mypy error for {where}, with its column.",
        f"I only want to fix one type error at a time: what's the first one in {where}?",
    ])
    v = var(rng)
    code = (f'{v} = typecheck("{path}")\nerrs = [e for e in {v}.errors if e.severity == "error"]\n'
            f'print("errors:", len(errs))\nif errs:\n    e = errs[0]\n'
            f'    print(f"- {{e.file}}:{{e.line}}:{{e.column}} [{{e.code}}] {{e.message}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("errors")
        if n == 0:
            return _clean(rng, target)
        d = parse_item(o.items()[0])
        hint = MYPY_HINTS.get(d["code"])
        which = "mypy reports 1 error, which" if n == 1 else f"The first of {n} errors"
        return (f"{which} is at `{d['file']}:{d['line']}`, column {d['col']} "
                f"[{d['code']}]: {d['msg']}" + (f"\n\nFix: {hint}." if hint else ""))

    return ToolTask("typecheck-first", ws.name, prompt, code, answer, TOOLS)


# ------------------------------------------------------------------------------ lines
def _lines(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, module = slot
    prompt = pick(rng, [
        f"Which lines of `{module}` have type errors? ({ws.name} workspace)",
        f"In {ws.name}, on which line numbers does mypy flag `{module}`?",
        f"Give me the line numbers of the mypy errors in {ws.name}'s `{module}`.",
    ])
    v = var(rng)
    code = (f'{v} = typecheck("{module}")\nlines = sorted({{e.line for e in {v}.errors if e.severity == "error"}})\n'
            f'print("errors:", {v}.error_count)\nprint("lines:", ", ".join(str(n) for n in lines) or "none")\n')

    def answer(o: Outcome) -> str:
        n, lines = o.int("errors"), o.value("lines")
        if n == 0:
            return f"None: mypy reports no errors in `{module}`."
        return f"mypy flags {plural(len(lines.split(', ')), 'line')} of `{module}`: {lines} ({plural(n, 'error')} in total)."

    return ToolTask("typecheck-lines", ws.name, prompt, code, answer, TOOLS)


FAMILIES = [
    Family("typecheck-count", TOOLS, _slots, _count),
    Family("typecheck-list", TOOLS, _slots, _list),
    Family("typecheck-by-code", TOOLS, _slots, _by_code),
    Family("typecheck-by-file", TOOLS, _dir_slots, _by_file),
    Family("typecheck-filter", TOOLS, _filter_slots, _filter),
    Family("typecheck-first", TOOLS, _slots, _first),
    Family("typecheck-lines", TOOLS, _module_slots, _lines),
]
