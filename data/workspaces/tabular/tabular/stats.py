"""Statistics over the numeric columns of a table."""

from tabular.parse import Table


def numbers(table: Table, name: str) -> list[float]:
    return [float(v) for v in table.column(name)]


def column_mean(table: Table, name: str) -> float:
    values = numbers(table, name)
    return sum(values) / table.width()


def column_max(table: Table, name: str) -> float:
    return max(numbers(table, name), default="n/a")
