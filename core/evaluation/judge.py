"""An optional model judge for the direct answers (``[evaluation.judge]``).

The judge, any mlx-lm model, reads the question, the reference answer, the rubric's concepts and
the answer, and replies ``PASS: reason`` or ``FAIL: reason``. Its grade and one-line reason are
recorded on each direct query (``score.judge``). The rubric decides quality unless
``decides = true``; either way ``agreement`` says how often the rubric and the judge agree, for
the report. A judge marked ``stand_in`` (the demo's tiny models) is labelled so everywhere: its
grades mean nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.config import JudgeSection
from core.data.suite import Suite, SuiteQuery
from core.evaluation.schema import CheckResult, JudgeVerdict, QueryRecord, QueryScore, ResultsFile

_VERDICT = re.compile(r"^\W*(PASS|FAIL)\b\W*(.*)$", re.IGNORECASE | re.MULTILINE)
Grader = Callable[[list[str]], list[str]]
"""Prompts in, the judge's replies out (one each)."""


def judge_prompt(template: str, q: SuiteQuery, answer: str) -> str:
    rubric = "; ".join(g.name for g in q.rubric.groups) if q.rubric else ""
    return (template.replace("{question}", q.prompt).replace("{reference}", q.reference or "(none)")
            .replace("{rubric}", rubric).replace("{answer}", answer.strip() or "(empty)"))


def read_verdict(reply: str) -> tuple[bool | None, str]:
    """(pass/fail, one-line reason) from the judge's reply; (None, why) when it has no PASS/FAIL line."""
    m = _VERDICT.search(reply or "")
    if m is None:
        first = (reply or "").strip().splitlines()[0][:120] if (reply or "").strip() else "(empty)"
        return None, f"no PASS/FAIL line in the judge's reply: {first!r}"
    reason = m.group(2).strip() or "(no reason given)"
    return m.group(1).upper() == "PASS", reason[:200]


def with_judge(score: QueryScore, verdict: JudgeVerdict) -> QueryScore:
    """``score`` with the judge's verdict recorded; when the judge decides, its grade replaces the
    rubric's in quality (an unreadable reply leaves the rubric's)."""
    label = "stand-in judge" if verdict.stand_in else "judge"
    line = f"{label} ({verdict.model}): {'pass' if verdict.passed else 'fail' if verdict.passed is False else '?'}"
    line += f" - {verdict.reason}"
    quality = score.quality
    verdict = verdict.model_copy(update={"rubric_passed": quality.passed})
    if verdict.decides and verdict.passed is not None:
        quality = CheckResult(passed=verdict.passed, evidence=[f"{label} decides: {line}",
                                                              *(f"rubric: {e}" for e in quality.evidence)])
    else:
        quality = quality.model_copy(update={"evidence": [*quality.evidence, f"{line} (the rubric decides)"]})
    checks = {"format": score.format, "discrimination": score.discrimination, "typed": score.typed,
              "quality": quality}
    applicable = [c.passed for c in checks.values() if c.passed is not None]
    passed = sum(1 for p in applicable if p)
    return score.model_copy(update={"quality": quality, "judge": verdict,
                                    "strict_pass": bool(applicable) and passed == len(applicable),
                                    "partial": passed / len(applicable) if applicable else 0.0})


def apply_judge(results: ResultsFile, suite: Suite, cfg: JudgeSection, grade: Grader) -> ResultsFile:
    """The results with every direct answer graded by the judge (one batch of prompts)."""
    from core.evaluation.scoring import aggregate

    by_id = {q.id: q for q in suite.queries}
    todo = [(i, rec, by_id[rec.query_id]) for i, rec in enumerate(results.queries)
            if rec.category == "direct" and rec.query_id in by_id]
    replies = grade([judge_prompt(cfg.prompt_template, q, rec.final_answer) for _, rec, q in todo]) if todo else []
    records = list(results.queries)
    for (i, rec, _q), reply in zip(todo, replies, strict=True):
        passed, reason = read_verdict(reply)
        verdict = JudgeVerdict(model=cfg.path, passed=passed, reason=reason, decides=cfg.decides,
                               rubric_passed=None, stand_in=cfg.stand_in)
        base = rec.score if rec.score.judge is None else _without_judge(rec.score)
        records[i] = rec.model_copy(update={"score": with_judge(base, verdict)})
    note = (f"direct answers graded by the {'stand-in ' if cfg.stand_in else ''}judge {cfg.path}; "
            f"{'the judge' if cfg.decides else 'the rubric'} decides")
    return results.model_copy(update={"queries": records, "aggregates": aggregate(records),
                                      "notes": [*results.notes, note]})


def _without_judge(score: QueryScore) -> QueryScore:
    ev = [e for e in score.quality.evidence if "judge" not in e.split(":", 1)[0]]
    return score.model_copy(update={"judge": None, "quality": score.quality.model_copy(update={"evidence": ev})})


@dataclass(frozen=True)
class Agreement:
    """How often the rubric and the judge agree on the direct answers."""

    graded: int
    agree: int
    rubric_only: int
    """The rubric passed, the judge failed."""
    judge_only: int
    """The judge passed, the rubric failed."""
    unreadable: int
    stand_in: bool

    @property
    def share(self) -> float | None:
        return self.agree / self.graded if self.graded else None

    def describe(self) -> str:
        if not self.graded and not self.unreadable:
            return "no judge grades"
        who = "stand-in judge" if self.stand_in else "judge"
        pct = f"{self.share:.0%}" if self.share is not None else "n/a"
        return (f"rubric and {who} agree on {self.agree}/{self.graded} direct answers ({pct}); rubric-only passes "
                f"{self.rubric_only}, judge-only passes {self.judge_only}"
                + (f"; {self.unreadable} judge replies unreadable" if self.unreadable else ""))


def agreement(records: Sequence[QueryRecord]) -> Agreement:
    graded = agree = rubric_only = judge_only = unreadable = 0
    stand_in = False
    for rec in records:
        j = rec.score.judge
        if j is None:
            continue
        stand_in = stand_in or j.stand_in
        if j.passed is None:
            unreadable += 1
            continue
        r = j.rubric_passed
        graded += 1
        agree += r == j.passed
        rubric_only += bool(r) and not j.passed
        judge_only += j.passed and not r
    return Agreement(graded, agree, rubric_only, judge_only, unreadable, stand_in)


def judge_lines(records_by_model: dict[str, Sequence[QueryRecord]]) -> list[str]:
    """Report lines on how often the rubric and the judge agree, per model; none without judge grades."""
    lines = [f"- {model}: {a.describe()}" for model, recs in records_by_model.items()
             if (a := agreement(recs)).graded or a.unreadable]
    if not lines:
        return []
    return ["Model judge of the direct answers (beside the rubric):", "", *lines, ""]


def judge_results(cfg: Any, suite: Suite, results: ResultsFile, log: Callable[[str], None] = print) -> ResultsFile:
    """Grade ``results``' direct answers with the configured judge (``cfg.evaluation.judge``)."""
    jc: JudgeSection = cfg.evaluation.judge
    local = cfg.resolve(jc.path)
    path = str(local) if local.exists() or jc.path.startswith((".", "/", "~")) else jc.path
    who = "stand-in judge" if jc.stand_in else "judge"
    log(f"grading the direct answers with the {who} {path} ({'it decides' if jc.decides else 'the rubric decides'})")
    graded = apply_judge(results, suite, jc.model_copy(update={"path": path}),
                         mlx_grader(path, jc.family, jc.max_tokens, cfg.evaluation.batch_size))
    log(agreement(graded.queries).describe())
    return graded


def mlx_grader(path: str, family: str, max_tokens: int, batch_size: int = 4) -> Grader:
    """Grades with an mlx-lm model, greedily, through the suite's own batched engine."""
    from core.evaluation.generation import Engine, Request, load

    model, tokenizer = load(path)
    engine = Engine(model, tokenizer, family, system_prompt="You are a strict, fair grader.", tools=None,
                    max_tokens=max_tokens, temperature=0.0, batch_size=batch_size)

    def grade(prompts: list[str]) -> list[str]:
        outs = engine.generate([Request(str(i), [{"role": "user", "content": p}]) for i, p in enumerate(prompts)])
        by_key: dict[str, Any] = {o.key: o.text for o in outs}
        return [by_key.get(str(i), "") for i in range(len(prompts))]

    return grade


__all__ = ["Agreement", "agreement", "apply_judge", "judge_prompt", "judge_lines", "judge_results", "mlx_grader", "read_verdict",
           "with_judge"]
