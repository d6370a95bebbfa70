"""The rows the tiny demo models are built from.

* The demo training set (``data/demo/compact/{train,valid}.jsonl``, made by ``phase25 data build``):
  chat rows with the compact Code Mode system prompt. Rows without tool calls are "direct answer"
  rows; rows whose assistant calls ``execute_code`` are Code Mode rows.
* ``data/demo/pretrain/*.jsonl``: generic coding chat (short code replies, plain answers), no tools.
* Generic tool chats made from a seed (``core.demo.toolchat``): the candidate's "instruct"
  pretraining, with tools that are neither ``execute_code`` nor the five Code Mode tools.

Malformed rows are reported with the file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.turns import expand
from core.paths import DATA_DIR

PRETRAIN_DIR = DATA_DIR / "demo" / "pretrain"
FINETUNE_DIR = DATA_DIR / "demo" / "finetune"
SUITE_FILE = DATA_DIR / "suite" / "suite.json"   # with extended.json beside it: what no build row may answer


class CorpusError(ValueError):
    """The demo corpus is missing or has a malformed row (the message names file, line and field)."""


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Chat rows from a JSONL file, checked for the fields training needs."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from None
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        _check_row(row, f"{path}:{n}")
        rows.append(row)
    return rows


def _check_row(row: Any, where: str) -> None:
    """The project's one row validator (``core.data.schema.validate_row``): the first problem it
    finds, with the file, line and field, becomes a CorpusError."""
    from core.data.problems import Problems
    from core.data.schema import validate_row

    file, _, line = where.rpartition(":")
    problems = Problems()
    if not isinstance(row, dict):
        raise CorpusError(f"{where}: a row must be a JSON object")
    validate_row(row, file, int(line), problems)
    if problems.errors:
        raise CorpusError(str(problems.errors[0]) + (f" (and {len(problems.errors) - 1} more problems)"
                                                      if len(problems.errors) > 1 else ""))


def _call_names(row: dict[str, Any]) -> list[str]:
    names = []
    for m in row["messages"]:
        for c in m.get("tool_calls") or []:
            fn = c.get("function", c) if isinstance(c, dict) else {}
            names.append(str(fn.get("name", "")))
    return names


def is_direct(row: dict[str, Any]) -> bool:
    """A row whose assistant answers without any tool call."""
    return not _call_names(row) and not any(m["role"] == "tool" for m in row["messages"])


def is_code_mode(row: dict[str, Any]) -> bool:
    """A row whose assistant calls ``execute_code``."""
    return "execute_code" in _call_names(row)


@dataclass
class DemoCorpus:
    train: list[dict[str, Any]]
    valid: list[dict[str, Any]]
    generic: list[dict[str, Any]]
    source: Path = Path(".")
    extra: list[dict[str, Any]] = field(default_factory=list)   # generated Code Mode rows (baseline)
    _suite_facts: dict[int, list[str]] | None = field(default=None, repr=False, compare=False)

    def pretrain_rows(self) -> list[dict[str, Any]]:
        """Rows without tool calls: the training set's direct answers plus the generic coding chat."""
        return [r for r in self.train if is_direct(r)] + self.generic

    def pretrain_valid(self) -> list[dict[str, Any]]:
        return [r for r in self.valid if is_direct(r)]

    def instruct_rows(self, n_tool: int, seed: int, n_more: int = 0) -> list[dict[str, Any]]:
        """The candidate's "instruct" pretraining, as a real instruct model has had it before any
        Code Mode fine-tune: ``n_tool`` generic tool chats (call, read the result, answer; or answer
        in text when no tool fits), the direct answers under a generic system prompt, and the
        generic coding chat; and ``n_more`` chats with the tools listed in the system prompt's words
        or a generic ``run_python`` tool (``core.demo.toolchat_more``). No row holds the Code Mode
        prompt, ``execute_code`` or its five tools."""
        from core.demo.toolchat import code_snippets, generic_tool_rows
        from core.demo.toolchat_more import more_tool_rows

        direct = [generic_system(r) for r in self.train if is_direct(r)]
        qa, snippets = qa_pairs(direct + self.generic), code_snippets(self.generic)
        more = more_tool_rows(n_more, seed, qa, snippets) if n_more else []
        return generic_tool_rows(n_tool, seed, qa, snippets) + more + direct + self.generic

    def instruct_valid(self, seed: int, n_more: int = 0) -> list[dict[str, Any]]:
        from core.demo.toolchat import code_snippets, generic_tool_rows
        from core.demo.toolchat_more import more_tool_rows

        direct = [generic_system(r) for r in self.valid if is_direct(r)]
        qa, snippets = qa_pairs(direct), code_snippets(self.generic)
        more = more_tool_rows(24, seed + 7919, qa, snippets) if n_more else []
        return generic_tool_rows(48 - len(more), seed + 7919, qa, snippets) + more + direct

    def finetune_rows(self, split: str = "train") -> list[dict[str, Any]]:
        """The baseline's Code Mode fine-tune rows: one per assistant turn, so the execute_code call
        ends a row and the Qwen3 template renders it after the empty ``<think>`` block, exactly as
        the test stage's generation prompt (thinking off) asks for it. Training rows that state
        every fact of a suite query are left out (``suite_fact_rows``), as the pipeline's LoRA
        leaves them out."""
        if split != "train":
            return expand(self.valid)
        held = self.suite_fact_rows()
        return expand([r for i, r in enumerate(self.train) if i not in held] + self.extra)

    def suite_fact_rows(self) -> dict[int, list[str]]:
        """Training-set rows (index -> suite query ids) that ask about a suite tool query's workspace
        with its tools and answer with every one of its facts (the leakage check's ``facts`` kind,
        against the core and extended suites): no demo model is trained on them. The generated
        rows (``extra``) were dropped on any finding when they were made."""
        if self._suite_facts is None:
            from core.data.leakage import rows_stating_suite_facts, suite_with_extension

            suite, _ = suite_with_extension(SUITE_FILE)
            self._suite_facts = rows_stating_suite_facts(self.train, suite)
        return self._suite_facts

    def all_rows(self) -> list[dict[str, Any]]:
        """What the tokenizers are trained on: every training row, tool calls and results included."""
        return self.train + self.extra + self.generic

    def counts(self) -> dict[str, int]:
        return {
            "train_rows": len(self.train),
            "valid_rows": len(self.valid),
            "train_code_mode_rows": sum(is_code_mode(r) for r in self.train),
            "train_direct_rows": sum(is_direct(r) for r in self.train),
            "pretrain_generic_rows": len(self.generic),
            "finetune_generated_rows": len(self.extra),
            "train_rows_held_out_suite_facts": len(self.suite_fact_rows()),
        }

    def describe(self) -> str:
        c = self.counts()
        return (f"{c['train_rows']} train rows ({c['train_code_mode_rows']} Code Mode, "
                f"{c['train_direct_rows']} direct), {c['valid_rows']} valid rows, "
                f"{c['pretrain_generic_rows']} generic pretraining rows, "
                f"{c['finetune_generated_rows']} generated Code Mode rows")


GENERIC_SYSTEM = "You are a helpful coding assistant. Answer briefly."


def generic_system(row: dict[str, Any]) -> dict[str, Any]:
    """A direct-answer row with the Code Mode system prompt replaced by a generic one."""
    msgs = [m for m in row["messages"] if m["role"] != "system"]
    return {"messages": [{"role": "system", "content": GENERIC_SYSTEM}, *msgs]}


def qa_pairs(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(question, answer) of single-exchange rows without tool calls."""
    out = []
    for r in rows:
        msgs = [m for m in r["messages"] if m["role"] != "system"]
        if len(msgs) == 2 and msgs[0]["role"] == "user" and msgs[1]["role"] == "assistant" \
                and not msgs[1].get("tool_calls"):
            out.append((msgs[0]["content"], msgs[1]["content"]))
    return out


def finetune_dir(corpus_dir: Path) -> Path:
    """The generated Code Mode rows that go with a training set: ``finetune/`` beside it
    (``data/demo/finetune`` for ``data/demo/compact``; see ``core.demo.codemode_gen``)."""
    return Path(corpus_dir).parent / FINETUNE_DIR.name


def _files(corpus_dir: Path) -> list[Path]:
    """What the weights depend on; the suites too, since the rows that answer them are left out."""
    return [corpus_dir / "train.jsonl", corpus_dir / "valid.jsonl", *sorted(PRETRAIN_DIR.glob("*.jsonl")),
            *sorted(finetune_dir(corpus_dir).glob("*.jsonl")), SUITE_FILE, SUITE_FILE.with_name("extended.json")]


def load_corpus(corpus_dir: Path) -> DemoCorpus:
    corpus_dir = Path(corpus_dir)
    if not (corpus_dir / "train.jsonl").is_file():
        raise CorpusError(f"{corpus_dir / 'train.jsonl'}: no such file; the demo models are trained on the "
                          "demo training set: run `phase25 data build` first")
    corpus = DemoCorpus(
        train=read_rows(corpus_dir / "train.jsonl"),
        valid=read_rows(corpus_dir / "valid.jsonl") if (corpus_dir / "valid.jsonl").is_file() else [],
        generic=[r for p in sorted(PRETRAIN_DIR.glob("*.jsonl")) for r in read_rows(p)],
        source=corpus_dir,
        extra=[r for p in sorted(finetune_dir(corpus_dir).glob("*.jsonl")) for r in read_rows(p)],
    )
    if not any(is_code_mode(r) for r in corpus.train):
        raise CorpusError(f"{corpus_dir / 'train.jsonl'}: no Code Mode rows (an assistant tool_calls entry "
                          "naming execute_code); the baseline stand-in needs them")
    if len(corpus.pretrain_rows()) < 4:
        raise CorpusError(f"{corpus_dir / 'train.jsonl'}: fewer than 4 rows without tool calls to pretrain on")
    return corpus


def corpus_digest(corpus_dir: Path) -> str:
    """sha256 over the corpus files (names and bytes); raises CorpusError if train.jsonl is missing."""
    corpus_dir = Path(corpus_dir)
    if not (corpus_dir / "train.jsonl").is_file():
        raise CorpusError(f"{corpus_dir / 'train.jsonl'}: no such file")
    h = hashlib.sha256()
    for p in _files(corpus_dir):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()
