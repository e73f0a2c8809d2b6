"""Aggregates that pick rows or ranks: `arg_min`, `arg_max`, `take_any`, the percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.aggregates_kernels import (
    arg_type,
    argument,
    dynamic_elements,
    first_row_per_group,
    group_extreme,
    group_sizes,
    kept_rows,
    numeric_view,
    orderable_keys,
    select,
    take_rows,
    typed_result,
    unsupported_type,
    where_true,
)
from kqlite.functions.registry import CallContext, P, Value, aggregate, same_as_first
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN, KqlType

# ---------------------------------------------------------------- row selection


def _arg_extreme(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, largest: bool) -> pd.Series:
    if arg_type(ctx, 0, expr) is DYNAMIC:
        raise unsupported_type("arg_max" if largest else "arg_min", DYNAMIC)
    keys, valid, _ = orderable_keys(argument(ctx, codes, 0, expr))
    rows = np.arange(len(codes), dtype=np.int64)
    keep = (codes >= 0) & valid
    kept_codes, kept_keys, kept_positions = codes[keep], keys[keep], rows[keep]

    # Among the rows holding the group's extreme, the first one wins a tie.
    extremes = group_extreme(kept_codes, kept_keys, ngroups, largest)
    hits = kept_keys == extremes[kept_codes]
    chosen = first_row_per_group(kept_codes[hits], kept_positions[hits], ngroups)

    # KQL: when the expression is null in every row of a group, an arbitrary row of
    # the group is returned; kqlite returns its first row.
    in_group = codes >= 0
    fallback = first_row_per_group(codes[in_group], rows[in_group], ngroups)
    return pd.Series(np.where(chosen >= 0, chosen, fallback), dtype=np.int64)


@aggregate("arg_max", [P("expr"), P("columns", optional=True, variadic=True)], same_as_first, selects_rows=True)
def arg_max(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, *columns: Value) -> pd.Series:
    """Select, per group, the row where the expression is largest. Example: T | summarize arg_max(Version, *) by Fruit

    Returns the selected row position of each group (-1 for a group without rows);
    the caller takes the output columns from those rows. Rows where the expression
    is null are skipped unless every row of the group has it null.
    """
    return _arg_extreme(ctx, codes, ngroups, expr, largest=True)


@aggregate("arg_min", [P("expr"), P("columns", optional=True, variadic=True)], same_as_first, selects_rows=True)
def arg_min(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, *columns: Value) -> pd.Series:
    """Select, per group, the row where the expression is smallest. Example: T | summarize arg_min(Version, *) by Fruit

    Returns row positions like `arg_max`.
    """
    return _arg_extreme(ctx, codes, ngroups, expr, largest=False)


def _non_empty(series: pd.Series, kql_type: KqlType) -> np.ndarray:
    present = series.notna().to_numpy()
    if kql_type is STRING:
        present = present & (series.astype(object) != "").to_numpy()
    return present


def _take_any(ctx: CallContext, codes: np.ndarray, ngroups: int, exprs: Sequence[Value]) -> pd.Series | tuple[pd.Series, ...]:
    columns = [argument(ctx, codes, index, expr) for index, expr in enumerate(exprs)]
    types = [arg_type(ctx, index, expr) for index, expr in enumerate(exprs)]
    rows = np.arange(len(codes), dtype=np.int64)

    # Prefer a row whose first value is non-empty, as Kusto does; otherwise any row.
    keep = (codes >= 0) & _non_empty(columns[0], types[0])
    chosen = first_row_per_group(codes[keep], rows[keep], ngroups)
    in_group = codes >= 0
    chosen = np.where(chosen >= 0, chosen, first_row_per_group(codes[in_group], rows[in_group], ngroups))

    results = tuple(take_rows(column, chosen, kql_type) for column, kql_type in zip(columns, types))
    return results[0] if len(results) == 1 else results


@aggregate("take_any", [P("expr", variadic=True)], same_as_first, aliases=("any",), allowed_in_make_series=True)
def take_any(ctx: CallContext, codes: np.ndarray, ngroups: int, *exprs: Value) -> pd.Series | tuple[pd.Series, ...]:
    """Return an arbitrary non-empty value of each group. Example: T | summarize take_any(Color) by Fruit

    With several arguments the values come from one row and a tuple is returned.
    """
    return _take_any(ctx, codes, ngroups, exprs)


@aggregate("take_anyif", [P("expr"), P("predicate", BOOL)], same_as_first, aliases=("anyif",))
def take_anyif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return an arbitrary non-empty value among the rows where the predicate is true. Example: take_anyif(x, ok)"""
    result = _take_any(ctx, where_true(codes, predicate), ngroups, [expr])
    assert isinstance(result, pd.Series)
    return result


# ------------------------------------------------------------------- percentiles


def percentile_type(arg_types: Sequence[KqlType]) -> KqlType:
    """Return the type of a percentile: long for integers, datetime and timespan kept, else real."""
    if arg_types[0] in (INT, LONG):
        return LONG
    if arg_types[0] in (DATETIME, TIMESPAN):
        return arg_types[0]
    return REAL


def _percent(value: Value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise KqlRuntimeError("KL314", f"a percentile must be a number from 0 to 100, got {value!r}")
    percent = float(value)
    if not 0 <= percent <= 100 or math.isnan(percent):
        raise KqlRuntimeError("KL314", f"a percentile must be a number from 0 to 100, got {value!r}")
    return percent


def _percentiles(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, percents: Sequence[float]) -> list[pd.Series]:
    """Compute nearest-rank percentiles per group.

    The nearest-rank percentile p of n sorted values is the value at 1-based rank
    ceil(p * n / 100), at least 1, so p=0 is the minimum and p=100 the maximum and
    every result is a value of the group. Kusto documents the same definition but
    applies it to a T-Digest estimate, so for large groups its result can differ
    slightly from this exact one.
    """
    kql_type = arg_type(ctx, 0, expr)
    if kql_type not in (INT, LONG, REAL, DECIMAL, DATETIME, TIMESPAN):
        raise unsupported_type("percentile", kql_type)
    values, valid = numeric_view(argument(ctx, codes, 0, expr))
    keep = kept_rows(codes, valid)
    kept_codes, kept_values = select(codes, keep), select(values, keep)

    order = np.lexsort((kept_values, kept_codes))
    sorted_values = kept_values[order]
    sizes = group_sizes(kept_codes, ngroups)
    starts = np.cumsum(sizes) - sizes
    has_value = sizes > 0
    result_type = percentile_type([kql_type])

    columns = []
    for percent in percents:
        ranks = np.clip(np.ceil(percent * sizes / 100.0).astype(np.int64), 1, np.maximum(sizes, 1))
        positions = np.where(has_value, starts + ranks - 1, 0)
        picked = sorted_values[positions] if len(sorted_values) else np.zeros(ngroups, dtype=values.dtype)
        columns.append(typed_result(picked, has_value, result_type))
    return columns


@aggregate(
    "percentile",
    [P("expr", INT, LONG, REAL, DECIMAL, DATETIME, TIMESPAN), P("percentile", INT, LONG, REAL, constant=True)],
    percentile_type,
    column_prefix="percentile",
    allowed_in_make_series=True,
)
def percentile(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, percent: Value) -> pd.Series:
    """Return the nearest-rank percentile of each group. Example: T | summarize percentile(Duration, 95)"""
    return _percentiles(ctx, codes, ngroups, expr, [_percent(percent)])[0]


@aggregate(
    "percentiles",
    [P("expr", INT, LONG, REAL, DECIMAL, DATETIME, TIMESPAN), P("percentiles", INT, LONG, REAL, constant=True, variadic=True)],
    percentile_type,
    column_prefix="percentile",
)
def percentiles(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, *percents: Value) -> tuple[pd.Series, ...]:
    """Return several nearest-rank percentiles per group, one column each. Example: summarize percentiles(x, 5, 50, 95)"""
    return tuple(_percentiles(ctx, codes, ngroups, expr, [_percent(value) for value in percents]))


def _percent_list(values: Sequence[Value]) -> list[float]:
    # percentiles_array takes either several numbers or one dynamic array of them.
    if len(values) == 1 and isinstance(values[0], (list, tuple, np.ndarray)):
        return [_percent(value) for value in list(values[0])]
    return [_percent(value) for value in values]


@aggregate(
    "percentiles_array",
    [P("expr", INT, LONG, REAL, DECIMAL, DATETIME, TIMESPAN), P("percentiles", INT, LONG, REAL, DYNAMIC, constant=True, variadic=True)],
    DYNAMIC,
    column_prefix="percentiles",
)
def percentiles_array(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, *percents: Value) -> pd.Series:
    """Return nearest-rank percentiles per group as one dynamic array. Example: summarize percentiles_array(x, 5, 95)"""
    columns = _percentiles(ctx, codes, ngroups, expr, _percent_list(percents))

    # NOTE: a group without values gets an array of nulls; Kusto's result for
    # that case is not documented.
    elements = [dynamic_elements(column) for column in columns]
    arrays = [list(row) for row in zip(*elements)] if elements else [[] for _ in range(ngroups)]
    return pd.Series(arrays, dtype=object)
