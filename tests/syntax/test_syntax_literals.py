"""Values of KQL literals: numbers, strings, timespans, datetimes, guids, typed nulls, dynamic."""

from __future__ import annotations

import decimal
import math
import uuid

import pandas as pd
import pytest

from kqlite.errors import KqlSyntaxError
from kqlite.syntax import literals, nodes
from kqlite.syntax.parser import parse
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType


def literal(text: str) -> nodes.Literal:
    (statement,) = parse(f"print {text}").statements
    assert isinstance(statement, nodes.Query) and isinstance(statement.expr, nodes.Pipeline)
    source = statement.expr.source
    assert isinstance(source, nodes.Print)
    value = source.items[0].expr
    assert isinstance(value, nodes.Literal), value
    return value


def value_of(text: str) -> object:
    return literal(text).value


@pytest.mark.parametrize(
    ("text", "value", "kql_type"),
    [
        ("12", 12, LONG),
        ("0xff", 255, LONG),
        ("0XFF", 255, LONG),
        ("1.5", 1.5, REAL),
        ("1.", 1.0, REAL),
        ("1e5", 100000.0, REAL),
        ("1.5e-3", 0.0015, REAL),
        ("true", True, BOOL),
        ("False", False, BOOL),
        ("9223372036854775807", 2**63 - 1, LONG),
    ],
)
def test_numbers_and_booleans(text: str, value: object, kql_type: KqlType) -> None:
    result = literal(text)

    assert result.value == value
    assert type(result.value) is type(value)
    assert result.kql_type is kql_type


def test_long_out_of_range() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse("print 9223372036854775808")

    assert caught.value.code == "KS004"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", pd.Timedelta(days=1)),
        ("3days", pd.Timedelta(days=3)),
        ("2h", pd.Timedelta(hours=2)),
        ("1hr", pd.Timedelta(hours=1)),
        ("2hrs", pd.Timedelta(hours=2)),
        ("1.5h", pd.Timedelta(minutes=90)),
        ("30m", pd.Timedelta(minutes=30)),
        ("5min", pd.Timedelta(minutes=5)),
        ("2minutes", pd.Timedelta(minutes=2)),
        ("10s", pd.Timedelta(seconds=10)),
        ("2sec", pd.Timedelta(seconds=2)),
        ("1second", pd.Timedelta(seconds=1)),
        ("100ms", pd.Timedelta(milliseconds=100)),
        ("3milli", pd.Timedelta(milliseconds=3)),
        ("2millisecond", pd.Timedelta(milliseconds=2)),
        ("10microsecond", pd.Timedelta(microseconds=10)),
        ("4micros", pd.Timedelta(microseconds=4)),
        ("100nanoseconds", pd.Timedelta(nanoseconds=100)),
        ("1tick", pd.Timedelta(nanoseconds=100)),
        ("5ticks", pd.Timedelta(nanoseconds=500)),
        ("0.5d", pd.Timedelta(hours=12)),
    ],
)
def test_timespan_literals(text: str, expected: pd.Timedelta) -> None:
    result = literal(text)

    assert result.value == expected
    assert result.kql_type is TIMESPAN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time(1d)", pd.Timedelta(days=1)),
        ("timespan(2)", pd.Timedelta(days=2)),
        ("timespan(1.5)", pd.Timedelta(hours=36)),
        ("timespan(15 seconds)", pd.Timedelta(seconds=15)),
        ("time(90 minutes)", pd.Timedelta(minutes=90)),
        ("timespan(0.12:34:56.7)", pd.Timedelta(hours=12, minutes=34, seconds=56.7)),
        ("time(12:30:00)", pd.Timedelta(hours=12, minutes=30)),
        ("time(1.02:03)", pd.Timedelta(days=1, hours=2, minutes=3)),
        ("time(-1d)", pd.Timedelta(days=-1)),
        ("time(null)", None),
        ("timespan( 2h )", pd.Timedelta(hours=2)),
    ],
)
def test_timespan_calls(text: str, expected: pd.Timedelta | None) -> None:
    result = literal(text)

    assert result.value == expected if expected is not None else result.value is None
    assert result.kql_type is TIMESPAN


def test_timespan_beyond_nanosecond_range() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse("print 200000d")

    assert caught.value.code == "KS004"


def test_no_week_unit() -> None:
    # `1w` is a name, as `1abc` is; a week count with a point cannot be one.
    with pytest.raises(KqlSyntaxError):
        parse("print 1.5w")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("datetime(2015-12-31 23:59:59.9)", pd.Timestamp("2015-12-31 23:59:59.9")),
        ("datetime(2015-12-31)", pd.Timestamp("2015-12-31")),
        ("date(2015-12-31)", pd.Timestamp("2015-12-31")),
        ("datetime(2014-05-25T08:20:03.123456Z)", pd.Timestamp("2014-05-25 08:20:03.123456")),
        ("datetime(2014-05-25T08:20:03.123456)", pd.Timestamp("2014-05-25 08:20:03.123456")),
        ("datetime(2014-05-25T08:20)", pd.Timestamp("2014-05-25 08:20")),
        ("datetime(2014-11-08 15:55:55.123456Z)", pd.Timestamp("2014-11-08 15:55:55.123456")),
        ("datetime(2014-11-08 15:55:55)", pd.Timestamp("2014-11-08 15:55:55")),
        ("datetime(2014-11-08 15:55)", pd.Timestamp("2014-11-08 15:55")),
        ("datetime(2014-11-8 15:05:25)", pd.Timestamp("2014-11-08 15:05:25")),
        ("datetime(2020-01-01T00:00:00.1234567Z)", pd.Timestamp("2020-01-01 00:00:00.1234567")),
        ("datetime(2020-01-01 10:00:00 +02:00)", pd.Timestamp("2020-01-01 08:00:00")),
        ("datetime(2020-01-01T10:00:00-0130)", pd.Timestamp("2020-01-01 11:30:00")),
        ("datetime(Sat, 8 Nov 14 15:05:02 GMT)", pd.Timestamp("2014-11-08 15:05:02")),
        ("datetime(8 Nov 14 15:05)", pd.Timestamp("2014-11-08 15:05")),
        ("datetime(Saturday, 08-Nov-14 15:05:02 GMT)", pd.Timestamp("2014-11-08 15:05:02")),
        ("datetime(Sat, 8 Nov 14 15:05:02 EST)", pd.Timestamp("2014-11-08 20:05:02")),
        ("datetime('2014-11-08 15:55:55')", pd.Timestamp("2014-11-08 15:55:55")),
    ],
)
def test_datetime_forms(text: str, expected: pd.Timestamp) -> None:
    result = literal(text)

    assert result.value == expected
    assert result.kql_type is DATETIME


def test_datetime_null() -> None:
    assert literal("datetime(null)") == nodes.Literal(span=literal("datetime(null)").span, value=None, kql_type=DATETIME)


@pytest.mark.parametrize(
    "text", ["datetime(2020-13-01)", "datetime(2020-02-30)", "datetime(yesterday)", "datetime(9999-12-31)"]
)
def test_malformed_datetime(text: str) -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse(f"print {text}")

    assert caught.value.code == "KS004"
    assert caught.value.span is not None and caught.value.span.start == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"'a\tb'", "a\tb"),
        (r'"a\nb"', "a\nb"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'back\\slash'", "back\\slash"),
        (r"'\u0041\u00e9'", "Aé"),
        (r"@'C:\temp'", "C:\\temp"),
        ("@'it''s'", "it's"),
        ('@"say ""hi"""', 'say "hi"'),
        ("h'secret'", "secret"),
        ("H\"secret\"", "secret"),
        ("h@'C:\\x'", "C:\\x"),
        ("```line 1\nline 2```", "line 1\nline 2"),
        ("''", ""),
        ("\"Hello\" ', ' @\"world!\"", "Hello, world!"),
        ("'a' // comment\n 'b'", "ab"),
    ],
)
def test_strings(text: str, expected: str) -> None:
    result = literal(text)

    assert result.value == expected
    assert result.kql_type is STRING


def test_invalid_escape() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse(r"print 'a\qb'")

    assert caught.value.code == "KS004"


@pytest.mark.parametrize(
    ("text", "value", "kql_type"),
    [
        ("long(null)", None, LONG),
        ("int(5)", 5, INT),
        ("int(-5)", -5, INT),
        ("int(null)", None, INT),
        ("long(-1)", -1, LONG),
        ("long(0x10)", 16, LONG),
        ("bool(true)", True, BOOL),
        ("bool(null)", None, BOOL),
        ("real(null)", None, REAL),
        ("double(null)", None, REAL),
        ("real(1)", 1.0, REAL),
        ("decimal(1.0)", decimal.Decimal("1.0"), DECIMAL),
        ("decimal(1e5)", decimal.Decimal("1e5"), DECIMAL),
        ("decimal(null)", None, DECIMAL),
    ],
)
def test_typed_literals(text: str, value: object, kql_type: KqlType) -> None:
    result = literal(text)

    assert result.value == value
    assert result.kql_type is kql_type


@pytest.mark.parametrize(("text", "expected"), [("real(+inf)", math.inf), ("real(inf)", math.inf), ("real(-inf)", -math.inf)])
def test_real_infinities(text: str, expected: float) -> None:
    assert value_of(text) == expected


def test_real_nan() -> None:
    value = value_of("real(nan)")

    assert isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize("text", ["int(3000000000)", "int(x)", "bool(maybe)", "real(abc)"])
def test_malformed_typed_literals(text: str) -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse(f"print {text}")

    assert caught.value.code == "KS004"


def test_guid() -> None:
    result = literal("guid(74be27de-1e4e-49d9-b579-fe0b331d3642)")

    assert result.value == uuid.UUID("74be27de-1e4e-49d9-b579-fe0b331d3642")
    assert result.kql_type is GUID
    assert value_of("guid(null)") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dynamic([1, 'a', {\"b\": 2.5}])", [1, "a", {"b": 2.5}]),
        ("dynamic({\"a\": {\"b\": [true, false, null]}})", {"a": {"b": [True, False, None]}}),
        ("dynamic([-1, -2.5])", [-1, -2.5]),
        ("dynamic([])", []),
        ("dynamic({})", {}),
        ("dynamic(null)", None),
        ("dynamic(4)", 4),
        ("dynamic('text')", "text"),
        ("dynamic([dynamic([1])])", [[1]]),
        (
            "dynamic({\"t\": datetime(1970-05-11), \"s\": 1d, \"g\": guid(00000000-0000-0000-0000-000000000001)})",
            {"t": pd.Timestamp("1970-05-11"), "s": pd.Timedelta(days=1), "g": uuid.UUID(int=1)},
        ),
    ],
)
def test_dynamic(text: str, expected: object) -> None:
    result = literal(text)

    assert result.value == expected
    assert result.kql_type is DYNAMIC


def test_literal_readers_directly() -> None:
    assert literals.parse_timespan("1.5h") == pd.Timedelta(minutes=90)
    assert literals.parse_datetime("2023-06-01") == pd.Timestamp("2023-06-01")
    assert literals.parse_datetime("null") is None
    assert literals.parse_string("@'a''b'") == "a'b"
    with pytest.raises(literals.LiteralError):
        literals.parse_timespan("1w")
