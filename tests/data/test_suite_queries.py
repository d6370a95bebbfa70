"""``[evaluation] queries``: a rehearsal or a quick check runs only the named queries of the
configured tier, in the suite's order; an id the suite does not have is named in the error."""

from __future__ import annotations

import pytest

from core.config import load_config
from core.data.suite import SuiteError
from core.data.suite_tier import configured_suite
from core.paths import DEMO_CONFIG


def test_the_named_queries_are_the_ones_the_stages_load_in_suite_order() -> None:
    cfg = load_config(DEMO_CONFIG, ['evaluation.queries=["d01_protocol_vs_abc", "t01_inventory_mypy_lines"]'])
    suite, _ = configured_suite(cfg)
    assert [q.id for q in suite.queries] == ["t01_inventory_mypy_lines", "d01_protocol_vs_abc"]
    whole, _ = configured_suite(load_config(DEMO_CONFIG))
    assert len(whole.queries) == 20  # empty (the default): every query of the tier


def test_an_unknown_query_id_is_named_with_the_key_and_the_file() -> None:
    cfg = load_config(DEMO_CONFIG, ['evaluation.queries=["t01_inventory_mypy_lines", "t99_no_such_query"]'])
    with pytest.raises(SuiteError) as err:
        configured_suite(cfg)
    assert "evaluation.queries: t99_no_such_query is not a query of suite.json" in str(err.value)
