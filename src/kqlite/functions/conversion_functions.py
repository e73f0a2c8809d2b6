"""Conversion functions: tolong, toint, todouble, tostring, todatetime, totimespan, ...

Every conversion returns null when the value cannot be converted (tostring returns
``""`` for null). This module registers the ``to*`` functions. The conversions they
share with other families are in `kqlite.functions.conversion`: `to_string`,
`convert_dynamic`, text parsing and the `scalar` decorator.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions.conversion import _dynamic_to_decimal, _parse_datetimes, _parse_timespans, convert_dynamic, to_string
from kqlite.functions.registry import CallContext, P
from kqlite.functions.registry import scalar as registry_scalar
from kqlite.functions.values import (
    NS_PER_TICK,
    TICK_ORIGIN_NS,
    Value,
    dynamic_result,
    from_numpy,
    map_text,
    to_numpy,
)
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType


def _to_integer(value: Value, kql_type: KqlType, target: KqlType, length: int) -> Value:
    if kql_type in (DYNAMIC, GUID, DECIMAL):
        return convert_dynamic(value, target, length)
    if kql_type is STRING:
        return map_text(value, lambda text: _text_to_integer(text, target))
    numbers, nulls = to_numpy(value, kql_type)
    if kql_type is DATETIME:
        # A datetime converts to its ticks since 0001-01-01 (100 ns units).
        numbers = numbers // NS_PER_TICK - TICK_ORIGIN_NS // NS_PER_TICK
    elif kql_type is TIMESPAN:
        numbers = numbers // NS_PER_TICK
    elif kql_type is REAL:
        nulls = nulls | ~np.isfinite(numbers) | (np.abs(numbers) >= 2**63)
        numbers = np.trunc(np.where(nulls, 0, numbers)).astype(np.int64)
    return _narrow(numbers, nulls, target)


def _narrow(numbers: Any, nulls: Any, target: KqlType) -> Value:
    if target is INT:
        nulls = nulls | (numbers < -(2**31)) | (numbers >= 2**31)
        numbers = np.where(nulls, 0, numbers)
    return from_numpy(numbers, nulls, target)


def _text_to_integer(text: pd.Series, target: KqlType) -> pd.Series:
    stripped = text.str.strip()
    integral = stripped.str.fullmatch(r"[+-]?\d{1,19}")
    numbers = pd.to_numeric(stripped.where(integral, None), errors="coerce").astype("float64")
    nulls = np.isnan(numbers.to_numpy()) | (np.abs(numbers.to_numpy()) >= 2**63)
    exact = pd.to_numeric(stripped.where(integral & ~pd.Series(nulls), "0")).astype(np.int64).to_numpy()
    return _narrow(exact, nulls, target)


@registry_scalar("tolong", [P("value")], LONG, aliases=("toint64",))
def tolong(ctx: CallContext, value: Value) -> Value:
    """Convert a value to long (reals truncate, unparsable text gives null). Example: print tolong("123") → 123"""
    return _to_integer(value, ctx.arg_types[0], LONG, ctx.length)


@registry_scalar("toint", [P("value")], INT)
def toint(ctx: CallContext, value: Value) -> Value:
    """Convert a value to int. Example: print toint("42") → 42"""
    return _to_integer(value, ctx.arg_types[0], INT, ctx.length)


@registry_scalar("todouble", [P("value")], REAL, aliases=("toreal",))
def todouble(ctx: CallContext, value: Value) -> Value:
    """Convert a value to real. Example: print todouble("1.5") → 1.5"""
    kql_type = ctx.arg_types[0]
    if kql_type in (DYNAMIC, GUID, DECIMAL):
        return convert_dynamic(value, REAL, ctx.length)
    if kql_type is STRING:
        return map_text(value, lambda text: pd.to_numeric(text.str.strip(), errors="coerce").astype("float64"))
    if kql_type in (DATETIME, TIMESPAN):
        ticks = _to_integer(value, kql_type, LONG, ctx.length)
        numbers, nulls = to_numpy(ticks, LONG)
        return from_numpy(numbers.astype(np.float64), nulls, REAL)
    numbers, nulls = to_numpy(value, kql_type)
    return from_numpy(np.asarray(numbers, dtype=np.float64), nulls, REAL)


@registry_scalar("tostring", [P("value")], STRING)
def tostring(ctx: CallContext, value: Value) -> Value:
    """Convert a value to its string form; null gives "". Example: print tostring(123) → "123\""""
    return to_string(value, ctx.arg_types[0])


@registry_scalar("todatetime", [P("value")], DATETIME)
def todatetime(ctx: CallContext, value: Value) -> Value:
    """Convert a value to datetime; unparsable text gives null. Example: print todatetime("2015-12-24") → 2015-12-24T00:00:00Z"""
    kql_type = ctx.arg_types[0]
    if kql_type is DATETIME:
        return value
    if kql_type is STRING:
        return map_text(value, _parse_datetimes)
    if kql_type is DYNAMIC:
        return convert_dynamic(value, DATETIME, ctx.length)
    if kql_type in (INT, LONG):
        # A number converts as ticks since 0001-01-01. A datetime that int64 nanoseconds
        # cannot hold (before 1677 or after 2262) is null.
        # NOTE: Kusto's datetime reaches years 1 to 9999, so it returns a value where kqlite returns null.
        ticks, nulls = to_numpy(value, kql_type)
        ticks = np.asarray(ticks, dtype=np.int64)
        shift = TICK_ORIGIN_NS // NS_PER_TICK
        in_range = np.abs(ticks.astype(np.float64) + shift) < np.iinfo(np.int64).max / NS_PER_TICK
        nanoseconds = (np.where(in_range, ticks, -shift) + shift) * NS_PER_TICK
        result = nanoseconds.item() if nanoseconds.ndim == 0 else nanoseconds
        return from_numpy(result, np.asarray(nulls) | ~in_range, DATETIME)
    return None


@registry_scalar("totimespan", [P("value")], TIMESPAN, aliases=("totime",))
def totimespan(ctx: CallContext, value: Value) -> Value:
    """Convert a value to timespan; a number counts ticks. Example: print totimespan("0.00:01:00") → 00:01:00"""
    kql_type = ctx.arg_types[0]
    if kql_type is TIMESPAN:
        return value
    if kql_type is STRING:
        return map_text(value, _parse_timespans)
    if kql_type is DYNAMIC:
        return convert_dynamic(value, TIMESPAN, ctx.length)
    if kql_type in (INT, LONG, REAL):
        ticks, nulls = to_numpy(value, kql_type)
        nanoseconds = np.where(nulls, 0, ticks) * NS_PER_TICK
        # A tick count outside the nanosecond range (or infinite, or NaN) gives null.
        out_of_range = ~np.isfinite(nanoseconds) | (np.abs(nanoseconds) >= 2.0**63)
        nulls = nulls | out_of_range
        with np.errstate(invalid="ignore"):
            whole = np.round(np.where(out_of_range, 0, nanoseconds)).astype(np.int64)
        return from_numpy(whole, nulls, TIMESPAN)
    return None


@registry_scalar("tobool", [P("value")], BOOL, aliases=("toboolean",))
def tobool(ctx: CallContext, value: Value) -> Value:
    """Convert a value to bool ("true"/"false" text, non-zero numbers). Example: print tobool("true") → true"""
    kql_type = ctx.arg_types[0]
    if kql_type is BOOL:
        return value
    if kql_type is STRING:
        return map_text(value, _text_to_bool)
    if kql_type.is_numeric and kql_type is not DECIMAL:
        numbers, nulls = to_numpy(value, kql_type)
        return from_numpy(numbers != 0, nulls, BOOL)
    return convert_dynamic(value, BOOL, ctx.length)


def _text_to_bool(text: pd.Series) -> pd.Series:
    lowered = text.str.strip().str.lower()
    nulls = ~lowered.isin(["true", "false"]).to_numpy()
    return from_numpy((lowered == "true").to_numpy(), nulls, BOOL)


@registry_scalar("todynamic", [P("value", STRING)], DYNAMIC, aliases=("parse_json", "parsejson", "toobject"))
def todynamic(ctx: CallContext, value: Value) -> Value:
    """Parse a JSON text as a dynamic value; invalid JSON stays a string. Example: print parse_json('{"a":1}').a → 1"""
    kql_type = ctx.arg_types[0]
    if kql_type is DYNAMIC:
        return value
    if kql_type is not STRING:
        return convert_dynamic(value, DYNAMIC, ctx.length)
    if not isinstance(value, pd.Series):
        return parse_json_text(value)
    if isinstance(value.dtype, pd.CategoricalDtype):
        parsed = [parse_json_text(text) for text in value.cat.categories]
        return dynamic_result([parsed[code] for code in value.array.codes], False)
    return dynamic_result([parse_json_text(text) for text in value.to_numpy(dtype=object)], False)


def parse_json_text(text: str) -> Any:
    """Parse JSON text into kqlite's dynamic representation; invalid JSON gives the text itself."""
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@registry_scalar("toguid", [P("value", STRING, DYNAMIC)], GUID)
def toguid(ctx: CallContext, value: Value) -> Value:
    """Convert a value to guid; invalid text gives null. Example: print toguid("74be27de-1e4e-49d9-b579-fe0b331d3642")"""
    if ctx.arg_types[0] is GUID:
        return value
    return convert_dynamic(value, GUID, ctx.length)


@registry_scalar("todecimal", [P("value")], DECIMAL)
def todecimal(ctx: CallContext, value: Value) -> Value:
    """Convert a value to decimal. Example: print todecimal("123.45678") → 123.45678"""
    kql_type = ctx.arg_types[0]
    if kql_type in (STRING, DYNAMIC, DECIMAL):
        return convert_dynamic(value, DECIMAL, ctx.length)
    if kql_type in (INT, LONG, REAL, BOOL):
        numbers, nulls = to_numpy(value, kql_type)
        items = [None if null else _dynamic_to_decimal(number.item()) for number, null in np.broadcast(numbers, nulls)]
        return items[0] if not isinstance(value, pd.Series) else dynamic_result(items, False)
    return None
