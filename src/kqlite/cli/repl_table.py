"""Lay out a result table for a terminal: cells cut to fit, wide tables wrapped into column groups.

Cell texts come from `kqlite.cli.formatting.format_cell`, so values read as Kusto prints
them (datetimes ``2023-06-01T00:00:00Z``, dynamic values as compact JSON). A table wider
than the terminal is printed as several stacked tables, each holding the columns that fit,
and a cell longer than `MAX_CELL_WIDTH` (or than the terminal) ends in ``…``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kqlite.cli.formatting import NUMERIC_TYPES, format_cell

MAX_CELL_WIDTH = 48
ELLIPSIS = "…"
SEPARATOR = " | "


def layout_table(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], width: int) -> str:
    """Return the text of a table whose lines fit `width` terminal columns (without a final newline)."""
    if not columns:
        return ""

    cell_limit = max(8, min(MAX_CELL_WIDTH, width - 4))
    names = [_cut(name, cell_limit) for name, _ in columns]
    cells = [[_cut(_single_line(format_cell(value, kql_type)), cell_limit) for value, (_, kql_type) in zip(row, columns, strict=True)] for row in rows]
    widths = [max([len(name), *(len(row[index]) for row in cells)]) for index, name in enumerate(names)]
    right = [kql_type in NUMERIC_TYPES for _, kql_type in columns]

    parts = []
    for group in _column_groups(widths, width):
        parts.append(_render_group(group, names, cells, widths, right))
    return "\n\n".join(parts)


def _column_groups(widths: list[int], width: int) -> list[list[int]]:
    # Greedy: each group takes columns while the line still fits the terminal.
    groups: list[list[int]] = [[]]
    used = 0
    for index, column_width in enumerate(widths):
        needed = column_width if not groups[-1] else used + len(SEPARATOR) + column_width
        if groups[-1] and needed > width:
            groups.append([index])
            used = column_width
        else:
            groups[-1].append(index)
            used = needed
    return groups


def _render_group(group: list[int], names: list[str], cells: list[list[str]], widths: list[int], right: list[bool]) -> str:
    def line(values: list[str]) -> str:
        padded = [
            values[index].rjust(widths[index]) if right[index] else values[index].ljust(widths[index]) for index in group
        ]
        return SEPARATOR.join(padded).rstrip()

    lines = [line(names), "-+-".join("-" * widths[index] for index in group)]
    lines.extend(line(row) for row in cells)
    return "\n".join(lines)


def summary_line(total: int, shown: int, elapsed: float | None) -> str:
    """Return the line under a table: ``(5 rows, 0.08 s)``, saying when rows were left out."""
    parts = [f"{total} row{'' if total == 1 else 's'}"]
    if shown < total:
        parts.append(f"showing the first {shown}; '.format csv' prints all")
    if elapsed is not None:
        parts.append(f"{elapsed:.3f} s")
    return "(" + ", ".join(parts) + ")"


def _single_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", "⏎").replace("\t", " ")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
