"""A small reader for comma-separated tables."""

from tabular.parse import Table, parse_table
from tabular.stats import column_max, column_mean

__all__ = ["Table", "column_max", "column_mean", "parse_table"]
