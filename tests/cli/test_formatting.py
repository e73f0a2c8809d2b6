"""Cell spellings and table layouts of `kqlite.cli.formatting`, checked against Kusto's text forms."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest

from kqlite.cli.formatting import format_cell, format_csv, format_json, format_real, format_table, format_timespan

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4.0, "4"),
        (-15.0, "-15"),
        (0.5, "0.5"),
        (3.14159, "3.14159"),
        (0.0001, "0.0001"),
        (1.5e-05, "1.5E-05"),
        (1e15, "1E+15"),
        (1e20, "1E+20"),
        (1234567890123456.8, "1.2345678901234568E+15"),
        (100000000000000.0, "100000000000000"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_format_real(value: float, text: str) -> None:
    assert format_real(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(0), "00:00:00"),
        (dt.timedelta(hours=1), "01:00:00"),
        (dt.timedelta(days=1), "1.00:00:00"),
        (dt.timedelta(days=365), "365.00:00:00"),
        (dt.timedelta(hours=-12), "-12:00:00"),
        (dt.timedelta(days=-1, hours=-2), "-1.02:00:00"),
        (dt.timedelta(milliseconds=500), "00:00:00.5000000"),
        (dt.timedelta(microseconds=1), "00:00:00.0000010"),
    ],
)
def test_format_timespan(value: dt.timedelta, text: str) -> None:
    assert format_timespan(value) == text


def test_datetime_cells() -> None:
    assert format_cell(dt.datetime(2023, 6, 1, tzinfo=UTC), "datetime") == "2023-06-01T00:00:00Z"
    assert format_cell(dt.datetime(2023, 6, 1, 12, 30, 5, 250000, tzinfo=UTC), "datetime") == "2023-06-01T12:30:05.25Z"
    assert format_cell(dt.datetime(2023, 6, 1, 0, 0, 0, 1), "datetime") == "2023-06-01T00:00:00.000001Z"


def test_other_cells() -> None:
    assert format_cell(None, "long") == ""
    assert format_cell(True, "bool") == "true"
    assert format_cell(False, "bool") == "false"
    assert format_cell(7, "int") == "7"
    assert format_cell("", "string") == ""
    assert format_cell(decimal.Decimal("1.50"), "decimal") == "1.50"
    assert format_cell({"a": [1, 2.5, None]}, "dynamic") == '{"a":[1,2.5,null]}'
    assert format_cell("text", "dynamic") == "text"
    assert format_cell("00000000-0000-0000-0000-000000000001", "guid") == "00000000-0000-0000-0000-000000000001"


def test_table_alignment() -> None:
    columns = [("Name", "string"), ("Count", "long"), ("Share", "real")]
    rows = [("apple", 3, 0.25), ("kiwi", 120, None)]

    assert format_table(columns, rows).splitlines() == [
        "Name  | Count | Share",
        "------+-------+------",
        "apple |     3 |  0.25",
        "kiwi  |   120 |",
        "(2 rows)",
    ]


def test_table_without_rows() -> None:
    assert format_table([("x", "long")], []) == "x\n-\n(0 rows)\n"


def test_csv_quotes_and_nulls() -> None:
    columns = [("Text", "string"), ("Value", "long"), ("Bag", "dynamic")]
    rows = [('say "hi", twice', None, ["a", 1])]

    assert format_csv(columns, rows) == 'Text,Value,Bag\n"say ""hi"", twice",,"[""a"",1]"\n'


def test_json_keeps_types() -> None:
    columns = [("t", "datetime"), ("s", "timespan"), ("r", "real"), ("m", "decimal"), ("y", "dynamic")]
    rows = [(dt.datetime(2020, 1, 1, tzinfo=UTC), dt.timedelta(minutes=90), float("nan"), decimal.Decimal("2.50"), [1])]

    document = json.loads(format_json(columns, rows))

    assert document["columns"][0] == {"name": "t", "type": "datetime"}
    assert document["rows"] == [["2020-01-01T00:00:00Z", "01:30:00", "NaN", "2.50", [1]]]
