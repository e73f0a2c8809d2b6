"""Binary functions: bitwise and, or, xor, not, shifts and bitset_count_ones over 64-bit longs.

Every argument is read as a 64-bit signed integer (an int widens, a real is truncated
toward zero), and a null argument gives a null result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, from_numpy, to_numpy
from kqlite.types import DECIMAL, INT, LONG, REAL, KqlType

NUMBERS = (INT, LONG, REAL, DECIMAL)

# A shift count is taken modulo 64, as .NET does for a 64-bit shift.
SHIFT_MODULUS = 64


def long_values(value: Value, kql_type: KqlType) -> tuple[Any, Any]:
    """Return (int64 values, nulls) of a numeric argument; a real is truncated toward zero."""
    values, nulls = to_numpy(value, kql_type)
    if kql_type in (REAL, DECIMAL):
        finite = np.isfinite(values)
        with np.errstate(invalid="ignore"):
            values = np.where(finite, np.trunc(np.where(finite, values, 0)), 0).astype(np.int64)
        nulls = nulls | ~finite
    return values, nulls


def _bitwise(name: str, operation: Callable[[Any, Any], Any], example: str) -> None:
    def implementation(ctx: CallContext, value1: Value, value2: Value) -> Value:
        first, first_nulls = long_values(value1, ctx.arg_types[0])
        second, second_nulls = long_values(value2, ctx.arg_types[1])
        return from_numpy(operation(first, second), first_nulls | second_nulls, LONG)

    implementation.__doc__ = f"Return the bitwise {name.removeprefix('binary_')} of two numbers. Example: {example}"
    implementation.__name__ = name
    scalar(name, [P("value1", *NUMBERS), P("value2", *NUMBERS)], LONG)(implementation)


_bitwise("binary_and", np.bitwise_and, "print binary_and(6, 3) → 2")
_bitwise("binary_or", np.bitwise_or, "print binary_or(6, 3) → 7")
_bitwise("binary_xor", np.bitwise_xor, "print binary_xor(6, 3) → 5")


@scalar("binary_not", [P("value", *NUMBERS)], LONG)
def binary_not(ctx: CallContext, value: Value) -> Value:
    """Return the bitwise negation of a number. Example: print binary_not(100) → -101"""
    values, nulls = long_values(value, ctx.arg_types[0])
    return from_numpy(np.invert(values), nulls, LONG)


def _shift(name: str, operation: Callable[[Any, Any], Any], example: str) -> None:
    def implementation(ctx: CallContext, value: Value, shift: Value) -> Value:
        values, value_nulls = long_values(value, ctx.arg_types[0])
        counts, count_nulls = long_values(shift, ctx.arg_types[1])

        # KQL: the result is value shifted by (shift % 64) bits, and null for a negative shift.
        negative = counts < 0
        bits = np.where(negative, 0, counts) % SHIFT_MODULUS
        return from_numpy(operation(values, bits), value_nulls | count_nulls | negative, LONG)

    direction = name.removeprefix("binary_shift_")
    implementation.__doc__ = f"Shift a number's bits to the {direction} by shift % 64 places. Example: {example}"
    implementation.__name__ = name
    scalar(name, [P("value", *NUMBERS), P("shift", *NUMBERS)], LONG)(implementation)


# numpy's shifts on int64 wrap around on overflow (as .NET's do), and the right shift keeps the sign.
_shift("binary_shift_left", np.left_shift, "print binary_shift_left(1, 2) → 4")
_shift("binary_shift_right", np.right_shift, "print binary_shift_right(8, 2) → 2")


@scalar("bitset_count_ones", [P("value", *NUMBERS)], LONG)
def bitset_count_ones(ctx: CallContext, value: Value) -> Value:
    """Count the set bits of a number's 64-bit two's-complement form. Example: print bitset_count_ones(42) → 3"""
    values, nulls = long_values(value, ctx.arg_types[0])
    counts = np.bitwise_count(np.asarray(values, dtype=np.int64).view(np.uint64)).astype(np.int64)
    return from_numpy(counts if np.ndim(values) else counts[()], nulls, LONG)
