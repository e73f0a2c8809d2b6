"""KQL's scalar operators: one type rule and one evaluator per family.

The binder calls the ``*_result_type`` functions. They return None when KQL rejects the
operand types, and the binder reports it. The executor calls the ``evaluate_*``
functions. Operands are columns (pandas Series) or constants, as in
`kqlite.functions.registry`. A result is a Series of ``length`` rows with a fresh
RangeIndex, or a constant when every operand is constant. This module is the entry point
for the binder and the executor. Arithmetic on typed operands is in
`kqlite.functions.arithmetic`, and comparisons and the ``in`` family are in
`kqlite.functions.comparison`.

Null rules (Kusto): arithmetic and ordering comparisons propagate null; ``==`` gives
null for null == null and false for null == value (``!=`` null and true); ``and`` is
false when either side is false and ``or`` true when either side is true, otherwise a
null side makes the result null.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.arithmetic import _TIME_ARITHMETIC, _arithmetic, _kind
from kqlite.functions.comparison import (
    IN_OPERATORS,  # re-exported with in_result_type and evaluate_in: the binder and executor import them from here
    _as_text,
    _comparison,
    _lower,
    _negate,
    _string_comparison,
    evaluate_in,
    in_result_type,
)
from kqlite.functions.values import (
    Value,
    dynamic_objects,
    evaluate_string_operator,
    from_numpy,
    is_string_operator,
    object_series,
    python_value,
    to_numpy,
)
from kqlite.types import BOOL, DATETIME, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN, KqlType, widest_numeric

ARITHMETIC = ("+", "-", "*", "/", "%")
COMPARISON = ("==", "!=", "<", "<=", ">", ">=")
LOGIC = ("and", "or")
CASE_INSENSITIVE_EQUALITY = ("=~", "!~")


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


def _as_bool(value: Value, kql_type: KqlType, length: int) -> Value:
    if kql_type is BOOL:
        return value
    from kqlite.functions.conversion import convert_dynamic

    return convert_dynamic(value, BOOL, length)


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
