"""prepare: preflight before anything expensive. Checks that the data, the suite, the fixture
workspaces and the models the config names are there, and counts the data."""

from __future__ import annotations

from pathlib import Path

from core.stages.base import StageContext, StageError, StageOutcome


def _count_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    problems: list[str] = []
    data_dir = cfg.resolve(cfg.data.train)
    counts: dict[str, int] = {}
    for split in ("train", "valid"):
        f = data_dir / f"{split}.jsonl"
        if not f.is_file():
            problems.append(f"{f}: missing ({split} split of data.train)")
        else:
            counts[split] = _count_rows(f)
    suite = cfg.resolve(cfg.data.suite)
    if not suite.is_file():
        problems.append(f"{suite}: missing (data.suite)")
    ws = cfg.resolve(cfg.data.workspaces)
    if not ws.is_dir():
        problems.append(f"{ws}: missing (data.workspaces)")
    for role, spec in (("candidate", cfg.candidate), ("baseline", cfg.baseline)):
        if spec.is_local() and not cfg.resolve(spec.path).exists():
            hint = " (run `phase25 demo build`)" if cfg.experiment.demo else ""
            problems.append(f"{cfg.resolve(spec.path)}: missing ({role}.path){hint}")
    if problems:
        raise StageError("preflight found problems:\n" + "\n".join(f"  - {p}" for p in problems))
    total = sum(counts.values())
    ctx.log(f"data: {counts.get('train', 0)} train + {counts.get('valid', 0)} valid rows in {data_dir}")
    return StageOutcome(summary={"rows": counts}, headline=f"{total} rows ok")
