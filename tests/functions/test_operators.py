"""Scalar operators: type rules, arithmetic, null rules, logic, string operators, in, between."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.functions.operators import (
    between_result_type,
    binary_result_type,
    evaluate_between,
    evaluate_binary,
    evaluate_in,
    evaluate_unary,
    in_result_type,
    unary_result_type,
)
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN

T = pd.Timestamp
D = pd.Timedelta


def longs(*values: int | None) -> pd.Series:
    return pd.Series(list(values), dtype="Int64")


def binary(op: str, left, right, left_type, right_type):
    length = next((len(v) for v in (left, right) if isinstance(v, pd.Series)), 1)
    return evaluate_binary(op, left, right, left_type, right_type, length)


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("+", INT, INT, LONG),
        ("%", INT, INT, LONG),
        ("+", INT, LONG, LONG),
        ("*", LONG, REAL, REAL),
        ("-", REAL, DECIMAL, DECIMAL),
        ("-", DATETIME, DATETIME, TIMESPAN),
        ("+", DATETIME, TIMESPAN, DATETIME),
        ("+", TIMESPAN, DATETIME, DATETIME),
        ("-", DATETIME, TIMESPAN, DATETIME),
        ("*", TIMESPAN, LONG, TIMESPAN),
        ("*", REAL, TIMESPAN, TIMESPAN),
        ("/", TIMESPAN, TIMESPAN, REAL),
        ("/", TIMESPAN, LONG, TIMESPAN),
        ("+", DATETIME, DATETIME, None),
        ("-", TIMESPAN, DATETIME, None),
        ("+", STRING, STRING, None),
        ("==", LONG, REAL, BOOL),
        ("<", STRING, STRING, None),
        ("<", STRING, LONG, None),
        ("<", LONG, BOOL, BOOL),
        ("<", DATETIME, DATETIME, BOOL),
        ("<", DATETIME, TIMESPAN, None),
        ("==", LONG, STRING, BOOL),
        ("+", DYNAMIC, DYNAMIC, DYNAMIC),
        ("+", DYNAMIC, INT, LONG),
        ("*", REAL, DYNAMIC, REAL),
        ("-", DATETIME, DYNAMIC, TIMESPAN),
        ("+", DATETIME, DYNAMIC, DATETIME),
        ("<", BOOL, BOOL, BOOL),
        ("*", DYNAMIC, STRING, None),
        ("==", DYNAMIC, STRING, BOOL),
        ("and", BOOL, BOOL, BOOL),
        ("and", LONG, BOOL, None),
        ("has", STRING, STRING, BOOL),
        ("!contains_cs", STRING, STRING, BOOL),
        ("matches regex", STRING, STRING, BOOL),
        ("=~", STRING, STRING, BOOL),
        ("has", LONG, STRING, None),
    ],
)
def test_binary_result_type(op, left, right, expected):
    assert binary_result_type(op, left, right) is expected


def test_unary_and_between_types():
    assert unary_result_type("-", TIMESPAN) is TIMESPAN
    assert unary_result_type("-", STRING) is None
    assert between_result_type(DATETIME, DATETIME, TIMESPAN) is BOOL
    assert between_result_type(LONG, INT, REAL) is BOOL
    assert between_result_type(STRING, STRING, STRING) is None
    assert between_result_type(LONG, LONG, BOOL) is None
    assert between_result_type(TIMESPAN, TIMESPAN, TIMESPAN) is BOOL
    assert between_result_type(DYNAMIC, LONG, LONG) is BOOL
    assert in_result_type("in", LONG, [LONG, REAL]) is BOOL
    assert in_result_type("in", LONG, [STRING]) is BOOL
    assert in_result_type("in~", LONG, [STRING]) is None
    assert in_result_type("has_any", STRING, [LONG]) is BOOL
    assert in_result_type("has_any", STRING, [STRING, STRING]) is BOOL


def test_modulo_sign():
    # Documented: the result is always in [0, |divisor|).
    assert binary("%", 14, 12, LONG, LONG) == 2
    assert binary("%", -14, 12, LONG, LONG) == 10
    assert binary("%", 14, -12, LONG, LONG) == 2
    assert binary("%", -14, -12, LONG, LONG) == 10


def test_modulo_column():
    result = binary("%", longs(14, -14, None, 5), longs(12, -12, 3, 0), LONG, LONG)
    assert result.tolist() == [2, 10, pd.NA, pd.NA]
    assert result.dtype == "Int64"


def test_integer_division():
    assert binary("/", 1.0, 2, REAL, LONG) == 0.5
    assert binary("/", 1, 2.0, LONG, REAL) == 0.5
    assert binary("/", 1, 2, LONG, LONG) == 0
    assert binary("/", -7, 2, LONG, LONG) == -3
    assert binary("/", 7, -2, LONG, LONG) == -3


def test_integer_division_by_zero_is_null():
    assert binary("/", 7, 0, LONG, LONG) is None
    assert binary("/", longs(7, 8), 0, LONG, LONG).isna().all()
    assert binary("/", 1.0, 0.0, REAL, REAL) == np.inf


def test_int_arithmetic_widens_to_long():
    # Kusto.Language 12.4.1 types int + int as long, for columns and constants alike.
    result = binary("+", pd.Series([1, 2], dtype="Int32"), pd.Series([3, None], dtype="Int32"), INT, INT)
    assert result.dtype == "Int64"
    assert result.tolist() == [4, pd.NA]


def test_null_propagates_in_arithmetic():
    assert binary("+", None, 1, LONG, LONG) is None
    result = binary("*", pd.Series([1.5, np.nan]), 2, REAL, LONG)
    assert result.iloc[0] == 3.0
    assert np.isnan(result.iloc[1])


def test_timespan_division():
    assert binary("/", D(days=1), D(seconds=1), TIMESPAN, TIMESPAN) == 86400.0
    assert binary("/", D(days=1), D(hours=5), TIMESPAN, TIMESPAN) == pytest.approx(4.8)
    minutes = binary("*", 24 * 60, D(minutes=1), LONG, TIMESPAN)
    assert binary("/", minutes, D(seconds=1), TIMESPAN, TIMESPAN) == 86400.0
    assert binary("/", D(days=1), 4, TIMESPAN, LONG) == D(hours=6)


def test_datetime_arithmetic():
    assert binary("-", T("2020-01-02"), T("2020-01-01"), DATETIME, DATETIME) == D(days=1)
    assert binary("+", T("2020-01-01"), D(hours=1), DATETIME, TIMESPAN) == T("2020-01-01 01:00")
    assert binary("+", D(hours=1), T("2020-01-01"), TIMESPAN, DATETIME) == T("2020-01-01 01:00")
    assert binary("*", D(hours=1), 1.5, TIMESPAN, REAL) == D(minutes=90)


def test_unix_time_conversions():
    seconds = binary("*", 1546897531, D(seconds=1), LONG, TIMESPAN)
    assert binary("+", T("1970-01-01"), seconds, DATETIME, TIMESPAN) == T("2019-01-07 21:45:31")
    elapsed = binary("-", T("2019-01-07 21:45:31"), T("1970-01-01"), DATETIME, DATETIME)
    assert binary("/", elapsed, D(seconds=1), TIMESPAN, TIMESPAN) == 1546897531.0


def test_datetime_plus_datetime_raises():
    with pytest.raises(KqlRuntimeError):
        binary("+", T("2020-01-01"), T("2020-01-02"), DATETIME, DATETIME)


def test_null_comparisons():
    values = pd.Series([5, None], dtype="Int32")
    assert binary(">", values, 3, INT, LONG).tolist() == [True, pd.NA]
    bigger_or_null = binary("or", binary(">", values, 3, INT, LONG), pd.Series([False, True], dtype="boolean"), BOOL, BOOL)
    assert bigger_or_null.tolist() == [True, True]
    assert binary("==", values, None, INT, INT).tolist() == [False, pd.NA]
    assert binary("!=", values, None, INT, INT).tolist() == [True, pd.NA]


def test_equality_of_nulls():
    assert binary("==", None, None, LONG, LONG) is None
    assert binary("==", None, 1, LONG, LONG) is False
    assert binary("!=", None, 1, LONG, LONG) is True
    assert binary("<", None, 1, LONG, LONG) is None


def test_comparison_across_numeric_types():
    assert binary("==", 1, 1.0, LONG, REAL) is True
    assert binary("<", pd.Series([1, 2], dtype="Int32"), 1.5, INT, REAL).tolist() == [True, False]


def test_three_valued_logic():
    left = pd.Series([True, True, True, False, False, False, None, None, None], dtype="boolean")
    right = pd.Series([True, False, None] * 3, dtype="boolean")
    assert binary("and", left, right, BOOL, BOOL).tolist() == [True, False, pd.NA, False, False, False, pd.NA, False, pd.NA]
    assert binary("or", left, right, BOOL, BOOL).tolist() == [True, True, True, True, False, pd.NA, True, pd.NA, pd.NA]
    assert binary("and", False, None, BOOL, BOOL) is False
    assert binary("or", True, None, BOOL, BOOL) is True


def test_unary_minus():
    assert evaluate_unary("-", longs(1, None), LONG, 2).tolist() == [-1, pd.NA]
    assert evaluate_unary("-", D(hours=1), TIMESPAN, 1) == D(hours=-1)
    assert evaluate_unary("+", 5, LONG, 1) == 5
    assert evaluate_unary("-", pd.Series([1, "x"], dtype=object), DYNAMIC, 2).tolist() == [-1, None]


def test_unary_minus_wraps_integers():
    # As long addition does, negating the smallest int or long gives that value back.
    assert evaluate_unary("-", -2147483648, INT, 1) == -2147483648
    assert evaluate_unary("-", -(2**63), LONG, 1) == -(2**63)
    ints = pd.Series(pd.array([-2147483648, 7, None], dtype="Int32"))
    assert evaluate_unary("-", ints, INT, 3).tolist() == [-2147483648, -7, pd.NA]


def test_unary_minus_dynamic_object_null():
    assert evaluate_unary("-", {"a": 1}, DYNAMIC, 1) is None


STRING_CASES = [
    ("==", "aBc", "aBc", True),
    ("!=", "abc", "ABC", True),
    ("=~", "abc", "ABC", True),
    ("!~", "aBc", "xyz", True),
    ("contains", "FabriKam", "BRik", True),
    ("!contains", "Fabrikam", "xyz", True),
    ("contains_cs", "FabriKam", "Kam", True),
    ("!contains_cs", "Fabrikam", "Kam", True),
    ("endswith", "Fabrikam", "Kam", True),
    ("!endswith", "Fabrikam", "brik", True),
    ("endswith_cs", "Fabrikam", "kam", True),
    ("startswith", "Fabrikam", "fab", True),
    ("startswith_cs", "Fabrikam", "fab", False),
    ("has", "North America", "america", True),
    ("!has", "North America", "amer", True),
    ("has_cs", "North America", "America", True),
    ("has_cs", "North America", "america", False),
    ("hasprefix", "North America", "ame", True),
    ("!hasprefix", "North America", "mer", True),
    ("hassuffix", "North America", "ica", True),
    ("hassuffix_cs", "North America", "ICA", False),
    ("has", "ad67d136-c1db-4f9f;KustoExplorerQueryRun", "c1db", True),
    ("has", "ad67d136-c1db-4f9f", "c1d", False),
    ("has", "a.b (c)", "(c)", True),
    ("has", "Kusto: ad67d136", "kusto: ad67d136", True),
    ("matches regex", "Fabrikam", "b.*k", True),
    ("matches regex", "Fabrikam", "^x", False),
    ("contains", "abc", "", True),
]


@pytest.mark.parametrize(("op", "text", "needle", "expected"), STRING_CASES)
def test_string_operator_constants(op, text, needle, expected):
    assert binary(op, text, needle, STRING, STRING) is expected


@pytest.mark.parametrize("dtype", ["str", "category"])
def test_string_operator_columns(dtype):
    texts = pd.Series(["North America", "Fabrikam", "americano", ""], dtype=dtype)
    assert binary("has", texts, "america", STRING, STRING).tolist() == [True, False, False, False]
    assert binary("contains", texts, "AMERIC", STRING, STRING).tolist() == [True, False, True, False]
    assert binary("!startswith", texts, "fab", STRING, STRING).tolist() == [True, False, True, True]
    assert binary("==", texts, "Fabrikam", STRING, STRING).tolist() == [False, True, False, False]
    assert binary("=~", texts, "fabrikam", STRING, STRING).tolist() == [False, True, False, False]
    assert binary("!=", texts, "", STRING, STRING).tolist() == [True, True, True, False]
    assert binary("matches regex", texts, "^[a-z]", STRING, STRING).tolist() == [False, False, True, False]


def test_string_operator_column_needle():
    texts = pd.Series(["abc", "abc", "xyz"], dtype="str")
    needles = pd.Series(["B", "z", "Z"], dtype="str")
    assert binary("contains", texts, needles, STRING, STRING).tolist() == [True, False, True]
    assert binary("==", texts, pd.Series(["abc", "x", "xyz"], dtype="str"), STRING, STRING).tolist() == [True, False, True]


def test_constant_left_string_comparison():
    texts = pd.Series(["a", "c"], dtype="category")
    assert binary("==", "c", texts, STRING, STRING).tolist() == [False, True]


def test_mismatched_equality_is_false():
    assert binary("==", 5, "5", LONG, STRING) is False
    assert binary("!=", pd.Series([5, None], dtype="Int64"), "5", LONG, STRING).tolist() == [True, True]


def test_dynamic_arithmetic():
    values = pd.Series([1, 2.5, None, "x"], dtype=object)
    assert binary("+", values, 1, DYNAMIC, LONG).tolist() == [2, 3, pd.NA, pd.NA]
    assert binary("*", values, 2.0, DYNAMIC, REAL).tolist()[:2] == [2.0, 5.0]
    assert binary("+", values, values, DYNAMIC, DYNAMIC).tolist() == [2, 5.0, None, None]
    assert binary("+", T("2020-01-01"), "1.00:00:00", DATETIME, DYNAMIC) == T("2020-01-02")
    assert binary("-", T("2020-01-02"), "2020-01-01", DATETIME, DYNAMIC) == D(days=1)


def test_invalid_regex_raises():
    with pytest.raises(KqlRuntimeError):
        binary("matches regex", "abc", "(", STRING, STRING)


def test_dynamic_comparison_converts():
    bag_values = pd.Series(["value4", 5, None], dtype=object)
    assert binary("==", bag_values, "value4", DYNAMIC, STRING).tolist() == [True, False, False]
    assert binary(">", pd.Series([1, 7, "8"], dtype=object), 4, DYNAMIC, LONG).tolist() == [False, True, True]


def test_in_operators():
    values = longs(1, 2, None)
    assert evaluate_in("in", values, [1, 3], LONG, 3).tolist() == [True, False, False]
    assert evaluate_in("!in", values, [1, 3], LONG, 3).tolist() == [False, True, True]
    assert evaluate_in("in", 2, [[1, 2]], LONG, 1) is True


def test_in_datetime_with_unparsable_text():
    moment = pd.Timestamp("2020-01-01")

    assert evaluate_in("in", moment, ["hidden", moment], DATETIME, 1) is True
    assert evaluate_in("in", moment, ["hidden"], DATETIME, 1) is False
    assert evaluate_in("!in", pd.Timedelta(hours=1), ["x"], TIMESPAN, 1) is True
    assert evaluate_in("in", 2.0, [1, 2], REAL, 1) is True


@pytest.mark.parametrize("dtype", ["str", "category"])
def test_in_on_strings(dtype):
    texts = pd.Series(["a", "B", "c"], dtype=dtype)
    assert evaluate_in("in", texts, ["a", "b"], STRING, 3).tolist() == [True, False, False]
    assert evaluate_in("in~", texts, ["a", "b"], STRING, 3).tolist() == [True, True, False]
    assert evaluate_in("!in~", texts, ["a", "b"], STRING, 3).tolist() == [False, False, True]
    assert evaluate_in("in", texts, pd.Series(["c", "a"], dtype="str"), STRING, 3).tolist() == [True, False, True]


def test_in_on_datetimes():
    stamps = pd.Series([T("2020-01-01"), T("2020-01-02")])
    assert evaluate_in("in", stamps, [T("2020-01-02")], DATETIME, 2).tolist() == [False, True]


def test_has_any_and_has_all():
    texts = pd.Series(["North America", "South Africa", "Asia"], dtype="category")
    assert evaluate_in("has_any", texts, ["america", "asia"], STRING, 3).tolist() == [True, False, True]
    assert evaluate_in("has_all", texts, ["north", "america"], STRING, 3).tolist() == [True, False, False]
    assert evaluate_in("has_any", "abc", [], STRING, 1) is False


def test_between():
    values = longs(1, 5, None)
    assert evaluate_between(values, 1, 4, LONG, LONG, LONG, False, 3).tolist() == [True, False, pd.NA]
    assert evaluate_between(values, 1, 4, LONG, LONG, LONG, True, 3).tolist() == [False, True, pd.NA]
    assert evaluate_between(2.5, 1, 4, REAL, LONG, LONG, False, 1) is True


def test_between_datetime_and_timespan_length():
    stamps = pd.Series([T("2020-01-01 12:00"), T("2020-01-03")])
    result = evaluate_between(stamps, T("2020-01-01"), D(days=1), DATETIME, DATETIME, TIMESPAN, False, 2)
    assert result.tolist() == [True, False]


def test_time_arithmetic_out_of_range_is_null() -> None:
    import datetime

    import kqlite

    result = kqlite.connect().execute(
        "print a = datetime(2250-01-01) + 20 * 365d, b = datetime(2250-01-01) - datetime(1700-01-01),"
        " c = 365d * 300 * 10, d = 1d * 1e300, e = datetime(2023-01-01) + 1d, f = -3d / 2"
    )
    a, b, c, d, e, f = result.rows()[0]

    assert a is None
    assert b is None
    assert c is None
    assert d is None
    assert str(e) == "2023-01-02 00:00:00+00:00"
    assert f == datetime.timedelta(days=-1.5)
