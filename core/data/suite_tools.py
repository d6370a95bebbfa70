"""The suite's 13 tool queries, and deriving their expected facts by really running the tools.

Each fact names a tool call on the query's workspace and a Python expression over its result
``r``; ``derive_facts`` runs every distinct call once (through ``execute_code``, in a copy of the
workspace, exactly as a model's program runs) and evaluates the expressions. Patterns are made
from the derived values, so the suite's facts are whatever the real tools report.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def num(value: int) -> list[str]:
    pats = [rf"(?<![\d.]){value}(?![\d]|\.\d)"]
    if 0 <= value < len(NUMBER_WORDS):
        pats.append(rf"\b{NUMBER_WORDS[value]}\b")
    return pats


def lit(value: str) -> list[str]:
    return [re.escape(str(value))]


def each(values: list[Any]) -> list[str]:
    return [re.escape(str(v)) for v in values]


def when_true(*patterns: str) -> Any:
    """Patterns for a yes/no fact that hold only while the tools report True (e.g. "clean")."""

    def make(value: Any) -> list[str]:
        if value is not True:
            raise ValueError(f"these patterns describe a True result, but the tools now report {value!r}; "
                             "the fixture changed, so the query needs revising")
        return list(patterns)

    return make


def F(name: str, tool: str, args: dict[str, Any], expr: str, patterns: Any, match: str = "any") -> dict[str, Any]:
    return {"name": name, "tool": tool, "args": args, "expr": expr, "patterns": patterns, "match": match}


CLEAN = r"\b(no|0|zero)\b[^.\n]{0,30}(errors?|violations?|issues?|problems?)"

TOOL_QUERIES: list[dict[str, Any]] = [
    {"id": "t01_inventory_mypy_lines", "topic": "typecheck", "workspace": "inventory", "tools": ["typecheck"],
     "prompt": "I'm about to refactor the inventory package. Before I start, I need the current mypy error "
               "total and the line numbers in stock.py that mypy complains about.",
     "facts": [F("error_count", "typecheck", {"path": "."}, "r.error_count", num),
               F("lines", "typecheck", {"path": "."},
                 "sorted({e.line for e in r.errors if e.severity == 'error'})", each, "all")]},
    {"id": "t02_textstats_ruff_codes", "topic": "ruff_check", "workspace": "textstats", "tools": ["ruff_check"],
     "prompt": "Our textstats lint job is red. Which ruff rule codes are being violated, and how many of "
               "those violations could ruff repair on its own?",
     "facts": [F("codes", "ruff_check", {"path": "."}, "sorted({v.code for v in r.violations})", each, "all"),
               F("fixable", "ruff_check", {"path": "."}, "sum(1 for v in r.violations if v.fixable)", num)]},
    {"id": "t03_inventory_failing_test", "topic": "pytest_run", "workspace": "inventory", "tools": ["pytest_run"],
     "prompt": "Something in the inventory test suite is red. Name the failing test and quote the actual "
               "value its assertion got.",
     "facts": [F("failing_test", "pytest_run", {"path": "."}, "r.failures[0].test_id.split('::')[-1]", lit),
               F("actual_value", "pytest_run", {"path": "."},
                 "int(re.search(r'assert (\\d+) ==', r.failures[0].message).group(1))", num)]},
    {"id": "t04_clean_service_bucket_defaults", "topic": "read_file", "workspace": "clean_service",
     "tools": ["read_file"],
     "prompt": "What default capacity and refill rate does clean_service's TokenBucket have? Read the "
               "source instead of guessing.",
     "facts": [F("capacity", "read_file", {"path": "clean_service/limiter.py"},
                 "float(re.search(r'capacity: float = ([\\d.]+)', r.content).group(1))",
                 lambda v: [rf"(?<![\d.]){int(v)}(\.0+)?(?![\d])"]),
               F("refill_per_second", "read_file", {"path": "clean_service/limiter.py"},
                 "float(re.search(r'refill_per_second: float = ([\\d.]+)', r.content).group(1))",
                 lambda v: [rf"(?<![\d.]){int(v)}(\.0+)?(?![\d])"])]},
    {"id": "t05_textstats_module_sizes", "topic": "run_command", "workspace": "textstats", "tools": ["run_command"],
     "prompt": "With a shell command, find out how long each module in the textstats package is, in lines. "
               "Which one is the longest?",
     "facts": [F("longest_module", "run_command", {"cmd": "wc -l textstats/*.py"},
                 "max((l.split() for l in r.stdout.splitlines() if not l.strip().endswith('total')), "
                 "key=lambda p: int(p[0]))[1].split('/')[-1]", lit),
               F("longest_lines", "run_command", {"cmd": "wc -l textstats/*.py"},
                 "max(int(l.split()[0]) for l in r.stdout.splitlines() if not l.strip().endswith('total'))", num)]},
    {"id": "t06_textstats_lint_and_types_agree", "topic": "ruff_check+typecheck", "workspace": "textstats",
     "tools": ["ruff_check", "typecheck"],
     "prompt": "In textstats, is there a problem that the linter and mypy both report? Give me the file, the "
               "line and the name involved.",
     "facts": [F("file", "typecheck", {"path": "."}, "r.errors[0].file.split('/')[-1]", lit),
               F("line", "typecheck", {"path": "."}, "r.errors[0].line", num),
               F("name", "ruff_check", {"path": "."},
                 "[v for v in r.violations if v.code == 'F821'][0].message.split('`')[1]", lit)]},
    {"id": "t07_textstats_word_tests", "topic": "pytest_run -k", "workspace": "textstats", "tools": ["pytest_run"],
     "prompt": "Run just the textstats tests selected by the keyword 'word'. How many passed, and how many "
               "were skipped?",
     "facts": [F("passed", "pytest_run", {"path": ".", "k": "word"}, "r.passed", num),
               F("skipped", "pytest_run", {"path": ".", "k": "word"}, "r.skipped", num)]},
    {"id": "t08_clean_service_release_check", "topic": "typecheck+ruff_check+pytest_run", "workspace": "clean_service",
     "tools": ["typecheck", "ruff_check", "pytest_run"],
     "prompt": "I'd like to cut a release of clean_service today. Check types, lint and tests, and tell me "
               "whether anything blocks the release.",
     "facts": [F("tests_passed", "pytest_run", {"path": "."}, "r.passed", num),
               F("mypy_clean", "typecheck", {"path": "."}, "r.passed",
                 when_true(CLEAN, r"(mypy|type[- ]?check\w*|types?)[^.\n]{0,40}(pass|clean|ok\b|green)")),
               F("ruff_clean", "ruff_check", {"path": "."}, "r.passed",
                 when_true(CLEAN, r"(ruff|lint\w*)[^.\n]{0,40}(pass|clean|ok\b|green)")),
               F("verdict", "pytest_run", {"path": "."}, "r.exit_code == 0",
                 when_true(r"\bnothing\b[^.\n]{0,30}block", r"\bno\b[^.\n]{0,20}block", r"\bready\b",
                       r"good to go", r"\bcan (cut|release|ship)", r"not blocked"))]},
    {"id": "t09_inventory_error_codes", "topic": "typecheck", "workspace": "inventory", "tools": ["typecheck"],
     "prompt": "For the inventory project, tally mypy's complaints per error code. I want each code with its count.",
     "facts": [F(f"code_{c}", "typecheck", {"path": "."}, f"sum(1 for e in r.errors if e.code == '{c}')",
                 lambda v, c=c: [rf"{re.escape(c)}\D{{0,20}}(?<!\d){v}(?!\d)|(?<!\d){v}(?!\d)\D{{0,20}}{re.escape(c)}"])
               for c in ("union-attr", "return-value", "operator")]},
    {"id": "t10_inventory_total_value_bug", "topic": "read_file start/end", "workspace": "inventory",
     "tools": ["read_file"],
     "prompt": "Look at the body of Stock.total_value in the inventory package (around lines 35-37 of "
               "stock.py) and explain why the total it returns is wrong.",
     "facts": [F("slices_off_last", "read_file", {"path": "inventory/stock.py", "start": 35, "end": 37},
                 "'values[:-1]' in r.content",
                 when_true(r"\[:-1\]", r"last (item|element|value|entry|one)", r"(skips|drops|omits|leaves out|excludes)"))]},
    {"id": "t11_clean_service_bucket_tests", "topic": "pytest_run -k", "workspace": "clean_service",
     "tools": ["pytest_run"],
     "prompt": "Only run the clean_service tests that have 'bucket' in their name. How many ran, and did "
               "they all pass?",
     "facts": [F("passed", "pytest_run", {"path": ".", "k": "bucket"}, "r.passed", num),
               F("failed", "pytest_run", {"path": ".", "k": "bucket"}, "r.failed",
                 lambda v: [CLEAN.replace("errors?|violations?", "fail\\w*|errors?"), r"all (of them )?pass"]
                 if v == 0 else num(v))]},
    {"id": "t12_inventory_quantity_grep", "topic": "run_command", "workspace": "inventory",
     "tools": ["run_command"],
     "prompt": "Using grep, count the lines of the inventory package's source (not its tests) that mention "
               "`quantity`.",
     "facts": [F("lines", "run_command", {"cmd": "grep -rn quantity inventory"},
                 "len(r.stdout.splitlines())", num)]},
    {"id": "t13_textstats_report_manual_fixes", "topic": "ruff_check", "workspace": "textstats",
     "tools": ["ruff_check"],
     "prompt": "Which lint findings in textstats/report.py would I have to fix by hand because ruff can't "
               "auto-fix them? List their rule codes.",
     "facts": [F("manual_codes", "ruff_check", {"path": "textstats/report.py"},
                 "sorted({v.code for v in r.violations if not v.fixable})", each, "all")]},
]


def _program(tool: str, args: dict[str, Any], exprs: dict[str, str]) -> str:
    lines = ["import json", "import re", "", f"r = {tool}(**{args!r})", "values = {}"]
    lines += [f"values[{name!r}] = {expr}" for name, expr in exprs.items()]
    lines.append("print(json.dumps(values))")
    return "\n".join(lines) + "\n"


def derive_values(queries: list[dict[str, Any]], workspaces: Path) -> dict[tuple[str, str], Any]:
    """``{(query id, fact name): value}``, from one real run per distinct (workspace, tool, args)."""
    from core.codemode.executor import execute_code

    groups: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    owners: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for q in queries:
        for f in q["facts"]:
            gk = (q["workspace"], f["tool"], json.dumps(f["args"], sort_keys=True))
            slot = f"{q['id']}/{f['name']}"
            groups[gk][slot] = f["expr"]
            owners[gk].append((q["id"], f["name"]))
    values: dict[tuple[str, str], Any] = {}
    for (ws, tool, args), exprs in sorted(groups.items()):
        res = execute_code(_program(tool, json.loads(args), exprs), Path(workspaces) / ws)
        if not res.ok:
            raise RuntimeError(f"deriving facts from {tool}({args}) in {ws} failed: "
                               f"{res.exception_type}: {res.exception_message}\n{res.stderr[-800:]}")
        out = json.loads(res.stdout.strip().splitlines()[-1])
        for slot, value in out.items():
            qid, name = slot.split("/", 1)
            values[(qid, name)] = value
    return values


def tool_query_records(workspaces: Path, queries: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Tool queries (the core 13 by default) as suite records, with facts derived from real runs."""
    queries = TOOL_QUERIES if queries is None else queries
    values = derive_values(queries, workspaces)
    records = []
    for q in queries:
        facts = []
        for f in q["facts"]:
            value = values[(q["id"], f["name"])]
            facts.append({"name": f["name"], "value": value, "patterns": f["patterns"](value), "match": f["match"],
                          "source": {"tool": f["tool"], "args": f["args"], "expr": f["expr"]}})
        record: dict[str, Any] = {"id": q["id"], "category": "tool", "topic": q["topic"], "prompt": q["prompt"],
                                  "expected_tools": q["tools"], "workspace": q["workspace"], "facts": facts}
        record.update({k: q[k] for k in ("tier", "complexity") if k in q})
        records.append(record)
    return records
