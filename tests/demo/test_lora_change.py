"""What LoRA changed: calls, checks and passes of the unadapted candidate beside the adapted one."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.evaluation.lora_change import UNADAPTED_FILE, lora_change, render_section, section_for
from core.evaluation.schema import (
    CheckResult,
    Measurements,
    ModelIdentity,
    ParseRecord,
    QueryRecord,
    QueryScore,
    ResultsError,
    ResultsFile,
    Round,
    Settings,
    ToolExecution,
)
from core.evaluation.scoring import aggregate


def _q(qid: str, category: str, call: str, passed: bool) -> QueryRecord:
    """call: 'none', 'lenient' (a call that only parses leniently), 'strict', 'other' (another tool)."""
    has = call != "none"
    parse = ParseRecord(has_call=has, strict_ok=call == "strict", lenient_ok=has,
                        name=("run_sql" if call == "other" else "execute_code") if has else None,
                        code="print(1)" if has else None)
    ran = category == "tool" and call in ("strict", "lenient")
    fmt = CheckResult(passed=(call == "strict") if category == "tool" else None)
    score = QueryScore(format=fmt, discrimination=CheckResult(passed=has == (category == "tool")),
                       typed=CheckResult(passed=ran if category == "tool" else None),
                       quality=CheckResult(passed=passed), lenient_format=has, strict_pass=passed,
                       partial=1.0 if passed else 0.0)
    execution = ToolExecution(code="print(1)", workspace="w", ok=True, response="{}", result={}) if ran else None
    return QueryRecord(query_id=qid, category=category, prompt="p", rounds=[Round(
        text="t", prompt_tokens=1, generated_tokens=1, latency_s=0.1)], call=parse, execution=execution,
        final_answer="a", measurements=Measurements(prompt_tokens=1, generated_tokens=1, ttft_s=None,
                                                    generation_tps=None, latency_s=0.1, peak_memory_bytes=None),
        score=score)


def _results(queries: list[QueryRecord], suite_hash: str = "s" * 64) -> ResultsFile:
    return ResultsFile(created="2026-01-01T00:00:00+00:00", suite_hash=suite_hash, suite_path="suite.json",
                       config_hash="c", data_hash="d",
                       model=ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="quantized"),
                       settings=Settings(max_tokens=8, temperature=0.0, batch_size=1, compact_prompt=True,
                                         exec_timeout_s=1.0, system_prompt_sha256="x", system_prompt_tokens=1),
                       wall_s=1.0, queries=queries, aggregates=aggregate(queries))


BEFORE = _results([_q("t1", "tool", "none", False), _q("t2", "tool", "other", False),
                   _q("t3", "tool", "lenient", False), _q("d1", "direct", "none", False),
                   _q("d2", "direct", "strict", False)])
AFTER = _results([_q("t1", "tool", "strict", True), _q("t2", "tool", "strict", False),
                  _q("t3", "tool", "lenient", False), _q("d1", "direct", "none", True),
                  _q("d2", "direct", "none", False)])


def test_calls_checks_and_passes_before_and_after():
    ch = lora_change(BEFORE, AFTER)
    b, a = ch.before, ch.after
    assert (b.tool_queries, b.direct_queries) == (3, 2)
    # a call to another tool is a call, but not an execute_code call
    assert (b.calls_lenient, b.calls_strict, b.direct_calls, b.strict_passes) == (1, 0, 1, 0)
    assert (a.calls_lenient, a.calls_strict, a.direct_calls, a.strict_passes) == (3, 2, 0, 2)
    assert b.checks["format"] == (0, 3) and a.checks["format"] == (2, 3)
    assert {c.query_id for c in ch.changed} == {"t1", "t2", "d1", "d2"}   # t3 is unchanged


def test_the_section_shows_both_sides_and_what_changed():
    text = "\n".join(render_section(lora_change(BEFORE, AFTER)))
    assert "## What LoRA changed" in text
    assert "| `execute_code` calls on tool queries (lenient) | 1/3 | 3/3 |" in text
    assert "| well-formed calls (strict) | 0/3 | 2/3 |" in text
    assert "| calls on direct questions | 1/2 | 0/2 |" in text
    assert "| strict passes | 0/5 | 2/5 |" in text
    assert "`t1` (tool): no call, fail → well-formed call, pass" in text


def test_runs_on_different_suites_are_not_compared():
    with pytest.raises(ResultsError, match="different suites"):
        lora_change(BEFORE, _results(AFTER.queries, suite_hash="t" * 64))


def test_the_report_hook_finds_the_unadapted_run_beside_the_results(tmp_path: Path):
    results = tmp_path / "phase25_results.json"
    assert "Not measured" in "\n".join(section_for(AFTER, {"results": str(results)}))
    (tmp_path / UNADAPTED_FILE).write_text(BEFORE.model_dump_json())
    assert "| strict passes | 0/5 | 2/5 |" in "\n".join(section_for(AFTER, {"results": str(results)}))
    (tmp_path / UNADAPTED_FILE).write_text("{broken")
    assert "Not shown" in "\n".join(section_for(AFTER, {"results": str(results)}))


def test_the_unadapted_run_is_made_once_and_reused_while_nothing_changed(tmp_path: Path):
    from core.config import load_config
    from core.data.suite import load_suite
    from core.evaluation.lora_change import unadapted_results
    from core.paths import DATA_DIR

    base = tmp_path / "base"
    base.mkdir()
    (base / "model.safetensors").write_bytes(b"weights")
    (tmp_path / "exp.toml").write_text(f"""
[candidate]
name = "c"
path = "{base.as_posix()}"
family = "qwen2.5"
[baseline]
name = "b"
path = "b"
family = "qwen3"
[outputs]
results = "{(tmp_path / 'out' / 'phase25_results.json').as_posix()}"
""")
    cfg = load_config(tmp_path / "exp.toml")
    suite_path = DATA_DIR / "suite" / "suite.json"
    suite = load_suite(suite_path)
    runs: list[str] = []

    def runner(cfg, suite, target, **kw):
        runs.append(target.load_path)
        assert target.adapter_path is None and target.identity.role == "unadapted"
        return BEFORE.model_copy(update={"suite_hash": suite.sha256})

    first = unadapted_results(cfg, suite, suite_path, log=lambda s: None, runner=runner)
    again = unadapted_results(cfg, suite, suite_path, log=lambda s: None, runner=runner)
    assert runs == [str(base)] and again == first
    assert (tmp_path / "out" / UNADAPTED_FILE).is_file()
    (base / "model.safetensors").write_bytes(b"other weights")   # new base weights: run again
    unadapted_results(cfg, suite, suite_path, log=lambda s: None, runner=runner)
    assert len(runs) == 2
