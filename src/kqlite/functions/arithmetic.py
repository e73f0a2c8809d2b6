"""Arithmetic operators on numbers, datetimes and timespans: ``+ - * / %``.

`kqlite.functions.operators` types and dispatches every binary operator. It converts a
dynamic operand first and then calls `_arithmetic` here. Integer arithmetic runs on int64,
and real and decimal arithmetic on float64. Datetimes and timespans are int64
nanoseconds, and `_TIME_ARITHMETIC` lists the combinations that KQL allows. An integer
division by zero, or a time result that int64 nanoseconds cannot hold, is null.
"""

from __future__ import annotations

import numpy as np

from kqlite.functions.values import Value, from_numpy, to_numpy
from kqlite.types import DATETIME, INT, LONG, REAL, TIMESPAN, KqlType

# datetime/timespan arithmetic, as the KQL reference tabulates it; "number" stands for
# any numeric type. datetime + datetime is missing on purpose: it is an error.
_TIME_ARITHMETIC: dict[tuple[str, str, str], KqlType] = {
    ("-", "datetime", "datetime"): TIMESPAN,
    ("+", "datetime", "timespan"): DATETIME,
    ("-", "datetime", "timespan"): DATETIME,
    ("+", "timespan", "datetime"): DATETIME,
    ("+", "timespan", "timespan"): TIMESPAN,
    ("-", "timespan", "timespan"): TIMESPAN,
    ("*", "timespan", "number"): TIMESPAN,
    ("*", "number", "timespan"): TIMESPAN,
    ("/", "timespan", "number"): TIMESPAN,
    ("/", "timespan", "timespan"): REAL,
    ("%", "timespan", "timespan"): TIMESPAN,
}


def _kind(kql_type: KqlType) -> str:
    return "number" if kql_type.is_numeric else kql_type.value


def _arithmetic(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, result_type: KqlType) -> Value:
    left_values, left_nulls = to_numpy(left, left_type)
    right_values, right_nulls = to_numpy(right, right_type)
    nulls = left_nulls | right_nulls

    if left_type.is_numeric and right_type.is_numeric:
        if result_type in (INT, LONG):
            values, extra_nulls = _integer_arithmetic(op, left_values, right_values)
            return from_numpy(values, nulls | extra_nulls, result_type)
        # NOTE: decimal arithmetic runs on float64 here, so decimals keep about 15
        # significant digits instead of Kusto's 34.
        values = _real_arithmetic(op, left_values.astype(np.float64), right_values.astype(np.float64))
        return from_numpy(values, nulls | np.isnan(values), result_type)

    # Time arithmetic on int64 nanoseconds.
    # NOTE: a result that int64 nanoseconds cannot represent (about 292 years from 1970
    # for a datetime, 292 years for a timespan) is null here. Kusto's range is wider
    # (years 1 to 9999), so Kusto returns a value where kqlite returns null.
    if op == "*":
        span, factor, factor_type = (left_values, right_values, right_type) if left_type is TIMESPAN else (right_values, left_values, left_type)
        scaled, overflow = _scale(span, factor, factor_type, multiply=True)
        return from_numpy(scaled, nulls | overflow, TIMESPAN)
    if op == "/" and right_type.is_numeric:
        zero = right_values == 0
        scaled, overflow = _scale(left_values, np.where(zero, 1, right_values), right_type, multiply=False)
        return from_numpy(scaled, nulls | zero | overflow, TIMESPAN)
    if op == "/":
        values = left_values.astype(np.float64) / right_values.astype(np.float64)
        return from_numpy(values, nulls | np.isnan(values), REAL)
    if op == "%":
        values, extra_nulls = _integer_arithmetic("%", left_values, right_values)
        return from_numpy(values, nulls | extra_nulls, TIMESPAN)
    with np.errstate(over="ignore"):
        values = left_values + right_values if op == "+" else left_values - right_values
    # int64 addition wraps silently; a wrapped sum has the sign of neither operand
    # (subtraction: the sign of the subtrahend's opposite). The null sentinel is out of range too.
    if op == "+":
        overflow = ((left_values ^ values) & (right_values ^ values)) < 0
    else:
        overflow = ((left_values ^ right_values) & (left_values ^ values)) < 0
    overflow |= values == np.iinfo(np.int64).min
    return from_numpy(values, nulls | overflow, result_type)


def _integer_arithmetic(op: str, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply an operator to int64 values; returns (values, nulls added by a zero divisor)."""
    if op == "+":
        return left + right, np.bool_(False)
    if op == "-":
        return left - right, np.bool_(False)
    if op == "*":
        return left * right, np.bool_(False)

    # KQL: an integer division or modulo by zero yields null (kqlite's choice: the
    # reference leaves it open).
    zero = right == 0
    divisor = np.where(zero, 1, right)
    if op == "/":
        # Division truncates toward zero; numpy's // rounds toward minus infinity.
        quotient = left // divisor
        inexact = (quotient * divisor != left) & ((left < 0) != (divisor < 0))
        return quotient + inexact, zero
    # KQL: the modulo is always in [0, |divisor|): -14 % 12 = 10, 14 % -12 = 2.
    return np.mod(left, np.abs(divisor)), zero


def _real_arithmetic(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    return np.mod(left, np.abs(right))


def _scale(span: np.ndarray, factor: np.ndarray, factor_type: KqlType, *, multiply: bool) -> tuple[np.ndarray, np.ndarray]:
    """Multiply or divide nanosecond timespans by numbers, rounding to whole nanoseconds.

    Returns the values and the mask of results int64 nanoseconds cannot hold.
    """
    exact = span.astype(np.float64) * factor if multiply else span.astype(np.float64) / factor
    with np.errstate(invalid="ignore"):
        overflow = ~(np.abs(exact) < _LARGEST_NANOSECONDS)
    if factor_type in (INT, LONG):
        if multiply:
            with np.errstate(over="ignore"):
                return span * factor, overflow
        quotient, _ = _integer_arithmetic("/", np.asarray(span), np.asarray(factor))
        return quotient, overflow
    return np.round(np.where(overflow, 0.0, exact)).astype(np.int64), overflow


# The largest magnitude a timespan product may have: int64's range less a margin, since
# float64 cannot tell the last few nanoseconds apart at this size.
_LARGEST_NANOSECONDS = float(np.iinfo(np.int64).max) * (1 - 1e-12)
