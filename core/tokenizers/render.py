"""Render chat rows through a family's real chat template without loading a tokenizer.

Used to make the text a demo tokenizer is trained on: the exact bytes do not need to match
transformers' renderer, only the shape of the text the model will see.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from core.paths import TEMPLATES_DIR
from core.tokenizers.qwen_real import TEMPLATE_FILES


@cache
def _template(family: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)

    def raise_exception(msg: str) -> None:
        raise ValueError(msg)

    env.globals["raise_exception"] = raise_exception
    return env.from_string((TEMPLATES_DIR / TEMPLATE_FILES[family]).read_text(encoding="utf-8"))


def render_chat(row: dict[str, Any], family: str, add_generation_prompt: bool = False) -> str:
    """A ``{"messages": [...], "tools": [...]}`` row as the family's template renders it."""
    return str(_template(family).render(
        messages=row["messages"], tools=row.get("tools"), add_generation_prompt=add_generation_prompt,
    ))
