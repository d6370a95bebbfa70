"""The results file schema, as the evaluation code imports it. It lives in the foundation
(core.results_schema) so that events can carry a scored query; ``python -m core.evaluation.schema``
rewrites ``data/schemas/results.schema.json``."""

from __future__ import annotations

from core.results_schema import (
    CHECKS,
    SCHEMA_PATH,
    SCHEMA_VERSION,
    Aggregates,
    CheckResult,
    Confusion,
    Form,
    JudgeVerdict,
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
    field_error,
    json_schema_text,
    load_results,
    read_results_json,
    validate_versioned,
    write_json_schema,
)

__all__ = [
    "Aggregates", "CHECKS", "CheckResult", "Confusion", "Form", "JudgeVerdict", "Measurements",
    "ModelIdentity", "ParseRecord", "QueryRecord", "QueryScore", "ResultsError", "ResultsFile", "Round",
    "SCHEMA_PATH", "SCHEMA_VERSION", "Settings", "ToolExecution", "field_error", "json_schema_text",
    "load_results", "read_results_json", "validate_versioned", "write_json_schema",
]

if __name__ == "__main__":
    print(write_json_schema())
