"""Earlier results files: ``baseline.results`` (per-model or the combined deliverable, never another
model's file), clear field errors for a bad combined file in ``phase25 rescore`` and ``phase25 report``,
and the report naming the parity decision it shows and warning when that decision is stale.

The results are made by a scripted suite run (no model), then the stages run as in the pipeline."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from eval_scripted import ROOT

from core import events as ev
from core.cli import main as cli_main
from core.config import ExperimentConfig, load_config
from core.data.suite import load_suite
from core.evaluation.compare import compare
from core.evaluation.deliverables import Phase25Results, stale_parity
from core.evaluation.report_markdown import render_markdown
from core.evaluation.schema import ModelIdentity, ResultsFile, load_results
from core.evaluation.suite_run import ModelToTest, run_suite
from core.runner import Pipeline
from core.state import RunState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OLD_DECISION_RUN = "20200101-000000-0ld0"


def write_config(tmp: Path, suite: Path, baseline_results: Path | None = None) -> Path:
    """No model exists under models/: a stage that tried to run one would fail."""
    reuse = f'results = "{baseline_results}"' if baseline_results else ""
    path = tmp / "exp.toml"
    path.write_text(textwrap.dedent(f"""
        [experiment]
        name = "earlier-results"
        demo = true

        [candidate]
        name = "tiny candidate"
        path = "{tmp / 'models' / 'no-candidate'}"
        hf_id = "Qwen/Qwen2.5-Coder-7B-Instruct"
        family = "qwen2.5"

        [baseline]
        name = "tiny baseline"
        path = "{tmp / 'models' / 'no-baseline'}"
        hf_id = "Qwen/Qwen3-30B-A3B"
        family = "qwen3"
        {reuse}

        [data]
        suite = "{suite}"
        workspaces = "{ROOT / 'data' / 'workspaces'}"

        [evaluation]
        compact_prompt = true

        [outputs]
        quantized = "out/q{{bits}}"
        results = "out/phase25_results.json"
        report = "out/phase25_report.md"
        diary = "out/diary.md"
        memory = "out/MEMORY.md"
        runs_dir = "runs"
    """))
    return path


def scripted_results(cfg: ExperimentConfig, suite_file: Path, role: str, path: str) -> ResultsFile:
    family, hf = ("qwen3", "Qwen/Qwen3-30B-A3B") if role == "baseline" else ("qwen2.5", "Qwen/Qwen2.5-Coder-7B-Instruct")
    ident = ModelIdentity(role=role, name=f"tiny {role}", path=path, hf_id=hf, family=family,
                          form="base" if role == "baseline" else "quantized", bits=None if role == "baseline" else 5)
    return run_suite(cfg, load_suite(suite_file), ModelToTest(ident, path), suite_path=suite_file)


@pytest.fixture(scope="module")
def made(tmp_path_factory, suite_file):
    """A config without baseline.results, the two models' results and the combined file they make.

    Built once for the module (two scripted suite runs): every test reads these files and writes
    only into its own tmp_path."""
    from eval_scripted import use_scripted_engine

    root = tmp_path_factory.mktemp("earlier")
    with pytest.MonkeyPatch.context() as mp:
        use_scripted_engine(mp)
        cfg = load_config(write_config(root, suite_file))
        cand = scripted_results(cfg, suite_file, "candidate", str(root / "out" / "q5"))
        base = scripted_results(cfg, suite_file, "baseline", str(root / "models" / "no-baseline"))
    doc = Phase25Results(run_id="20250101-000000-earl", experiment="earlier-results", demo=True,
                         config_hash="c" * 64, data_hash="d" * 64, suite_hash=cand.suite_hash,
                         verdict=compare(cfg, cand, base).verdict.model_dump(), candidate=cand, baseline=base,
                         comparison=compare(cfg, cand, base))
    keep = root / "keep"
    keep.mkdir()
    files = {"candidate": keep / "phase25_results.candidate.json", "baseline": keep / "phase25_results.baseline.json",
             "combined": keep / "phase25_results.json"}
    for name, obj in (("candidate", cand), ("baseline", base), ("combined", doc)):
        files[name].write_text(obj.model_dump_json(indent=2))
    return {"cfg": cfg, "doc": doc, "files": files}


def run_stages(cfg_path: Path, stages: list[str]) -> tuple[RunState, list]:
    pipe = Pipeline(load_config(cfg_path), stages)
    state, seen = RunState(), []
    for e in pipe.events():
        state.apply(e)
        seen.append(e)
    return state, seen


def logs(seen: list, level: str | None = None) -> list[str]:
    return [e.text for e in seen if isinstance(e, ev.LogLine) and (level is None or e.level == level)]


# --- baseline.results ------------------------------------------------------------------------------

def test_the_combined_file_lends_its_baseline_part_and_the_report_says_so(tmp_path, made, suite_file):
    combined = made["files"]["combined"]
    cfg_path = write_config(tmp_path, suite_file, combined)
    # the candidate's results beside the outputs, as test_candidate leaves them
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "phase25_results.candidate.json").write_text(made["files"]["candidate"].read_text())
    state, seen = run_stages(cfg_path, ["test_baseline", "compare", "report"])
    assert [state.stages[s].status for s in ("test_baseline", "compare", "report")] == ["done"] * 3
    assert f"baseline: reusing {combined} (baseline part) (same suite" in "\n".join(logs(seen))
    assert not logs(seen, "warning")
    base_events = [e for e in seen if isinstance(e, ev.QueryResult) and e.model == "baseline"]
    assert len(base_events) == 20
    saved = load_results(tmp_path / "out" / "phase25_results.baseline.json")
    assert saved.reused_from == f"{combined} (baseline part)" and saved.model.role == "baseline"
    assert [q.score for q in saved.queries] == [q.score for q in made["doc"].baseline.queries]
    report = (tmp_path / "out" / "phase25_report.md").read_text()
    assert f"(reused from {combined} (baseline part))" in report


def test_a_candidate_results_file_is_refused_naming_the_file_and_the_field(tmp_path, made, suite_file):
    cand_file = made["files"]["candidate"]
    state, seen = run_stages(write_config(tmp_path, suite_file, cand_file), ["test_baseline"])
    assert state.stages["test_baseline"].status == "failed"
    reason = next(e for e in seen if isinstance(e, ev.StageFailed)).reason
    assert f"{cand_file}: field model.role is 'candidate', not 'baseline'" in reason
    assert "baseline.results" in reason and "Traceback" not in reason
    assert not (tmp_path / "out" / "phase25_results.baseline.json").exists()


def test_a_combined_file_whose_baseline_part_is_another_model_is_refused(tmp_path, made, suite_file):
    data = json.loads(made["files"]["combined"].read_text())
    data["baseline"]["model"]["role"] = "q5"
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data))
    state, seen = run_stages(write_config(tmp_path, suite_file, odd), ["test_baseline"])
    reason = next(e for e in seen if isinstance(e, ev.StageFailed)).reason
    assert f"{odd}: field baseline.model.role is 'q5', not 'baseline'" in reason


def test_another_suite_or_a_missing_file_is_named_and_the_baseline_runs(tmp_path, made, suite_file):
    data = json.loads(made["files"]["baseline"].read_text())
    data["suite_hash"] = "0" * 64
    other = tmp_path / "other-suite.json"
    other.write_text(json.dumps(data))
    suite_hash = made["doc"].suite_hash
    state, seen = run_stages(write_config(tmp_path, suite_file, other), ["test_baseline"])
    warning = "\n".join(logs(seen, "warning"))
    assert str(other) in warning and "0" * 64 in warning and suite_hash in warning
    # it went on to run the baseline, which is not there in this test
    assert "the baseline model was not found" in next(e for e in seen if isinstance(e, ev.StageFailed)).reason

    missing = tmp_path / "nowhere.json"
    state, seen = run_stages(write_config(tmp_path, suite_file, missing), ["test_baseline"])
    assert f"baseline.results names {missing}, which does not exist" in "\n".join(logs(seen, "warning"))


@pytest.mark.parametrize(("which", "expect"), [
    ("combined", "test_baseline will reuse {file} (baseline part)"),
    ("candidate", "{file}: field model.role is 'candidate', not 'baseline'"),
    ("missing", "baseline.results: {file} does not exist"),
])
def test_phase25_config_says_what_will_happen_to_baseline_results(tmp_path, made, suite_file, capsys, which, expect):
    file = made["files"].get(which, tmp_path / "nowhere.json")
    assert cli_main(["config", "--config", str(write_config(tmp_path, suite_file, file))]) == 0
    assert expect.format(file=file) in capsys.readouterr().out


# --- a bad combined file names its field -----------------------------------------------------------

@pytest.mark.parametrize("command", [["rescore"], ["report", "--file"]])
def test_a_bad_field_in_a_combined_file_is_named(tmp_path, made, capsys, command):
    data = json.loads(made["files"]["combined"].read_text())
    data["candidate"]["queries"][3]["score"]["strict_pass"] = "maybe"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, indent=2))
    assert cli_main([*command, str(bad)]) == 2
    out = capsys.readouterr().out
    assert f"{bad}: field candidate.queries.3.score.strict_pass: Input should be a valid boolean" in out
    assert not (tmp_path / "bad.rescored.json").exists()


def test_report_names_a_per_model_file_for_what_it_is(made, capsys):
    per_model = made["files"]["baseline"]
    assert cli_main(["report", "--file", str(per_model)]) == 2
    assert f"{per_model}: field kind: 'phase25.results' is one model's results file" in capsys.readouterr().out


# --- the parity decision in the report ----------------------------------------------------------------

def decision(chosen: Path, suite_hash: str) -> dict:
    return {"run_id": OLD_DECISION_RUN, "suite_hash": suite_hash, "chosen_bits": 8, "chosen_path": str(chosen),
            "reason": "5-bit lost 2 queries against f16, beyond the tolerance of 0; falling back to 8-bit",
            "tolerance": 0, "variants": {"f16": {"strict_passes": 4, "n": 20, "lost": []}}}


def test_the_report_names_the_decision_s_run_and_warns_when_it_chose_another_model(tmp_path, made, suite_file):
    out = tmp_path / "out"
    out.mkdir()
    for role in ("candidate", "baseline"):
        (out / f"phase25_results.{role}.json").write_text(made["files"][role].read_text())
    # a decision left by an earlier training: it chose the 8-bit model, the candidate tested is q5
    (out / "phase25_parity.json").write_text(json.dumps(decision(out / "q8", made["doc"].suite_hash)))
    state, seen = run_stages(write_config(tmp_path, suite_file), ["compare", "report"])
    assert state.stages["report"].status == "done"
    report = (out / "phase25_report.md").read_text()
    assert f"Decision made by run `{OLD_DECISION_RUN}`" in report
    assert f"**Warning:** the parity decision (run {OLD_DECISION_RUN}) chose {out / 'q8'}" in report
    assert f"the candidate tested is {made['doc'].candidate.model.path}" in report
    assert any("parity decision" in t for t in logs(seen, "warning"))
    memory = (out / "MEMORY.md").read_text()
    assert "7B at 5-bit" in memory  # the model tested, not the stale decision's 8 bits


def test_a_decision_for_the_tested_candidate_is_shown_without_a_warning(made):
    doc = made["doc"]
    fresh = doc.model_copy(update={"parity": decision(Path(doc.candidate.model.path), doc.suite_hash)})
    assert stale_parity(fresh) is None
    text = render_markdown(fresh)
    assert f"Decision made by run `{OLD_DECISION_RUN}` on suite `{doc.suite_hash[:12]}`" in text
    assert "**Warning:**" not in text and "**Decision:** 8-bit" in text
    other_suite = fresh.model_copy(update={"parity": decision(Path(doc.candidate.model.path), "f" * 64)})
    assert "was made on suite ffffffffffff" in render_markdown(other_suite)
