"""KQL's scalar operators: one type rule and one evaluator per family.

The binder calls the ``*_result_type`` functions. They return None when KQL rejects the
operand types, and the binder reports it. The executor calls the ``evaluate_*``
functions. Operands are columns (pandas Series) or constants, as in
`kqlite.functions.registry`. A result is a Series of ``length`` rows with a fresh
RangeIndex, or a constant when every operand is constant.

Null rules (Kusto): arithmetic and ordering comparisons propagate null; ``==`` gives
null for null == null and false for null == value (``!=`` null and true); ``and`` is
false when either side is false and ``or`` true when either side is true, otherwise a
null side makes the result null.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kqlite.errors import KqlRuntimeError
from kqlite.functions.values import (
    Value,
    arrow_strings,
    dynamic_objects,
    evaluate_string_operator,
    from_numpy,
    has_terms,
    is_string_operator,
    map_text,
    object_series,
    python_value,
    text_objects,
    to_numpy,
)
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType, widest_numeric

ARITHMETIC = ("+", "-", "*", "/", "%")
COMPARISON = ("==", "!=", "<", "<=", ">", ">=")
LOGIC = ("and", "or")
CASE_INSENSITIVE_EQUALITY = ("=~", "!~")

# datetime/timespan arithmetic, as the KQL reference tabulates it; "number" stands for
# any numeric type. datetime + datetime is missing on purpose: it is an error.
_TIME_ARITHMETIC: dict[tuple[str, str, str], KqlType] = {
    ("-", "datetime", "datetime"): TIMESPAN,
    ("+", "datetime", "timespan"): DATETIME,
    ("-", "datetime", "timespan"): DATETIME,
    ("+", "timespan", "datetime"): DATETIME,
    ("+", "timespan", "timespan"): TIMESPAN,
    ("-", "timespan", "timespan"): TIMESPAN,
    ("*", "timespan", "number"): TIMESPAN,
    ("*", "number", "timespan"): TIMESPAN,
    ("/", "timespan", "number"): TIMESPAN,
    ("/", "timespan", "timespan"): REAL,
    ("%", "timespan", "timespan"): TIMESPAN,
}


def _kind(kql_type: KqlType) -> str:
    return "number" if kql_type.is_numeric else kql_type.value


# ---------------------------------------------------------------------------------------
# Binary operators
# ---------------------------------------------------------------------------------------


def binary_result_type(op: str, left: KqlType, right: KqlType) -> KqlType | None:
    """Return the result type of ``left op right``, or None if KQL rejects the operand types."""
    if op in ARITHMETIC:
        if left.is_numeric and right.is_numeric:
            # Kusto.Language types int op int as long, for constants too.
            return widest_numeric(left, right, LONG)
        if DYNAMIC in (left, right):
            return _dynamic_arithmetic_type(op, left, right)
        return _TIME_ARITHMETIC.get((op, _kind(left), _kind(right)))
    if op in ("==", "!="):
        # Kusto's binder lets any two scalars be compared for equality.
        return BOOL
    if op in COMPARISON:
        return BOOL if _ordered(left, right) else None
    if op in LOGIC:
        return BOOL if left in (BOOL, DYNAMIC) and right in (BOOL, DYNAMIC) else None
    if op in CASE_INSENSITIVE_EQUALITY or is_string_operator(op):
        return BOOL if left in (STRING, DYNAMIC) and right in (STRING, DYNAMIC) else None
    return None


def _dynamic_arithmetic_type(op: str, left: KqlType, right: KqlType) -> KqlType | None:
    # Kusto.Language's signatures: dynamic with dynamic gives dynamic, dynamic with int
    # gives long, and dynamic with another number (or, for + and -, a datetime or
    # timespan) gives that operand's type.
    other = right if left is DYNAMIC else left
    if other is DYNAMIC:
        return DYNAMIC
    if other is INT:
        return LONG
    if op == "-" and other is DATETIME:
        # The dynamic side is read as a datetime: datetime - datetime.
        return TIMESPAN
    if other.is_numeric or (op in ("+", "-") and other in (DATETIME, TIMESPAN)):
        return other
    return None


def _ordered(left: KqlType, right: KqlType) -> bool:
    """Tell whether ``<``, ``<=``, ``>``, ``>=`` accept the types (strings do not)."""
    if (left.is_numeric or left is BOOL) and (right.is_numeric or right is BOOL):
        return True
    if left is right:
        return left in (DATETIME, TIMESPAN, DYNAMIC)
    return DYNAMIC in (left, right) and (left.is_numeric or right.is_numeric)


def evaluate_binary(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, length: int) -> Value:
    """Evaluate ``left op right`` for every row."""
    result_type = binary_result_type(op, left_type, right_type)
    if result_type is None:
        raise KqlRuntimeError("KL100", f"operator '{op}' cannot be applied to {left_type} and {right_type}")

    with np.errstate(all="ignore"):
        if op in ARITHMETIC and DYNAMIC in (left_type, right_type):
            return _dynamic_arithmetic(op, left, right, left_type, right_type, result_type, length)
        if op in ARITHMETIC:
            return _arithmetic(op, left, right, left_type, right_type, result_type)
        if op in LOGIC:
            return _logic(op, left, right, left_type, right_type, length)
        if op in COMPARISON:
            return _comparison(op, left, right, left_type, right_type, length)
        if op in CASE_INSENSITIVE_EQUALITY:
            equal = _string_comparison("==", _lower(_as_text(left, left_type, length)), _lower(_as_text(right, right_type, length)))
            return equal if op == "=~" else _negate(equal)
        return evaluate_string_operator(op, _as_text(left, left_type, length), _as_text(right, right_type, length), length)


def _arithmetic(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, result_type: KqlType) -> Value:
    left_values, left_nulls = to_numpy(left, left_type)
    right_values, right_nulls = to_numpy(right, right_type)
    nulls = left_nulls | right_nulls

    if left_type.is_numeric and right_type.is_numeric:
        if result_type in (INT, LONG):
            values, extra_nulls = _integer_arithmetic(op, left_values, right_values)
            return from_numpy(values, nulls | extra_nulls, result_type)
        # NOTE: decimal arithmetic runs on float64 here, so decimals keep about 15
        # significant digits instead of Kusto's 34.
        values = _real_arithmetic(op, left_values.astype(np.float64), right_values.astype(np.float64))
        return from_numpy(values, nulls | np.isnan(values), result_type)

    # Time arithmetic on int64 nanoseconds.
    # NOTE: a result outside what int64 nanoseconds can hold (beyond about 292 years
    # from 1970 for a datetime, 292 years for a timespan) is null here; Kusto's range
    # is wider (years 1 to 9999), so it returns a value where kqlite returns null.
    if op == "*":
        span, factor, factor_type = (left_values, right_values, right_type) if left_type is TIMESPAN else (right_values, left_values, left_type)
        scaled, overflow = _scale(span, factor, factor_type, multiply=True)
        return from_numpy(scaled, nulls | overflow, TIMESPAN)
    if op == "/" and right_type.is_numeric:
        zero = right_values == 0
        scaled, overflow = _scale(left_values, np.where(zero, 1, right_values), right_type, multiply=False)
        return from_numpy(scaled, nulls | zero | overflow, TIMESPAN)
    if op == "/":
        values = left_values.astype(np.float64) / right_values.astype(np.float64)
        return from_numpy(values, nulls | np.isnan(values), REAL)
    if op == "%":
        values, extra_nulls = _integer_arithmetic("%", left_values, right_values)
        return from_numpy(values, nulls | extra_nulls, TIMESPAN)
    with np.errstate(over="ignore"):
        values = left_values + right_values if op == "+" else left_values - right_values
    # int64 addition wraps silently; a wrapped sum has the sign of neither operand
    # (subtraction: the sign of the subtrahend's opposite). The null sentinel is out of range too.
    if op == "+":
        overflow = ((left_values ^ values) & (right_values ^ values)) < 0
    else:
        overflow = ((left_values ^ right_values) & (left_values ^ values)) < 0
    overflow |= values == np.iinfo(np.int64).min
    return from_numpy(values, nulls | overflow, result_type)


def _dynamic_arithmetic(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, result_type: KqlType, length: int) -> Value:
    from kqlite.functions.conversion import convert_dynamic

    if result_type is DYNAMIC:
        return _object_arithmetic(op, left, right, length)

    # Convert the dynamic operand, then apply the typed rule: a timespan next to a
    # datetime or timespan, the result type next to a number.
    other = right_type if left_type is DYNAMIC else left_type
    if other is DATETIME and op == "-":
        target = DATETIME
    elif other in (DATETIME, TIMESPAN):
        target = TIMESPAN
    else:
        target = result_type
    if left_type is DYNAMIC:
        left, left_type = convert_dynamic(left, target, length), target
    if right_type is DYNAMIC:
        right, right_type = convert_dynamic(right, target, length), target
    if left_type is INT:
        left_type = LONG
    if right_type is INT:
        right_type = LONG
    return evaluate_binary(op, left, right, left_type, right_type, length)


def _object_arithmetic(op: str, left: Value, right: Value, length: int) -> Value:
    # Both operands dynamic: numbers combine with the typed rules; anything else is null.
    def combine(a: object, b: object) -> object:
        if not _is_number(a) or not _is_number(b):
            return None
        a_type = LONG if isinstance(a, int) else REAL
        b_type = LONG if isinstance(b, int) else REAL
        return evaluate_binary(op, a, b, a_type, b_type, 1)

    results = [combine(python_value(a), python_value(b)) for a, b in zip(dynamic_objects(left, length), dynamic_objects(right, length), strict=True)]
    if not isinstance(left, pd.Series) and not isinstance(right, pd.Series):
        return results[0] if results else None
    return object_series(results)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer_arithmetic(op: str, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply an operator to int64 values; returns (values, nulls added by a zero divisor)."""
    if op == "+":
        return left + right, np.bool_(False)
    if op == "-":
        return left - right, np.bool_(False)
    if op == "*":
        return left * right, np.bool_(False)

    # KQL: an integer division or modulo by zero yields null (kqlite's choice: the
    # reference leaves it open).
    zero = right == 0
    divisor = np.where(zero, 1, right)
    if op == "/":
        # Division truncates toward zero; numpy's // rounds toward minus infinity.
        quotient = left // divisor
        inexact = (quotient * divisor != left) & ((left < 0) != (divisor < 0))
        return quotient + inexact, zero
    # KQL: the modulo is always in [0, |divisor|): -14 % 12 = 10, 14 % -12 = 2.
    return np.mod(left, np.abs(divisor)), zero


def _real_arithmetic(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    return np.mod(left, np.abs(right))


def _scale(span: np.ndarray, factor: np.ndarray, factor_type: KqlType, *, multiply: bool) -> tuple[np.ndarray, np.ndarray]:
    """Multiply or divide nanosecond timespans by numbers, rounding to whole nanoseconds.

    Returns the values and the mask of results int64 nanoseconds cannot hold.
    """
    exact = span.astype(np.float64) * factor if multiply else span.astype(np.float64) / factor
    with np.errstate(invalid="ignore"):
        overflow = ~(np.abs(exact) < _LARGEST_NANOSECONDS)
    if factor_type in (INT, LONG):
        if multiply:
            with np.errstate(over="ignore"):
                return span * factor, overflow
        quotient, _ = _integer_arithmetic("/", np.asarray(span), np.asarray(factor))
        return quotient, overflow
    return np.round(np.where(overflow, 0.0, exact)).astype(np.int64), overflow


# The largest magnitude a timespan product may have: int64's range less a margin, since
# float64 cannot tell the last few nanoseconds apart at this size.
_LARGEST_NANOSECONDS = float(np.iinfo(np.int64).max) * (1 - 1e-12)


def _logic(op: str, left: Value, right: Value, left_type: KqlType, right_type: KqlType, length: int) -> Value:
    left_values, left_nulls = to_numpy(_as_bool(left, left_type, length), BOOL)
    right_values, right_nulls = to_numpy(_as_bool(right, right_type, length), BOOL)
    left_known = left_values & ~left_nulls
    right_known = right_values & ~right_nulls

    if op == "and":
        # false wins: false and null = false.
        known_false = (~left_values & ~left_nulls) | (~right_values & ~right_nulls)
        return from_numpy(left_known & right_known, ~known_false & (left_nulls | right_nulls), BOOL)
    # true wins: true or null = true.
    known_true = left_known | right_known
    return from_numpy(known_true, ~known_true & (left_nulls | right_nulls), BOOL)


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
# Unary operators
# ---------------------------------------------------------------------------------------


def unary_result_type(op: str, operand: KqlType) -> KqlType | None:
    """Return the result type of ``-x`` or ``+x``, or None if KQL rejects the operand type."""
    if op in ("-", "+") and (operand.is_numeric or operand in (TIMESPAN, DYNAMIC)):
        # Kusto.Language widens an int operand to long, as it does for binary arithmetic.
        return LONG if operand is INT else operand
    return None


def evaluate_unary(op: str, operand: Value, operand_type: KqlType, length: int) -> Value:
    """Evaluate ``-x`` or ``+x`` for every row."""
    if unary_result_type(op, operand_type) is None:
        raise KqlRuntimeError("KL100", f"operator '{op}' cannot be applied to {operand_type}")
    if op == "+":
        return operand
    if operand_type is DYNAMIC:
        return _negate_dynamic(operand, length)
    values, nulls = to_numpy(operand, operand_type)
    if operand_type in (INT, LONG):
        # Integer negation wraps around, as long addition does: -int(-2147483648) is itself.
        integers = np.asarray(values).astype(np.int32 if operand_type is INT else np.int64)
        with np.errstate(over="ignore"):
            negated = np.negative(integers)
        return from_numpy(negated.item() if negated.ndim == 0 else negated, nulls, operand_type)
    return from_numpy(-values, nulls, operand_type)


def _negate_dynamic(operand: Value, length: int) -> Value:
    # A dynamic number negates to a dynamic number; anything else becomes null.
    negated = [-item if isinstance(item, (int, float, pd.Timedelta)) and not isinstance(item, bool) else None for item in dynamic_objects(operand, length)]
    if not isinstance(operand, pd.Series):
        return negated[0] if negated else None
    return object_series(negated)


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
# between
# ---------------------------------------------------------------------------------------


def between_result_type(operand: KqlType, low: KqlType, high: KqlType) -> KqlType | None:
    """Return the result type of ``x between (low .. high)``, or None if KQL rejects the types."""
    # The signatures of Kusto.Language's between operator.
    if operand.is_numeric:
        return BOOL if (low.is_numeric and high.is_numeric) or (low is DYNAMIC and high is DYNAMIC) else None
    if operand is DATETIME:
        return BOOL if low is DATETIME and high in (DATETIME, TIMESPAN) else None
    if operand is TIMESPAN:
        return BOOL if low is TIMESPAN and high is TIMESPAN else None
    if operand is DYNAMIC:
        return BOOL if low.is_numeric and high is low else None
    return None


def evaluate_between(
    operand: Value,
    low: Value,
    high: Value,
    operand_type: KqlType,
    low_type: KqlType,
    high_type: KqlType,
    negated: bool,
    length: int,
) -> Value:
    """Evaluate ``operand between (low .. high)`` (inclusive) or ``!between``.

    For a datetime operand a timespan `high` is a length: the range is low .. low + high.
    """
    if operand_type is DATETIME and high_type is TIMESPAN:
        high = evaluate_binary("+", low, high, DATETIME, TIMESPAN, length)
        high_type = DATETIME
    if negated:
        below = evaluate_binary("<", operand, low, operand_type, low_type, length)
        above = evaluate_binary(">", operand, high, operand_type, high_type, length)
        return evaluate_binary("or", below, above, BOOL, BOOL, length)
    from_low = evaluate_binary(">=", operand, low, operand_type, low_type, length)
    to_high = evaluate_binary("<=", operand, high, operand_type, high_type, length)
    return evaluate_binary("and", from_low, to_high, BOOL, BOOL, length)


# ---------------------------------------------------------------------------------------
# Shared conversions
# ---------------------------------------------------------------------------------------


def _as_text(value: Value, kql_type: KqlType, length: int) -> Value:
    """Return a string operand as is; convert a dynamic one with tostring()."""
    if kql_type is STRING:
        return value
    from kqlite.functions.conversion import to_string

    return to_string(value, kql_type)


def _as_bool(value: Value, kql_type: KqlType, length: int) -> Value:
    if kql_type is BOOL:
        return value
    from kqlite.functions.conversion import convert_dynamic

    return convert_dynamic(value, BOOL, length)


def _lower(value: Value) -> Value:
    return map_text(value, lambda text: text.str.lower())


def _negate(value: Value) -> Value:
    if isinstance(value, pd.Series):
        return ~value
    return None if value is None else not value
