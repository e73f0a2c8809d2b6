"""Math functions (abs, round, log, pow, rand, ...) and hashes (hash, hash_sha256, hash_sha1, hash_md5, new_guid).

`floor` is an alias of `bin` (see `datetime_functions`), as in KQL.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P, same_as_first
from kqlite.functions.values import NS_PER_TICK, TICK_ORIGIN_NS, Value, dynamic_result, float_values, from_numpy, map_text, to_numpy
from kqlite.types import BOOL, DATETIME, DECIMAL, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType

NUMBERS = (INT, LONG, REAL, DECIMAL)


def _real_function(name: str, operation: Callable[[Any], Any], doc: str, aliases: tuple[str, ...] = ()) -> None:
    def implementation(ctx: CallContext, value: Value) -> Value:
        numbers, nulls = float_values(value, ctx.arg_types[0])
        with np.errstate(all="ignore"):
            result = operation(numbers)
        # An undefined result (log of a negative number) is null.
        return from_numpy(result, nulls | np.isnan(result), REAL)

    implementation.__doc__ = doc
    implementation.__name__ = name
    scalar(name, [P("number", *NUMBERS)], REAL, aliases=aliases)(implementation)


_real_function("log", np.log, "Return the natural logarithm; null for a negative number. Example: print log(exp(1)) → 1")
_real_function("log2", np.log2, "Return the base-2 logarithm. Example: print log2(8) → 3")
_real_function("log10", np.log10, "Return the base-10 logarithm. Example: print log10(1000) → 3")
_real_function("exp", np.exp, "Return e raised to a power. Example: print exp(0) → 1")
_real_function("exp2", np.exp2, "Return 2 raised to a power. Example: print exp2(3) → 8")
_real_function("exp10", lambda numbers: np.power(10.0, numbers), "Return 10 raised to a power. Example: print exp10(2) → 100")
_real_function("sqrt", np.sqrt, "Return the square root; null for a negative number. Example: print sqrt(16) → 4")


def _int_widens_to_long(arg_types: Sequence[KqlType]) -> KqlType:
    # Kusto.Language types abs(int) as long.
    return LONG if arg_types[0] is INT else arg_types[0]


@scalar("abs", [P("number", *NUMBERS, TIMESPAN)], _int_widens_to_long)
def abs_(ctx: CallContext, value: Value) -> Value:
    """Return the absolute value. Example: print abs(-5) → 5"""
    numbers, nulls = to_numpy(value, ctx.arg_types[0])
    return from_numpy(np.abs(numbers), nulls, ctx.arg_types[0])


@scalar("sign", [P("number", *NUMBERS)], REAL)
def sign(ctx: CallContext, value: Value) -> Value:
    """Return -1, 0 or 1 (as a real) by the sign of a number. Example: print sign(-42) → -1"""
    numbers, nulls = float_values(value, ctx.arg_types[0])
    return from_numpy(np.sign(numbers), nulls, REAL)


@scalar("ceiling", [P("number", *NUMBERS)], same_as_first)
def ceiling(ctx: CallContext, value: Value) -> Value:
    """Return the smallest integer not below a number. Example: print ceiling(-1.1) → -1"""
    numbers, nulls = to_numpy(value, ctx.arg_types[0])
    return from_numpy(np.ceil(numbers) if ctx.arg_types[0] in (REAL, DECIMAL) else numbers, nulls, ctx.arg_types[0])


@scalar("round", [P("number", *NUMBERS), P("precision", INT, LONG, optional=True, constant=True)], same_as_first)
def round_(ctx: CallContext, value: Value, precision: Value = 0) -> Value:
    """Round to a number of decimal digits (halves away from zero). Example: print round(2.15, 1) → 2.2"""
    numbers, nulls = float_values(value, ctx.arg_types[0])
    # A precision skipped through a named argument arrives as a null literal.
    precision = 0 if precision is None else precision
    digits, digit_nulls = to_numpy(precision, ctx.arg_types[1] if len(ctx.arg_types) > 1 else LONG)
    scale = np.power(10.0, np.asarray(digits, dtype=np.float64))
    with np.errstate(all="ignore"):
        # Round the scaled value's decimal text form to avoid 2.15 * 10 = 21.499999...
        scaled = np.round(numbers * scale, 9)
        rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) / scale
    return from_numpy(rounded, nulls | digit_nulls, ctx.arg_types[0])


@scalar("pow", [P("base", *NUMBERS), P("exponent", *NUMBERS)], REAL)
def pow_(ctx: CallContext, base: Value, exponent: Value) -> Value:
    """Raise a number to a power. Example: print pow(2, 3) → 8"""
    bases, base_nulls = float_values(base, ctx.arg_types[0])
    exponents, exponent_nulls = float_values(exponent, ctx.arg_types[1])
    with np.errstate(all="ignore"):
        result = np.power(bases, exponents)
    return from_numpy(result, base_nulls | exponent_nulls | np.isnan(result), REAL)


def _real_test(name: str, test: Callable[[Any], Any], doc: str) -> None:
    def implementation(ctx: CallContext, value: Value) -> Value:
        numbers, nulls = float_values(value, ctx.arg_types[0])
        # NOTE: real null and NaN are both NaN in kqlite, so isnan(real(null)) is true
        # here where Kusto gives null.
        defined = nulls & (ctx.arg_types[0] is not REAL)
        return from_numpy(test(numbers), defined, BOOL)

    implementation.__doc__ = doc
    implementation.__name__ = name
    scalar(name, [P("number", *NUMBERS)], BOOL)(implementation)


_real_test("isnan", np.isnan, "Tell whether a real is NaN. Example: print isnan(sqrt(-1)) → true")
_real_test("isinf", np.isinf, "Tell whether a real is infinite. Example: print isinf(1.0/0.0) → true")
_real_test("isfinite", np.isfinite, "Tell whether a real is neither infinite nor NaN. Example: print isfinite(1.0/0.0) → false")


@scalar("rand", [P("range", INT, LONG, optional=True)], REAL)
def rand(ctx: CallContext, upper: Value = None) -> Value:
    """Return a random real in [0, 1), or a random whole number in [0, N) (typed real) with an argument. Example: print rand(10)"""
    generator = np.random.default_rng()
    if not ctx.arg_types:
        return pd.Series(generator.random(ctx.length))
    bounds, nulls = to_numpy(upper, ctx.arg_types[0])
    values = np.floor(generator.random(ctx.length) * np.maximum(bounds, 1))
    return from_numpy(values, np.broadcast_to(nulls, values.shape), REAL)


@scalar("pi", [], REAL)
def pi(ctx: CallContext) -> Value:
    """Return the constant pi. Example: print pi() → 3.14159265358979"""
    return float(np.pi)


# ---------------------------------------------------------------------------------------
# Hashes
# ---------------------------------------------------------------------------------------

_PRIME1 = np.uint64(11400714785074694791)
_PRIME2 = np.uint64(14029467366897019727)
_PRIME3 = np.uint64(1609587929392839161)
_PRIME4 = np.uint64(9650029242287828579)
_PRIME5 = np.uint64(2870177450012600261)


def _rotate_left(value: Any, bits: int) -> Any:
    return (value << np.uint64(bits)) | (value >> np.uint64(64 - bits))


def xxhash64_of_words(words: Any) -> Any:
    """Return xxHash64 (seed 0) of each 8-byte little-endian word of a uint64 array, vectorised."""
    with np.errstate(over="ignore"):
        lane = _rotate_left(words * _PRIME2, 31) * _PRIME1
        digest = (_PRIME5 + np.uint64(8)) ^ lane
        digest = _rotate_left(digest, 27) * _PRIME1 + _PRIME4
        return _avalanche(digest)


def _avalanche(digest: Any) -> Any:
    with np.errstate(over="ignore"):
        digest = digest ^ (digest >> np.uint64(33))
        digest = digest * _PRIME2
        digest = digest ^ (digest >> np.uint64(29))
        digest = digest * _PRIME3
        return digest ^ (digest >> np.uint64(32))


def xxhash64_of_bytes(data: bytes) -> int:
    """Return xxHash64 (seed 0) of a byte string, as an unsigned int."""
    mask = 2**64 - 1
    prime1, prime2, prime3, prime4, prime5 = (int(p) for p in (_PRIME1, _PRIME2, _PRIME3, _PRIME4, _PRIME5))

    def rotate(value: int, bits: int) -> int:
        return ((value << bits) | (value >> (64 - bits))) & mask

    def round_lane(accumulator: int, lane: int) -> int:
        return (rotate((accumulator + lane * prime2) & mask, 31) * prime1) & mask

    size, position = len(data), 0
    if size >= 32:
        lanes = [(prime1 + prime2) & mask, prime2, 0, (-prime1) & mask]
        while position + 32 <= size:
            for index in range(4):
                word = int.from_bytes(data[position + 8 * index : position + 8 * index + 8], "little")
                lanes[index] = round_lane(lanes[index], word)
            position += 32
        digest = (rotate(lanes[0], 1) + rotate(lanes[1], 7) + rotate(lanes[2], 12) + rotate(lanes[3], 18)) & mask
        for lane in lanes:
            digest = ((digest ^ round_lane(0, lane)) * prime1 + prime4) & mask
    else:
        digest = prime5
    digest = (digest + size) & mask
    while position + 8 <= size:
        digest ^= round_lane(0, int.from_bytes(data[position : position + 8], "little"))
        digest = (rotate(digest, 27) * prime1 + prime4) & mask
        position += 8
    if position + 4 <= size:
        digest ^= (int.from_bytes(data[position : position + 4], "little") * prime1) & mask
        digest = (rotate(digest, 23) * prime2 + prime3) & mask
        position += 4
    while position < size:
        digest ^= (data[position] * prime5) & mask
        digest = (rotate(digest, 11) * prime1) & mask
        position += 1
    return int(_avalanche(np.uint64(digest)))


def _signed(digest: int) -> int:
    return digest - 2**64 if digest >= 2**63 else digest


@scalar("hash", [P("source"), P("mod", INT, LONG, optional=True)], LONG, aliases=("hash_xxhash64",))
def hash_(ctx: CallContext, source: Value, modulo: Value = None) -> Value:
    """Return the xxHash64 of a value (strings as UTF-8, numbers and datetimes as 8 bytes). Example: print hash("World") → 1846988464401551951"""
    values, nulls = _hash_words(source, ctx.arg_types[0])

    if modulo is not None:
        divisors, divisor_nulls = to_numpy(modulo, ctx.arg_types[1])
        # The documented range is [0, mod): take the unsigned digest modulo mod.
        unsigned = np.asarray(values).astype(np.uint64)
        safe = np.where(divisors > 0, divisors, 1).astype(np.uint64)
        values = (unsigned % safe).astype(np.int64)
        nulls = nulls | divisor_nulls | (divisors <= 0)
    return from_numpy(values, nulls, LONG)


def _hash_words(source: Value, kql_type: KqlType) -> tuple[Any, Any]:
    # NOTE: only the digests of strings (UTF-8) and datetimes (ticks as 8 little-endian
    # bytes) are checked against Kusto's documented values. Long, real, bool and
    # timespan are hashed as 8-byte words by analogy, and dynamic, guid and decimal
    # through their string form.
    if kql_type in (INT, LONG, BOOL, TIMESPAN, DATETIME, REAL):
        numbers, nulls = to_numpy(source, kql_type)
        if kql_type is DATETIME:
            numbers = numbers // NS_PER_TICK - TICK_ORIGIN_NS // NS_PER_TICK
        elif kql_type is TIMESPAN:
            numbers = numbers // NS_PER_TICK
        words = np.asarray(numbers, dtype=np.float64 if kql_type is REAL else np.int64)
        return xxhash64_of_words(words.view(np.uint64)).view(np.int64), nulls
    from kqlite.functions.conversion import to_string

    text = to_string(source, kql_type)
    digests = map_text(text, lambda values: pd.array([_signed(xxhash64_of_bytes(item.encode("utf-8"))) for item in values.to_numpy(dtype=object)], dtype="Int64"))
    return to_numpy(digests, LONG)


def _hex_digest(algorithm: str, source: Value, kql_type: KqlType) -> Value:
    from kqlite.functions.conversion import to_string

    def digest(values: pd.Series) -> pd.Series:
        return pd.Series([hashlib.new(algorithm, item.encode("utf-8")).hexdigest() for item in values.to_numpy(dtype=object)], dtype="str")

    return map_text(to_string(source, kql_type), digest)


@scalar("hash_sha256", [P("source")], STRING)
def hash_sha256(ctx: CallContext, source: Value) -> Value:
    """Return the SHA-256 hex digest of a value's UTF-8 text. Example: print hash_sha256("World")"""
    return _hex_digest("sha256", source, ctx.arg_types[0])


@scalar("hash_md5", [P("source")], STRING)
def hash_md5(ctx: CallContext, source: Value) -> Value:
    """Return the MD5 hex digest of a value's UTF-8 text. Example: print hash_md5("World") → f5a7924e621e84c9280a9a27e1bcb7f6"""
    return _hex_digest("md5", source, ctx.arg_types[0])


@scalar("hash_sha1", [P("source")], STRING)
def hash_sha1(ctx: CallContext, source: Value) -> Value:
    """Return the SHA-1 hex digest of a value's UTF-8 text. Example: print hash_sha1("World") → 70c07ec18ef89c5309bbb0937f3a6342411e1fdd"""
    return _hex_digest("sha1", source, ctx.arg_types[0])


@scalar("new_guid", [], GUID)
def new_guid(ctx: CallContext) -> Value:
    """Return a random guid for every row. Example: print new_guid()"""
    return dynamic_result([uuid.uuid4() for _ in range(max(ctx.length, 1))], ctx.length <= 1)
