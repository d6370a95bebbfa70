"""The polarity data (state claims, contradicts) is suite data: a bad pattern or an unknown query or
group is an error naming the file, line or field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.data.suite import SuiteError, default_claims, load_suite
from core.data.suite_polarity import apply_polarity
from core.paths import DATA_DIR

SUITE = DATA_DIR / "suite" / "suite.json"


def test_every_query_gets_the_default_claims_and_its_own() -> None:
    suite = load_suite(SUITE)
    names = [c.name for c in default_claims()]
    assert "types clean" in names and "nothing blocks / safe to release" in names
    t08 = suite.by_id("t08_clean_service_release_check")
    assert [c.name for c in t08.all_claims] == [*names, "release blocked"]
    assert [c.name for c in suite.by_id("t01_inventory_mypy_lines").all_claims] == names


def test_a_suite_file_may_carry_its_own_claims_and_a_bad_one_is_named(tmp_path: Path) -> None:
    data = json.loads(SUITE.read_text())
    data["claims"] = [{"name": "ok", "patterns": ["all good"],
                       "contradicted_by": [{"tool": "typecheck", "field": "r.error_count", "when": "v > 0"}]}]
    own = tmp_path / "own.json"
    own.write_text(json.dumps(data, indent=2))
    suite = load_suite(own)
    assert [c.name for c in suite.by_id("t01_inventory_mypy_lines").all_claims] == ["ok"]
    assert suite.sha256 != load_suite(SUITE).sha256
    data["claims"][0]["patterns"] = ["(unclosed"]
    own.write_text(json.dumps(data, indent=2))
    with pytest.raises(SuiteError) as err:
        load_suite(own)
    lines = own.read_text().splitlines()
    line = lines.index('        "(unclosed"')  # the patterns key, the line before the bad value
    assert str(err.value).startswith(f"{own}:{line}: claims[0].patterns: not a valid regular expression")


def test_polarity_for_an_unknown_query_or_group_is_named(tmp_path: Path) -> None:
    data = json.loads(SUITE.read_text())
    bad = tmp_path / "polarity.json"
    bad.write_text(json.dumps({"queries": {"d99_nope": {"contradicts": {"x": ["y"]}}}}))
    with pytest.raises(ValueError, match=r"polarity.json: field queries.d99_nope: no such query"):
        apply_polarity(data, bad)
    bad.write_text(json.dumps({"queries": {"d06_pin_library_dependencies": {"contradicts": {"nope": ["y"]}}}}))
    with pytest.raises(ValueError, match=r"queries.d06_pin_library_dependencies.contradicts.nope: no such rubric group"):
        apply_polarity(data, bad)
    # merging is idempotent: the committed suite already holds the committed patterns
    assert apply_polarity(data) == data
