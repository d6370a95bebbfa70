"""``phase25 route`` (table and --json) and ``phase25 report`` on a combined results file, on the
core and the extended queries."""

from __future__ import annotations

import json

import pytest
from made_records import record, results

from core.cli import main as cli_main
from core.config import load_config
from core.evaluation.compare import compare
from core.evaluation.deliverables import Phase25Results
from core.paths import DEMO_CONFIG


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    cfg = load_config(DEMO_CONFIG)
    # core: the 7B passes 8 of 10, the 30B all; extended: the 7B 2 of 5, escalating 2 malformed calls
    cand = [record(f"c{i}", i < 8) for i in range(10)] + [
        record(f"e{i}", i < 2, tier="extended", call="malformed" if i in (2, 3) else "ok") for i in range(5)]
    base = [record(f"c{i}", True) for i in range(10)] + [record(f"e{i}", True, tier="extended") for i in range(5)]
    c, b = results("candidate", cand), results("baseline", base)
    comp = compare(cfg, c, b, resamples=1000, power_trials=1000)
    doc = Phase25Results(run_id="r", experiment="e", demo=True, config_hash="c", data_hash="d", suite_hash="s",
                         verdict=comp.verdict.model_dump(), candidate=c, baseline=b, comparison=comp)
    path = tmp_path_factory.mktemp("out") / "phase25_results.json"
    path.write_text(doc.model_dump_json())
    return path


def run(capsys, *argv):
    code = cli_main([*argv, "--config", str(DEMO_CONFIG)])
    return code, capsys.readouterr().out


def test_route_prints_the_four_policies(combined, capsys):
    code, out = run(capsys, "route", "--file", str(combined))
    assert code == 0
    for policy in ("7B only", "30B only", "by topic", "cascade"):
        assert policy in out
    assert "the seed's verdict" in out and "split by use case" in out and "recommendation: route" in out


def test_route_json_on_the_extended_queries(combined, capsys):
    code, out = run(capsys, "route", "--file", str(combined), "--scope", "extended", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["scope"] == "extended"
    cascade = next(p for p in data["policies"] if p["name"] == "cascade")
    escalated = {q["query_id"] for q in cascade["queries"] if q["escalations"]}
    assert escalated == {"e2", "e3"}
    assert cascade["accuracy"] == pytest.approx((8 + 2 + 2) / 15)


def test_route_says_when_the_extended_tier_did_not_run(tmp_path, capsys, combined):
    doc = json.loads(combined.read_text())
    doc["comparison"]["scopes"].pop("extended")
    for part in ("candidate", "baseline"):
        for q in doc[part]["queries"]:
            q["tier"] = "core"
    p = tmp_path / "core_only.json"
    p.write_text(json.dumps(doc))
    code, out = run(capsys, "route", "--file", str(p), "--scope", "extended")
    assert code == 2 and "extended tier did not run" in out


def test_report_shows_both_verdicts_with_interval_and_power(combined, capsys):
    code = cli_main(["report", "--file", str(combined)])
    out = capsys.readouterr().out
    assert code == 0
    assert "the seed's verdict, on the core queries" in out and "goes beyond the seed" in out
    assert out.count("95% interval") == 2 and out.count("power:") == 2
