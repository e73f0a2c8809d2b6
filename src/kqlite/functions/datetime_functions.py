"""Datetime and timespan functions: bin, bin_at, datetime_diff, datetime_part, startofweek, ...

Datetimes are int64 nanoseconds since the Unix epoch here; calendar parts come from
numpy's datetime64 unit casts, which are vectorised. Kusto counts 100 ns ticks since
0001-01-01, which matters for `bin` alignment: that day is a Monday, so ``7d`` bins
start on Mondays. The functions that construct datetimes (now, make_datetime, ...) are in
`datetime_construction`, and format_datetime and format_timespan are in `datetime_format`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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
