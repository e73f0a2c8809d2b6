"""Functions over dynamic arrays and property bags: array_length, pack_array, bag_pack, set_union, range, zip, ...

Dynamic values are Python objects, so these functions work row by row. `pack_all` is
not registered: it needs every column of the row, which the calling convention does
not pass to a scalar function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, as_list, dynamic_objects, dynamic_result, from_numpy, python_value, string_series
from kqlite.types import BOOL, DATETIME, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN, KqlType


def _rows(ctx: CallContext, arguments: tuple[Value, ...]) -> tuple[list[list[Any]], bool]:
    """Return each argument as a list of per-row Python values, and whether all were constants."""
    constant = not any(isinstance(argument, pd.Series) for argument in arguments)
    length = 1 if constant else ctx.length
    columns = [[python_value(item) if not isinstance(item, (list, dict)) else item for item in dynamic_objects(argument, length)] for argument in arguments]
    return columns, constant


def _per_row(ctx: CallContext, arguments: tuple[Value, ...], function: Callable[..., Any]) -> Value:
    columns, constant = _rows(ctx, arguments)
    length = 1 if constant else ctx.length
    results = [function(*(column[row] for column in columns)) for row in range(length)]
    return dynamic_result(results, constant)


def _typed(ctx: CallContext, arguments: tuple[Value, ...], function: Callable[..., Any], kql_type: KqlType) -> Value:
    """Apply a per-row `function` whose results are of a scalar type (None for null)."""
    columns, constant = _rows(ctx, arguments)
    length = 1 if constant else ctx.length
    results = [function(*(column[row] for column in columns)) for row in range(length)]
    if constant:
        return results[0]
    if kql_type is STRING:
        return string_series(results)
    nulls = np.array([item is None for item in results], dtype=bool)
    filler = False if kql_type is BOOL else 0
    return from_numpy(np.array([filler if item is None else item for item in results]), nulls, kql_type)


@scalar("array_length", [P("array", DYNAMIC)], LONG)
def array_length(ctx: CallContext, array: Value) -> Value:
    """Return the number of elements of a dynamic array; null if it is not an array. Example: print array_length(dynamic([1, 2, 3])) → 3"""
    return _typed(ctx, (array,), lambda item: None if as_list(item) is None else len(as_list(item)), LONG)


@scalar("pack_array", [P("value", variadic=True)], DYNAMIC)
def pack_array(ctx: CallContext, *values: Value) -> Value:
    """Pack the arguments into a dynamic array. Example: print pack_array(1, "a") → [1,"a"]"""
    return _per_row(ctx, values, lambda *items: list(items))


@scalar("bag_pack", [P("key", STRING), P("value"), P("more", variadic=True)], DYNAMIC, aliases=("pack",))
def bag_pack(ctx: CallContext, *arguments: Value) -> Value:
    """Build a property bag from alternating keys and values. Example: print bag_pack("a", 1, "b", "x") → {"a":1,"b":"x"}"""
    if len(arguments) % 2:
        raise KqlRuntimeError("KL130", "bag_pack(): expected an even number of arguments (key, value pairs)")
    return _per_row(ctx, arguments, lambda *items: {str(items[i]): items[i + 1] for i in range(0, len(items), 2)})


@scalar("array_concat", [P("array", DYNAMIC), P("more", DYNAMIC, variadic=True)], DYNAMIC)
def array_concat(ctx: CallContext, *arrays: Value) -> Value:
    """Concatenate dynamic arrays; null if any argument is not an array. Example: print array_concat(dynamic([1]), dynamic([2, 3])) → [1,2,3]"""

    def concatenate(*items: Any) -> Any:
        lists = [as_list(item) for item in items]
        return None if any(part is None for part in lists) else [element for part in lists for element in part]  # type: ignore[union-attr]

    return _per_row(ctx, arrays, concatenate)


@scalar("array_slice", [P("array", DYNAMIC), P("start", INT, LONG), P("end", INT, LONG)], DYNAMIC)
def array_slice(ctx: CallContext, array: Value, start: Value, end: Value) -> Value:
    """Return the elements from start to end inclusive (negative indexes count from the end). Example: print array_slice(dynamic([1,2,3,4]), 1, -2) → [2,3]"""

    def slice_(item: Any, first: Any, last: Any) -> Any:
        elements = as_list(item)
        if elements is None or first is None or last is None:
            return None
        size = len(elements)
        first = first + size if first < 0 else first
        last = last + size if last < 0 else last
        return elements[max(first, 0) : max(min(last, size - 1) + 1, 0)]

    return _per_row(ctx, (array, start, end), slice_)


def _sort_key(item: Any) -> tuple[int, Any]:
    # Numbers sort before strings; mixed types keep a stable, total order.
    if isinstance(item, bool) or isinstance(item, (int, float)):
        return (0, float(item))
    if isinstance(item, (pd.Timestamp, pd.Timedelta)):
        return (1, item.value)
    return (2, str(item))


def _sort_function(name: str, descending: bool) -> None:
    def implementation(ctx: CallContext, array: Value, nulls_last: Value = True) -> Value:
        def sort(item: Any, last: Any) -> Any:
            elements = as_list(item)
            if elements is None:
                return None
            present = sorted((e for e in elements if e is not None and not (isinstance(e, float) and math.isnan(e))), key=_sort_key, reverse=descending)
            missing = [None] * (len(elements) - len(present))
            return present + missing if last is not False else missing + present

        return _per_row(ctx, (array, nulls_last), sort)

    order = "descending" if descending else "ascending"
    implementation.__doc__ = f"Sort a dynamic array in {order} order, nulls last unless nulls_last is false. Example: print {name}(dynamic([3, 1, 2]))"
    implementation.__name__ = name
    scalar(name, [P("array", DYNAMIC), P("nulls_last", BOOL, optional=True, constant=True)], DYNAMIC)(implementation)


_sort_function("array_sort_asc", descending=False)
_sort_function("array_sort_desc", descending=True)


@scalar("set_has_element", [P("set", DYNAMIC), P("value")], BOOL)
def set_has_element(ctx: CallContext, array: Value, value: Value) -> Value:
    """Tell whether a dynamic array contains a value. Example: print set_has_element(dynamic(["a", "b"]), "b") → true"""
    return _typed(ctx, (array, value), lambda item, wanted: None if as_list(item) is None else wanted in as_list(item), BOOL)


def _distinct(elements: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for element in elements:
        if element not in seen:
            seen.append(element)
    return seen


@scalar("set_union", [P("set", DYNAMIC), P("more", DYNAMIC, variadic=True)], DYNAMIC)
def set_union(ctx: CallContext, *arrays: Value) -> Value:
    """Return the distinct values found in any of the arrays. Example: print set_union(dynamic([1, 2]), dynamic([2, 3])) → [1,2,3]"""
    return _per_row(ctx, arrays, lambda *items: _distinct([e for item in items for e in (as_list(item) or [])]))


@scalar("set_intersect", [P("set", DYNAMIC), P("more", DYNAMIC, variadic=True)], DYNAMIC)
def set_intersect(ctx: CallContext, *arrays: Value) -> Value:
    """Return the distinct values found in every array. Example: print set_intersect(dynamic([1, 2]), dynamic([2, 3])) → [2]"""

    def intersect(*items: Any) -> Any:
        lists = [as_list(item) or [] for item in items]
        return [e for e in _distinct(lists[0]) if all(e in other for other in lists[1:])]

    return _per_row(ctx, arrays, intersect)


@scalar("set_difference", [P("set", DYNAMIC), P("more", DYNAMIC, variadic=True)], DYNAMIC)
def set_difference(ctx: CallContext, *arrays: Value) -> Value:
    """Return the distinct values of the first array found in none of the others. Example: print set_difference(dynamic([1, 2, 3]), dynamic([2])) → [1,3]"""

    def difference(*items: Any) -> Any:
        lists = [as_list(item) or [] for item in items]
        return [e for e in _distinct(lists[0]) if not any(e in other for other in lists[1:])]

    return _per_row(ctx, arrays, difference)


@scalar("bag_keys", [P("object", DYNAMIC)], DYNAMIC)
def bag_keys(ctx: CallContext, bag: Value) -> Value:
    """Return the keys of a property bag as an array; null if it is not a bag. Example: print bag_keys(dynamic({"a": 1, "b": 2})) → ["a","b"]"""
    return _per_row(ctx, (bag,), lambda item: list(item) if isinstance(item, dict) else None)


@scalar("bag_merge", [P("bag", DYNAMIC), P("more", DYNAMIC, variadic=True)], DYNAMIC)
def bag_merge(ctx: CallContext, *bags: Value) -> Value:
    """Merge property bags; on a key conflict the first bag wins. Example: print bag_merge(dynamic({"a": 1}), dynamic({"a": 2, "b": 3})) → {"a":1,"b":3}"""

    def merge(*items: Any) -> Any:
        merged: dict[str, Any] = {}
        for item in items:
            if isinstance(item, dict):
                for key, element in item.items():
                    merged.setdefault(key, element)
        return merged

    return _per_row(ctx, bags, merge)


@scalar("array_index_of", [P("array", DYNAMIC), P("value"), P("start", INT, LONG, optional=True), P("length", INT, LONG, optional=True), P("occurrence", INT, LONG, optional=True, constant=True)], LONG)
def array_index_of(ctx: CallContext, array: Value, value: Value, start: Value = 0, length: Value = -1, occurrence: Value = 1) -> Value:
    """Return the index of a value in a dynamic array, or -1. Example: print array_index_of(dynamic(["a", "b"]), "b") → 1"""

    def index_of(item: Any, wanted: Any, first: Any, span: Any, nth: Any) -> Any:
        elements = as_list(item)
        if elements is None:
            return None
        # Optional arguments skipped through named arguments arrive as nulls.
        first = 0 if first is None else first
        span = -1 if span is None else span
        nth = 1 if nth is None else nth
        first = first + len(elements) if first < 0 else first
        stop = len(elements) if span == -1 else min(len(elements), first + span)
        hits = [i for i in range(max(first, 0), stop) if elements[i] == wanted]
        return hits[nth - 1] if 0 < nth <= len(hits) else -1

    return _typed(ctx, (array, value, start, length, occurrence), index_of, LONG)


@scalar("array_sum", [P("array", DYNAMIC)], REAL)
def array_sum(ctx: CallContext, array: Value) -> Value:
    """Return the sum of a dynamic array's numbers as a real. Example: print array_sum(dynamic([1, 2.5])) → 3.5"""

    def total(item: Any) -> Any:
        elements = as_list(item)
        if elements is None:
            return None
        numbers = [float(e) for e in elements if isinstance(e, (int, float)) and not isinstance(e, bool)]
        return math.fsum(numbers) if numbers else None

    return _typed(ctx, (array,), total, REAL)


@scalar("range", [P("start", INT, LONG, REAL, DATETIME, TIMESPAN), P("stop", INT, LONG, REAL, DATETIME, TIMESPAN), P("step", INT, LONG, REAL, TIMESPAN, optional=True)], DYNAMIC)
def range_(ctx: CallContext, start: Value, stop: Value, step: Value = None) -> Value:
    """Return the dynamic array start, start + step, ... up to stop inclusive. Example: print range(1, 8, 3) → [1,4,7]"""
    if step is None:
        step = pd.Timedelta(hours=1) if ctx.arg_types[0] in (DATETIME, TIMESPAN) else 1

    # start and stop are both numbers, both datetimes or both timespans, and the step is a
    # number for numbers and a timespan otherwise. Any other mix makes no series: null.
    # NOTE: Kusto's answer for such a mix is not documented; null is kqlite's choice.
    start_kind, stop_kind = (_range_kind(kql_type) for kql_type in ctx.arg_types[:2])
    step_kind = _range_kind(ctx.arg_types[2]) if len(ctx.arg_types) > 2 else ("number" if start_kind == "number" else "timespan")
    if start_kind != stop_kind or step_kind != ("number" if start_kind == "number" else "timespan"):
        return None

    def values(first: Any, last: Any, increment: Any) -> Any:
        if first is None or last is None or increment is None or increment == increment * 0:
            return None
        if not all(math.isfinite(value) for value in (first, last, increment) if isinstance(value, float)):
            return None
        count = int((last - first) // increment) + 1
        # Kusto limits the array to 1,048,576 elements.
        return [first + increment * i for i in range(max(min(count, 1_048_576), 0))]

    return _per_row(ctx, (start, stop, step), values)


def _range_kind(kql_type: KqlType) -> str:
    if kql_type in (DATETIME, TIMESPAN):
        return kql_type.value
    return "number"


@scalar("zip", [P("array", DYNAMIC), P("more", DYNAMIC, variadic=True)], DYNAMIC)
def zip_(ctx: CallContext, *arrays: Value) -> Value:
    """Pair up the elements of arrays; shorter arrays are padded with null. Example: print zip(dynamic([1, 2]), dynamic(["a"])) → [[1,"a"],[2,null]]"""

    def pairs(*items: Any) -> Any:
        lists = [as_list(item) for item in items]
        if any(part is None for part in lists):
            return None
        size = max(len(part) for part in lists)  # type: ignore[arg-type]
        return [[part[i] if i < len(part) else None for part in lists] for i in range(size)]  # type: ignore[index,arg-type]

    return _per_row(ctx, arrays, pairs)


_SCALAR_TYPE_NAMES = {INT: "int", LONG: "long", REAL: "real", BOOL: "bool", STRING: "string", DATETIME: "datetime", TIMESPAN: "timespan"}


@scalar("gettype", [P("value")], STRING)
def gettype(ctx: CallContext, value: Value) -> Value:
    """Return the name of a value's type; dynamic values report their element kind. Example: print gettype(dynamic([1])) → "array\""""
    kql_type = ctx.arg_types[0]
    if kql_type is not DYNAMIC:
        return kql_type.value if kql_type not in _SCALAR_TYPE_NAMES else _SCALAR_TYPE_NAMES[kql_type]
    return _typed(ctx, (value,), _dynamic_type_name, STRING)


def _dynamic_type_name(item: Any) -> str:
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "bool"
    if isinstance(item, int):
        return "long"
    if isinstance(item, float):
        return "real"
    if isinstance(item, str):
        return "string"
    if isinstance(item, dict):
        return "dictionary"
    if isinstance(item, pd.Timestamp):
        return "datetime"
    if isinstance(item, pd.Timedelta):
        return "timespan"
    if as_list(item) is not None:
        return "array"
    return "string"
