"""Scripted replies standing in for the mlx engine, so a suite run needs no model: the calls are still
executed in their workspaces and every answer is scored for real."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from eval_queries import double_encoded, tagged

from core.config import load_config
from core.evaluation import suite_run
from core.evaluation.generation import Output

ROOT = Path(__file__).resolve().parents[2]

FIRST = {
    "inv_tc": tagged("r = typecheck('.')\nprint(r.error_count)"),
    "ts_lint": double_encoded("r = ruff_check('.')\nprint(r.violation_count, [v.code for v in r.violations])"),
    "inv_tests": tagged("r = pytest_run('.')\nprint(r['failed'])"),
    "d_attr": "Reading by attribute lets mypy type-check each access and catches a typo in a field name.",
}
SECOND = {
    "inv_tc": "mypy reports 5 type errors.",
    "ts_lint": "ruff reports 6 violations.",
    "inv_tests": "It failed with an error, so I cannot say.",
}


class ScriptedEngine:
    """Stands in for the mlx engine: replies from a script, and records what it was asked."""

    asked: list[list[dict]] = []
    made: list[tuple[str, list | None]] = []
    script: tuple[dict[str, str], dict[str, str]] | None = None
    """(first replies, answers after the tool result) by query id; None: FIRST and SECOND."""

    def __init__(self, model, tokenizer, family, system_prompt, tools, **kw):
        ScriptedEngine.made.append((system_prompt, tools))
        self.prefix = [1] * 50
        self.prefill_s = 0.01

    def prefix_cache(self):
        return []

    def generate(self, requests, on_done=None, should_stop=None, batch_index=0, **kw):
        outs = []
        for req in requests:
            ScriptedEngine.asked.append(req.messages)
            first, second = ScriptedEngine.script or (FIRST, SECOND)
            script = first if batch_index == 0 else second
            text = script.get(req.key, "I am not sure.")
            o = Output(key=req.key, text=text, prompt_tokens=60 + 10 * batch_index, generated_tokens=len(text) // 4,
                       finish_reason="stop", ttft_s=0.01, generation_tps=100.0, latency_s=0.1,
                       peak_memory_bytes=1000 + batch_index, batch=batch_index, batch_size=4,
                       sample=getattr(req, "sample", 0))
            if on_done:
                on_done(o)
            outs.append(o)
        return outs


def use_scripted_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite_run, "load", lambda path, adapter=None: (None, None))
    monkeypatch.setattr(suite_run, "Engine", ScriptedEngine)
    ScriptedEngine.asked = []
    ScriptedEngine.made = []
    ScriptedEngine.script = None


def config(tmp_path: Path, compact: bool = True):
    p = tmp_path / "exp.toml"
    p.write_text(textwrap.dedent(f"""
        [candidate]
        name = "c"
        path = "c"
        family = "qwen2.5"
        [baseline]
        name = "b"
        path = "b"
        family = "qwen3"
        [data]
        workspaces = "{ROOT / 'data' / 'workspaces'}"
        [evaluation]
        compact_prompt = {str(compact).lower()}
    """))
    return load_config(p)
