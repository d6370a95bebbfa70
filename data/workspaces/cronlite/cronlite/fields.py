"""Parsing one cron field into the set of values it allows."""

FIELD_RANGES: dict[str, tuple[int, int]] = {
    "minute": (0, 59),
    "hour": (0, 23),
    "day": (1, 31),
    "month": (1, 12),
    "weekday": (0, 6),
}


def parse_field(text: str, low: int, high: int) -> frozenset[int]:
    if text == "*":
        return frozenset(range(low, high + 1))
    if text.startswith("*/"):
        step = int(text[2:])
        if step <= 0:
            raise ValueError(f"step must be positive: {text!r}")
        return frozenset(range(low, high + 1, step))
    values = frozenset(int(part) for part in text.split(","))
    bad = sorted(v for v in values if not low <= v <= high)
    if bad:
        raise ValueError(f"{bad} outside {low}-{high}")
    return values
