"""The extended suite's 52 tool queries: beyond the core 13, on the three seen workspaces and on
the held-out ones (data/workspaces/HELDOUT). Facts are derived by really running the tools, as for
the core (``suite_tools.derive_values``). ``complexity``: "quick" for reading, searching and
counting; "complex" for refactoring, release and architecture questions that combine findings.
"""

from __future__ import annotations

import re
from typing import Any

from core.data.suite_tools import CLEAN, F, each, lit, num, when_true

TYPES_OK = r"(mypy|type[- ]?check\w*|types?)[^.\n]{0,40}(pass|clean|ok\b|green)"
LINT_OK = r"(ruff|lint\w*)[^.\n]{0,40}(pass|clean|ok\b|green)"
STRICT_ON = (r"strict\s*=\s*true", r"(?<!not )(?<!n't )\b(uses|runs|enables?|enabled|configured (for|with)|has|in|under|with) "
             r"(mypy'?s? )?strict", r"strict (mode )?(is )?(on|enabled|turned on|set)")
READY = (r"\bnothing\b[^.\n]{0,30}block", r"\bno\b[^.\n]{0,20}block", r"\bready\b", r"good to go",
         r"\bcan (cut|release|ship|publish|tag)", r"not blocked")


def decimal_prefix(value: str) -> list[str]:
    """A float printed in full (9.333333333333334): any answer with its first two decimals."""
    whole, _, frac = value.partition(".")
    return [rf"(?<![\d.]){re.escape(whole)}\.{re.escape(frac[:2])}"]


def float_value(value: float) -> list[str]:
    return [rf"(?<![\d.]){int(value)}(\.0+)?(?![\d])"] if value == int(value) else [re.escape(str(value))]


def Q(qid: str, topic: str, workspace: str, tools: list[str], complexity: str, prompt: str,
      facts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": qid, "topic": topic, "workspace": workspace, "tools": tools, "complexity": complexity,
            "tier": "extended", "prompt": prompt, "facts": facts}


ALL = {"path": "."}
WC_ROWS = "[l.split() for l in r.stdout.splitlines() if not l.strip().endswith('total')]"

SEEN: list[dict[str, Any]] = [
    Q("x01_inventory_ruff_clean", "ruff_check", "inventory", ["ruff_check"], "quick",
      "Does ruff find anything at all to complain about in the inventory package?",
      [F("lint_clean", "ruff_check", ALL, "r.passed", when_true(CLEAN, LINT_OK, r"\b(finds?|found|reports?|reported|flags?|flagged)\s+nothing\b"))]),
    Q("x02_inventory_union_attr_lines", "typecheck", "inventory", ["typecheck"], "quick",
      "Which line numbers in inventory's stock.py get a union-attr complaint from mypy?",
      [F("lines", "typecheck", ALL, "sorted({e.line for e in r.errors if e.code == 'union-attr'})", each, "all")]),
    Q("x03_inventory_remove_refactor", "typecheck+read_file", "inventory", ["typecheck", "read_file"], "complex",
      "I want Stock.remove in inventory to stop crashing when the SKU is unknown. On which line does remove "
      "start, and which lines of its body does mypy object to?",
      [F("def_line", "read_file", {"path": "inventory/stock.py"},
         "[i for i, l in enumerate(r.content.splitlines(), 1) if 'def remove' in l][0]", num),
       F("error_lines", "typecheck", ALL, "sorted({e.line for e in r.errors if e.code == 'union-attr'})", each, "all")]),
    Q("x04_inventory_test_total", "pytest_run", "inventory", ["pytest_run"], "quick",
      "How many tests does the inventory project contain altogether, and how many of them are red right now?",
      [F("total", "pytest_run", ALL, "r.passed + r.failed + r.skipped", num),
       F("failed", "pytest_run", ALL, "r.failed", num)]),
    Q("x05_inventory_label_fix", "typecheck+read_file", "inventory", ["typecheck", "read_file"], "complex",
      "Stock.label in inventory glues a string to an integer. Which mypy error code does that produce, and what "
      "is the expression on the offending line?",
      [F("code", "typecheck", ALL, "[e.code for e in r.errors if 'operand' in e.message][0]", lit),
       F("expression", "read_file", {"path": "inventory/stock.py"},
         "[l.strip() for l in r.content.splitlines() if 'return item.sku' in l][0].split('return ')[1]", lit)]),
    Q("x06_textstats_counting_lint", "ruff_check", "textstats", ["ruff_check"], "quick",
      "Run ruff on textstats/counting.py alone: which rule codes fire there, and on which lines?",
      [F("codes", "ruff_check", {"path": "textstats/counting.py"}, "sorted({v.code for v in r.violations})",
         each, "all"),
       F("lines", "ruff_check", {"path": "textstats/counting.py"}, "sorted({v.line for v in r.violations})",
         each, "all")]),
    Q("x07_textstats_skipped_reason", "pytest_run+read_file", "textstats", ["pytest_run", "read_file"], "quick",
      "One textstats test never runs. Which test is it, and what reason does its marker give?",
      [F("skipped", "pytest_run", ALL, "r.skipped", num),
       F("test", "read_file", {"path": "tests/test_counting.py"},
         "re.search(r'@pytest.mark.skip[^\\n]*\\ndef (\\w+)', r.content).group(1)", lit),
       F("reason", "read_file", {"path": "tests/test_counting.py"},
         "re.search(r'reason=\"([^\"]+)\"', r.content).group(1)", lambda v: [r"unicode"])]),
    Q("x08_textstats_undefined_codes", "typecheck+ruff_check", "textstats", ["typecheck", "ruff_check"], "complex",
      "banner() in textstats uses something that was never defined. What is it called, and under which code does "
      "each of mypy and ruff report it?",
      [F("mypy_code", "typecheck", ALL, "r.errors[0].code", lit),
       F("ruff_code", "ruff_check", ALL, "[v.code for v in r.violations if 'Undefined' in v.message][0]", lit),
       F("name", "ruff_check", ALL, "[v for v in r.violations if 'Undefined' in v.message][0].message.split('`')[1]",
         lit)]),
    Q("x09_textstats_def_count", "run_command", "textstats", ["run_command"], "quick",
      "Using grep, count the top-level `def` lines across all modules of the textstats package.",
      [F("defs", "run_command", {"cmd": "grep -c '^def ' textstats/*.py"},
         "sum(int(l.rsplit(':', 1)[1]) for l in r.stdout.splitlines())", num)]),
    Q("x10_textstats_word_regex", "read_file", "textstats", ["read_file"], "quick",
      "What regular expression does textstats use to decide what counts as a word? Quote it from the source.",
      [F("regex", "read_file", {"path": "textstats/counting.py"},
         "re.search(r're.compile\\(r\"([^\"]+)\"\\)', r.content).group(1)", lit)]),
    Q("x11_textstats_top_words_default", "read_file", "textstats", ["read_file"], "quick",
      "If I call top_words from textstats without an n, how many words do I get back? Check the signature.",
      [F("default_n", "read_file", {"path": "textstats/counting.py"},
         "int(re.search(r'n: int = (\\d+)', r.content).group(1))", num)]),
    Q("x12_clean_service_statuses", "read_file", "clean_service", ["read_file"], "quick",
      "Which HTTP status codes can clean_service's handle() hand back? Look at the handler module.",
      [F("statuses", "read_file", {"path": "clean_service/handler.py"},
         "sorted({int(x) for x in re.findall(r'Response\\((\\d+)', r.content)})", each, "all")]),
    Q("x13_clean_service_route_tests", "pytest_run -k", "clean_service", ["pytest_run"], "quick",
      "Run clean_service's tests whose names mention 'route' or 'health'. How many get selected, and do they pass?",
      [F("passed", "pytest_run", {"path": ".", "k": "route or health"}, "r.passed", num),
       F("all_pass", "pytest_run", {"path": ".", "k": "route or health"}, "r.failed == 0 and r.errors == 0",
         when_true(r"all (of them |\w+ )?pass", r"\b(no|0|zero)\b[^.\n]{0,20}fail", r"both pass"))]),
    Q("x14_clean_service_strict_mode", "read_file+typecheck", "clean_service", ["read_file", "typecheck"], "quick",
      "Is clean_service configured for strict mypy, and does the code pass under that setting?",
      [F("strict", "read_file", {"path": "pyproject.toml"}, "'strict = true' in r.content", when_true(*STRICT_ON)),
       F("types_clean", "typecheck", ALL, "r.passed", when_true(CLEAN, TYPES_OK))]),
    Q("x15_clean_service_lint_config", "read_file", "clean_service", ["read_file"], "quick",
      "How many ruff rule families does clean_service's pyproject select, and what maximum line length does it set?",
      [F("families", "read_file", {"path": "pyproject.toml"},
         "len(json.loads(re.search(r'select = (\\[.*\\])', r.content).group(1)))", num),
       F("line_length", "read_file", {"path": "pyproject.toml"},
         "int(re.search(r'line-length = (\\d+)', r.content).group(1))", num)]),
    Q("x16_clean_service_test_file_lines", "run_command", "clean_service", ["run_command"], "quick",
      "With wc, how many lines long is clean_service's test module?",
      [F("lines", "run_command", {"cmd": "wc -l tests/test_service.py"}, "int(r.stdout.split()[0])", num)]),
    Q("x17_clean_service_limiter_nonblank", "run_command", "clean_service", ["run_command"], "quick",
      "Use a shell command to count the non-empty lines of clean_service/limiter.py.",
      [F("lines", "run_command", {"cmd": "grep -c . clean_service/limiter.py"}, "int(r.stdout.strip())", num)]),
    Q("x18_inventory_ship_today", "typecheck+ruff_check+pytest_run", "inventory",
      ["typecheck", "ruff_check", "pytest_run"], "complex",
      "Could inventory ship today? Give me a number for each of the three checks: type errors, lint findings "
      "and failing tests.",
      [F("type_errors", "typecheck", ALL, "r.error_count", num),
       F("lint_findings", "ruff_check", ALL, "r.violation_count", num),
       F("failing", "pytest_run", ALL, "r.failed", num)]),
    Q("x19_textstats_report_rewrite", "read_file+ruff_check", "textstats", ["read_file", "ruff_check"], "complex",
      "I'm about to rewrite textstats/report.py from scratch. Which of its lines does ruff flag, and how long is "
      "the file?",
      [F("flagged_lines", "ruff_check", {"path": "textstats/report.py"}, "sorted({v.line for v in r.violations})",
         each, "all"),
       F("total_lines", "read_file", {"path": "textstats/report.py"}, "r.total_lines", num)]),
    Q("x20_inventory_find_raises", "typecheck+pytest_run", "inventory", ["typecheck", "pytest_run"], "complex",
      "Suppose Stock.find in inventory raised KeyError instead of returning None. Which mypy error would that "
      "remove (line and code), and how many tests pass today?",
      [F("line", "typecheck", ALL, "[e.line for e in r.errors if 'Item | None\", expected' in e.message][0]", num),
       F("code", "typecheck", ALL, "[e.code for e in r.errors if 'Item | None\", expected' in e.message][0]", lit),
       F("passing", "pytest_run", ALL, "r.passed", num)]),
    Q("x21_textstats_autofix_scope", "ruff_check", "textstats", ["ruff_check"], "complex",
      "Before I run `ruff check --fix` on textstats, tell me exactly which findings it will repair: their codes "
      "and the file they are in.",
      [F("codes", "ruff_check", ALL, "sorted({v.code for v in r.violations if v.fixable})", each, "all"),
       F("file", "ruff_check", ALL, "sorted({v.file.split('/')[-1] for v in r.violations if v.fixable})[0]", lit)]),
    Q("x22_inventory_readme_units", "read_file", "inventory", ["read_file"], "quick",
      "According to inventory's README, in what unit are item prices stored?",
      [F("unit", "read_file", {"path": "README.md"}, "'cents' in r.content", when_true(r"\bcents?\b"))]),
]
