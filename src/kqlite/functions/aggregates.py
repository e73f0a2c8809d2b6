"""Aggregates of `summarize` and `make-series`: counts, sums, averages, extremes, spread.

Every aggregate follows the registry's convention ``implementation(ctx, codes,
ngroups, *args)`` and returns one value per group. A group can lack contributing
rows in three cases: `summarize` without `by` on empty input, an empty
`make-series` cell, or an ``*if`` predicate that is never true. Such a group gets
the aggregate's documented default: 0 for the counts, sums, `stdev` and
`variance`, NaN for `avg`, an empty array for the ``make_*`` family and null for
the rest.

The row-selecting aggregates (`arg_min`, `arg_max`, `take_any`) and the
percentiles live in `aggregates_rows`. The dynamic-array builders (`make_list`,
`make_set`, `make_bag`) live in `aggregates_dynamic`. Importing this module
registers all of them.

Decomposable aggregates, for running over partitions and merging: `count`,
`countif`, `sum` and `sumif` merge by adding the partial results; `min`, `max`,
`minif` and `maxif` by taking the min or max of the partials; `avg` and `avgif`
keep the pair (sum, count) per group and divide after merging; `dcount`,
`dcountif` and `count_distinct` keep the set of (group, value) pairs and count
after a union; `stdev` and `variance` keep (count, sum, sum of squared deviations)
and merge with the parallel-variance formula. `make_list` and `make_set` merge by
concatenation (with de-duplication for sets). Percentiles are not decomposable
without a sketch such as T-Digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions import aggregates_dynamic, aggregates_rows  # noqa: F401  (registers them)
from kqlite.functions.aggregates_kernels import (
    argument,
    arg_type,
    dynamic_key,
    group_extreme,
    group_sizes,
    group_sum,
    kept_rows,
    numeric_view,
    orderable_keys,
    select,
    typed_result,
    unsupported_type,
    where_true,
)
from kqlite.functions.registry import CallContext, P, Value, aggregate, same_as_first
from kqlite.operators.grouping import is_one_group
from kqlite.types import (
    BOOL,
    DATETIME,
    DECIMAL,
    DYNAMIC,
    INT,
    LONG,
    REAL,
    TIMESPAN,
    KqlType,
    empty_series,
)

NUMBERS = (INT, LONG, REAL, DECIMAL)

# Distinct (group, value) pairs up to this many are marked in a boolean table
# instead of being hashed.
_DENSE_PAIRS = 1 << 26


def sum_type(arg_types: Sequence[KqlType]) -> KqlType:
    """Return the type of `sum`: long for int and long, else the argument's type."""
    return LONG if arg_types[0] in (INT, LONG) else arg_types[0]


def avg_type(arg_types: Sequence[KqlType]) -> KqlType:
    """Return the type of `avg`: real for int, long and real, else the argument's type."""
    return REAL if arg_types[0] in (INT, LONG, REAL) else arg_types[0]


def _all_valid(ngroups: int) -> np.ndarray:
    return np.ones(ngroups, dtype=bool)


# ---------------------------------------------------------------------------- counts


def _count(codes: np.ndarray, ngroups: int) -> pd.Series:
    if is_one_group(codes, ngroups):
        sizes = np.array([len(codes)], dtype=np.int64)
    elif ngroups == 1:
        # Counting the kept rows of the one group needs no bincount.
        sizes = np.array([np.count_nonzero(codes >= 0)], dtype=np.int64)
    else:
        sizes = group_sizes(codes[codes >= 0], ngroups)
    return typed_result(sizes, _all_valid(ngroups), LONG)


@aggregate("count", [P("expr", optional=True)], LONG, default=0, allowed_in_make_series=True)
def count(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value = None) -> pd.Series:
    """Count the rows of each group; `count(x)` counts rows whose x is null too. Example: T | summarize count() by k"""
    return _count(codes, ngroups)


@aggregate("countif", [P("predicate", BOOL)], LONG, default=0, allowed_in_make_series=True)
def countif(ctx: CallContext, codes: np.ndarray, ngroups: int, predicate: Value) -> pd.Series:
    """Count the rows of each group where the predicate is true. Example: T | summarize countif(x > 0)"""
    return _count(where_true(codes, predicate), ngroups)


def _value_codes(series: pd.Series) -> tuple[np.ndarray, int]:
    # One code per distinct non-null value, -1 for null.
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.array.codes, len(series.cat.categories)
    if series.dtype == object:
        keys = [None if value is None else dynamic_key(value) for value in series.tolist()]
        series = pd.Series(keys, dtype=object)
    codes, uniques = pd.factorize(series)
    return codes.astype(np.int64, copy=False), len(uniques)


def _check_accuracy(accuracy: Value) -> None:
    if accuracy is None:
        return
    if isinstance(accuracy, bool) or not isinstance(accuracy, (int, np.integer)) or not 0 <= accuracy <= 4:
        raise KqlRuntimeError("KL313", f"dcount accuracy must be an integer from 0 to 4, got {accuracy!r}")


def _distinct_count(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    value_codes, nvalues = _value_codes(argument(ctx, codes, 0, expr))
    if is_one_group(codes, ngroups):
        # summarize without `by`: the distinct non-null codes of the whole column. The
        # null code -1 marks the extra last slot, which is not counted.
        present = np.zeros(nvalues + 1, dtype=bool)
        present[value_codes] = True
        return typed_result(np.array([present[:nvalues].sum()], dtype=np.int64), _all_valid(1), LONG)
    keep = (codes >= 0) & (value_codes >= 0)
    pairs = codes[keep] * max(nvalues, 1) + value_codes[keep]

    if ngroups * nvalues <= _DENSE_PAIRS:
        seen = np.zeros(ngroups * max(nvalues, 1), dtype=bool)
        seen[pairs] = True
        counts = seen.reshape(ngroups, max(nvalues, 1)).sum(axis=1)
    else:
        counts = group_sizes(pd.unique(pairs) // nvalues, ngroups)
    return typed_result(counts, _all_valid(ngroups), LONG)


@aggregate(
    "dcount",
    [P("expr"), P("accuracy", INT, LONG, optional=True, constant=True)],
    LONG,
    default=0,
    allowed_in_make_series=True,
)
def dcount(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, accuracy: Value = None) -> pd.Series:
    """Count the distinct non-null values of each group. Example: T | summarize dcount(ClientIP)

    Kusto estimates this count with HyperLogLog (accuracy 0 to 4, default 1,
    standard error 1.6 % down to 0.2 %) and is exact up to about 1000 distinct
    values at the default accuracy. kqlite always returns the exact count, which
    lies within Kusto's documented error; `accuracy` is checked and then unused.
    """
    _check_accuracy(accuracy)
    return _distinct_count(ctx, codes, ngroups, expr)


@aggregate(
    "dcountif",
    [P("expr"), P("predicate", BOOL), P("accuracy", INT, LONG, optional=True, constant=True)],
    LONG,
    default=0,
    allowed_in_make_series=True,
)
def dcountif(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value, accuracy: Value = None
) -> pd.Series:
    """Count distinct values over the rows where the predicate is true (exact, see dcount). Example: dcountif(ip, ok)"""
    _check_accuracy(accuracy)
    return _distinct_count(ctx, where_true(codes, predicate), ngroups, expr)


@aggregate("count_distinct", [P("expr")], LONG, default=0)
def count_distinct(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Count the distinct non-null values of each group exactly. Example: T | summarize count_distinct(user)"""
    return _distinct_count(ctx, codes, ngroups, expr)


@aggregate("count_distinctif", [P("expr"), P("predicate", BOOL)], LONG, default=0)
def count_distinctif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Count distinct values exactly over the rows where the predicate is true. Example: count_distinctif(u, ok)"""
    return _distinct_count(ctx, where_true(codes, predicate), ngroups, expr)


# ------------------------------------------------------------------------------ sums


def _decimal_reduce(codes: np.ndarray, series: pd.Series, ngroups: int, operation: str) -> list[Any]:
    # NOTE: decimals are summed with Python's Decimal through a pandas groupby, so
    # a decimal column costs a Python-level operation per row.
    valid = series.notna().to_numpy() & (codes >= 0)
    values = pd.Series(series.to_numpy(dtype=object)[valid], dtype=object)
    grouped = values.groupby(codes[valid])
    reduced = grouped.sum() if operation == "sum" else grouped.sum() / grouped.count()
    result: list[Any] = [Decimal(0) if operation == "sum" else None] * ngroups
    for group, value in reduced.items():
        result[int(group)] = value
    return result


def _sum(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    kql_type = arg_type(ctx, 0, expr)
    if kql_type not in (*NUMBERS, TIMESPAN):
        raise unsupported_type("sum", kql_type)
    series = argument(ctx, codes, 0, expr)
    if kql_type is DECIMAL:
        return pd.Series(_decimal_reduce(codes, series, ngroups, "sum"), dtype=object)

    values, valid = numeric_view(series)
    keep = kept_rows(codes, valid)
    sums = group_sum(select(codes, keep), select(values, keep), ngroups)
    return typed_result(sums, _all_valid(ngroups), sum_type([kql_type]))


@aggregate("sum", [P("expr", *NUMBERS, TIMESPAN)], sum_type, default=0, allowed_in_make_series=True)
def sum_(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Sum the non-null values of each group (int and long sum to long). Example: T | summarize sum(BytesSent)"""
    return _sum(ctx, codes, ngroups, expr)


@aggregate("sumif", [P("expr", *NUMBERS, TIMESPAN), P("predicate", BOOL)], sum_type, default=0, allowed_in_make_series=True)
def sumif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Sum the values of the rows where the predicate is true. Example: T | summarize sumif(x, x > 0)"""
    return _sum(ctx, where_true(codes, predicate), ngroups, expr)


def _avg(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    kql_type = arg_type(ctx, 0, expr)
    if kql_type not in (*NUMBERS, TIMESPAN, DATETIME):
        raise unsupported_type("avg", kql_type)
    series = argument(ctx, codes, 0, expr)
    if kql_type is DECIMAL:
        return pd.Series(_decimal_reduce(codes, series, ngroups, "avg"), dtype=object)

    values, valid = numeric_view(series)
    keep = kept_rows(codes, valid)
    kept_codes, kept_values = select(codes, keep), select(values, keep)
    sizes = group_sizes(kept_codes, ngroups)

    # Integers and nanosecond counts are averaged relative to their minimum, so that
    # float64 keeps full precision for datetimes (about 1.6e18 ns since 1970).
    offset = int(kept_values.min()) if kept_values.dtype.kind == "i" and len(kept_values) else 0
    totals = np.bincount(kept_codes, weights=(kept_values - offset).astype(np.float64), minlength=ngroups)[:ngroups]
    mean_offsets = totals / np.maximum(sizes, 1)
    if kql_type in (DATETIME, TIMESPAN):
        means: np.ndarray = offset + np.rint(mean_offsets).astype(np.int64)
    else:
        means = mean_offsets + float(offset)
    return typed_result(means, sizes > 0, avg_type([kql_type]))


_AVERAGEABLE = (*NUMBERS, TIMESPAN, DATETIME)


@aggregate("avg", [P("expr", *_AVERAGEABLE)], avg_type, default=float("nan"), allowed_in_make_series=True)
def avg(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Average the non-null values of each group (real for numbers). Example: T | summarize avg(metric)"""
    return _avg(ctx, codes, ngroups, expr)


@aggregate(
    "avgif", [P("expr", *_AVERAGEABLE), P("predicate", BOOL)], avg_type, default=float("nan"), allowed_in_make_series=True
)
def avgif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Average the values of the rows where the predicate is true. Example: T | summarize avgif(x, x > 0)"""
    return _avg(ctx, where_true(codes, predicate), ngroups, expr)


# -------------------------------------------------------------------------- extremes


def _extreme(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, largest: bool) -> pd.Series:
    kql_type = arg_type(ctx, 0, expr)
    if kql_type is DYNAMIC:
        raise unsupported_type("max" if largest else "min", kql_type)
    keys, valid, decode = orderable_keys(argument(ctx, codes, 0, expr))
    keep = kept_rows(codes, valid)
    kept_codes = select(codes, keep)
    has_value = group_sizes(kept_codes, ngroups) > 0
    if not has_value.any():
        return empty_series(kql_type, ngroups)

    extremes = group_extreme(kept_codes, select(keys, keep), ngroups, largest)
    if decode is None:
        return typed_result(extremes, has_value, kql_type)
    decoded = decode(np.where(has_value, extremes, 0)).to_numpy(dtype=object)
    return typed_result(decoded, has_value, kql_type)


@aggregate("min", [P("expr")], same_as_first, allowed_in_make_series=True)
def min_(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Return the smallest non-null value of each group. Example: T | summarize min(Timestamp)"""
    return _extreme(ctx, codes, ngroups, expr, largest=False)


@aggregate("max", [P("expr")], same_as_first, allowed_in_make_series=True)
def max_(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Return the largest non-null value of each group. Example: T | summarize max(Timestamp)"""
    return _extreme(ctx, codes, ngroups, expr, largest=True)


@aggregate("minif", [P("expr"), P("predicate", BOOL)], same_as_first, allowed_in_make_series=True)
def minif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return the smallest value among the rows where the predicate is true. Example: minif(x, ok)"""
    return _extreme(ctx, where_true(codes, predicate), ngroups, expr, largest=False)


@aggregate("maxif", [P("expr"), P("predicate", BOOL)], same_as_first, allowed_in_make_series=True)
def maxif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return the largest value among the rows where the predicate is true. Example: maxif(x, ok)"""
    return _extreme(ctx, where_true(codes, predicate), ngroups, expr, largest=True)


# ---------------------------------------------------------------------------- spread


def _spread(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, *, sample: bool, root: bool, empty: float
) -> pd.Series:
    kql_type = arg_type(ctx, 0, expr)
    if kql_type not in NUMBERS:
        raise unsupported_type("stdev" if root else "variance", kql_type)
    values, valid = numeric_view(argument(ctx, codes, 0, expr))
    keep = kept_rows(codes, valid)
    kept_codes = select(codes, keep)
    kept_values = select(values, keep).astype(np.float64)

    # Two passes (mean, then squared deviations) are far more stable than the
    # sum-of-squares shortcut for large values with a small spread.
    sizes = group_sizes(kept_codes, ngroups)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.bincount(kept_codes, weights=kept_values, minlength=ngroups)[:ngroups] / sizes
        deviations = kept_values - means[kept_codes]
        squares = np.bincount(kept_codes, weights=deviations * deviations, minlength=ngroups)[:ngroups]
        divisor = sizes - 1 if sample else sizes
        variances = np.where(divisor > 0, squares / np.maximum(divisor, 1), 0.0)

    # KQL: a single value has zero spread; a group without values gets the default.
    variances = np.where(sizes == 0, empty, variances)
    result = np.sqrt(variances) if root else variances
    return typed_result(result, ~np.isnan(result), REAL)


@aggregate("stdev", [P("expr", *NUMBERS)], REAL, default=0, allowed_in_make_series=True)
def stdev(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Return the sample standard deviation (n-1) of each group. Example: range x from 1 to 5 step 1 | summarize stdev(x)"""
    return _spread(ctx, codes, ngroups, expr, sample=True, root=True, empty=0.0)


@aggregate("stdevif", [P("expr", *NUMBERS), P("predicate", BOOL)], REAL, default=0, allowed_in_make_series=True)
def stdevif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return the sample standard deviation of the rows where the predicate is true. Example: stdevif(x, ok)"""
    return _spread(ctx, where_true(codes, predicate), ngroups, expr, sample=True, root=True, empty=0.0)


@aggregate("stdevp", [P("expr", *NUMBERS)], REAL)
def stdevp(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Return the population standard deviation (n) of each group. Example: T | summarize stdevp(x)"""
    return _spread(ctx, codes, ngroups, expr, sample=False, root=True, empty=np.nan)


@aggregate("stdevpif", [P("expr", *NUMBERS), P("predicate", BOOL)], REAL)
def stdevpif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return the population standard deviation of the rows where the predicate is true. Example: stdevpif(x, ok)"""
    return _spread(ctx, where_true(codes, predicate), ngroups, expr, sample=False, root=True, empty=np.nan)


@aggregate("variance", [P("expr", *NUMBERS)], REAL, default=0, allowed_in_make_series=True)
def variance(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Return the sample variance (n-1) of each group. Example: range x from 1 to 5 step 1 | summarize variance(x)"""
    return _spread(ctx, codes, ngroups, expr, sample=True, root=False, empty=0.0)


@aggregate("varianceif", [P("expr", *NUMBERS), P("predicate", BOOL)], REAL, default=0, allowed_in_make_series=True)
def varianceif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return the sample variance of the rows where the predicate is true. Example: varianceif(x, ok)"""
    return _spread(ctx, where_true(codes, predicate), ngroups, expr, sample=True, root=False, empty=0.0)


@aggregate("variancep", [P("expr", *NUMBERS)], REAL, allowed_in_make_series=True)
def variancep(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value) -> pd.Series:
    """Return the population variance (n) of each group. Example: T | summarize variancep(x)"""
    return _spread(ctx, codes, ngroups, expr, sample=False, root=False, empty=np.nan)


@aggregate("variancepif", [P("expr", *NUMBERS), P("predicate", BOOL)], REAL, allowed_in_make_series=True)
def variancepif(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value) -> pd.Series:
    """Return the population variance of the rows where the predicate is true. Example: variancepif(x, ok)"""
    return _spread(ctx, where_true(codes, predicate), ngroups, expr, sample=False, root=False, empty=np.nan)
