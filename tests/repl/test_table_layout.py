"""Tables laid out for a terminal: Kusto's value texts, cut cells, wrapped column groups."""

from __future__ import annotations

import datetime as dt

from kqlite.cli.repl_table import layout_table, summary_line


def test_layout_aligns_and_formats_values() -> None:
    columns = [("Name", "string"), ("Count", "long"), ("When", "datetime"), ("Bag", "dynamic")]
    rows = [("a", 5, dt.datetime(2023, 6, 29, tzinfo=dt.timezone.utc), {"k": [1, 2]}), ("bb", None, None, None)]

    lines = layout_table(columns, rows, 120).split("\n")

    assert lines[0] == "Name | Count | When                 | Bag"
    assert lines[1] == "-----+-------+----------------------+------------"
    assert lines[2] == 'a    |     5 | 2023-06-29T00:00:00Z | {"k":[1,2]}'
    assert lines[3] == "bb   |       |                      |"


def test_layout_cuts_long_cells() -> None:
    text = layout_table([("Text", "string")], [("x" * 100,)], 200)

    assert "x" * 47 + "…" in text
    assert "x" * 48 not in text


def test_layout_wraps_wide_tables() -> None:
    columns = [(f"Column{number}", "long") for number in range(10)]
    text = layout_table(columns, [tuple(range(10))], 40)

    groups = text.split("\n\n")
    assert len(groups) > 1
    assert all(len(line) <= 40 for line in text.split("\n"))
    assert "Column0" in groups[0]
    assert "Column9" in groups[-1]


def test_layout_single_line_cells() -> None:
    text = layout_table([("Text", "string")], [("a\nb",)], 80)

    assert "a⏎b" in text


def test_layout_empty_and_no_columns() -> None:
    assert layout_table([], [], 80) == ""
    assert layout_table([("A", "long")], [], 80) == "A\n-"


def test_summary_line() -> None:
    assert summary_line(1, 1, None) == "(1 row)"
    assert summary_line(3, 3, 0.0123) == "(3 rows, 0.012 s)"
    assert summary_line(500, 200, None) == "(500 rows, showing the first 200; '.format csv' prints all)"
