"""Conversions shared by the function families and the operators.

`to_string` gives kqlite's string form of any value, and `convert_dynamic` applies the
``to*`` rule to dynamic values. `parse_datetime_text` and `parse_timespan_text` read
datetime and timespan text. The `scalar` decorator registers a function that converts
its dynamic arguments first. Every conversion returns null when the value cannot be
converted, and the string form of null is ``""``. The ``to*`` functions themselves are
registered in `kqlite.functions.conversion_functions`.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.functions.registry import CallContext, Param, ReturnRule
from kqlite.functions.registry import scalar as registry_scalar
from kqlite.functions.values import (
    NAT,
    NS_PER_TICK,
    TICK_ORIGIN_NS,
    Value,
    dynamic_objects,
    dynamic_result,
    format_timespan_text,
    from_numpy,
    python_value,
    string_series,
    to_json_text,
    to_numpy,
)
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType

ANY_SCALAR = (BOOL, INT, LONG, REAL, DECIMAL, STRING, DATETIME, TIMESPAN, GUID, DYNAMIC)

# .NET TimeSpan text: [-][d.]hh:mm[:ss[.fffffff]].
_TIMESPAN_PATTERN = r"^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$"


# ---------------------------------------------------------------------------------------
# tostring
# ---------------------------------------------------------------------------------------


def to_string(value: Value, kql_type: KqlType) -> Value:
    """Convert any value to kqlite's string representation; null becomes ``""``."""
    if kql_type is STRING:
        return value
    if not isinstance(value, pd.Series):
        return _scalar_to_string(value, kql_type)
    if kql_type in (INT, LONG):
        numbers, nulls = to_numpy(value, kql_type)
        text = pc.cast(pa.array(numbers, mask=nulls), pa.string()).fill_null("")
        return string_series(text)
    if kql_type is BOOL:
        flags, nulls = to_numpy(value, BOOL)
        return string_series(np.where(nulls, "", np.where(flags, "true", "false")))
    if kql_type is DATETIME:
        return string_series(_datetimes_to_text(value))
    return string_series([_scalar_to_string(python_value(item), kql_type) for item in value.to_numpy(dtype=object)])


def _scalar_to_string(value: Any, kql_type: KqlType) -> str:
    if value is None:
        return ""
    if kql_type is DYNAMIC:
        return value if isinstance(value, str) else to_json_text(value)
    if kql_type is BOOL:
        return "true" if value else "false"
    if kql_type is REAL:
        return format_real(float(value))
    if kql_type is DATETIME:
        return str(_datetimes_to_text(pd.Series([value], dtype="datetime64[ns]"))[0])
    if kql_type is TIMESPAN:
        return format_timespan_text(pd.Timedelta(value))
    return str(value)


def format_real(number: float) -> str:
    """Format a real as Kusto's tostring does: ``1`` for 1.0, shortest round-trip otherwise."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number).replace("e", "E")


def _datetimes_to_text(series: pd.Series) -> np.ndarray:
    # NOTE: trailing zeros of the fraction are dropped ("2017-01-01T00:00:00Z"); the
    # service may print all seven digits in some contexts.
    raw = series.to_numpy(dtype="datetime64[ns]")
    if not len(raw):
        # numpy's string functions reduce over the array and fail when it is empty.
        return np.empty(0, dtype=object)
    text = np.datetime_as_string(raw, unit="ns")
    seconds = np.char.ljust(text.astype("U29"), 29).astype("U19")
    ticks = (raw.view(np.int64) // NS_PER_TICK) % 10_000_000
    fraction = np.char.rstrip(np.char.zfill(ticks.astype(str), 7), "0")
    dotted = np.where(fraction == "", "", np.char.add(".", fraction))
    result = np.char.add(np.char.add(seconds, dotted), "Z")
    return np.where(np.isnat(raw), "", result).astype(object)


# ---------------------------------------------------------------------------------------
# Dynamic to typed values
# ---------------------------------------------------------------------------------------


def convert_dynamic(value: Value, target: KqlType, length: int) -> Value:
    """Convert a dynamic value to `target` element by element (the rule of the to*() functions)."""
    converter = _DYNAMIC_CONVERTERS[target]
    items = [converter(item) for item in dynamic_objects(value, length)]
    if not isinstance(value, pd.Series):
        return items[0] if items else None
    if target is STRING:
        return string_series(items)
    if target in (GUID, DECIMAL, DYNAMIC):
        return dynamic_result(items, False)
    if target in (DATETIME, TIMESPAN):
        raw = np.array([NAT if item is None else item.value for item in items], dtype=np.int64)
        return from_numpy(raw, raw == NAT, target)
    nulls = np.array([item is None for item in items], dtype=bool)
    filler = False if target is BOOL else 0
    numbers = np.array([filler if item is None else item for item in items])
    return from_numpy(numbers, nulls, target)


def _dynamic_to_number(item: Any, integral: bool) -> Any:
    item = python_value(item)
    if isinstance(item, bool):
        return int(item)
    if isinstance(item, (int, float)):
        if isinstance(item, float) and not math.isfinite(item):
            return None if integral else item
        return int(item) if integral else float(item)
    if isinstance(item, str):
        return _parse_integer(item) if integral else _parse_real(item)
    if isinstance(item, (pd.Timestamp, pd.Timedelta)):
        ticks = _ticks_of(item)
        return ticks if integral else float(ticks)
    return None


def _parse_integer(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _parse_real(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _ticks_of(item: pd.Timestamp | pd.Timedelta) -> int:
    if isinstance(item, pd.Timestamp):
        return (item.value - TICK_ORIGIN_NS) // NS_PER_TICK
    return item.value // NS_PER_TICK


def _dynamic_to_bool(item: Any) -> bool | None:
    item = python_value(item)
    if isinstance(item, bool):
        return item
    if isinstance(item, (int, float)):
        return bool(item)
    if isinstance(item, str):
        return {"true": True, "false": False}.get(item.strip().lower())
    return None


def _dynamic_to_datetime(item: Any) -> pd.Timestamp | None:
    item = python_value(item)
    if isinstance(item, pd.Timestamp):
        return item
    if isinstance(item, str):
        return parse_datetime_text(item)
    return None


def _dynamic_to_timespan(item: Any) -> pd.Timedelta | None:
    item = python_value(item)
    if isinstance(item, pd.Timedelta):
        return item
    if isinstance(item, str):
        return parse_timespan_text(item)
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return pd.Timedelta(int(item) * NS_PER_TICK, unit="ns")
    return None


def _dynamic_to_guid(item: Any) -> uuid.UUID | None:
    if isinstance(item, uuid.UUID):
        return item
    if isinstance(item, str):
        try:
            return uuid.UUID(item.strip())
        except ValueError:
            return None
    return None


def _dynamic_to_decimal(item: Any) -> Decimal | None:
    item = python_value(item)
    if item is None or isinstance(item, (list, dict)):
        return None
    try:
        return Decimal(str(item).strip()) if not isinstance(item, bool) else Decimal(int(item))
    except InvalidOperation:
        return None


_DYNAMIC_CONVERTERS: dict[KqlType, Callable[[Any], Any]] = {
    BOOL: _dynamic_to_bool,
    INT: lambda item: _fit_int32(_dynamic_to_number(item, integral=True)),
    LONG: lambda item: _dynamic_to_number(item, integral=True),
    REAL: lambda item: _dynamic_to_number(item, integral=False),
    DECIMAL: _dynamic_to_decimal,
    STRING: lambda item: _scalar_to_string(python_value(item), DYNAMIC),
    DATETIME: _dynamic_to_datetime,
    TIMESPAN: _dynamic_to_timespan,
    GUID: _dynamic_to_guid,
    DYNAMIC: lambda item: item,
}


def _fit_int32(number: int | None) -> int | None:
    # NOTE: kqlite returns null for a value outside the int range; Kusto's behaviour
    # there is not documented.
    if number is None or not -(2**31) <= number < 2**31:
        return None
    return number


# ---------------------------------------------------------------------------------------
# Registration that converts dynamic arguments
# ---------------------------------------------------------------------------------------

# The type a dynamic argument converts to when a parameter accepts several types.
_CONVERSION_PREFERENCE = (STRING, REAL, LONG, INT, DATETIME, TIMESPAN, BOOL, GUID, DECIMAL)


def scalar(
    name: str, params: Sequence[Param], returns: ReturnRule, **options: Any
) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Register a scalar function like `registry.scalar`, converting dynamic arguments first.

    The binder accepts a dynamic argument for any typed parameter, as Kusto converts it
    when the query runs (``strlen(d.name)``). The registered wrapper converts each such
    argument to the parameter's type, so an implementation receives only its declared types.
    A result the binder typed as dynamic is returned as dynamic values.
    """

    def register(implementation: Callable[..., Value]) -> Callable[..., Value]:
        @functools.wraps(implementation)
        def converting(ctx: CallContext, *args: Value) -> Value:
            if DYNAMIC not in ctx.arg_types:
                return implementation(ctx, *args)
            converted_args, converted_types = _convert_arguments(params, ctx, args)
            result_type = returns(converted_types) if callable(returns) else returns
            result = implementation(replace(ctx, arg_types=tuple(converted_types), result_type=result_type), *converted_args)
            if ctx.result_type is DYNAMIC and result_type is not DYNAMIC:
                return _as_dynamic(result)
            return result

        registry_scalar(name, params, returns, **options)(converting)
        return implementation

    return register


def _convert_arguments(params: Sequence[Param], ctx: CallContext, args: tuple[Value, ...]) -> tuple[list[Value], list[KqlType]]:
    converted_args = list(args)
    converted_types = list(ctx.arg_types)
    for position, (arg, kql_type) in enumerate(zip(args, ctx.arg_types, strict=True)):
        if kql_type is not DYNAMIC or not params:
            continue
        param = params[min(position, len(params) - 1)]
        if param.types is None or DYNAMIC in param.types:
            continue
        target = next(t for t in _CONVERSION_PREFERENCE if t in param.types)
        converted_args[position] = convert_dynamic(arg, target, ctx.length)
        converted_types[position] = target
    return converted_args, converted_types


def _as_dynamic(result: Value) -> Value:
    if not isinstance(result, pd.Series):
        return result
    return dynamic_result([python_value(item) for item in result.to_numpy(dtype=object)], False)


# ---------------------------------------------------------------------------------------
# Text parsing (vectorised where it matters)
# ---------------------------------------------------------------------------------------


def parse_datetime_text(text: str) -> pd.Timestamp | None:
    """Parse one datetime text (ISO 8601, RFC 822/850 and similar); None if unparsable."""
    parsed = _parse_datetimes(string_series([text]))
    return python_value(parsed.iloc[0])


def _parse_datetimes(text: pd.Series) -> pd.Series:
    # ISO 8601 first (fast and vectorised); the leftovers go through dateutil one by one.
    stripped = text.str.strip()
    parsed = pd.to_datetime(stripped, format="ISO8601", utc=True, errors="coerce")
    missing = parsed.isna() & (stripped != "")
    if missing.any():
        retry = pd.to_datetime(stripped[missing], format="mixed", utc=True, errors="coerce")
        parsed = parsed.where(~missing, retry)
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def parse_timespan_text(text: str) -> pd.Timedelta | None:
    """Parse one ``[-][d.]hh:mm[:ss[.fffffff]]`` text; None if unparsable."""
    parsed = _parse_timespans(string_series([text]))
    return python_value(parsed.iloc[0])


def _parse_timespans(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_TIMESPAN_PATTERN)
    negative = parts[0].fillna("") == "-"
    days = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    hours = pd.to_numeric(parts[2], errors="coerce")
    minutes = pd.to_numeric(parts[3], errors="coerce")
    seconds = pd.to_numeric(parts[4], errors="coerce").fillna(0)
    fraction = pd.to_numeric(parts[5].fillna("0").str.ljust(7, "0"), errors="coerce").fillna(0)
    ticks = ((days * 24 + hours) * 60 + minutes) * 60 * 10_000_000 + seconds * 10_000_000 + fraction
    ticks = ticks.where(~negative, -ticks)
    raw = (ticks.to_numpy(dtype=np.float64) * NS_PER_TICK)
    nulls = np.isnan(raw) | (hours.to_numpy(dtype=np.float64) >= 24) | (minutes.to_numpy(dtype=np.float64) >= 60)
    return from_numpy(np.where(nulls, 0, raw).astype(np.int64), nulls, TIMESPAN)
