"""Vectorised building blocks shared by the aggregate implementations.

Every aggregate receives `codes`, the group number of each input row (``-1`` for
a row that belongs to no group), and reduces its argument columns to one value
per group. The helpers here turn kqlite's column representations into plain numpy
arrays with a validity mask, reduce them per group with `np.bincount` and the
``ufunc.at`` methods, and turn the per-group results back into the representation
of the result type (see `kqlite.types`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.registry import CallContext, Value, broadcast
from kqlite.operators.grouping import is_one_group
from kqlite.types import (
    BOOL,
    DATETIME,
    DYNAMIC,
    INT,
    LONG,
    PANDAS_DTYPES,
    REAL,
    STRING,
    TIMESPAN,
    KqlType,
    empty_series,
    infer_kql_type,
)

# Integer sums whose magnitude bound stays below this are exact in float64, so the
# fast `np.bincount` path can be used for them.
_FLOAT_EXACT = float(1 << 53)


def column(value: Value, length: int, kql_type: KqlType) -> pd.Series:
    """Return an argument as a Series of `length` rows, broadcasting a constant."""
    if isinstance(value, pd.Series):
        return value
    if value is None:
        return empty_series(kql_type, length)
    if kql_type in (INT, LONG, BOOL):
        return pd.Series(pd.array(np.full(length, value), dtype=PANDAS_DTYPES[kql_type]))
    if kql_type is REAL:
        return pd.Series(np.full(length, float(value)))
    if kql_type is DATETIME:
        return pd.Series(np.full(length, pd.Timestamp(value).as_unit("ns").to_datetime64()))
    if kql_type is TIMESPAN:
        return pd.Series(np.full(length, pd.Timedelta(value).as_unit("ns").to_timedelta64()))
    if kql_type is STRING:
        return pd.Series(np.full(length, value, dtype=object), dtype=PANDAS_DTYPES[STRING])
    return broadcast(value, length)


def arg_type(ctx: CallContext, index: int, value: Value) -> KqlType:
    """Return the KQL type of argument `index`, from the call or from its dtype."""
    if index < len(ctx.arg_types):
        return ctx.arg_types[index]
    if isinstance(value, pd.Series):
        return infer_kql_type(value)
    return DYNAMIC


def argument(ctx: CallContext, codes: np.ndarray, index: int, value: Value) -> pd.Series:
    """Return argument `index` as a Series as long as `codes`."""
    return column(value, len(codes), arg_type(ctx, index, value))


def where_true(codes: np.ndarray, predicate: Value) -> np.ndarray:
    """Return `codes` with ``-1`` for every row whose predicate is not exactly true.

    KQL's ``*if`` aggregates only see rows where the predicate is true; null counts
    as false.
    """
    if not isinstance(predicate, pd.Series):
        is_true = predicate is not None and predicate is not pd.NA and bool(predicate)
        return codes if is_true else np.full(len(codes), -1, dtype=np.int64)
    truth = predicate.fillna(False).to_numpy(dtype=bool)
    return np.where(truth, codes, -1)


def numeric_view(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return a column as a numpy array of numbers and its validity mask.

    Integers and booleans become int64 (a masked null becomes 0 and invalid),
    datetimes and timespans become int64 nanoseconds, reals stay float64 with NaN
    invalid, and decimals become float64.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or (pd.api.types.is_string_dtype(dtype) and dtype != object):
        raise KqlRuntimeError("KL310", f"expected a numeric column, got strings ({dtype})")
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = series.to_numpy(dtype="datetime64[ns]").view(np.int64)
        return values, values != np.iinfo(np.int64).min
    if pd.api.types.is_timedelta64_dtype(dtype):
        values = series.to_numpy(dtype="timedelta64[ns]").view(np.int64)
        return values, values != np.iinfo(np.int64).min
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        valid = series.notna().to_numpy()
        return series.to_numpy(dtype=np.int64, na_value=0), valid
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64)
        return values, ~np.isnan(values)
    values = pd.to_numeric(series.astype(object).where(series.notna(), np.nan), errors="coerce").to_numpy(
        dtype=np.float64
    )
    return values, ~np.isnan(values)


def kept_rows(codes: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray | None:
    """Return the mask of rows that take part (in a group, valid), or None for all rows."""
    if is_one_group(codes, 1):
        # summarize without `by`: every row is in the group, so only validity counts.
        return None if valid is None or valid.all() else valid
    keep = codes >= 0
    if valid is not None:
        keep &= valid
    return None if keep.all() else keep


def select(array: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    """Return the rows of `array` that `keep` marks (all of them for None)."""
    return array if keep is None else array[keep]


def group_sizes(codes: np.ndarray, ngroups: int) -> np.ndarray:
    """Count the rows of each group (codes already restricted to kept rows)."""
    if ngroups == 1:
        return np.array([len(codes)], dtype=np.int64)
    return np.bincount(codes, minlength=ngroups)[:ngroups].astype(np.int64)


def group_sum(codes: np.ndarray, values: np.ndarray, ngroups: int) -> np.ndarray:
    """Sum `values` per group: float64 for floats, exact int64 for integers."""
    if ngroups == 1:
        # One group (codes restricted to kept rows): a plain sum; int64 wraps on
        # overflow as KQL's long arithmetic does.
        return np.array([values.sum()], dtype=values.dtype if values.dtype.kind == "f" else np.int64)
    if values.dtype.kind == "f":
        return np.bincount(codes, weights=values, minlength=ngroups)[:ngroups]

    bound = float(np.abs(values).max()) * len(values) if len(values) else 0.0
    if bound < _FLOAT_EXACT:
        sums = np.bincount(codes, weights=values, minlength=ngroups)[:ngroups]
        return np.rint(sums).astype(np.int64)

    # KQL's long arithmetic wraps on overflow, as int64 addition does here.
    sums = np.zeros(ngroups, dtype=np.int64)
    np.add.at(sums, codes, values.astype(np.int64, copy=False))
    return sums


def group_extreme(codes: np.ndarray, values: np.ndarray, ngroups: int, largest: bool) -> np.ndarray:
    """Return the minimum (or maximum) of `values` per group; empty groups hold a sentinel."""
    if values.dtype.kind == "f":
        sentinel: Any = -np.inf if largest else np.inf
    else:
        info = np.iinfo(values.dtype)
        sentinel = info.min if largest else info.max
    result = np.full(ngroups, sentinel, dtype=values.dtype)
    if ngroups == 1:
        # summarize without `by`: one plain reduction instead of the slower ufunc.at.
        if len(values):
            result[0] = values.max() if largest else values.min()
        return result
    (np.maximum if largest else np.minimum).at(result, codes, values)
    return result


def first_row_per_group(codes: np.ndarray, rows: np.ndarray, ngroups: int) -> np.ndarray:
    """Return the smallest of `rows` in each group, ``-1`` for a group with none."""
    length_bound = np.iinfo(np.int64).max
    first = np.full(ngroups, length_bound, dtype=np.int64)
    np.minimum.at(first, codes, rows)
    first[first == length_bound] = -1
    return first


def typed_result(values: np.ndarray, valid: np.ndarray, kql_type: KqlType) -> pd.Series:
    """Build a Series of `kql_type` from per-group values, null where not `valid`."""
    invalid = ~valid
    if kql_type in (INT, LONG):
        data = values.astype(np.int32 if kql_type is INT else np.int64)
        return pd.Series(pd.array(data, dtype=PANDAS_DTYPES[kql_type]).copy()).mask(invalid)
    if kql_type is BOOL:
        return pd.Series(pd.array(values.astype(bool), dtype="boolean")).mask(invalid)
    if kql_type is REAL:
        data = values.astype(np.float64)
        data[invalid] = np.nan
        return pd.Series(data)
    if kql_type in (DATETIME, TIMESPAN):
        data = np.rint(values).astype(np.int64) if values.dtype.kind == "f" else values.astype(np.int64)
        data[invalid] = np.iinfo(np.int64).min
        unit = "datetime64[ns]" if kql_type is DATETIME else "timedelta64[ns]"
        return pd.Series(data.view(unit))
    objects = np.asarray(values, dtype=object).copy()
    objects[invalid] = "" if kql_type is STRING else None
    if kql_type is STRING:
        return pd.Series(objects, dtype=PANDAS_DTYPES[STRING])
    return pd.Series(objects, dtype=object)


def take_rows(series: pd.Series, rows: np.ndarray, kql_type: KqlType) -> pd.Series:
    """Return the values of `series` at `rows`; a row of ``-1`` gives null."""
    missing = rows < 0
    if len(series) == 0 or missing.all():
        return empty_series(kql_type, len(rows))
    taken = series.iloc[np.where(missing, 0, rows)].reset_index(drop=True)
    if not missing.any():
        return taken
    if kql_type is STRING:
        return taken.astype(PANDAS_DTYPES[STRING]).mask(missing, "")
    if taken.dtype == object:
        values = taken.to_numpy(dtype=object).copy()
        values[missing] = None
        return pd.Series(values, dtype=object)
    return taken.mask(missing)


def orderable_keys(series: pd.Series) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], pd.Series] | None]:
    """Return sort keys for `series`, their validity and, for ranked values, a decoder.

    Numbers, datetimes and timespans are their own keys. Strings, guids and
    decimals are replaced by their rank among the distinct values; the decoder
    maps ranks back to values. Null strings do not exist in KQL, so every string
    is valid.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        order = np.argsort(np.asarray(categories, dtype=object), kind="stable")
        rank_of_code = np.empty(len(categories) + 1, dtype=np.int64)
        rank_of_code[order] = np.arange(len(categories))
        rank_of_code[-1] = -1
        ranks = rank_of_code[series.array.codes.astype(np.int64)]
        sorted_values = np.asarray(categories, dtype=object)[order]
        return ranks, ranks >= 0, lambda picked: pd.Series(sorted_values[picked], dtype=object)
    if dtype == object or pd.api.types.is_string_dtype(dtype):
        if dtype == object and series.map(lambda value: isinstance(value, (list, dict, np.ndarray))).any():
            raise KqlRuntimeError("KL311", "dynamic arrays and property bags have no order")
        ranks, uniques = pd.factorize(series, sort=True)
        sorted_values = np.asarray(uniques, dtype=object)
        return ranks.astype(np.int64), ranks >= 0, lambda picked: pd.Series(sorted_values[picked], dtype=object)
    values, valid = numeric_view(series)
    return values, valid, None


def dynamic_elements(series: pd.Series) -> list[Any]:
    """Convert a column to a list of kqlite dynamic values (nulls stay None)."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return [None if pd.isna(value) else value for value in series.tolist()]
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64)
        return [None if value != value else value for value in values.tolist()]
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return series.astype(object).where(series.notna(), None).tolist()
    if isinstance(dtype, pd.CategoricalDtype) or (pd.api.types.is_string_dtype(dtype) and dtype != object):
        return [str(value) for value in series.tolist()]
    return series.tolist()


def dynamic_key(value: Any) -> Any:
    """Return a hashable stand-in for a dynamic value, equal for equal values."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, dict)):
        return ("json", json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, float) and value != value:
        return ("nan",)
    # bool is kept apart from int: dynamic(true) and dynamic(1) are different values.
    return (type(value).__name__ if isinstance(value, bool) else "scalar", value)


def group_slices(codes: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """Return a stable ordering of the rows by group and each group's start offset.

    Rows of group ``g`` are ``order[starts[g]:starts[g + 1]]``, in input order.
    """
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=ngroups)[:ngroups]
    starts = np.zeros(ngroups + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    return order, starts


def unsupported_type(aggregate: str, kql_type: KqlType) -> KqlRuntimeError:
    return KqlRuntimeError("KL312", f"{aggregate}() does not accept an argument of type {kql_type}")

