"""Tool tasks: ``read_file`` (whole files, line ranges, one function, the project config, a
missing file) and ``run_command`` (listing, line counts, grep, a Python one-liner)."""

from __future__ import annotations

import ast
import json
import random

from core.data.build.tasks_base import Family, Outcome, ToolTask, WorkspaceInfo, code_list, pick, plural, var


def _source_files(ws: WorkspaceInfo) -> list[str]:
    return [*ws.modules, *ws.test_files]


def _file_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, f) for ws in wss for f in _source_files(ws)]


def _fence(lines: list[str]) -> str:
    return "```python\n" + "\n".join(lines) + "\n```"


# ------------------------------------------------------------------------------ outline
def _outline(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path = slot
    prompt = pick(rng, [
        f"What does `{path}` in {ws.name} define?",
        f"Give me an outline of {ws.name}'s `{path}`: classes and functions with line numbers.",
        f"Read `{path}` ({ws.name}) and list its definitions.",
        f"What's in `{path}` in the {ws.name} workspace?",
    ])
    v = var(rng)
    code = (f'{v} = read_file("{path}")\nprint("total_lines:", {v}.total_lines)\n'
            f'for n, line in enumerate({v}.content.splitlines(), start=1):\n'
            f'    if line.lstrip().startswith(("def ", "class ")):\n'
            f'        print(f"- {{n}}: {{line.strip().rstrip(\':\')}}")\n')

    def answer(o: Outcome) -> str:
        total, items = o.int("total_lines"), o.items()
        if not items:
            return f"`{path}` has {plural(total, 'line')} and no class or function definitions."
        rows = "\n".join(f"- line {i.split(': ', 1)[0]}: `{i.split(': ', 1)[1]}`" for i in items)
        return f"`{path}` ({plural(total, 'line')}) defines:\n{rows}"

    return ToolTask("read-outline", ws.name, prompt, code, answer, ("read_file",))


# ------------------------------------------------------------------------------ ranges
def _def_spans(ws: WorkspaceInfo, path: str) -> list[tuple[str, int, int]]:
    try:
        tree = ast.parse((ws.root / path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.end_lineno:
            spans.append((node.name, node.lineno, node.end_lineno))
    return sorted(spans, key=lambda s: s[1])


def _range_slots(wss: list[WorkspaceInfo]) -> list[tuple[object, ...]]:
    slots: list[tuple[object, ...]] = []
    for ws in wss:
        for f in _source_files(ws):
            for _name, a, b in _def_spans(ws, f):
                if b - a <= 12:
                    slots.append((ws.name, f, a, b))
            slots.append((ws.name, f, 1, 6))
    return slots


def _range(rng: random.Random, ws: WorkspaceInfo, slot: tuple[object, ...]) -> ToolTask:
    _, path, start, end = slot
    prompt = pick(rng, [
        f"Show me lines {start}-{end} of `{path}` in {ws.name}.",
        f"Read {ws.name}'s `{path}` from line {start} to {end}.",
        f"What's on lines {start} to {end} of `{path}` ({ws.name})?",
        f"Print `{path}` lines {start}-{end} with line numbers ({ws.name} workspace).",
    ])
    v = var(rng)
    code = (f'{v} = read_file("{path}", start={start}, end={end})\nprint("total_lines:", {v}.total_lines)\n'
            f'for n, line in enumerate({v}.content.splitlines(), start={start}):\n    print(f"{{n:>4}} | {{line}}")\n')

    def answer(o: Outcome) -> str:
        body = [ln.split(" | ", 1)[1] if " | " in ln else "" for ln in o.stdout.splitlines()[1:]]
        return f"Lines {start}-{end} of `{path}` (of {o.int('total_lines')}):\n" + _fence(body)

    return ToolTask("read-range", ws.name, prompt, code, answer, ("read_file",))


# ------------------------------------------------------------------------------ one definition
def _def_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, f, name) for ws in wss for f in _source_files(ws) for name, _, _ in _def_spans(ws, f)]


def _definition(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, path, name = slot
    prompt = pick(rng, [
        f"Show me `{name}` in {ws.name}'s `{path}`.",
        f"How is `{name}` implemented? It's in `{path}` ({ws.name}).",
        f"Find the definition of `{name}` in `{path}` in the {ws.name} workspace and show it.",
        f"Print the source of `{name}` from `{path}` ({ws.name}).",
    ])
    v = var(rng, "out")
    code = (f'{v} = read_file("{path}")\nlines = {v}.content.splitlines()\n'
            f'heads = ("def {name}(", "class {name}(", "class {name}:")\n'
            f'start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith(heads)), None)\n'
            f'if start is None:\n    print("found: no")\nelse:\n'
            f'    indent = len(lines[start]) - len(lines[start].lstrip())\n    end = start + 1\n'
            f'    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):\n'
            f'        end += 1\n'
            f'    print("found: line", start + 1)\n    for ln in lines[start:end]:\n        if ln.strip():\n'
            f'            print("|", ln[indent:])\n')

    def answer(o: Outcome) -> str:
        found = o.value("found")
        if found == "no":
            return f"`{name}` isn't defined in `{path}`."
        body = [ln[2:] for ln in o.stdout.splitlines() if ln.startswith("| ")]
        return f"`{name}` starts at {found} of `{path}`:\n" + _fence(body)

    return ToolTask("read-definition", ws.name, prompt, code, answer, ("read_file",))


# ------------------------------------------------------------------------------ config
CONFIG_KEYS = {
    "ruff-select": (("tool", "ruff", "lint", "select"), "Which ruff rule families does {ws} enable?",
                    "What lint rules are selected in {ws}'s pyproject?", "the ruff rule selection"),
    "line-length": (("tool", "ruff", "line-length"), "What line length is {ws} configured for?",
                    "Which maximum line length does ruff use in {ws}?", "the line length"),
    "mypy": (("tool", "mypy"), "What mypy settings does {ws} use?",
             "How strict is {ws}'s mypy configuration?", "the mypy settings"),
    "requires-python": (("project", "requires-python"), "Which Python versions does {ws} support?",
                        "What's the requires-python of {ws}?", "the supported Python versions"),
    "testpaths": (("tool", "pytest", "ini_options", "testpaths"), "Where does pytest look for tests in {ws}?",
                  "What testpaths are configured for {ws}?", "the pytest testpaths"),
}


def _config_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, k) for ws in wss if (ws.root / "pyproject.toml").is_file() for k in CONFIG_KEYS]


def _config(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, key = slot
    keys, q1, q2, what = CONFIG_KEYS[key]
    prompt = pick(rng, [q1.format(ws=ws.name), q2.format(ws=ws.name),
                        f"Check {ws.name}'s pyproject.toml: what's {what}?"])
    lookup = "".join(f'.get("{k}", {{}})' for k in keys[:-1])
    v = var(rng)
    code = (f'import json\nimport tomllib\n\n{v} = read_file("pyproject.toml")\ncfg = tomllib.loads({v}.content)\n'
            f'value = cfg{lookup}.get("{keys[-1]}")\nprint("value:", json.dumps(value))\n')
    table = ".".join(keys[:-1])

    def answer(o: Outcome) -> str:
        value = json.loads(o.value("value"))
        where = f"`[{table}]` `{keys[-1]}`" if table else f"`{keys[-1]}`"
        if value is None:
            return f"{ws.name}'s pyproject.toml doesn't set {where}, so the tool's default applies."
        if isinstance(value, dict):
            rendered = ", ".join(f"`{k} = {json.dumps(x)}`" for k, x in value.items())
            return f"{ws.name} configures mypy with {rendered} (in `[tool.mypy]`)."
        if isinstance(value, list):
            return f"{ws.name} sets {where} to {code_list([str(x) for x in value])}."
        return f"{ws.name} sets {where} to `{value}`."

    return ToolTask("read-config", ws.name, prompt, code, answer, ("read_file",))


# ------------------------------------------------------------------------------ missing file
MISSING = ("models.py", "utils.py", "config.py", "main.py", "service.py")


def _missing_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, pkg, m) for ws in wss for pkg in ws.packages for m in MISSING
            if not (ws.root / pkg / m).exists()]


def _missing(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, pkg, name = slot
    path = f"{pkg}/{name}"
    prompt = pick(rng, [
        f"Open `{path}` in {ws.name} and tell me what it contains.",
        f"How many lines does `{path}` have? ({ws.name} workspace)",
        f"Show me the top of `{path}` in {ws.name}.",
    ])
    code = (f'try:\n    r = read_file("{path}")\n    print("total_lines:", r.total_lines)\n'
            f'    print(r.content[:400])\nexcept FileNotFoundError:\n    print("missing: {path}")\n'
            f'    listing = run_command("ls {pkg}")\n    print("files:", ", ".join(listing.stdout.split()))\n')

    def answer(o: Outcome) -> str:
        if not o.has("missing"):
            return f"`{path}` has {o.int('total_lines')} lines."
        files = [f for f in o.value("files").split(", ") if f]
        return (f"There is no `{path}` in {ws.name}. The `{pkg}` package contains "
                f"{code_list(files)}.")

    return ToolTask("read-missing", ws.name, prompt, code, answer, ("read_file", "run_command"))


# ------------------------------------------------------------------------------ run_command
def _dir_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, d) for ws in wss for d in (".", *ws.packages, *([ws.tests_dir] if ws.tests_dir else []))]


def _ls(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, d = slot
    where = f"the {ws.name} workspace root" if d == "." else f"`{d}/` in {ws.name}"
    prompt = pick(rng, [f"What files are in {where}?", f"List the contents of {where}.",
                        f"Run ls on {where} for me."])
    v = var(rng)
    code = (f'{v} = run_command("ls -1 {d}")\nprint("exit_code:", {v}.exit_code)\n'
            f'for name in {v}.stdout.split():\n    print("-", name)\n')

    def answer(o: Outcome) -> str:
        names = o.items()
        return f"{where[0].upper() + where[1:]} contains {plural(len(names), 'entry', 'entries')}: {code_list(names)}."

    return ToolTask("cmd-ls", ws.name, prompt, code, answer, ("run_command",))


def _wc_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, d) for ws in wss for d in (*ws.packages, *([ws.tests_dir] if ws.tests_dir else []))]


def _wc(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, d = slot
    prompt = pick(rng, [
        f"How many lines of Python are in `{d}/` in {ws.name}?",
        f"Count the lines in each .py file under {ws.name}'s `{d}/`.",
        f"Use wc to size up `{d}/` in the {ws.name} workspace.",
    ])
    v = var(rng)
    code = (f'{v} = run_command("wc -l {d}/*.py")\nfor line in {v}.stdout.splitlines():\n'
            f'    count, name = line.split()\n    print(f"- {{name}}: {{count}}")\n')

    def answer(o: Outcome) -> str:
        rows = [i.rsplit(": ", 1) for i in o.items()]
        files = [(f, int(n)) for f, n in rows if f != "total"]
        total = sum(n for _, n in files)
        listing = ", ".join(f"`{f}` {n}" for f, n in files)
        return f"`{d}/` has {plural(total, 'line')} of Python in {plural(len(files), 'file')}: {listing}."

    return ToolTask("cmd-wc", ws.name, prompt, code, answer, ("run_command",))


def _grep_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, name) for ws in wss for _, name in ws.all_defs if not name.startswith("_")]


def _grep(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, name = slot
    prompt = pick(rng, [
        f"Where is `{name}` used in the {ws.name} workspace?",
        f"Grep {ws.name} for `{name}`: which files and lines mention it?",
        f"Find every occurrence of `{name}` in {ws.name}'s Python files.",
    ])
    v = var(rng)
    code = (f'{v} = run_command("grep -rnw --include=*.py {name} . | sort -t: -k1,1 -k2,2n")\nhits = {v}.stdout.splitlines()\n'
            f'print("matches:", len(hits))\nfor h in hits:\n    path, line, text = h.split(":", 2)\n'
            f'    print(f"- {{path.removeprefix(\'./\')}}:{{line}}: {{text.strip()}}")\n')

    def answer(o: Outcome) -> str:
        n = o.int("matches")
        if n == 0:
            return f"`{name}` doesn't appear in any Python file in {ws.name}."
        rows = []
        for item in o.items():
            path, line, text = item.split(":", 2)
            rows.append(f"- `{path}:{line}`: `{text.strip()}`")
        files = sorted({i.split(":", 1)[0] for i in o.items()})
        return (f"`{name}` appears {plural(n, 'time')} in {plural(len(files), 'file')}:\n" + "\n".join(rows))

    return ToolTask("cmd-grep", ws.name, prompt, code, answer, ("run_command",))


def _exports_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name, pkg) for ws in wss for pkg in ws.packages]


def _exports(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    _, pkg = slot
    prompt = pick(rng, [
        f"What does the `{pkg}` package export? Import it and check `__all__`.",
        f"Which public names does `{pkg}` expose in {ws.name}?",
        f"Import `{pkg}` in {ws.name} and list its `__all__`.",
    ])
    v = var(rng)
    code = (f'{v} = run_command("python -c \\"import {pkg}; print(\' \'.join({pkg}.__all__))\\"")\n'
            f'print("exit_code:", {v}.exit_code)\nprint("names:", {v}.stdout.strip())\n'
            f'if {v}.exit_code != 0:\n    print("stderr:", {v}.stderr.strip().splitlines()[-1])\n')

    def answer(o: Outcome) -> str:
        if o.int("exit_code") != 0:
            return f"Importing `{pkg}` fails: {o.value('stderr')}"
        names = o.value("names").split()
        return f"`{pkg}` exports {plural(len(names), 'name')} in `__all__`: {code_list(names)}."

    return ToolTask("cmd-exports", ws.name, prompt, code, answer, ("run_command",))


def _count_tests_slots(wss: list[WorkspaceInfo]) -> list[tuple[str, ...]]:
    return [(ws.name,) for ws in wss if ws.tests_dir]


def _count_tests(rng: random.Random, ws: WorkspaceInfo, slot: tuple[str, ...]) -> ToolTask:
    prompt = pick(rng, [
        f"How many test functions does {ws.name} have? Use grep, don't run them.",
        f"Without running pytest, list the test functions defined in {ws.name}.",
        f"Grep the {ws.name} tests folder for test function names.",
    ])
    v = var(rng)
    code = (f'{v} = run_command("grep -rhn \'^def test_\' tests | sort -n")\nnames = []\n'
            f'for line in {v}.stdout.splitlines():\n    names.append(line.split("def ", 1)[1].split("(", 1)[0])\n'
            f'print("count:", len(names))\nfor n in names:\n    print("-", n)\n')

    def answer(o: Outcome) -> str:
        names = o.items()
        return f"{ws.name} defines {plural(o.int('count'), 'test function')}: {code_list(names)}."

    return ToolTask("cmd-count-tests", ws.name, prompt, code, answer, ("run_command",))


FAMILIES = [
    Family("read-outline", ("read_file",), _file_slots, _outline),
    Family("read-range", ("read_file",), _range_slots, _range),
    Family("read-definition", ("read_file",), _def_slots, _definition),
    Family("read-config", ("read_file",), _config_slots, _config),
    Family("read-missing", ("read_file", "run_command"), _missing_slots, _missing),
    Family("cmd-ls", ("run_command",), _dir_slots, _ls),
    Family("cmd-wc", ("run_command",), _wc_slots, _wc),
    Family("cmd-grep", ("run_command",), _grep_slots, _grep),
    Family("cmd-exports", ("run_command",), _exports_slots, _exports),
    Family("cmd-count-tests", ("run_command",), _count_tests_slots, _count_tests),
]
