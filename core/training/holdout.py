"""The training rows held out of the LoRA: those that state a suite query's answer.

A row of ``train.jsonl`` that asks about a tool query's workspace, calls every tool the query
expects and whose final answer states every one of its facts answers the suite question
(``core.data.leakage``, kind ``facts``; ``rows_stating_suite_facts``). The LoRA never trains on
such a row: the trainer, and the copy of the rows behind the equivalent `mlx_lm lora` command,
leave those lines out. The check runs against the core suite together with its extension, so a run
of either tier is honest. The data files are never changed, and ``valid.jsonl`` (never trained on)
stays whole. ``[data] hold_out_leaking = false`` trains on every row; the rows are still counted,
so the summary and the report say how many of them state suite facts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.config import ExperimentConfig


class HoldOutError(ValueError):
    """The suite the held-out rows are found with cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class HoldOut:
    enabled: bool  # [data] hold_out_leaking
    rows: int = 0  # rows in train.jsonl
    stating: dict[int, list[str]] = field(default_factory=dict)  # line of train.jsonl -> suite query ids
    suite_sha256: str = ""  # "" when no suite was read (only with hold_out_leaking = false)
    suite_file: str = ""
    queries: int = 0  # suite queries checked against

    @property
    def lines(self) -> frozenset[int]:
        """The lines of train.jsonl the LoRA does not train on."""
        return frozenset(self.stating) if self.enabled else frozenset()

    @property
    def trained(self) -> int:
        return self.rows - len(self.lines)

    def per_query(self) -> dict[str, int]:
        """Suite query id -> rows that state every one of its facts, most first."""
        counts = Counter(q for ids in self.stating.values() for q in ids)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def counts_text(self, shown: int = 5) -> str:
        items = [f"{q} ×{n}" for q, n in self.per_query().items()]
        return ", ".join(items[:shown]) + (", …" if len(items) > shown else "")

    def message(self, listing: Path) -> tuple[str, str]:
        """(level, the stage's log line) about the rows held out or, when disabled, trained on."""
        n, m = len(self.stating), self.rows
        if not self.suite_sha256:
            return "warning", (f"training on all {m} rows; the suite could not be read, so no row was checked "
                               "for suite facts ([data] hold_out_leaking = false)")
        if not n:
            return "info", f"training on all {m} rows: none states every fact of a suite query ({self.queries} checked)"
        if self.enabled:
            return "info", (f"holding {n} of {m} training rows out of the LoRA: they state every fact of a suite "
                            f"query ({self.counts_text()}); list in {listing}")
        return "warning", (f"training on all {m} rows, {n} of which state every fact of a suite query "
                           f"({self.counts_text()}), because [data] hold_out_leaking = false; list in {listing}")

    def listing(self, train_file: Path) -> str:
        """The text of the list file: one line per row stating suite facts (file:line: query ids)."""
        fate = "held out of the LoRA" if self.enabled else "trained on ([data] hold_out_leaking = false)"
        head = [f"# rows of {train_file} that state every fact of a suite query: {fate}",
                f"# checked against {self.suite_file or 'no suite'} ({self.queries} queries, sha256 "
                f"{self.suite_sha256[:12] or '-'}); {len(self.stating)} of {self.rows} rows"]
        return "\n".join(head + [f"{_shown(train_file)}:{line}: {', '.join(ids)}"
                                 for line, ids in sorted(self.stating.items())]) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "rows": self.rows, "suite_sha256": self.suite_sha256,
                "suite_file": self.suite_file, "queries": self.queries,
                "stating": {str(k): v for k, v in sorted(self.stating.items())}}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> HoldOut:
        """Back from to_dict (JSON keys are strings: the lines become numbers again)."""
        stating = {int(k): list(v) for k, v in (doc.get("stating") or {}).items()}
        return cls(enabled=bool(doc.get("enabled", True)), rows=int(doc.get("rows", 0)), stating=stating,
                   suite_sha256=str(doc.get("suite_sha256", "")), suite_file=str(doc.get("suite_file", "")),
                   queries=int(doc.get("queries", 0)))


def _shown(path: Path) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def find_hold_out(cfg: ExperimentConfig, train_file: Path) -> HoldOut:
    """The rows of ``train_file`` that state every fact of a query of the config's suite and its
    extension. Raises DataError for a bad row, HoldOutError when the suite cannot be read (with
    hold_out_leaking = false an unreadable suite only means nothing is checked)."""
    from core.data.leakage import rows_stating_suite_facts, suite_with_extension
    from core.data.suite import SuiteError
    from core.data.suite_tier import extended_suite_path
    from core.training.data import numbered_rows

    enabled = cfg.data.hold_out_leaking
    numbered = numbered_rows(train_file)
    try:
        suite, path = suite_with_extension(cfg.resolve(cfg.data.suite), extended_suite_path(cfg))
    except SuiteError as exc:
        if not enabled:
            return HoldOut(enabled=False, rows=len(numbered))
        where = f" in {cfg.source}" if cfg.source else ""
        raise HoldOutError(f"cannot find the training rows that state suite facts, to hold them out of the "
                           f"LoRA ([data] hold_out_leaking{where}): {exc.render()}\nfix data.suite (or "
                           "data.extended_suite), or set [data] hold_out_leaking = false") from None
    found = rows_stating_suite_facts([row for _, row in numbered], suite)
    return HoldOut(enabled=enabled, rows=len(numbered), stating={numbered[i][0]: ids for i, ids in found.items()},
                   suite_sha256=suite.sha256, suite_file=str(path), queries=len(suite.queries))
