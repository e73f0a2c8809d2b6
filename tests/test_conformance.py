"""Run every documented Kusto example of the shared conformance folder through kqlite.

Each ``*.jsonl`` file in the conformance folder (one JSON case a line) is read when the
tests are collected, so new cases need no change here. A case runs its `setup` control
commands and then its `query` on a fresh in-memory database. kqlite's result must match
the table Kusto returns: the same column names and types, and the same rows under the
folder's value encoding (see `expected_value_matches`). Cases kqlite cannot
pass yet are listed with their reason in `conformance_xfail.py`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance_xfail import EXPECTED_FAILURES

SHARED_FOLDER = Path(__file__).resolve().parents[1] / ".." / "shared"
CONFORMANCE_FOLDER = SHARED_FOLDER / "conformance"

# KQL counts time in ticks of 100 nanoseconds.
TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

_ISO_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z$"
)
_KUSTO_TIMESPAN = re.compile(r"^(-)?(?:(\d+)\.)?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")


@dataclass(frozen=True)
class ConformanceCase:
    """One documented example: a query, the commands before it, and Kusto's answer."""

    name: str
    query: str
    setup: tuple[str, ...] = ()
    expected: dict[str, Any] | None = None
    expect_error: bool = False
    ordered: bool = True
    abs_tol: float = 0.0
    source: str = ""
    note: str = ""
    file: str = ""


def load_cases(folder: Path = CONFORMANCE_FOLDER) -> list[ConformanceCase]:
    """Read every case of every ``*.jsonl`` file in `folder`, in file and line order."""
    cases: list[ConformanceCase] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            cases.append(
                ConformanceCase(
                    name=record["name"],
                    query=record["query"],
                    setup=tuple(record.get("setup", ())),
                    expected=record.get("expected"),
                    expect_error=bool(record.get("expect_error", False)),
                    ordered=record.get("ordered", True),
                    abs_tol=float(record.get("abs_tol", 0.0)),
                    source=record.get("source", ""),
                    note=record.get("note", ""),
                    file=f"{path.name}:{line_number}",
                )
            )
    return cases


def case_params(cases: list[ConformanceCase], failures: dict[str, str]) -> list[Any]:
    """Turn cases into pytest params named after the case, marking the listed failures."""
    params = []
    for case in cases:
        marks = []
        if case.name in failures:
            marks.append(pytest.mark.xfail(strict=True, reason=failures[case.name]))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def _collect_params() -> list[Any]:
    if not CONFORMANCE_FOLDER.is_dir():
        reason = f"conformance folder not found at {CONFORMANCE_FOLDER}"
        return [pytest.param(None, id="no-conformance-folder", marks=pytest.mark.skip(reason=reason))]
    return case_params(load_cases(), EXPECTED_FAILURES)


def test_xfail_list_names_real_cases() -> None:
    if not CONFORMANCE_FOLDER.is_dir():
        pytest.skip(f"conformance folder not found at {CONFORMANCE_FOLDER}")
    names = {case.name for case in load_cases()}
    unknown = sorted(set(EXPECTED_FAILURES) - names)
    assert unknown == [], f"conformance_xfail.py lists cases that do not exist: {unknown}"


def test_case_names_are_unique() -> None:
    if not CONFORMANCE_FOLDER.is_dir():
        pytest.skip(f"conformance folder not found at {CONFORMANCE_FOLDER}")
    names = [case.name for case in load_cases()]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert duplicates == []


@pytest.mark.parametrize("case", _collect_params())
def test_conformance(case: ConformanceCase) -> None:
    import kqlite

    db = kqlite.connect()
    for command in case.setup:
        db.execute(command)

    if case.expect_error:
        with pytest.raises(kqlite.KqlError) as raised:
            db.execute(case.query)
        # A "not supported" or internal error is no evidence that kqlite finds the query invalid.
        assert not isinstance(raised.value, (kqlite.KqlNotSupportedError, _internal_error_class())), (
            f"expected Kusto's rejection, got:\n{raised.value}"
        )
        return

    assert case.expected is not None, f"case {case.name} has neither 'expected' nor 'expect_error'"
    result = db.execute(case.query)
    expected_columns = [(column["name"], column["type"]) for column in case.expected["columns"]]
    actual_columns = [(name, str(kql_type)) for name, kql_type in result.columns]
    assert actual_columns == expected_columns

    types = [kql_type for _, kql_type in expected_columns]
    problem = compare_rows(case.expected["rows"], result.rows(), types, case.ordered, case.abs_tol)
    if problem is not None:
        pytest.fail(f"{problem}\n\n{describe_tables(case.expected['rows'], result.rows(), expected_columns)}")


def _internal_error_class() -> type[Exception]:
    import kqlite.errors

    return kqlite.errors.KqlInternalError


# ---------------------------------------------------------------- row comparison


def compare_rows(
    expected: list[list[Any]],
    actual: list[tuple[Any, ...]],
    types: list[str],
    ordered: bool,
    abs_tol: float,
) -> str | None:
    """Return why `actual` differs from `expected`, or None when they match."""
    if len(actual) != len(expected):
        return f"expected {len(expected)} rows, got {len(actual)}"

    for index, row in enumerate(actual):
        if len(row) != len(types):
            return f"row {index} has {len(row)} values for {len(types)} columns"

    if ordered:
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            if not row_matches(want, got, types, abs_tol):
                return f"row {index} differs: expected {want!r}, got {got!r}"
        return None

    # A multiset match: each expected row takes the first unused actual row equal to it.
    unused = list(range(len(actual)))
    for want in expected:
        match = next((i for i in unused if row_matches(want, actual[i], types, abs_tol)), None)
        if match is None:
            return f"no actual row matches expected row {want!r} (rows compared as a multiset)"
        unused.remove(match)
    return None


def row_matches(expected: list[Any], actual: tuple[Any, ...], types: list[str], abs_tol: float) -> bool:
    return all(
        expected_value_matches(want, got, kql_type, abs_tol)
        for want, got, kql_type in zip(expected, actual, types, strict=True)
    )


def expected_value_matches(expected: Any, actual: Any, kql_type: str, abs_tol: float) -> bool:
    """Compare one value from the conformance file with the value kqlite returned.

    The file writes null as JSON null, datetimes as ISO-8601 text ending in ``Z`` (with
    or without 7 fractional digits), timespans as ``[-][d.]hh:mm:ss[.fffffff]``,
    dynamic values as JSON (with datetimes as ISO text), and reals within `abs_tol`.
    """
    actual = _plain(actual)
    if expected is None or actual is None:
        return expected is None and _is_null(actual, kql_type)

    if kql_type == "datetime":
        return datetime_ticks(actual) == iso_datetime_ticks(expected)
    if kql_type == "timespan":
        return timespan_ticks(actual) == kusto_timespan_ticks(expected)
    if kql_type == "real":
        return _reals_match(expected, actual, abs_tol)
    if kql_type in ("int", "long"):
        return isinstance(actual, int) and not isinstance(actual, bool) and actual == expected
    if kql_type == "bool":
        return isinstance(actual, bool) and actual == expected
    if kql_type == "decimal":
        return isinstance(actual, (int, float, decimal.Decimal)) and decimal.Decimal(str(actual)) == decimal.Decimal(
            str(expected)
        )
    if kql_type == "guid":
        return str(actual).lower() == str(expected).lower()
    if kql_type == "dynamic":
        return dynamic_matches(expected, actual, abs_tol)
    return isinstance(actual, str) and actual == expected


def _is_null(actual: Any, kql_type: str) -> bool:
    # kqlite stores a null real as NaN, so a NaN counts as null here.
    if actual is None:
        return True
    return kql_type == "real" and isinstance(actual, float) and math.isnan(actual)


def _reals_match(expected: Any, actual: Any, abs_tol: float) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    if isinstance(expected, str):
        # JSON has no NaN or infinity, so a file may spell them "NaN", "Infinity", "-Infinity".
        expected = float(expected.replace("Infinity", "inf"))
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return expected == actual
    return math.isclose(actual, expected, rel_tol=0.0, abs_tol=abs_tol)


def dynamic_matches(expected: Any, actual: Any, abs_tol: float) -> bool:
    """Compare JSON values; numbers within `abs_tol`, datetime text in any ISO form."""
    actual = _plain(actual)
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and _reals_match(float(expected), float(actual), abs_tol)
    if isinstance(expected, str):
        return isinstance(actual, str) and _dynamic_texts_match(expected, actual)
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(dynamic_matches(want, got, abs_tol) for want, got in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(dynamic_matches(expected[key], actual[key], abs_tol) for key in expected)
        )
    return False


def _dynamic_texts_match(expected: str, actual: str) -> bool:
    if expected == actual:
        return True
    if _ISO_DATETIME.match(expected):
        return iso_datetime_ticks(expected) == iso_datetime_ticks(actual)
    return False


def _plain(value: Any) -> Any:
    """Turn numpy scalars and arrays, which kqlite may pass through, into Python values."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


# ---------------------------------------------------------------- time values


def iso_datetime_ticks(text: str) -> int | None:
    """Return the ticks since 1970 of ISO-8601 UTC text, or None if it is not that form."""
    if not isinstance(text, str):
        return None
    match = _ISO_DATETIME.match(text.replace("+00:00", "Z"))
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    moment = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=dt.timezone.utc)
    return datetime_ticks(moment) + int((fraction or "").ljust(7, "0"))


def datetime_ticks(value: Any) -> int | None:
    """Return the ticks since 1970 of a datetime (naive values count as UTC)."""
    if isinstance(value, str):
        return iso_datetime_ticks(value)
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    # A pandas Timestamp minus a datetime is a pandas Timedelta, which keeps the nanoseconds.
    return timespan_ticks(value - UNIX_EPOCH)


def kusto_timespan_ticks(text: str) -> int | None:
    """Return the ticks of a timespan written as ``[-][d.]hh:mm:ss[.fffffff]``."""
    match = _KUSTO_TIMESPAN.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    sign, days, hours, minutes, seconds, fraction = match.groups()
    ticks = (
        int(days or 0) * TICKS_PER_DAY
        + (int(hours) * 3600 + int(minutes) * 60 + int(seconds)) * TICKS_PER_SECOND
        + int((fraction or "").ljust(7, "0"))
    )
    return -ticks if sign else ticks


def timespan_ticks(value: Any) -> int | None:
    if isinstance(value, str):
        return kusto_timespan_ticks(value)
    if not isinstance(value, dt.timedelta):
        return None
    nanoseconds = getattr(value, "nanoseconds", 0)
    return (
        value.days * TICKS_PER_DAY
        + value.seconds * TICKS_PER_SECOND
        + value.microseconds * 10
        + nanoseconds // 100
    )


# ---------------------------------------------------------------- failure report


def describe_tables(expected: list[list[Any]], actual: list[tuple[Any, ...]], columns: list[tuple[str, str]]) -> str:
    """Show both tables one row a line, so a failure can be read without rerunning it."""
    header = ", ".join(f"{name}:{kql_type}" for name, kql_type in columns)
    lines = [f"columns: {header}", "expected rows:"]
    lines.extend(f"  {row!r}" for row in expected)
    lines.append("actual rows:")
    lines.extend(f"  {_describe_row(row)}" for row in actual)
    return "\n".join(lines)


def _describe_row(row: tuple[Any, ...]) -> str:
    return repr([_describe_value(value) for value in row])


def _describe_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value



# ---------------------------------------------------------------- the comparison itself


UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "ticks"),
    [
        ("00:00:00", 0),
        ("01:00:00", 3600 * TICKS_PER_SECOND),
        ("1.00:00:00", TICKS_PER_DAY),
        ("365.00:00:00", 365 * TICKS_PER_DAY),
        ("-12:00:00", -12 * 3600 * TICKS_PER_SECOND),
        ("00:00:00.5", TICKS_PER_SECOND // 2),
        ("00:00:00.0000001", 1),
        ("-1.02:00:00.1000000", -(TICKS_PER_DAY + 2 * 3600 * TICKS_PER_SECOND + TICKS_PER_SECOND // 10)),
        ("1:00:00", None),
        ("1d", None),
    ],
)
def test_timespan_text_ticks(text: str, ticks: int | None) -> None:
    assert kusto_timespan_ticks(text) == ticks


def test_timespan_value_matches_text() -> None:
    assert expected_value_matches("14.00:00:00", dt.timedelta(days=14), "timespan", 0.0)
    assert expected_value_matches("-12:00:00", dt.timedelta(hours=-12), "timespan", 0.0)
    assert not expected_value_matches("14.00:00:00", dt.timedelta(days=14, seconds=1), "timespan", 0.0)


def test_datetime_forms_match() -> None:
    moment = dt.datetime(2017, 1, 1, tzinfo=UTC)

    assert expected_value_matches("2017-01-01T00:00:00Z", moment, "datetime", 0.0)
    assert expected_value_matches("2017-01-01T00:00:00.0000000Z", moment, "datetime", 0.0)
    assert expected_value_matches("2017-01-01T00:00:00Z", moment.replace(tzinfo=None), "datetime", 0.0)
    assert not expected_value_matches("2017-01-01T00:00:01Z", moment, "datetime", 0.0)
    # Python datetimes keep microseconds, so a seventh fractional digit cannot match.
    assert not expected_value_matches("2017-01-01T00:00:00.1234567Z", moment + dt.timedelta(microseconds=123456), "datetime", 0.0)
    assert expected_value_matches("2017-01-01T00:00:00.1234560Z", moment + dt.timedelta(microseconds=123456), "datetime", 0.0)


def test_datetimes_inside_dynamic_match() -> None:
    expected = ["2017-01-01T00:00:00.0000000Z", "2017-01-02T00:00:00.0000000Z"]

    assert dynamic_matches(expected, ["2017-01-01T00:00:00Z", "2017-01-02T00:00:00+00:00"], 0.0)
    assert not dynamic_matches(expected, ["2017-01-01T00:00:00Z", "2017-01-03T00:00:00Z"], 0.0)


def test_dynamic_json_compare() -> None:
    assert dynamic_matches({"a": [1, 2.0], "b": None}, {"b": None, "a": [1, 2]}, 0.0)
    assert dynamic_matches([0.1], [0.1000001], 1e-6)
    assert not dynamic_matches([0.1], [0.11], 1e-6)
    assert not dynamic_matches([True], [1], 0.0)
    assert not dynamic_matches({"a": 1}, {"a": 1, "b": 2}, 0.0)
    assert not dynamic_matches([1, 2], [1], 0.0)
    assert not dynamic_matches("1", 1, 0.0)


def test_scalar_values_match_by_type() -> None:
    assert expected_value_matches(5, 5, "long", 0.0)
    assert not expected_value_matches(1, True, "long", 0.0)
    assert not expected_value_matches(5, 5.0, "int", 0.0)
    assert expected_value_matches(0.5, 0.5000001, "real", 1e-6)
    assert not expected_value_matches(0.5, 0.6, "real", 1e-6)
    assert expected_value_matches(None, float("nan"), "real", 0.0)
    assert expected_value_matches("NaN", float("nan"), "real", 0.0)
    assert expected_value_matches(None, None, "string", 0.0)
    assert not expected_value_matches("", None, "string", 0.0)
    assert not expected_value_matches(None, "", "string", 0.0)
    assert expected_value_matches(True, True, "bool", 0.0)
    assert not expected_value_matches(True, 1, "bool", 0.0)
    assert expected_value_matches("1.50", decimal.Decimal("1.5"), "decimal", 0.0)
    assert expected_value_matches("74BE27DE-1E4E-49D9-B579-FE0B331D3642", "74be27de-1e4e-49d9-b579-fe0b331d3642", "guid", 0.0)


def test_rows_ordered_or_as_multiset() -> None:
    expected = [[1, "a"], [2, "b"], [2, "b"]]
    shuffled = [(2, "b"), (1, "a"), (2, "b")]

    assert compare_rows(expected, shuffled, ["long", "string"], ordered=False, abs_tol=0.0) is None
    assert compare_rows(expected, shuffled, ["long", "string"], ordered=True, abs_tol=0.0) is not None
    assert compare_rows(expected, [(1, "a"), (1, "a"), (2, "b")], ["long", "string"], ordered=False, abs_tol=0.0) is not None
    assert compare_rows(expected, shuffled[:2], ["long", "string"], ordered=False, abs_tol=0.0) == "expected 3 rows, got 2"
