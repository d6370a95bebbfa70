"""The pipeline's stage table: names, order, prerequisites and the module under ``core.stages``
that runs each one (``python -m core.stages NAME``).

Foundation: pure data, imports nothing from the project, so the run state, the runner and the
dashboard read it without importing the stages (or mlx).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StageDef:
    name: str
    module: str
    title: str
    needs: tuple[str, ...] = ()
    args: tuple[str, ...] = field(default_factory=tuple)
    uses_mlx: bool = True


STAGES: tuple[StageDef, ...] = (
    StageDef("prepare", "prepare", "prepare", uses_mlx=False),
    StageDef("train", "train", "train", needs=("prepare",)),
    StageDef("fuse", "fuse", "fuse", needs=("train",)),
    StageDef("quantize", "quantize", "quantize", needs=("fuse",)),
    StageDef("parity", "parity", "parity", needs=("train", "fuse", "quantize")),
    StageDef("test_candidate", "test", "test 7B", needs=("parity",), args=("--model", "candidate")),
    StageDef("test_baseline", "test", "test 30B", needs=("prepare",), args=("--model", "baseline")),
    StageDef("compare", "compare", "compare", needs=("test_candidate", "test_baseline"), uses_mlx=False),
    StageDef("report", "report", "report", needs=("compare",), uses_mlx=False),
)
STAGE_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)
BY_NAME: dict[str, StageDef] = {s.name: s for s in STAGES}


class UnknownStage(ValueError):
    pass


def get(name: str) -> StageDef:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownStage(f"unknown stage {name!r}; the stages are: {', '.join(STAGE_NAMES)}") from None


def ordered(names: list[str] | tuple[str, ...]) -> list[str]:
    """The named stages, checked and put in pipeline order."""
    wanted = {get(n).name for n in names}
    return [s for s in STAGE_NAMES if s in wanted]


def with_prerequisites(names: list[str] | tuple[str, ...]) -> list[str]:
    """The named stages plus everything they need, in pipeline order."""
    todo = list(names)
    seen: set[str] = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo.extend(get(n).needs)
    return ordered(sorted(seen))


def parse_stage_list(text: str) -> list[str]:
    """'prepare,train' or 'all' or 'train+' (train and its prerequisites)."""
    text = text.strip()
    if text in ("all", "*"):
        return list(STAGE_NAMES)
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise UnknownStage("no stages named")
    plus = [n[:-1] for n in names if n.endswith("+")]
    plain = [n for n in names if not n.endswith("+")]
    return ordered(plain + with_prerequisites(plus)) if plus else ordered(plain)
