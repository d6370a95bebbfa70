"""Parsing comma-separated text into a table."""

from dataclasses import dataclass
import re


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]

    def width(self) -> int:
        return len(self.header)


def split_line(line: str, sep: str = ",") -> list[str]:
    return [cell.strip() for cell in re.split(sep, line)]


def parse_table(text: str, skip: list[str] = []) -> Table:
    lines = [l for l in text.splitlines() if l.strip() and l not in skip]
    header = split_line(lines[0])
    rows = [split_line(l) for l in lines[1:]]
    return Table(header, rows)


def first_row(table: Table) -> list[str]:
    if not table.rows:
        return None
    return table.rows[0]
