"""The extended suite: 80 queries beyond the core 20 in the same 13:7 mix, covering every tool,
single- and multi-tool questions, quick and complex ones, and held-out workspaces; its facts are
what the tools really report; the config chooses the tier the test stages run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import load_config
from core.data.build.plan import workspaces as training_workspaces
from core.data.heldout import HeldoutError, heldout_workspaces
from core.data.suite import SuiteError, load_suite
from core.data.suite_build import EXT_TOOL_QUERIES, extended_data, render
from core.data.suite_tier import configured_suite, configured_suite_files
from core.data.suite_tools import tool_query_records
from core.paths import DATA_DIR, DEMO_CONFIG

CORE = DATA_DIR / "suite" / "suite.json"
EXTENDED = DATA_DIR / "suite" / "extended.json"
WORKSPACES = DATA_DIR / "workspaces"
TOOLS = {"typecheck", "ruff_check", "pytest_run", "read_file", "run_command"}


def test_extended_suite_is_the_core_plus_80_in_the_same_mix() -> None:
    core = load_suite(CORE, WORKSPACES)
    suite = load_suite(EXTENDED, WORKSPACES)
    assert suite.tier == "extended" and core.tier == "core"
    assert suite.queries[:20] == core.queries  # the seed's 20, unchanged, come first
    assert suite.core_queries == core.queries
    ext = [q for q in suite.queries if q.tier == "extended"]
    assert len(ext) >= 80 and len(suite.queries) >= 100
    n_tool = sum(q.category == "tool" for q in suite.queries)
    assert n_tool * 7 == (len(suite.queries) - n_tool) * 13  # 13:7 overall
    assert len({q.id for q in suite.queries}) == len(suite.queries)


def test_extended_tier_covers_tools_shapes_complexity_and_workspaces() -> None:
    suite = load_suite(EXTENDED)
    ext = [q for q in suite.queries if q.tier == "extended"]
    tool = [q for q in ext if q.category == "tool"]
    direct = [q for q in ext if q.category == "direct"]
    assert {t for q in tool for t in q.expected_tools} == TOOLS
    for name in TOOLS:  # every tool alone, too
        assert any(q.expected_tools == [name] for q in tool), name
    assert sum(len(q.expected_tools) > 1 for q in tool) >= 10
    for group in (tool, direct):
        assert {q.complexity for q in group} == {"quick", "complex"}
    held = heldout_workspaces(WORKSPACES)
    assert len(held) >= 2
    used = {q.workspace for q in tool}
    assert held <= used and used - held  # queries on every held-out workspace, and on seen ones
    assert all(q.workspace for q in tool)
    polar = [q for q in direct if q.rubric and any(g.contradicts for g in q.rubric.groups)]
    assert len(polar) >= len(direct) // 2


def test_extended_prompts_are_distinct_from_the_core() -> None:
    from core.data.similarity import matches_suite

    suite = load_suite(EXTENDED)
    core_prompts = [q.prompt for q in suite.core_queries]
    for q in suite.queries[20:]:
        assert matches_suite(q.prompt, core_prompts) is None, q.id


def test_held_out_workspaces_never_reach_the_training_build(tmp_path: Path) -> None:
    held = heldout_workspaces(WORKSPACES)
    names = {w.name for w in training_workspaces(WORKSPACES)}
    assert names and not names & held
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "pyproject.toml").write_text("[project]\nname='real'\n")
    (tmp_path / "HELDOUT").write_text("# comment\nreal\nmissing  # typo\n")
    with pytest.raises(HeldoutError, match=r"HELDOUT:3: no workspace 'missing'"):
        heldout_workspaces(tmp_path)


def test_facts_of_a_sample_rederive_from_real_tool_runs() -> None:
    """Quick variant: one query per held-out workspace and a three-tool one, run again for real."""
    ids = {"x23_ledger_mypy_codes", "x36_tabular_failing_value", "x45_cronlite_publish_check"}
    sample = [q for q in EXT_TOOL_QUERIES if q["id"] in ids]
    fresh = {r["id"]: r for r in tool_query_records(WORKSPACES, sample)}
    stored = {q["id"]: q for q in json.loads(EXTENDED.read_text())["queries"]}
    assert len(fresh) == 3
    for qid, record in fresh.items():
        assert record == stored[qid], qid


@pytest.mark.slow
def test_every_extended_fact_rederives_from_real_tool_runs() -> None:
    assert render(extended_data(WORKSPACES)) == EXTENDED.read_text(encoding="utf-8")


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def test_extension_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "suite.json").write_text(CORE.read_text())
    ext = json.loads(EXTENDED.read_text())
    bad = json.loads(json.dumps(ext))
    bad["queries"][3]["tier"] = "core"
    with pytest.raises(SuiteError, match="tier 'extended'") as info:
        load_suite(_write(tmp_path / "ext.json", bad))
    assert str(tmp_path / "ext.json") in info.value.render()
    bad = json.loads(json.dumps(ext))
    bad["queries"][60]["rubric"]["groups"][0]["contradicts"] = ["(unclosed"]
    with pytest.raises(SuiteError, match=r"ext\.json:\d+: queries\[60\]\.rubric\.groups\[0\]\.contradicts"):
        load_suite(_write(tmp_path / "ext.json", bad))
    bad = json.loads(json.dumps(ext))
    del bad["queries"][0]  # 51 tool, 28 direct: not 13:7
    with pytest.raises(SuiteError, match="13:7 mix"):
        load_suite(_write(tmp_path / "ext.json", bad))
    bad = dict(ext, extends="nowhere.json")
    with pytest.raises(SuiteError, match="nowhere.json"):
        load_suite(_write(tmp_path / "ext.json", bad))


def test_new_fields_at_their_defaults_leave_the_core_hash_alone(tmp_path: Path) -> None:
    core = load_suite(CORE)
    data = json.loads(CORE.read_text())
    for q in data["queries"]:  # the later fields written out at their defaults
        q.setdefault("tier", "core")
        q.setdefault("complexity", None)
        for g in (q.get("rubric") or {}).get("groups", []):
            g.setdefault("contradicts", [])
    assert load_suite(_write(tmp_path / "suite.json", data)).sha256 == core.sha256
    assert '"tier"' not in core.canonical_json()
    assert load_suite(EXTENDED).sha256 != core.sha256


def test_the_config_chooses_the_tier_the_stages_load() -> None:
    cfg = load_config(DEMO_CONFIG)
    assert cfg.evaluation.suite_tier == "core"
    suite, path = configured_suite(cfg)
    assert len(suite.queries) == 20 and path == CORE.resolve()
    assert configured_suite_files(cfg) == [CORE.resolve()]
    cfg = load_config(DEMO_CONFIG, ["evaluation.suite_tier=extended"])
    suite, path = configured_suite(cfg)
    assert len(suite.queries) >= 100 and path == EXTENDED.resolve()
    assert set(configured_suite_files(cfg)) == {EXTENDED.resolve(), CORE.resolve()}


def test_tool_queries_split_into_seen_and_held_out_workspaces() -> None:
    from core.data.heldout import workspace_split

    suite = load_suite(EXTENDED)
    split = workspace_split({q.id: q.workspace for q in suite.queries}, WORKSPACES)
    assert len(split["seen"]) + len(split["heldout"]) == len(suite.tool_queries)
    assert "t01_inventory_mypy_lines" in split["seen"] and "x23_ledger_mypy_codes" in split["heldout"]
    assert len(split["heldout"]) >= 20


def test_the_test_stages_load_the_configured_tier(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from core.stages.base import StageError
    from core.stages.suite_choice import load_stage_suite

    ctx = SimpleNamespace(cfg=load_config(DEMO_CONFIG, ["evaluation.suite_tier=extended"]))
    suite, path = load_stage_suite(ctx)  # type: ignore[arg-type]
    assert path == EXTENDED.resolve() and len(suite.queries) >= 100
    broken = tmp_path / "extended.json"
    broken.write_text('{"extends": "suite.json", "name": "x", "queries": []}')
    ctx = SimpleNamespace(cfg=load_config(DEMO_CONFIG, ["evaluation.suite_tier=extended",
                                                        f"data.extended_suite={broken}"]))
    with pytest.raises(StageError, match="extended.json"):
        load_stage_suite(ctx)  # type: ignore[arg-type]


def test_each_direct_reference_passes_its_rubric_and_contradicts_nothing() -> None:
    import re

    from core.data.suite_match import rubric_passes

    suite = load_suite(EXTENDED)
    direct = [q for q in suite.queries[20:] if q.category == "direct"]
    for q in direct:
        assert q.rubric and q.reference
        assert rubric_passes(q.rubric, q.reference), q.id
        hits = [p for g in q.rubric.groups for p in g.contradicts if re.search(p, q.reference, re.IGNORECASE)]
        assert not hits, (q.id, hits)
    # and a reversed statement is caught: the money question's contradiction
    money = suite.by_id("e12_money_floats")
    wrong = "Floats are fine for money; binary rounding never matters at two decimals."
    assert any(re.search(p, wrong, re.IGNORECASE) for g in money.rubric.groups for p in g.contradicts)  # type: ignore[union-attr]


def test_every_query_is_quick_or_complex() -> None:
    from core.data.complexity import complexity_of

    suite = load_suite(EXTENDED)
    kinds = {q.id: complexity_of(q) for q in suite.queries}
    assert None not in kinds.values()
    for tier in ("core", "extended"):
        assert {kinds[q.id] for q in suite.queries if q.tier == tier} == {"quick", "complex"}
