"""Conditional and null-testing functions: iff, case, coalesce, isnull, isempty, min_of, max_of, not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, dynamic_objects, from_numpy, null_mask, object_series, string_series, text_objects, to_numpy
from kqlite.types import BOOL, DATETIME, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN, KqlType, widest_numeric

# Types held as (values, nulls) numpy pairs; the others are picked as Python objects.
_ARRAY_TYPES = (BOOL, INT, LONG, REAL, DATETIME, TIMESPAN)


def common_type(types: Sequence[KqlType]) -> KqlType:
    """Return the type that values of all `types` share: the widest numeric, or the one other type.

    A dynamic value takes the type of the others (Kusto.Language types
    ``iff(c, dynamic, 1)`` as long); only dynamic values give dynamic.

    Raises:
        ValueError: the types have no common type (a datetime and a string, a bool and
            a long), which the binder reports as invalid arguments.
    """
    concrete = [t for t in types if t is not DYNAMIC]
    if not concrete:
        return DYNAMIC
    if all(t.is_numeric for t in concrete):
        return widest_numeric(*concrete)
    if any(t is not concrete[0] for t in concrete):
        listed = ", ".join(dict.fromkeys(t.value for t in concrete))
        raise ValueError(f"the values have no common type ({listed})")
    return concrete[0]


def choose(conditions: list[Any], choices: list[Value], choice_types: list[KqlType], result_type: KqlType, length: int) -> Value:
    """Pick, row by row, the choice of the first true condition (numpy bool masks); the last choice is the default."""
    if result_type in _ARRAY_TYPES:
        pairs = [_as_array_type(choice, kql_type, result_type) for choice, kql_type in zip(choices, choice_types, strict=True)]
        values = np.select(conditions, [v for v, _ in pairs[:-1]], pairs[-1][0]) if conditions else pairs[-1][0]
        nulls = np.select(conditions, [n for _, n in pairs[:-1]], pairs[-1][1]) if conditions else pairs[-1][1]
        return from_numpy(values, nulls, result_type)

    if result_type is STRING:
        options = [text_objects(choice, length) for choice in choices]
    else:
        options = [_objects(choice, length) for choice in choices]
    picked = np.select(conditions, options[:-1], options[-1]) if conditions else options[-1]
    constant = all(not isinstance(choice, pd.Series) for choice in choices) and all(np.ndim(c) == 0 for c in conditions)
    if constant:
        return picked[0] if len(picked) else None
    return string_series(picked) if result_type is STRING else object_series(list(picked))


def _objects(value: Value, length: int) -> np.ndarray:
    data = np.empty(length, dtype=object)
    data[:] = dynamic_objects(value, length)
    return data


def _as_array_type(value: Value, kql_type: KqlType, result_type: KqlType) -> tuple[Any, Any]:
    if kql_type is DYNAMIC and value is not None:
        from kqlite.functions.conversion import convert_dynamic

        value = convert_dynamic(value, result_type, len(value) if isinstance(value, pd.Series) else 1)
        kql_type = result_type
    values, nulls = to_numpy(value, kql_type)
    if result_type is REAL:
        values = np.asarray(values, dtype=np.float64)
    return values, nulls


def _condition(value: Value, length: int) -> Any:
    """Return a predicate as a bool mask where null counts as false."""
    values, nulls = to_numpy(value, BOOL)
    mask = np.asarray(values & ~nulls)
    return np.broadcast_to(mask, (length,)) if mask.ndim == 0 and length != 1 else np.atleast_1d(mask)


def _branches_type(arg_types: Sequence[KqlType]) -> KqlType:
    return common_type(list(arg_types[1:]))


@scalar("iff", [P("condition", BOOL), P("then"), P("else")], _branches_type, aliases=("iif",))
def iff(ctx: CallContext, condition: Value, then: Value, otherwise: Value) -> Value:
    """Return the then value where the condition is true, else the else value (a null condition picks else). Example: print iff(1 > 0, "yes", "no") → "yes\""""
    length = ctx.length if any(isinstance(arg, pd.Series) for arg in (condition, then, otherwise)) else 1
    result = choose([_condition(condition, length)], [then, otherwise], list(ctx.arg_types[1:]), ctx.result_type, length)
    return _squeeze(result, (condition, then, otherwise))


def _case_type(arg_types: Sequence[KqlType]) -> KqlType:
    values = [arg_types[i] for i in range(1, len(arg_types) - 1, 2)] + [arg_types[-1]]
    return common_type(values)


@scalar("case", [P("predicate", BOOL), P("then"), P("more", variadic=True)], _case_type)
def case(ctx: CallContext, *arguments: Value) -> Value:
    """Return the value after the first true predicate, else the last argument. Example: print case(2 > 3, "a", 2 > 1, "b", "c") → "b\""""
    length = ctx.length if any(isinstance(arg, pd.Series) for arg in arguments) else 1
    predicates = [_condition(arguments[i], length) for i in range(0, len(arguments) - 1, 2)]
    choices = [arguments[i] for i in range(1, len(arguments) - 1, 2)] + [arguments[-1]]
    choice_types = [ctx.arg_types[i] for i in range(1, len(arguments) - 1, 2)] + [ctx.arg_types[-1]]
    return _squeeze(choose(predicates, choices, choice_types, ctx.result_type, length), arguments)


def _squeeze(result: Value, arguments: Sequence[Value]) -> Value:
    # With only constant arguments the result is one value, not a one-row column.
    if any(isinstance(arg, pd.Series) for arg in arguments) or not isinstance(result, pd.Series):
        return result
    from kqlite.functions.values import python_value

    return python_value(result.iloc[0])


@scalar("coalesce", [P("value"), P("more", variadic=True)], lambda types: common_type(list(types)))
def coalesce(ctx: CallContext, *arguments: Value) -> Value:
    """Return the first value that is not null (not empty, for strings). Example: print coalesce(long(null), 5, 7) → 5"""
    length = ctx.length if any(isinstance(arg, pd.Series) for arg in arguments) else 1
    present = [~np.atleast_1d(_is_empty(arg, kql_type, length)) for arg, kql_type in zip(arguments[:-1], ctx.arg_types[:-1], strict=True)]
    present = [np.broadcast_to(mask, (length,)) for mask in present]
    return _squeeze(choose(present, list(arguments), list(ctx.arg_types), ctx.result_type, length), arguments)


def _is_empty(value: Value, kql_type: KqlType, length: int) -> Any:
    if kql_type is STRING:
        if isinstance(value, pd.Series):
            return (value == "").to_numpy(dtype=bool)
        return np.bool_(value == "")
    return null_mask(value, kql_type)


@scalar("isnull", [P("value")], BOOL)
def isnull(ctx: CallContext, value: Value) -> Value:
    """Tell whether a value is null; a string is never null. Example: print isnull(long(null)) → true"""
    nulls = null_mask(value, ctx.arg_types[0])
    return from_numpy(nulls, np.zeros_like(nulls), BOOL)


@scalar("isnotnull", [P("value")], BOOL, aliases=("notnull",))
def isnotnull(ctx: CallContext, value: Value) -> Value:
    """Tell whether a value is not null. Example: print isnotnull(5) → true"""
    nulls = null_mask(value, ctx.arg_types[0])
    return from_numpy(~nulls, np.zeros_like(nulls), BOOL)


@scalar("isempty", [P("value")], BOOL)
def isempty(ctx: CallContext, value: Value) -> Value:
    """Tell whether a value is null or the empty string. Example: print isempty("") → true"""
    empty = _is_empty(value, ctx.arg_types[0], ctx.length)
    return from_numpy(empty, np.zeros_like(empty), BOOL)


@scalar("isnotempty", [P("value")], BOOL, aliases=("notempty",))
def isnotempty(ctx: CallContext, value: Value) -> Value:
    """Tell whether a value is neither null nor the empty string. Example: print isnotempty("a") → true"""
    empty = _is_empty(value, ctx.arg_types[0], ctx.length)
    return from_numpy(~empty, np.zeros_like(empty), BOOL)


@scalar("not", [P("expression", BOOL)], BOOL)
def not_(ctx: CallContext, value: Value) -> Value:
    """Reverse a bool; not(null) is null. Example: print not(false) → true"""
    values, nulls = to_numpy(value, BOOL)
    return from_numpy(~values, nulls, BOOL)


def _extreme(ctx: CallContext, arguments: Sequence[Value], take_max: bool) -> Value:
    # Null arguments are ignored; the result is null only when every argument is null.
    result_type = ctx.result_type
    if result_type is STRING:
        length = ctx.length
        texts = np.array([text_objects(arg, length) for arg in arguments], dtype=object)
        picked = texts.max(axis=0) if take_max else texts.min(axis=0)
        return _squeeze(string_series(picked), arguments)
    if result_type not in _ARRAY_TYPES:
        return None
    pairs = [_as_array_type(arg, kql_type, result_type) for arg, kql_type in zip(arguments, ctx.arg_types, strict=True)]
    values = np.array(np.broadcast_arrays(*[np.asarray(v, dtype=np.float64 if result_type is REAL else np.int64) for v, _ in pairs]))
    nulls = np.array(np.broadcast_arrays(*[np.asarray(n) for _, n in pairs]))
    if result_type is REAL:
        masked = np.where(nulls, -np.inf if take_max else np.inf, values)
    else:
        sentinel = np.iinfo(np.int64).min if take_max else np.iinfo(np.int64).max
        masked = np.where(nulls, sentinel, values)
    picked = masked.max(axis=0) if take_max else masked.min(axis=0)
    return from_numpy(picked, nulls.all(axis=0), result_type)


@scalar("max_of", [P("argument"), P("more", variadic=True)], lambda types: common_type(list(types)))
def max_of(ctx: CallContext, *arguments: Value) -> Value:
    """Return the largest of the arguments, ignoring nulls. Example: print max_of(10, 1, -3, 17) → 17"""
    return _extreme(ctx, arguments, take_max=True)


@scalar("min_of", [P("argument"), P("more", variadic=True)], lambda types: common_type(list(types)))
def min_of(ctx: CallContext, *arguments: Value) -> Value:
    """Return the smallest of the arguments, ignoring nulls. Example: print min_of(10, 1, -3, 17) → -3"""
    return _extreme(ctx, arguments, take_max=False)
