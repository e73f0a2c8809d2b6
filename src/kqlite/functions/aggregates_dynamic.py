"""Aggregates that build dynamic values: `make_list`, `make_set`, `make_bag` and their ``*_if`` forms.

Each returns an object Series holding one Python list (or dict for `make_bag`) per
group, in kqlite's dynamic representation. The element order follows the input
order within each group; Kusto only promises that for serialised input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.aggregates_kernels import (
    argument,
    dynamic_elements,
    dynamic_key,
    group_slices,
    where_true,
)
from kqlite.functions.registry import CallContext, P, Value, aggregate
from kqlite.types import BOOL, DYNAMIC, INT, LONG

# Kusto's default and largest array size for the make_* aggregates.
MAX_SIZE = 1 << 20

_SIZE = P("maxSize", INT, LONG, optional=True, constant=True)


def _max_size(value: Value) -> int:
    if value is None:
        return MAX_SIZE
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise KqlRuntimeError("KL315", f"maxSize must be a positive integer, got {value!r}")
    return min(int(value), MAX_SIZE)


def _kept(ctx: CallContext, codes: np.ndarray, expr: Value, keep_nulls: bool) -> tuple[np.ndarray, pd.Series]:
    # The group codes and values of the rows that contribute, in input order.
    series = argument(ctx, codes, 0, expr)
    keep = codes >= 0
    if not keep_nulls:
        keep &= series.notna().to_numpy()
    return codes[keep], series[keep].reset_index(drop=True)


def _per_group(codes: np.ndarray, elements: list[Any], ngroups: int) -> list[list[Any]]:
    order, starts = group_slices(codes, ngroups)
    ordered = [elements[row] for row in order.tolist()]
    return [ordered[starts[group] : starts[group + 1]] for group in range(ngroups)]


def _make_list(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value, keep_nulls: bool = False
) -> pd.Series:
    limit = _max_size(max_size)
    kept_codes, values = _kept(ctx, codes, expr, keep_nulls)
    lists = [group[:limit] for group in _per_group(kept_codes, dynamic_elements(values), ngroups)]
    return _object_series(lists)


def _object_series(values: list[Any]) -> pd.Series:
    # Filled one by one: numpy would turn a list of equal-length lists into a 2-D array.
    data = np.empty(len(values), dtype=object)
    for index, value in enumerate(values):
        data[index] = value
    return pd.Series(data, dtype=object)


@aggregate("make_list", [P("expr"), _SIZE], DYNAMIC, default=[], column_prefix="list")
def make_list(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value = None) -> pd.Series:
    """Collect the non-null values of each group into an array. Example: T | summarize make_list(name) by k"""
    return _make_list(ctx, codes, ngroups, expr, max_size)


@aggregate("make_list_if", [P("expr"), P("predicate", BOOL), _SIZE], DYNAMIC, default=[], column_prefix="list")
def make_list_if(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value, max_size: Value = None
) -> pd.Series:
    """Collect the values of the rows where the predicate is true. Example: T | summarize make_list_if(name, n > 4)"""
    return _make_list(ctx, where_true(codes, predicate), ngroups, expr, max_size)


@aggregate("make_list_with_nulls", [P("expr"), _SIZE], DYNAMIC, default=[], column_prefix="list")
def make_list_with_nulls(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value = None
) -> pd.Series:
    """Collect every value of each group, nulls included, into an array. Example: summarize make_list_with_nulls(x)"""
    return _make_list(ctx, codes, ngroups, expr, max_size, keep_nulls=True)


def _distinct_in_order(groups: list[list[Any]], limit: int, flatten: bool) -> list[list[Any]]:
    # KQL's make_set adds the elements of an array value one by one.
    sets = []
    for values in groups:
        seen: set[Any] = set()
        distinct: list[Any] = []
        for value in values:
            items = value.tolist() if isinstance(value, np.ndarray) else value
            for item in items if flatten and isinstance(items, list) else [value]:
                if item is None or len(distinct) >= limit:
                    continue
                key = dynamic_key(item)
                if key not in seen:
                    seen.add(key)
                    distinct.append(item)
        sets.append(distinct)
    return sets


def _make_set(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value) -> pd.Series:
    limit = _max_size(max_size)
    kept_codes, values = _kept(ctx, codes, expr, keep_nulls=False)

    if values.dtype != object:
        # Scalar columns: drop duplicate (group, value) pairs before building lists,
        # so the Python-level work is proportional to the distinct pairs only.
        value_codes, uniques = pd.factorize(values)
        pairs = kept_codes * max(len(uniques), 1) + value_codes
        _, first_rows = np.unique(pairs, return_index=True)
        first_rows.sort()
        kept_codes = kept_codes[first_rows]
        values = values.iloc[first_rows].reset_index(drop=True)

    groups = _per_group(kept_codes, dynamic_elements(values), ngroups)
    return _object_series(_distinct_in_order(groups, limit, flatten=True))


@aggregate("make_set", [P("expr"), _SIZE], DYNAMIC, default=[], column_prefix="set")
def make_set(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value = None) -> pd.Series:
    """Collect the distinct non-null values of each group; array values are flattened. Example: summarize make_set(ip)"""
    return _make_set(ctx, codes, ngroups, expr, max_size)


@aggregate("make_set_if", [P("expr"), P("predicate", BOOL), _SIZE], DYNAMIC, default=[], column_prefix="set")
def make_set_if(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value, max_size: Value = None
) -> pd.Series:
    """Collect the distinct values of the rows where the predicate is true. Example: summarize make_set_if(ip, ok)"""
    return _make_set(ctx, where_true(codes, predicate), ngroups, expr, max_size)


def _make_bag(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value) -> pd.Series:
    limit = _max_size(max_size)
    kept_codes, values = _kept(ctx, codes, expr, keep_nulls=False)
    bags: list[Any] = []
    for group in _per_group(kept_codes, values.tolist(), ngroups):
        if not group:
            # NOTE: Kusto documents the empty dynamic array `[]`, not `{}`, as the
            # make_bag default, so a group without values gets `[]`.
            bags.append([])
            continue

        # KQL: values that are not property bags are ignored; when a key repeats,
        # any of its values may be kept, and kqlite keeps the first.
        bag: dict[str, Any] = {}
        for value in group:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key not in bag and len(bag) < limit:
                        bag[key] = item
        bags.append(bag)
    return _object_series(bags)


@aggregate("make_bag", [P("expr", DYNAMIC), _SIZE], DYNAMIC, default=[], column_prefix="bag")
def make_bag(ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, max_size: Value = None) -> pd.Series:
    """Merge the property bags of each group into one bag. Example: T | summarize make_bag(Properties) by k"""
    return _make_bag(ctx, codes, ngroups, expr, max_size)


@aggregate("make_bag_if", [P("expr", DYNAMIC), P("predicate", BOOL), _SIZE], DYNAMIC, default=[], column_prefix="bag")
def make_bag_if(
    ctx: CallContext, codes: np.ndarray, ngroups: int, expr: Value, predicate: Value, max_size: Value = None
) -> pd.Series:
    """Merge the property bags of the rows where the predicate is true. Example: summarize make_bag_if(p, ok)"""
    return _make_bag(ctx, where_true(codes, predicate), ngroups, expr, max_size)
