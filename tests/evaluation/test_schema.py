"""The results schema: the committed JSON Schema is current, and bad files get clear errors."""

from __future__ import annotations

import json

import pytest

from core.evaluation.schema import SCHEMA_PATH, ResultsError, json_schema_text, load_results


def test_the_committed_json_schema_is_current():
    assert SCHEMA_PATH.is_file(), "run: python -m core.evaluation.schema"
    assert SCHEMA_PATH.read_text() == json_schema_text(), (
        "data/schemas/results.schema.json is stale; regenerate it with: python -m core.evaluation.schema")


def test_the_schema_is_versioned_and_names_what_a_result_holds():
    schema = json.loads(json_schema_text())
    props = schema["properties"]
    for key in ("schema_version", "suite_hash", "model", "config_hash", "data_hash", "queries", "aggregates"):
        assert key in props
    model = schema["$defs"]["ModelIdentity"]["properties"]
    assert {"name", "path", "hf_id", "family", "form", "bits"} <= set(model)


def test_unreadable_results_files_name_the_file_and_the_field(tmp_path):
    with pytest.raises(ResultsError, match="no such results file"):
        load_results(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n "schema_version": 1,\n oops\n}')
    with pytest.raises(ResultsError, match=r"bad.json:3: invalid JSON"):
        load_results(bad)
    old = tmp_path / "old.json"
    old.write_text('{"schema_version": 99}')
    with pytest.raises(ResultsError, match="schema_version 99; this version reads 1"):
        load_results(old)
    partial = tmp_path / "partial.json"
    partial.write_text('{"schema_version": 1, "created": "x"}')
    with pytest.raises(ResultsError, match=r"partial.json: field suite_hash: Field required"):
        load_results(partial)
