"""Rows for training with ``mask_prompt``: one row per assistant turn.

mlx-lm's ChatDataset with ``mask_prompt`` takes loss on the LAST message only. A Code Mode row
(user -> execute_code call -> tool result -> answer) then trains the answer but never the call,
which is the behaviour the experiment is about. ``per_assistant_turn`` turns such a row into one
prefix row per assistant turn (the call row ends with the call; the full row ends with the answer),
so every assistant turn is the last message of some row and gets loss. Rows with one assistant
turn are returned as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def per_assistant_turn(row: dict[str, Any]) -> list[dict[str, Any]]:
    msgs = row["messages"]
    ends = [i for i, m in enumerate(msgs) if m.get("role") == "assistant"]
    if len(ends) <= 1:
        return [row]
    extra = {k: v for k, v in row.items() if k != "messages"}
    return [{"messages": msgs[: i + 1], **extra} for i in ends]


def expand(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for row in rows for r in per_assistant_turn(row)]
