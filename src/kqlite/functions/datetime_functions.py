"""Datetime and timespan functions: bin, bin_at, datetime_diff, startofweek, format_datetime, ...

Datetimes are int64 nanoseconds since the Unix epoch here; calendar parts come from
numpy's datetime64 unit casts, which are vectorised. Kusto counts 100 ns ticks since
0001-01-01, which matters for `bin` alignment: that day is a Monday, so ``7d`` bins
start on Mondays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.errors import KqlRuntimeError
from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import (
    NS_PER_DAY,
    NS_PER_SECOND,
    NS_PER_TICK,
    TICK_ORIGIN_NS,
    Value,
    from_numpy,
    string_series,
    to_numpy,
)
from kqlite.types import DATETIME, DECIMAL, INT, LONG, NUMERIC_TYPES, REAL, STRING, TIMESPAN, KqlType, widest_numeric

NS_PER_HOUR = 3600 * NS_PER_SECOND
NS_PER_MINUTE = 60 * NS_PER_SECOND

# Fixed-length periods of datetime_diff, datetime_add and datetime_part, in nanoseconds.
FIXED_PERIODS = {
    "week": 7 * NS_PER_DAY,
    "day": NS_PER_DAY,
    "hour": NS_PER_HOUR,
    "minute": NS_PER_MINUTE,
    "second": NS_PER_SECOND,
    "millisecond": 1_000_000,
    "microsecond": 1_000,
    "nanosecond": 1,
}
CALENDAR_PERIODS = ("year", "quarter", "month")
PERIOD_NAMES = CALENDAR_PERIODS + tuple(FIXED_PERIODS)


def period_name(period: object, function: str) -> str:
    """Normalise a period argument; raise KqlRuntimeError for a name Kusto does not accept."""
    name = str(period).strip().lower() if isinstance(period, str) else ""
    if name not in PERIOD_NAMES:
        allowed = ", ".join(PERIOD_NAMES)
        raise KqlRuntimeError("KL502", f"{function}(): invalid period {period!r}; expected one of: {allowed}")
    return name


def calendar_parts(nanoseconds: Any) -> tuple[Any, Any, Any]:
    """Split int64 nanoseconds into (year, month 1-12, day 1-31) int64 arrays."""
    stamps = np.asarray(nanoseconds, dtype=np.int64).view("datetime64[ns]")
    years = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
    month_starts = stamps.astype("datetime64[M]")
    months = month_starts.astype(np.int64) % 12 + 1
    days = (stamps.astype("datetime64[D]") - month_starts.astype("datetime64[D]")).astype(np.int64) + 1
    return years, months, days


def start_of_day(nanoseconds: Any) -> Any:
    return nanoseconds - np.mod(nanoseconds, NS_PER_DAY)


def start_of_week(nanoseconds: Any) -> Any:
    # Weeks start on Sunday; 1970-01-01 was a Thursday (4 days after a Sunday).
    days = np.floor_divide(nanoseconds, NS_PER_DAY)
    return (days - np.mod(days + 4, 7)) * NS_PER_DAY


def month_start(years: Any, months: Any) -> Any:
    """Return int64 nanoseconds of the first day of (year, month); months may overflow 1-12."""
    month_index = (np.asarray(years) - 1970) * 12 + (np.asarray(months) - 1)
    return np.asarray(month_index).astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64)


def _datetime(value: Value) -> tuple[Any, Any]:
    return to_numpy(value, DATETIME)


# ---------------------------------------------------------------------------------------
# bin, floor, bin_at
# ---------------------------------------------------------------------------------------


def _bin_type(arg_types: Sequence[KqlType]) -> KqlType:
    value = arg_types[0]
    if value in (DATETIME, TIMESPAN):
        return value
    # Kusto.Language types bin(int, int) as long: int results widen to long.
    numeric = [LONG if t is INT else t for t in arg_types[:2] if t in NUMERIC_TYPES]
    return widest_numeric(*numeric) if numeric else REAL


@scalar(
    "bin",
    [P("value", INT, LONG, REAL, DATETIME, TIMESPAN), P("roundTo", INT, LONG, REAL, TIMESPAN)],
    _bin_type,
    aliases=("floor",),
    named_after_first_arg=True,
)
def bin_(ctx: CallContext, value: Value, size: Value) -> Value:
    """Round down to a multiple of the bin size; datetimes align on 0001-01-01. Example: print bin(4.5, 1) → 4"""
    value_type, size_type = ctx.arg_types[0], ctx.arg_types[1]
    values, nulls = to_numpy(value, value_type)
    sizes, size_nulls = to_numpy(size, size_type)
    result_type = ctx.result_type

    with np.errstate(all="ignore"):
        if result_type in (REAL, DECIMAL) or REAL in (value_type, size_type):
            floats = np.asarray(values, dtype=np.float64)
            steps = np.asarray(sizes, dtype=np.float64)
            # KQL: a null, zero or negative bin size gives null (zero is kqlite's choice).
            bad = size_nulls | ~(steps > 0)
            binned = np.floor(floats / np.where(bad, 1.0, steps)) * steps
            if result_type in (DATETIME, TIMESPAN, INT, LONG):
                binned = np.where(bad, 0, binned).astype(np.int64)
            return from_numpy(binned, nulls | bad, result_type)

        bad = size_nulls | ~(sizes > 0)
        steps = np.where(bad, 1, sizes)
        offset = _tick_origin_phase(steps) if value_type is DATETIME else 0
        binned = values - np.mod(values - offset, steps)
        return from_numpy(binned, nulls | bad, result_type)



def _tick_origin_phase(steps: Any) -> Any:
    """Return 0001-01-01 modulo each bin size, in nanoseconds (the origin does not fit in int64)."""
    if np.ndim(steps) == 0:
        return np.int64(TICK_ORIGIN_NS % int(steps))
    origin_ticks = TICK_ORIGIN_NS // NS_PER_TICK
    return np.mod(np.mod(origin_ticks, steps) * NS_PER_TICK, steps)


@scalar(
    "bin_at",
    [P("value", INT, LONG, REAL, DATETIME, TIMESPAN), P("bin_size", INT, LONG, REAL, TIMESPAN), P("fixed_point", INT, LONG, REAL, DATETIME, TIMESPAN)],
    _bin_type,
    named_after_first_arg=True,
)
def bin_at(ctx: CallContext, value: Value, size: Value, fixed_point: Value) -> Value:
    """Round down to bins aligned so that fixed_point starts a bin. Example: print bin_at(6.5, 2.5, 7) → 4.5"""
    value_type, size_type, fixed_type = ctx.arg_types
    values, nulls = to_numpy(value, value_type)
    sizes, size_nulls = to_numpy(size, size_type)
    fixed, fixed_nulls = to_numpy(fixed_point, fixed_type)
    nulls = nulls | size_nulls | fixed_nulls

    with np.errstate(all="ignore"):
        if ctx.result_type in (DATETIME, TIMESPAN, INT, LONG) and REAL not in (value_type, size_type, fixed_type):
            bad = ~(sizes > 0)
            steps = np.where(bad, 1, sizes)
            binned = values - np.mod(values - fixed, steps)
            return from_numpy(binned, nulls | bad, ctx.result_type)
        floats = np.asarray(values, dtype=np.float64)
        anchor = np.asarray(fixed, dtype=np.float64)
        steps = np.asarray(sizes, dtype=np.float64)
        bad = ~(steps > 0)
        binned = anchor + np.floor((floats - anchor) / np.where(bad, 1.0, steps)) * steps
        if ctx.result_type in (DATETIME, TIMESPAN, INT, LONG):
            binned = np.where(bad, 0, np.round(binned)).astype(np.int64)
        return from_numpy(binned, nulls | bad, ctx.result_type)


# ---------------------------------------------------------------------------------------
# datetime_diff, datetime_add, datetime_part
# ---------------------------------------------------------------------------------------


@scalar("datetime_diff", [P("period", STRING, constant=True), P("datetime1", DATETIME), P("datetime2", DATETIME)], LONG)
def datetime_diff(ctx: CallContext, period: str, first: Value, second: Value) -> Value:
    """Count the period boundaries between datetime2 and datetime1 (calendar rule). Example: print datetime_diff('day', datetime(2020-01-02 23:00), datetime(2020-01-01 01:00)) → 1"""
    name = period_name(period, "datetime_diff")
    left, left_nulls = _datetime(first)
    right, right_nulls = _datetime(second)
    nulls = left_nulls | right_nulls

    if name in CALENDAR_PERIODS:
        left_year, left_month, _ = calendar_parts(left)
        right_year, right_month, _ = calendar_parts(right)
        if name == "year":
            return from_numpy(left_year - right_year, nulls, LONG)
        if name == "quarter":
            quarters = (left_year * 4 + (left_month - 1) // 3) - (right_year * 4 + (right_month - 1) // 3)
            return from_numpy(quarters, nulls, LONG)
        return from_numpy((left_year * 12 + left_month) - (right_year * 12 + right_month), nulls, LONG)

    if name == "week":
        return from_numpy((start_of_week(left) - start_of_week(right)) // FIXED_PERIODS["week"], nulls, LONG)
    if name == "nanosecond":
        # Kusto keeps 100 ns ticks, so nanosecond differences are multiples of 100.
        return from_numpy((left // NS_PER_TICK - right // NS_PER_TICK) * NS_PER_TICK, nulls, LONG)
    unit = FIXED_PERIODS[name]
    return from_numpy(np.floor_divide(left, unit) - np.floor_divide(right, unit), nulls, LONG)


@scalar("datetime_add", [P("period", STRING, constant=True), P("amount", INT, LONG), P("datetime", DATETIME)], DATETIME)
def datetime_add(ctx: CallContext, period: str, amount: Value, moment: Value) -> Value:
    """Add an amount of periods to a datetime (months clamp to the month's last day). Example: print datetime_add('month', 1, datetime(2017-01-31)) → 2017-02-28"""
    name = period_name(period, "datetime_add")
    amounts, amount_nulls = to_numpy(amount, ctx.arg_types[1])
    stamps, stamp_nulls = _datetime(moment)
    nulls = amount_nulls | stamp_nulls
    amounts = np.asarray(amounts, dtype=np.int64)

    # A result that int64 nanoseconds cannot hold (before 1677 or after 2262) is null.
    if name in FIXED_PERIODS:
        approximate = np.asarray(stamps, dtype=np.float64) + amounts.astype(np.float64) * FIXED_PERIODS[name]
        out_of_range = ~(np.abs(approximate) < np.iinfo(np.int64).max)
        shifted = stamps + np.where(out_of_range, 0, amounts) * FIXED_PERIODS[name]
        return from_numpy(shifted, nulls | out_of_range, DATETIME)

    months_per_amount = {"year": 12, "quarter": 3, "month": 1}[name]
    years, month_numbers, days = calendar_parts(stamps)
    month_index = (np.asarray(years, dtype=np.float64) - 1970) * 12 + (month_numbers - 1) + amounts.astype(np.float64) * months_per_amount
    out_of_range = ~(np.abs(month_index) < _MAX_MONTH_INDEX)
    nulls = nulls | out_of_range
    months = np.where(out_of_range, 0, amounts) * months_per_amount
    target_start = month_start(years, month_numbers + months)
    next_start = month_start(years, month_numbers + months + 1)
    month_length_days = (next_start - target_start) // NS_PER_DAY
    day = np.minimum(days, month_length_days)
    time_of_day = np.mod(stamps, NS_PER_DAY)
    return from_numpy(target_start + (day - 1) * NS_PER_DAY + time_of_day, nulls, DATETIME)


@scalar("datetime_part", [P("part", STRING, constant=True), P("date", DATETIME)], INT, aliases=("datepart",))
def datetime_part(ctx: CallContext, part: str, moment: Value) -> Value:
    """Extract a part of a datetime as an int. Example: print datetime_part("month", datetime(2017-10-30)) → 10"""
    name = str(part).strip().lower()
    stamps, nulls = _datetime(moment)
    years, months, days = calendar_parts(stamps)
    within_second = np.mod(stamps, NS_PER_SECOND)
    parts = {
        "year": lambda: years,
        "quarter": lambda: (months - 1) // 3 + 1,
        "month": lambda: months,
        "week_of_year": lambda: iso_week(stamps),
        "weekofyear": lambda: iso_week(stamps),
        "day": lambda: days,
        "dayofyear": lambda: _day_of_year(stamps, years),
        "hour": lambda: np.mod(stamps, NS_PER_DAY) // NS_PER_HOUR,
        "minute": lambda: np.mod(stamps, NS_PER_HOUR) // NS_PER_MINUTE,
        "second": lambda: np.mod(stamps, NS_PER_MINUTE) // NS_PER_SECOND,
        "millisecond": lambda: within_second // 1_000_000,
        "microsecond": lambda: within_second // 1_000,
        "nanosecond": lambda: within_second // NS_PER_TICK * NS_PER_TICK,
    }
    if name not in parts:
        raise KqlRuntimeError("KL502", f"datetime_part(): invalid part {part!r}; expected one of: {', '.join(parts)}")
    return from_numpy(parts[name](), nulls, INT)


def iso_week(stamps: Any) -> Any:
    """Return the ISO 8601 week number (weeks start on Monday, and week 1 contains the first Thursday)."""
    days = np.floor_divide(stamps, NS_PER_DAY)
    monday_based = np.mod(days + 3, 7)
    thursday = days - monday_based + 3
    thursday_ns = thursday * NS_PER_DAY
    year_start = thursday_ns.astype("datetime64[ns]").astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return (thursday - year_start) // 7 + 1


def _day_of_year(stamps: Any, years: Any) -> Any:
    first = np.asarray(years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return np.floor_divide(stamps, NS_PER_DAY) - first + 1


# ---------------------------------------------------------------------------------------
# Calendar parts as functions
# ---------------------------------------------------------------------------------------


def _part_function(name: str, part: str, doc: str, aliases: tuple[str, ...] = ()) -> None:
    def implementation(ctx: CallContext, moment: Value) -> Value:
        return datetime_part(ctx, part, moment)

    implementation.__doc__ = doc
    implementation.__name__ = name
    scalar(name, [P("date", DATETIME)], INT, aliases=aliases)(implementation)


_part_function("getyear", "year", "Return the year of a datetime. Example: print getyear(datetime(2015-10-12)) → 2015")
_part_function("getmonth", "month", "Return the month (1-12) of a datetime. Example: print getmonth(datetime(2015-10-12)) → 10", ("monthofyear",))
_part_function("dayofmonth", "day", "Return the day of the month (1-31). Example: print dayofmonth(datetime(2015-12-14)) → 14")
_part_function("dayofyear", "dayofyear", "Return the day of the year (1-366). Example: print dayofyear(datetime(2015-12-14)) → 348")
_part_function("hourofday", "hour", "Return the hour of the day (0-23). Example: print hourofday(datetime(2015-12-14 18:54)) → 18")
_part_function("week_of_year", "week_of_year", "Return the ISO 8601 week number. Example: print week_of_year(datetime(2020-12-31)) → 53", ("weekofyear",))


@scalar("dayofweek", [P("date", DATETIME)], TIMESPAN)
def dayofweek(ctx: CallContext, moment: Value) -> Value:
    """Return the days since the preceding Sunday as a timespan. Example: print dayofweek(datetime(1970-05-11)) → 1.00:00:00"""
    stamps, nulls = _datetime(moment)
    return from_numpy(start_of_day(stamps) - start_of_week(stamps), nulls, TIMESPAN)


# ---------------------------------------------------------------------------------------
# startof* and endof*
# ---------------------------------------------------------------------------------------


# Months from 1970-01 to the first and last month starts that int64 nanoseconds can hold
# (1677-10-01 and 2262-04-01).
_MAX_MONTH_INDEX = 3507


def _period_start(stamps: Any, period: str, offset: Any) -> tuple[Any, Any]:
    """Return the start of the period `offset` periods after each stamp's, and where it is out of range."""
    offset = np.asarray(offset, dtype=np.int64)
    if period in ("day", "week"):
        period_ns = NS_PER_DAY * (7 if period == "week" else 1)
        start = start_of_day(stamps) if period == "day" else start_of_week(stamps)
        approximate = np.asarray(start, dtype=np.float64) + offset.astype(np.float64) * period_ns
        out_of_range = ~(np.abs(approximate) < np.iinfo(np.int64).max)
        return start + np.where(out_of_range, 0, offset) * period_ns, out_of_range

    years, months, _ = calendar_parts(stamps)
    months_per_step = 1 if period == "month" else 12
    first_month = months if period == "month" else np.ones_like(months)
    month_index = (np.asarray(years, dtype=np.float64) - 1970) * 12 + (first_month - 1) + offset.astype(np.float64) * months_per_step
    out_of_range = ~(np.abs(month_index) <= _MAX_MONTH_INDEX)
    safe_offset = np.where(out_of_range, 0, offset) * months_per_step
    return month_start(years, first_month + safe_offset), out_of_range


def _boundary_function(period: str, end: bool) -> None:
    name = f"{'endof' if end else 'startof'}{period}"
    example = {"day": "2017-01-01 10:10:17", "week": "2017-01-01 10:10:17", "month": "2017-01-11", "year": "2017-05-11"}[period]

    def implementation(ctx: CallContext, moment: Value, offset: Value = 0) -> Value:
        stamps, nulls = _datetime(moment)
        offsets, offset_nulls = to_numpy(0 if offset is None else offset, LONG if offset is None or len(ctx.arg_types) < 2 else ctx.arg_types[1])
        # A start (or end) that a datetime cannot hold is null.
        offsets = np.where(offset_nulls, 0, offsets)
        if end:
            # The end is one tick before the next period starts.
            start, out_of_range = _period_start(stamps, period, offsets + 1)
            result = start - NS_PER_TICK
        else:
            result, out_of_range = _period_start(stamps, period, offsets)
        return from_numpy(result, nulls | offset_nulls | out_of_range, DATETIME)

    what = "end" if end else "start"
    implementation.__doc__ = f"Return the {what} of the {period} holding a datetime, shifted by offset {period}s. Example: print {name}(datetime({example}))"
    implementation.__name__ = name
    scalar(name, [P("date", DATETIME), P("offset", INT, LONG, optional=True)], DATETIME)(implementation)


for _period in ("day", "week", "month", "year"):
    _boundary_function(_period, end=False)
    _boundary_function(_period, end=True)


# ---------------------------------------------------------------------------------------
# now, ago, unixtime, make_datetime, make_timespan
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# format_datetime, format_timespan
# ---------------------------------------------------------------------------------------

# .NET-style format elements, longest first so that "yyyy" wins over "yy".
_DATETIME_ELEMENTS = (
    "fffffff", "ffffff", "fffff", "ffff", "fff", "ff", "f",
    "FFFFFFF", "FFFFFF", "FFFFF", "FFFF", "FFF", "FF", "F",
    "yyyy", "yy", "MM", "M", "dd", "d", "HH", "H", "hh", "h", "mm", "m", "ss", "s", "tt",
)  # fmt: skip
_TIMESPAN_ELEMENTS = (
    "dddddddd", "ddddddd", "dddddd", "ddddd", "dddd", "ddd", "dd", "d",
    "fffffff", "ffffff", "fffff", "ffff", "fff", "ff", "f",
    "FFFFFFF", "FFFFFF", "FFFFF", "FFFF", "FFF", "FF", "F",
    "hh", "h", "HH", "H", "mm", "m", "ss", "s",
)  # fmt: skip


def _tokenize(text: str, elements: tuple[str, ...]) -> list[tuple[bool, str]]:
    """Split a format into (is_element, text) pieces; anything else is copied literally."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    while position < len(text):
        element = next((e for e in elements if text.startswith(e, position)), None)
        if element is None:
            literal = text[position]
            if literal == "\\" and position + 1 < len(text):
                position += 1
                literal = text[position]
            pieces.append((False, literal))
            position += 1
        else:
            pieces.append((True, element))
            position += len(element)
    return pieces


def _digits(numbers: Any, width: int) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0")


def _fraction(nanoseconds_in_second: Any, element: str) -> pa.Array:
    width = len(element)
    text = _digits(np.asarray(nanoseconds_in_second) // (10 ** (9 - width)), width)
    if element.startswith("F"):
        # F elements drop trailing zeros and print nothing for a zero fraction.
        text = pc.utf8_rtrim(text, characters="0")
    return text


def _render(pieces: list[tuple[bool, str]], values: dict[str, pa.Array], nulls: Any, length: int) -> pa.Array:
    parts = [values[piece] if is_element else pa.scalar(piece) for is_element, piece in pieces]
    if not any(is_element for is_element, _ in pieces):
        text = pa.array(["".join(piece for _, piece in pieces)] * length, type=pa.string())
    else:
        text = pc.binary_join_element_wise(*parts, "")
    return pc.if_else(pa.array(np.asarray(nulls, dtype=bool)), "", text)


@scalar("format_datetime", [P("date", DATETIME), P("format", STRING, constant=True)], STRING)
def format_datetime(ctx: CallContext, moment: Value, format_text: str) -> Value:
    """Format a datetime with .NET-style elements (yyyy, MM, dd, HH, mm, ss, fff, tt...). Example: print format_datetime(datetime(2015-12-14 02:03:04.12345), 'yy-MM-dd [HH:mm:ss]') → 15-12-14 [02:03:04]"""
    stamps, nulls = _datetime(moment)
    stamps = np.atleast_1d(stamps)
    nulls = np.broadcast_to(np.atleast_1d(nulls), stamps.shape)
    years, months, days = calendar_parts(stamps)
    hours = np.mod(stamps, NS_PER_DAY) // NS_PER_HOUR
    minutes = np.mod(stamps, NS_PER_HOUR) // NS_PER_MINUTE
    seconds = np.mod(stamps, NS_PER_MINUTE) // NS_PER_SECOND
    within_second = np.mod(stamps, NS_PER_SECOND)
    twelve_hour = np.where(np.mod(hours, 12) == 0, 12, np.mod(hours, 12))
    pieces = _tokenize(str(format_text), _DATETIME_ELEMENTS)
    values: dict[str, Any] = {
        "yyyy": _digits(years, 4), "yy": _digits(np.mod(years, 100), 2),
        "MM": _digits(months, 2), "M": _digits(months, 1), "dd": _digits(days, 2), "d": _digits(days, 1),
        "HH": _digits(hours, 2), "H": _digits(hours, 1), "hh": _digits(twelve_hour, 2), "h": _digits(twelve_hour, 1),
        "mm": _digits(minutes, 2), "m": _digits(minutes, 1), "ss": _digits(seconds, 2), "s": _digits(seconds, 1),
        "tt": pc.if_else(pa.array(hours < 12), "AM", "PM"),
    }  # fmt: skip
    for is_element, piece in pieces:
        if is_element and piece[0] in "fF":
            values[piece] = _fraction(within_second, piece)
    return _string_result(_render(pieces, values, nulls, len(stamps)), moment)


@scalar("format_timespan", [P("timespan", TIMESPAN), P("format", STRING, constant=True)], STRING)
def format_timespan(ctx: CallContext, span: Value, format_text: str) -> Value:
    """Format a timespan with elements d, hh, mm, ss, fff... Example: print format_timespan(time(1d 2h 3m 4s), 'dd.hh:mm:ss') → 01.02:03:04"""
    spans, nulls = to_numpy(span, TIMESPAN)
    spans = np.atleast_1d(spans)
    nulls = np.broadcast_to(np.atleast_1d(nulls), spans.shape)
    magnitude = np.abs(spans)
    days = magnitude // NS_PER_DAY
    hours = np.mod(magnitude, NS_PER_DAY) // NS_PER_HOUR
    minutes = np.mod(magnitude, NS_PER_HOUR) // NS_PER_MINUTE
    seconds = np.mod(magnitude, NS_PER_MINUTE) // NS_PER_SECOND
    within_second = np.mod(magnitude, NS_PER_SECOND)
    pieces = _tokenize(str(format_text), _TIMESPAN_ELEMENTS)
    values: dict[str, Any] = {"mm": _digits(minutes, 2), "m": _digits(minutes, 1), "ss": _digits(seconds, 2), "s": _digits(seconds, 1)}
    for is_element, piece in pieces:
        if is_element and piece[0] == "d":
            values[piece] = _digits(days, len(piece))
        elif is_element and piece[0] in "hH":
            values[piece] = _digits(hours, len(piece))
        elif is_element and piece[0] in "fF":
            values[piece] = _fraction(within_second, piece)
    text = _render(pieces, values, nulls, len(spans))
    negative = pa.array((spans < 0) & ~nulls)
    text = pc.if_else(negative, pc.binary_join_element_wise("-", text, ""), text)
    return _string_result(text, span)


def _string_result(text: pa.Array, source: Value) -> Value:
    if isinstance(source, pd.Series):
        return string_series(text)
    return str(text[0].as_py())
