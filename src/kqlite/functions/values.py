"""Shared helpers for scalar functions and operators: nulls, numbers, strings, dynamic.

Arguments arrive as a pandas Series (a column) or one Python value (a constant), in
the representation `kqlite.types` gives. Numeric, boolean, datetime and timespan work
is done on numpy arrays paired with a null mask. A constant becomes a 0-d value, so
numpy broadcasting mixes columns and constants, and an expression whose arguments are
all constants comes back as a constant. Strings go through pyarrow's compute kernels,
whose regular expressions are RE2 as in Kusto. A ``category`` column is evaluated on
its categories and the result mapped back through the codes. Column results carry a
fresh RangeIndex: they are positional.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, PANDAS_DTYPES, REAL, STRING, TIMESPAN, KqlType

Value = Any

STRING_DTYPE = PANDAS_DTYPES[STRING]

# numpy's "not a time" as an int64 nanosecond count.
NAT = np.iinfo(np.int64).min

NS_PER_TICK = 100
NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND

# 0001-01-01 00:00 (Kusto's tick origin) in nanoseconds before the Unix epoch, as a
# Python int because it does not fit in int64.
TICK_ORIGIN_NS = -62_135_596_800 * NS_PER_SECOND


# ---------------------------------------------------------------------------------------
# Numbers, booleans, datetimes and timespans as (values, nulls) numpy pairs
# ---------------------------------------------------------------------------------------


def to_numpy(value: Value, kql_type: KqlType) -> tuple[Any, Any]:
    """Split a value of a numeric, bool, datetime or timespan type into (values, nulls).

    `values` is int64 for int, long, datetime and timespan (nanoseconds), float64 for
    real and decimal, bool for bool; `nulls` is a bool mask. Null slots hold 0 (or NaN
    for real). A constant gives 0-d numpy values.
    """
    if isinstance(value, pd.Series):
        return _column_to_numpy(value, kql_type)
    return _constant_to_numpy(value, kql_type)


def _column_to_numpy(series: pd.Series, kql_type: KqlType) -> tuple[np.ndarray, np.ndarray]:
    if kql_type in (DATETIME, TIMESPAN):
        # Columns built outside kqlite may use another unit (pandas 3 infers microseconds).
        unit = "datetime64[ns]" if kql_type is DATETIME else "timedelta64[ns]"
        raw = series.to_numpy(dtype=unit).view(np.int64)
        nulls = raw == NAT
        return np.where(nulls, 0, raw), nulls
    if kql_type is REAL:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.isnan(values)
    if kql_type is DECIMAL:
        nulls = series.isna().to_numpy()
        values = np.array([float(v) if v is not None else np.nan for v in series], dtype=np.float64)
        return values, nulls
    if kql_type is BOOL:
        nulls = series.isna().to_numpy()
        return series.to_numpy(dtype=bool, na_value=False), nulls
    nulls = series.isna().to_numpy()
    return series.to_numpy(dtype=np.int64, na_value=0), nulls


# The value stored in a null constant's slot, by type.
_NULL_FILLERS = {REAL: np.float64(np.nan), DECIMAL: np.float64(np.nan), BOOL: np.bool_(False)}


def _constant_to_numpy(value: Value, kql_type: KqlType) -> tuple[Any, Any]:
    if value is None or (isinstance(value, float) and math.isnan(value) and kql_type is not REAL):
        return _NULL_FILLERS.get(kql_type, np.int64(0)), np.bool_(True)
    if kql_type in (DATETIME, TIMESPAN):
        return np.int64(value.value), np.bool_(False)
    if kql_type in (REAL, DECIMAL):
        number = np.float64(value)
        return number, np.bool_(np.isnan(number))
    if kql_type is BOOL:
        return np.bool_(value), np.bool_(False)
    return np.int64(value), np.bool_(False)


def from_numpy(values: Any, nulls: Any, kql_type: KqlType) -> Value:
    """Assemble (values, nulls) into a Series of `kql_type`, or a constant when both are 0-d."""
    if np.ndim(values) == 0 and np.ndim(nulls) == 0:
        return _to_constant(values, bool(nulls), kql_type)
    values, nulls = np.broadcast_arrays(np.asarray(values), np.asarray(nulls))
    if kql_type in (DATETIME, TIMESPAN):
        raw = np.where(nulls, NAT, values.astype(np.int64, copy=False))
        unit = "datetime64[ns]" if kql_type is DATETIME else "timedelta64[ns]"
        return pd.Series(raw.view(unit))
    if kql_type is REAL:
        return pd.Series(np.where(nulls, np.nan, values.astype(np.float64, copy=False)))
    if kql_type is DECIMAL:
        data = [None if null else Decimal(repr(float(v))) for v, null in zip(values, nulls, strict=True)]
        return pd.Series(data, dtype=object)
    if kql_type is BOOL:
        return pd.Series(pd.arrays.BooleanArray(values.astype(bool), nulls.copy()))
    if kql_type is INT:
        data = values.astype(np.int64, copy=False).astype(np.int32)
        return pd.Series(pd.arrays.IntegerArray(data, nulls.copy()))
    data = values.astype(np.int64) if values.dtype != np.int64 else values.copy()
    return pd.Series(pd.arrays.IntegerArray(data, nulls.copy()))


def _to_constant(value: Any, null: bool, kql_type: KqlType) -> Value:
    if null:
        return None
    if kql_type is DATETIME:
        return pd.Timestamp(int(value), unit="ns")
    if kql_type is TIMESPAN:
        return pd.Timedelta(int(value), unit="ns")
    if kql_type is REAL:
        return float(value)
    if kql_type is DECIMAL:
        return Decimal(repr(float(value)))
    if kql_type is BOOL:
        return bool(value)
    if kql_type is INT:
        return int(np.int64(value).astype(np.int32))
    return int(value)


def float_values(value: Value, kql_type: KqlType) -> tuple[Any, Any]:
    """Return (float64 values, nulls) of a numeric value; nulls are NaN."""
    values, nulls = to_numpy(value, kql_type)
    values = np.asarray(values, dtype=np.float64) if np.ndim(values) else np.float64(values)
    return np.where(nulls, np.nan, values), nulls


def null_mask(value: Value, kql_type: KqlType) -> Any:
    """Return a bool mask (or a bool for a constant) of the null slots of a value."""
    if kql_type is STRING:
        return np.zeros(len(value), dtype=bool) if isinstance(value, pd.Series) else np.bool_(False)
    if isinstance(value, pd.Series):
        if kql_type in (DYNAMIC, GUID, DECIMAL):
            return np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in value], dtype=bool)
        return value.isna().to_numpy()
    if value is None:
        return np.bool_(True)
    return np.bool_(isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------------------


def arrow_strings(value: pd.Series | pd.Index) -> pa.Array:
    """Return a string column (not a category) as a pyarrow array, sharing memory where it can."""
    if isinstance(value.dtype, pd.CategoricalDtype):
        raise TypeError("arrow_strings expects plain strings; use map_text for category columns")
    if value.dtype == object:
        return pa.array(value.to_numpy(), type=pa.large_string())
    return pa.array(value.array if isinstance(value, pd.Series) else value.to_series().array)


def string_series(data: Any) -> pd.Series:
    """Build a kqlite string Series from a pyarrow array, a list or a numpy array."""
    return pd.Series(data, dtype=STRING_DTYPE)


def map_text(value: Value, transform: Callable[[pd.Series], Any]) -> Value:
    """Apply a vectorised `transform` (plain string Series -> Series or array) to a string value.

    A constant is run through a one-row Series and returned as a constant. A category
    column is transformed on its categories only, then mapped back through the codes; a
    string result stays categorical. A bool result becomes a ``boolean`` Series.
    """
    if not isinstance(value, pd.Series):
        result = _as_series(transform(string_series([value])))
        return python_value(result.iloc[0])

    if isinstance(value.dtype, pd.CategoricalDtype):
        categories = string_series(value.cat.categories.to_numpy(dtype=object))
        mapped = _as_series(transform(categories))
        codes = value.array.codes
        if _is_string_series(mapped):
            return _categorical_from(mapped, codes)
        return pd.Series(mapped.array.take(codes))

    if value.dtype != STRING_DTYPE:
        value = value.astype(STRING_DTYPE)
    return _as_series(transform(value.reset_index(drop=True))).reset_index(drop=True)


def _as_series(result: Any) -> pd.Series:
    if isinstance(result, pd.Series):
        return result.astype("boolean") if result.dtype == bool else result
    if isinstance(result, (pa.Array, pa.ChunkedArray)):
        if pa.types.is_string(result.type) or pa.types.is_large_string(result.type):
            return string_series(result)
        if pa.types.is_boolean(result.type) or pa.types.is_integer(result.type):
            return _masked_series(result)
    result = np.asarray(result)
    if result.dtype == bool:
        return pd.Series(pd.arrays.BooleanArray(result, np.zeros(len(result), dtype=bool)))
    return pd.Series(result)


def _masked_series(result: pa.Array | pa.ChunkedArray) -> pd.Series:
    # Build the masked pandas array from the values and the validity bitmap directly;
    # pd.array() on the converted values is several times slower.
    is_boolean = pa.types.is_boolean(result.type)
    nulls = result.is_null().to_numpy(zero_copy_only=False) if result.null_count else np.zeros(len(result), dtype=bool)
    values = result.fill_null(False if is_boolean else 0).to_numpy(zero_copy_only=False)
    if is_boolean:
        return pd.Series(pd.arrays.BooleanArray(values.astype(bool, copy=False), nulls))
    return pd.Series(pd.arrays.IntegerArray(values.astype(np.int64, copy=False), nulls))


def _is_string_series(series: pd.Series) -> bool:
    return series.dtype == STRING_DTYPE or pd.api.types.is_string_dtype(series.dtype) and series.dtype != object


def _categorical_from(categories: pd.Series, codes: np.ndarray) -> pd.Series:
    # Transformed categories may collide ("A" and "a" both lower to "a"): factorize them
    # again so the result is a valid categorical.
    new_codes, uniques = pd.factorize(categories.fillna(""))
    remapped = new_codes[codes].astype(codes.dtype if len(uniques) < 2**15 else np.int32, copy=False)
    categorical = pd.Categorical.from_codes(remapped, categories=pd.Index(uniques, dtype=STRING_DTYPE))
    return pd.Series(categorical)


def text_objects(value: Value, length: int) -> np.ndarray:
    """Return a string value as a numpy object array of `length` Python strings."""
    if isinstance(value, pd.Series):
        return value.astype(object).to_numpy(dtype=object)
    data = np.empty(length, dtype=object)
    data[:] = value
    return data


def python_value(value: Any) -> Any:
    """Convert one pandas/numpy element to kqlite's Python representation of a constant."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return None if np.isnat(value) else pd.Timedelta(value)
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and math.isnan(item) else item
    return value


# ---------------------------------------------------------------------------------------
# Dynamic values
# ---------------------------------------------------------------------------------------


def dynamic_objects(value: Value, length: int) -> list[Any]:
    """Return a dynamic value as a list of `length` Python objects (one per row)."""
    if isinstance(value, pd.Series):
        return list(value.to_numpy(dtype=object))
    return [value] * length


def as_list(value: Any) -> list[Any] | None:
    """Return a dynamic array as a Python list (numpy arrays included), or None if not an array."""
    if isinstance(value, list):
        return value
    if isinstance(value, np.ndarray):
        return [python_value(item) for item in value]
    return None


def object_series(items: list[Any]) -> pd.Series:
    """Build an object Series without numpy turning equal-length lists into a 2-D array."""
    data = np.empty(len(items), dtype=object)
    data[:] = items
    return pd.Series(data, dtype=object)


def dynamic_result(items: list[Any], constant: bool) -> Value:
    """Return per-row dynamic results as a Series, or the single value for constant input."""
    if constant:
        return items[0]
    return object_series(items)


def to_json_text(value: Any) -> str:
    """Serialise a dynamic value as Kusto prints it: compact JSON, datetimes as ISO text."""
    return json.dumps(_jsonable(value), separators=(",", ":"), ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(python_value(item)) for item in value]
    if isinstance(value, pd.Timestamp):
        return format_datetime_iso(value)
    if isinstance(value, pd.Timedelta):
        return format_timespan_text(value)
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return python_value(value)


def format_datetime_iso(value: pd.Timestamp) -> str:
    """Format a datetime as Kusto prints it: ``2017-01-01T00:00:00.0000000Z`` (100 ns digits)."""
    if value.tzinfo is not None:
        value = value.tz_convert("UTC").tz_localize(None)
    ticks = (value.value // NS_PER_TICK) % 10_000_000
    return f"{value.strftime('%Y-%m-%dT%H:%M:%S')}.{ticks:07d}Z"


def format_timespan_text(value: pd.Timedelta) -> str:
    """Format a timespan as Kusto prints it: ``[-][d.]hh:mm:ss[.fffffff]``."""
    total_ticks = value.value // NS_PER_TICK if value.value >= 0 else -((-value.value) // NS_PER_TICK)
    sign = "-" if total_ticks < 0 else ""
    total_ticks = abs(total_ticks)
    days, rest = divmod(total_ticks, 864_000_000_000)
    hours, rest = divmod(rest, 36_000_000_000)
    minutes, rest = divmod(rest, 600_000_000)
    seconds, fraction = divmod(rest, 10_000_000)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{fraction:07d}" if fraction else text


# ---------------------------------------------------------------------------------------
# String operators: contains, has, startswith, endswith, matches regex and their kin
# ---------------------------------------------------------------------------------------

# Kusto splits strings into terms, maximal runs of ASCII letters and digits, and `has`
# matches whole terms. kqlite emulates the term index with an RE2 regular expression
# (pyarrow's kernels use RE2, as Kusto does): the needle must not be preceded or
# followed by a term character where the needle itself starts or ends with one.
_TERM_CHAR = "[0-9A-Za-z]"
_NOT_TERM_CHAR = "[^0-9A-Za-z]"

STRING_OPERATOR_KINDS = ("contains", "has", "hasprefix", "hassuffix", "startswith", "endswith")


def is_string_operator(op: str) -> bool:
    """Tell whether `op` is one of the string operators (``has``, ``!contains_cs``, ``matches regex``...)."""
    if op == "matches regex":
        return True
    return op.removeprefix("!").removesuffix("_cs") in STRING_OPERATOR_KINDS


def evaluate_string_operator(op: str, left: Value, right: Value, length: int) -> Value:
    """Evaluate a string operator on string operands; the right operand is the needle or pattern."""
    negated = op.startswith("!")
    base = op.removeprefix("!")
    case_sensitive = base.endswith("_cs") or base == "matches regex"
    kind = base.removesuffix("_cs")

    if isinstance(right, pd.Series):
        found = _match_each_needle(kind, left, right, case_sensitive, length)
    else:
        found = map_text(left, lambda text: _match(kind, arrow_strings(text), right, case_sensitive))
    if negated:
        return ~found if isinstance(found, pd.Series) else not found
    return found


def _match_each_needle(kind: str, left: Value, right: pd.Series, case_sensitive: bool, length: int) -> pd.Series:
    # A needle that varies per row: run the vectorised kernel once per distinct needle.
    texts = text_objects(left, length)
    needles = text_objects(right, length)
    found = np.zeros(length, dtype=bool)
    for needle in pd.unique(needles):
        rows = needles == needle
        found[rows] = _match(kind, pa.array(texts[rows], type=pa.large_string()), needle, case_sensitive).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.BooleanArray(found, np.zeros(length, dtype=bool)))


def _match(kind: str, texts: pa.Array, needle: str, case_sensitive: bool) -> pa.Array:
    import pyarrow.compute as pc

    ignore_case = not case_sensitive
    try:
        if kind == "matches regex":
            return pc.match_substring_regex(texts, needle)
        if needle == "" and kind != "has":
            return pc.equal(pc.utf8_length(texts), pc.utf8_length(texts))
        if kind == "contains":
            return pc.match_substring(texts, needle, ignore_case=ignore_case)
        if kind == "startswith":
            return pc.starts_with(texts, needle, ignore_case=ignore_case)
        if kind == "endswith":
            return pc.ends_with(texts, needle, ignore_case=ignore_case)
        return pc.match_substring_regex(texts, term_pattern(needle, kind), ignore_case=ignore_case)
    except pa.ArrowInvalid as error:
        from kqlite.errors import KqlRuntimeError

        raise KqlRuntimeError("KL501", f"invalid regular expression {needle!r}: {error}") from error


def term_pattern(needle: str, kind: str = "has") -> str:
    """Build the RE2 pattern that finds `needle` as a whole term (``has``), a term prefix or a term suffix."""
    escaped = "".join(f"\\{char}" if not char.isalnum() else char for char in needle)
    starts_term = needle[:1].isascii() and needle[:1].isalnum()
    ends_term = needle[-1:].isascii() and needle[-1:].isalnum()
    before = f"(?:^|{_NOT_TERM_CHAR})" if starts_term and kind in ("has", "hasprefix") else ""
    after = f"(?:{_NOT_TERM_CHAR}|$)" if ends_term and kind in ("has", "hassuffix") else ""
    return f"{before}{escaped}{after}"


def has_terms(value: Value, terms: list[str], *, require_all: bool) -> Value:
    """Evaluate ``has_any`` (any term found) or ``has_all`` (every term found), case-insensitively."""
    import pyarrow.compute as pc

    if not terms:
        return map_text(value, lambda text: np.full(len(text), require_all, dtype=bool))

    def kernel(text: pd.Series) -> Any:
        texts = arrow_strings(text)
        if not require_all:
            pattern = "|".join(f"(?:{term_pattern(term)})" for term in terms)
            return pc.match_substring_regex(texts, pattern, ignore_case=True)
        found = np.ones(len(text), dtype=bool)
        for term in terms:
            found &= pc.match_substring_regex(texts, term_pattern(term), ignore_case=True).to_numpy(zero_copy_only=False)
        return found

    return map_text(value, kernel)
