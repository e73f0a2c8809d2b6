"""Binary functions: bitwise and, or, xor, not, shifts and bitset_count_ones over 64-bit longs.

Every argument must be an int or a long, because Kusto rejects a real or a dynamic
value with "The expression value must be an integer". Arguments are read as 64-bit
signed integers, and a null argument gives a null result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, from_numpy, to_numpy
from kqlite.types import INT, LONG, KqlType

INTEGERS = (INT, LONG)

# A shift count is taken modulo 64, as .NET does for a 64-bit shift.
SHIFT_MODULUS = 64


def long_of_integers(arg_types: Sequence[KqlType]) -> KqlType:
    """Type a binary function's result as long, rejecting any argument that is not an int or a long."""
    # The binder widens numeric parameters and accepts dynamic for any of them, so the
    # integer-only rule is checked here. The binder reports the ValueError as KS141.
    for kql_type in arg_types:
        if kql_type not in INTEGERS:
            raise ValueError(f"the expression value must be an integer, not {kql_type}")
    return LONG


def _bitwise(name: str, operation: Callable[[Any, Any], Any], example: str) -> None:
    def implementation(ctx: CallContext, value1: Value, value2: Value) -> Value:
        first, first_nulls = to_numpy(value1, ctx.arg_types[0])
        second, second_nulls = to_numpy(value2, ctx.arg_types[1])
        return from_numpy(operation(first, second), first_nulls | second_nulls, LONG)

    implementation.__doc__ = f"Return the bitwise {name.removeprefix('binary_')} of two numbers. Example: {example}"
    implementation.__name__ = name
    scalar(name, [P("value1", *INTEGERS), P("value2", *INTEGERS)], long_of_integers)(implementation)


_bitwise("binary_and", np.bitwise_and, "print binary_and(6, 3) → 2")
_bitwise("binary_or", np.bitwise_or, "print binary_or(6, 3) → 7")
_bitwise("binary_xor", np.bitwise_xor, "print binary_xor(6, 3) → 5")


@scalar("binary_not", [P("value", *INTEGERS)], long_of_integers)
def binary_not(ctx: CallContext, value: Value) -> Value:
    """Return the bitwise negation of a number. Example: print binary_not(100) → -101"""
    values, nulls = to_numpy(value, ctx.arg_types[0])
    return from_numpy(np.invert(values), nulls, LONG)


def _shift(name: str, operation: Callable[[Any, Any], Any], example: str) -> None:
    def implementation(ctx: CallContext, value: Value, shift: Value) -> Value:
        values, value_nulls = to_numpy(value, ctx.arg_types[0])
        counts, count_nulls = to_numpy(shift, ctx.arg_types[1])

        # KQL: the result is value shifted by (shift % 64) bits, and null for a negative shift.
        negative = counts < 0
        bits = np.where(negative, 0, counts) % SHIFT_MODULUS
        return from_numpy(operation(values, bits), value_nulls | count_nulls | negative, LONG)

    direction = name.removeprefix("binary_shift_")
    implementation.__doc__ = f"Shift a number's bits to the {direction} by shift % 64 places. Example: {example}"
    implementation.__name__ = name
    scalar(name, [P("value", *INTEGERS), P("shift", *INTEGERS)], long_of_integers)(implementation)


# numpy's shifts on int64 wrap around on overflow (as .NET's do), and the right shift keeps the sign.
_shift("binary_shift_left", np.left_shift, "print binary_shift_left(1, 2) → 4")
_shift("binary_shift_right", np.right_shift, "print binary_shift_right(8, 2) → 2")


@scalar("bitset_count_ones", [P("value", *INTEGERS)], long_of_integers)
def bitset_count_ones(ctx: CallContext, value: Value) -> Value:
    """Count the set bits of a number's 64-bit two's-complement form. Example: print bitset_count_ones(42) → 3"""
    values, nulls = to_numpy(value, ctx.arg_types[0])
    counts = np.bitwise_count(np.asarray(values, dtype=np.int64).view(np.uint64)).astype(np.int64)
    return from_numpy(counts if np.ndim(values) else counts[()], nulls, LONG)
