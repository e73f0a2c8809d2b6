"""Datetime construction functions: now, ago, unixtime_*_todatetime, make_datetime, make_timespan.

These functions build datetime and timespan values from the query's clock, from Unix time
counts, or from calendar and clock parts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kqlite.functions.conversion import scalar
from kqlite.functions.datetime_functions import NS_PER_HOUR, NS_PER_MINUTE, month_start
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import NS_PER_DAY, NS_PER_SECOND, Value, from_numpy, to_numpy
from kqlite.types import DATETIME, DECIMAL, INT, LONG, REAL, TIMESPAN


@scalar("now", [P("offset", TIMESPAN, optional=True)], DATETIME)
def now(ctx: CallContext, offset: Value = None) -> Value:
    """Return the current UTC time (one instant per query), plus an optional offset. Example: print now(-1d)"""
    if offset is None and len(ctx.arg_types) == 0:
        return ctx.now
    shift, nulls = to_numpy(offset, TIMESPAN)
    return from_numpy(ctx.now.value + shift, nulls, DATETIME)


@scalar("ago", [P("timespan", TIMESPAN)], DATETIME)
def ago(ctx: CallContext, span: Value) -> Value:
    """Return now() minus a timespan. Example: print ago(1h)"""
    shift, nulls = to_numpy(span, TIMESPAN)
    return from_numpy(ctx.now.value - shift, nulls, DATETIME)


def _unixtime_function(unit: str, ns_per_unit: int, example: str) -> None:
    name = f"unixtime_{unit}_todatetime"

    def implementation(ctx: CallContext, amount: Value) -> Value:
        numbers, nulls = to_numpy(amount, ctx.arg_types[0])

        # A time that int64 nanoseconds cannot hold (before 1677 or after 2262, or not finite) is null.
        scaled = np.asarray(numbers, dtype=np.float64) * ns_per_unit
        out_of_range = ~(np.abs(scaled) < np.iinfo(np.int64).max)
        nulls = np.asarray(nulls) | out_of_range
        if ctx.arg_types[0] in (REAL, DECIMAL):
            nanoseconds = np.round(np.where(nulls, 0, scaled)).astype(np.int64)
        else:
            nanoseconds = np.where(nulls, 0, np.asarray(numbers, dtype=np.int64)) * ns_per_unit
        result = nanoseconds.item() if nanoseconds.ndim == 0 else nanoseconds
        return from_numpy(result, nulls, DATETIME)

    implementation.__doc__ = f"Convert Unix time in {unit} to a datetime. Example: print {name}({example})"
    implementation.__name__ = name
    scalar(name, [P(unit, INT, LONG, REAL)], DATETIME)(implementation)


_unixtime_function("seconds", NS_PER_SECOND, "1546300800 → 2019-01-01")
_unixtime_function("milliseconds", 1_000_000, "1546300800123 → 2019-01-01T00:00:00.123Z")
_unixtime_function("microseconds", 1_000, "1546300800123456 → 2019-01-01T00:00:00.123456Z")
_unixtime_function("nanoseconds", 1, "1546300800123456789 → 2019-01-01T00:00:00.1234567Z")


@scalar(
    "make_datetime",
    [P("year", INT, LONG), P("month", INT, LONG), P("day", INT, LONG), P("hour", INT, LONG, optional=True), P("minute", INT, LONG, optional=True), P("second", INT, LONG, REAL, optional=True)],
    DATETIME,
)
def make_datetime(ctx: CallContext, year: Value, month: Value, day: Value, hour: Value = 0, minute: Value = 0, second: Value = 0) -> Value:
    """Build a datetime from its parts; invalid parts give null. Example: print make_datetime(2017, 10, 1, 12, 10) → 2017-10-01T12:10:00Z"""
    types = list(ctx.arg_types) + [LONG] * (6 - len(ctx.arg_types))
    parts = [to_numpy(arg, kql_type) for arg, kql_type in zip((year, month, day, hour, minute, second), types, strict=True)]
    (years, _), (months, _), (days, _), (hours, _), (minutes, _), (seconds, _) = parts
    nulls = _any_null([null for _, null in parts])
    seconds = np.asarray(seconds, dtype=np.float64)

    # Written as a negated range test so that a NaN second is invalid too.
    invalid = (years < 1) | (years > 9999) | (months < 1) | (months > 12) | (days < 1) | (hours < 0) | (hours > 23)
    invalid = invalid | (minutes < 0) | (minutes > 59) | ~((seconds >= 0) & (seconds < 60))
    unusable = invalid | nulls
    safe_years = np.where(unusable, 1970, years)
    safe_months = np.where(unusable, 1, months)
    start = month_start(safe_years, safe_months)
    month_days = (month_start(safe_years, safe_months + 1) - start) // NS_PER_DAY
    invalid = invalid | (days > month_days)
    unusable = invalid | nulls

    # Invalid parts are replaced before the arithmetic, so that a huge hour cannot overflow int64.
    nanoseconds = (
        start
        + (np.where(unusable, 1, days) - 1) * NS_PER_DAY
        + np.where(unusable, 0, hours) * NS_PER_HOUR
        + np.where(unusable, 0, minutes) * NS_PER_MINUTE
    )
    nanoseconds = nanoseconds + np.round(np.where(unusable, 0, seconds) * NS_PER_SECOND).astype(np.int64)
    return from_numpy(nanoseconds, unusable, DATETIME)


# kqlite holds a timespan as int64 nanoseconds, so a longer one (about 292 years) is null.
# NOTE: Kusto's timespan reaches 10675199 days (int64 ticks of 100 ns), so Kusto returns a
# value where kqlite returns null for spans between 292 and 29,227 years.
_MAX_TIMESPAN_NS = float(np.iinfo(np.int64).max)


@scalar("make_timespan", [P("first", INT, LONG), P("second", INT, LONG), P("third", INT, LONG, optional=True), P("fourth", INT, LONG, optional=True)], TIMESPAN)
def make_timespan(ctx: CallContext, *parts: Value) -> Value:
    """Build a timespan from (hour, minute[, second]) or (day, hour, minute, second). Example: print make_timespan(1, 12, 30, 55.2) → 1.12:30:55.2000000"""
    arrays = [to_numpy(part, kql_type) for part, kql_type in zip(parts, ctx.arg_types, strict=True)]
    nulls = _any_null([null for _, null in arrays])
    numbers = [np.asarray(values, dtype=np.float64) for values, _ in arrays]
    if len(numbers) == 4:
        days, hours, minutes, seconds = numbers
    else:
        days = 0.0
        hours, minutes = numbers[0], numbers[1]
        seconds = numbers[2] if len(numbers) == 3 else 0.0
    # Infinite parts of opposite signs give NaN, which is out of range below and so null.
    with np.errstate(invalid="ignore", over="ignore"):
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        scaled = total * NS_PER_SECOND

    out_of_range = ~(np.abs(scaled) < _MAX_TIMESPAN_NS)
    nulls = nulls | out_of_range
    nanoseconds = np.round(np.where(nulls, 0, scaled)).astype(np.int64)
    return from_numpy(nanoseconds, nulls, TIMESPAN)


def _any_null(null_flags: list[Any]) -> Any:
    # A constant argument's null flag is one bool and a column's is an array; numpy's
    # logical_or broadcasts the two, where a reduce over the list cannot.
    combined = null_flags[0]
    for flag in null_flags[1:]:
        combined = np.logical_or(combined, flag)
    return combined
