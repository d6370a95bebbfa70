"""Quick versus complex, for every suite query: the split the seed names for routing ("quick":
read, search, concepts; "complex": refactoring, architecture).

Extended queries record it in the file (``complexity``). The seed's 20 stay unchanged, so their
classification lives here, next to the rule it follows: a question answered by reading one
finding or explaining one concept is quick; one that combines several checks, explains a bug's
cause, or designs something is complex.
"""

from __future__ import annotations

from typing import Literal

from core.data.suite import SuiteQuery

Complexity = Literal["quick", "complex"]

CORE_COMPLEXITY: dict[str, Complexity] = {
    "t01_inventory_mypy_lines": "quick",
    "t02_textstats_ruff_codes": "quick",
    "t03_inventory_failing_test": "quick",
    "t04_clean_service_bucket_defaults": "quick",
    "t05_textstats_module_sizes": "quick",
    "t06_textstats_lint_and_types_agree": "complex",
    "t07_textstats_word_tests": "quick",
    "t08_clean_service_release_check": "complex",
    "t09_inventory_error_codes": "quick",
    "t10_inventory_total_value_bug": "complex",
    "t11_clean_service_bucket_tests": "quick",
    "t12_inventory_quantity_grep": "quick",
    "t13_textstats_report_manual_fixes": "quick",
    "d01_protocol_vs_abc": "quick",
    "d02_dataclass_namedtuple_pydantic": "quick",
    "d03_shared_expensive_resource": "complex",
    "d04_asyncio_when_faster": "quick",
    "d05_editable_install": "quick",
    "d06_pin_library_dependencies": "quick",
    "d07_any_vs_object": "quick",
}


def complexity_of(query: SuiteQuery) -> Complexity | None:
    """The query's own ``complexity``, else the core's classification; None for an unknown query."""
    return query.complexity or CORE_COMPLEXITY.get(query.id)
