"""Comparison operators ``== != < <= > >=`` and the ``in`` family.

`kqlite.functions.operators` types and dispatches every binary operator and calls
`_comparison` here. Numbers, bools, datetimes and timespans compare as numpy arrays, and a
string column compares with a constant through pyarrow kernels. Dynamic, guid and
decimal operands, and operands of mismatched types, compare as Python values. Equality
follows Kusto's null rule (null == null is null, and null == value is false). ``in`` and
``!in`` are an OR of ``==``, and ``in~``, ``has_any`` and ``has_all`` compare the listed
values as strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kqlite.functions.values import (
    Value,
    arrow_strings,
    dynamic_objects,
    from_numpy,
    has_terms,
    map_text,
    python_value,
    text_objects,
    to_numpy,
)
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, REAL, STRING, TIMESPAN, KqlType


def _comparison(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, length: int) -> Value:
    if DYNAMIC in (left_type, right_type):
        return _dynamic_comparison(op, left, right, left_type, right_type, length)
    if left_type is STRING and right_type is STRING:
        return _string_comparison(op, left, right)
    numeric_or_bool = (left_type.is_numeric or left_type is BOOL) and (right_type.is_numeric or right_type is BOOL)
    same_time_type = left_type is right_type and left_type in (DATETIME, TIMESPAN)
    if DECIMAL in (left_type, right_type) or not (numeric_or_bool or same_time_type):
        # guid, decimal and mismatched types (long == string) compare as Python values.
        return _object_comparison(op, left, right, length)

    left_values, left_nulls = to_numpy(left, left_type)
    right_values, right_nulls = to_numpy(right, right_type)
    if left_type in (REAL, DECIMAL) or right_type in (REAL, DECIMAL):
        left_values = left_values.astype(np.float64)
        right_values = right_values.astype(np.float64)
    values = _compare_arrays(op, left_values, right_values)
    return from_numpy(*_apply_null_rule(op, values, left_nulls, right_nulls), BOOL)


def _compare_arrays(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _apply_null_rule(op: str, values: np.ndarray, left_nulls: np.ndarray, right_nulls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = left_nulls & right_nulls
    one = left_nulls ^ right_nulls
    if op == "==":
        return values & ~one, both
    if op == "!=":
        return values | one, both
    return values, left_nulls | right_nulls


def _string_comparison(op: str, left: Value, right: Value) -> Value:
    if not isinstance(left, pd.Series) and not isinstance(right, pd.Series):
        return bool(_compare_arrays(op, np.array(left, dtype=object), np.array(right, dtype=object)))
    if not isinstance(left, pd.Series):
        return _string_comparison(_MIRRORED[op], right, left)
    if not isinstance(right, pd.Series):
        return map_text(left, lambda text: _ARROW_COMPARISONS[op](arrow_strings(text), right))
    values = _compare_arrays(op, text_objects(left, len(left)), text_objects(right, len(right)))
    return from_numpy(values.astype(bool), np.zeros(len(values), dtype=bool), BOOL)


_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARROW_COMPARISONS = {
    "==": pc.equal,
    "!=": pc.not_equal,
    "<": pc.less,
    "<=": pc.less_equal,
    ">": pc.greater,
    ">=": pc.greater_equal,
}


def _object_comparison(op: str, left: Value, right: Value, length: int) -> Value:
    left_items = [python_value(item) for item in dynamic_objects(left, length)]
    right_items = [python_value(item) for item in dynamic_objects(right, length)]
    left_nulls = np.array([item is None for item in left_items], dtype=bool)
    right_nulls = np.array([item is None for item in right_items], dtype=bool)
    values = np.array([_dynamic_order(op, a, b) for a, b in zip(left_items, right_items, strict=True)], dtype=bool)
    result = from_numpy(*_apply_null_rule(op, values, left_nulls, right_nulls), BOOL)
    return result if isinstance(left, pd.Series) or isinstance(right, pd.Series) else _first(result)


def _dynamic_comparison(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, length: int) -> Value:
    # A dynamic operand is converted to the other operand's type (Kusto compares
    # `d.key == "x"` as strings); two dynamic operands compare their JSON values.
    from kqlite.functions.conversion import convert_dynamic

    if left_type is DYNAMIC and right_type is not DYNAMIC:
        return _comparison(op, convert_dynamic(left, right_type, length), right, right_type, right_type, length)
    if right_type is DYNAMIC and left_type is not DYNAMIC:
        return _comparison(op, left, convert_dynamic(right, left_type, length), left_type, left_type, length)

    left_items = dynamic_objects(left, length)
    right_items = dynamic_objects(right, length)
    left_nulls = np.array([item is None for item in left_items], dtype=bool)
    right_nulls = np.array([item is None for item in right_items], dtype=bool)
    values = np.array([_dynamic_order(op, a, b) for a, b in zip(left_items, right_items, strict=True)], dtype=bool)
    result = from_numpy(*_apply_null_rule(op, values, left_nulls, right_nulls), BOOL)
    return result if isinstance(left, pd.Series) or isinstance(right, pd.Series) else _first(result)


def _dynamic_order(op: str, left: object, right: object) -> bool:
    if left is None or right is None:
        return False
    try:
        return bool(_compare_arrays(op, left, right))  # type: ignore[arg-type]
    except TypeError:
        return op == "!="


def _first(result: Value) -> Value:
    return python_value(result.iloc[0]) if isinstance(result, pd.Series) and len(result) else result


# ---------------------------------------------------------------------------------------
# in, !in, in~, !in~, has_any, has_all
# ---------------------------------------------------------------------------------------

IN_OPERATORS = ("in", "!in", "in~", "!in~", "has_any", "has_all")


def in_result_type(op: str, operand: KqlType, items: Sequence[KqlType]) -> KqlType | None:
    """Return the result type of ``x op (items)``, or None if KQL rejects the types."""
    if op not in IN_OPERATORS:
        return None
    if op in ("in~", "!in~", "has_any", "has_all"):
        # The listed values may be of any type: they are compared as strings.
        return BOOL if operand in (STRING, DYNAMIC) else None
    return BOOL


def evaluate_in(op: str, operand: Value, items: Sequence[Value] | pd.Series, operand_type: KqlType, length: int) -> Value:
    """Evaluate ``operand op (items)``; `items` contains constants (arrays are flattened) or one column."""
    values = _flatten_items(items)
    negated = op.startswith("!")

    if op in ("has_any", "has_all"):
        terms = [str(value) for value in values if value is not None]
        return has_terms(_as_text(operand, operand_type, length), terms, require_all=op == "has_all")

    if op in ("in~", "!in~"):
        listed = {str(value).lower() for value in values if value is not None}
        found = map_text(_lower(_as_text(operand, operand_type, length)), lambda text: text.isin(listed).to_numpy())
        return _negate(found) if negated else found

    found = _membership(operand, values, operand_type, length)
    return _negate(found) if negated else found


def _flatten_items(items: Sequence[Value] | pd.Series) -> list[object]:
    if isinstance(items, pd.Series):
        return list(pd.unique(items.to_numpy(dtype=object)))
    flat: list[object] = []
    for item in items:
        if isinstance(item, pd.Series):
            flat.extend(pd.unique(item.to_numpy(dtype=object)))
        elif isinstance(item, (list, np.ndarray)):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _time_ns(value: object, operand_type: KqlType) -> int | None:
    # A listed value that is not a datetime (or timespan) text or value equals no row.
    if value is None:
        return None
    try:
        converted = pd.Timestamp(value) if operand_type is DATETIME else pd.Timedelta(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(converted) else int(converted.value)


def _membership(operand: Value, values: list[object], operand_type: KqlType, length: int) -> Value:
    # `in` is an OR of `==`: a null operand is in no list, so the result is false.
    if operand_type is STRING:
        listed = {value for value in values if isinstance(value, str)}
        return map_text(operand, lambda text: text.isin(listed).to_numpy())
    if operand_type in (DATETIME, TIMESPAN):
        listed_ns = [ns for ns in (_time_ns(value, operand_type) for value in values) if ns is not None]
        operand_values, nulls = to_numpy(operand, operand_type)
        return from_numpy(np.isin(operand_values, listed_ns) & ~nulls, np.zeros_like(nulls), BOOL)
    if operand_type.is_numeric or operand_type is BOOL:
        if operand_type is BOOL:
            numbers = [float(v) for v in values if isinstance(v, bool)]
        else:
            numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        operand_values, nulls = to_numpy(operand, operand_type)
        return from_numpy(np.isin(np.asarray(operand_values, dtype=np.float64), numbers) & ~nulls, np.zeros_like(nulls), BOOL)
    objects = dynamic_objects(operand, length)
    found = np.array([item is not None and any(item == value for value in values) for item in objects], dtype=bool)
    result = from_numpy(found, np.zeros(len(found), dtype=bool), BOOL)
    return result if isinstance(operand, pd.Series) else _first(result)


# ---------------------------------------------------------------------------------------
# Operands as text
# ---------------------------------------------------------------------------------------


def _as_text(value: Value, kql_type: KqlType, length: int) -> Value:
    """Return a string operand as is; convert a dynamic one with tostring()."""
    if kql_type is STRING:
        return value
    from kqlite.functions.conversion import to_string

    return to_string(value, kql_type)


def _lower(value: Value) -> Value:
    return map_text(value, lambda text: text.str.lower())


def _negate(value: Value) -> Value:
    if isinstance(value, pd.Series):
        return ~value
    return None if value is None else not value
