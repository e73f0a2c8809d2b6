"""IPv4 functions: parse_ipv4, ipv4_is_in_range, ipv4_compare, format_ipv4, ...

Addresses are strings in dotted form, optionally with an IP-prefix (CIDR) suffix;
`kqlite.ipv4` parses whole columns at once. Where two addresses meet, they are compared
on the shorter of their prefixes (and of the optional `prefix` argument), as Kusto's
documentation examples show: ``ipv4_is_match('192.168.1.1/30', '192.168.1.255/24')``
is true. A string that does not parse makes the result null (``""`` for the format
functions).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions.registry import CallContext, P, scalar
from kqlite.functions.values import as_list, from_numpy, to_numpy
from kqlite.ipv4 import ParsedIpv4, format_ipv4_text, parse_ipv4_numbers, parse_ipv4_text, prefix_mask

# Imported for its registration: the `evaluate ipv4_lookup` plugin shares this family.
from kqlite.operators import ipv4_lookup as _ipv4_lookup_plugin  # noqa: F401
from kqlite.types import BOOL, DYNAMIC, INT, LONG, REAL, STRING, KqlType

Value = Any

# The private ranges that RFC 1918 reserves, as listed by Kusto's ipv4_is_private page.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@scalar("parse_ipv4", [P("ip", STRING)], LONG)
def parse_ipv4(ctx: CallContext, ip: Value) -> Value:
    """Convert an IPv4 string (optionally with a /prefix) to a long. Example: print parse_ipv4('192.168.1.1/24') → 3232235776"""
    parsed = parse_ipv4_text(ip)
    return _finish(ctx, [ip], parsed.address, ~parsed.valid, LONG)


@scalar("parse_ipv4_mask", [P("ip", STRING), P("prefix", LONG)], LONG)
def parse_ipv4_mask(ctx: CallContext, ip: Value, prefix: Value) -> Value:
    """Convert an IPv4 string and a prefix length to a masked long. Example: print parse_ipv4_mask('127.0.0.1', 24) → 2130706432"""
    parsed = parse_ipv4_text(ip)
    prefix_value, prefix_null = _prefix_argument(prefix, ctx.arg_types[1])
    combined = np.minimum(parsed.prefix, prefix_value)
    address = parsed.address & prefix_mask(combined)
    return _finish(ctx, [ip, prefix], address, ~parsed.valid | prefix_null, LONG)


@scalar("ipv4_is_in_range", [P("ip", STRING), P("ip_range", STRING)], BOOL)
def ipv4_is_in_range(ctx: CallContext, ip: Value, ip_range: Value) -> Value:
    """Check whether an IPv4 address lies in an IPv4 range. Example: print ipv4_is_in_range('10.1.2.3', '10.1.0.0/16') → true"""
    equal, null = _compare_masked(parse_ipv4_text(ip), parse_ipv4_text(ip_range))
    return _finish(ctx, [ip, ip_range], equal == 0, null, BOOL)


@scalar("ipv4_is_match", [P("ip1", STRING), P("ip2", STRING), P("prefix", LONG, optional=True)], BOOL)
def ipv4_is_match(ctx: CallContext, ip1: Value, ip2: Value, prefix: Value = None) -> Value:
    """Check whether two IPv4 strings are equal on their combined prefix. Example: print ipv4_is_match('192.168.1.1', '192.168.1.255', 24) → true"""
    extra = _optional_prefix(ctx, prefix, 2)
    order, null = _compare_masked(parse_ipv4_text(ip1), parse_ipv4_text(ip2), *extra)
    return _finish(ctx, [ip1, ip2, prefix], order == 0, null, BOOL)


@scalar("ipv4_compare", [P("ip1", STRING), P("ip2", STRING), P("prefix", LONG, optional=True)], LONG)
def ipv4_compare(ctx: CallContext, ip1: Value, ip2: Value, prefix: Value = None) -> Value:
    """Compare two IPv4 strings on their combined prefix: -1, 0 or 1. Example: print ipv4_compare('192.168.1.1', '192.168.1.255') → -1"""
    extra = _optional_prefix(ctx, prefix, 2)
    order, null = _compare_masked(parse_ipv4_text(ip1), parse_ipv4_text(ip2), *extra)
    return _finish(ctx, [ip1, ip2, prefix], order, null, LONG)


@scalar("ipv4_is_private", [P("ip", STRING)], BOOL)
def ipv4_is_private(ctx: CallContext, ip: Value) -> Value:
    """Check whether an IPv4 address is in a private network range (RFC 1918). Example: print ipv4_is_private('10.1.2.3') → true"""
    parsed = parse_ipv4_text(ip)
    inside = _in_any(parsed, parse_ipv4_text(list(PRIVATE_RANGES)))
    return _finish(ctx, [ip], inside, ~parsed.valid, BOOL)


@scalar("ipv4_is_in_any_range", [P("ip", STRING), P("ranges", STRING, DYNAMIC, variadic=True)], BOOL)
def ipv4_is_in_any_range(ctx: CallContext, ip: Value, *ranges: Value) -> Value:
    """Check whether an IPv4 address is in any of several ranges. Example: print ipv4_is_in_any_range('192.168.1.6', '192.168.1.1/24', '10.0.0.1/8') → true"""
    parsed = parse_ipv4_text(ip)
    inside = np.zeros(len(parsed), dtype=bool)

    # Each range argument is a string or a dynamic array of strings, a constant or a column.
    for range_value, range_type in zip(ranges, ctx.arg_types[1:], strict=True):
        if range_type is not DYNAMIC:
            equal, null = _compare_masked(parsed, parse_ipv4_text(range_value))
            inside = inside | ((equal == 0) & ~null)
        elif isinstance(range_value, pd.Series):
            inside = inside | _in_ranges_per_row(parsed, range_value)
        else:
            inside = inside | _in_any(parsed, parse_ipv4_text(_range_texts(range_value)))
    return _finish(ctx, [ip, *ranges], inside, ~parsed.valid, BOOL)


@scalar("ipv4_netmask_suffix", [P("ip", STRING)], LONG)
def ipv4_netmask_suffix(ctx: CallContext, ip: Value) -> Value:
    """Return the prefix length of an IPv4 string (32 without one). Example: print ipv4_netmask_suffix('192.168.1.1/24') → 24"""
    parsed = parse_ipv4_text(ip)
    return _finish(ctx, [ip], parsed.prefix, ~parsed.valid, LONG)


@scalar("format_ipv4", [P("ip", STRING, LONG), P("prefix", LONG, optional=True)], STRING)
def format_ipv4(ctx: CallContext, ip: Value, prefix: Value = None) -> Value:
    """Format an IPv4 address (string or number) masked to a prefix. Example: print format_ipv4('192.168.1.255', 24) → "192.168.1.0\""""
    address, combined, valid = _format_inputs(ctx, ip, prefix)
    return _finish_text(ctx, [ip, prefix], format_ipv4_text(address, valid))


@scalar("format_ipv4_mask", [P("ip", STRING, LONG), P("prefix", LONG, optional=True)], STRING)
def format_ipv4_mask(ctx: CallContext, ip: Value, prefix: Value = None) -> Value:
    """Format an IPv4 address in CIDR notation. Example: print format_ipv4_mask('192.168.1.255', 24) → "192.168.1.0/24\""""
    address, combined, valid = _format_inputs(ctx, ip, prefix)
    return _finish_text(ctx, [ip, prefix], format_ipv4_text(address, valid, combined))


def _format_inputs(ctx: CallContext, ip: Value, prefix: Value) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # format_ipv4(ip, -1) is "" in Kusto's examples: a prefix outside 0..32 is invalid.
    if ctx.arg_types[0] is STRING:
        parsed = parse_ipv4_text(ip)
    else:
        parsed = parse_ipv4_numbers(ip if isinstance(ip, pd.Series) else [ip])
    prefix_value, prefix_null = _optional_prefix(ctx, prefix, 1) or (np.int64(32), np.bool_(False))
    combined = np.minimum(parsed.prefix, prefix_value)
    address = parsed.address & prefix_mask(combined)
    valid = parsed.valid & ~prefix_null
    address, combined, valid = np.broadcast_arrays(address, combined, valid)
    return address, combined, valid


def _prefix_argument(value: Value, kql_type: KqlType) -> tuple[Any, Any]:
    # A prefix outside 0..32 makes the result null, like a null prefix. The binder lets a
    # real prefix through, so it is read as a real: truncated, and invalid when not finite.
    if kql_type is not REAL:
        numbers, nulls = to_numpy(value, kql_type if kql_type in (INT, LONG) else LONG)
    else:
        numbers, nulls = to_numpy(value, REAL)
        numbers = np.trunc(np.nan_to_num(np.asarray(numbers, dtype=np.float64), nan=-1.0, posinf=-1.0, neginf=-1.0))
    invalid = np.asarray(nulls) | (numbers < 0) | (numbers > 32)
    return np.where(invalid, 32, numbers).astype(np.int64), invalid


def _optional_prefix(ctx: CallContext, prefix: Value, position: int) -> tuple[Any, Any] | tuple[()]:
    # An omitted prefix argument takes no part; a given one (even null) does.
    if len(ctx.arg_types) <= position:
        return ()
    return _prefix_argument(prefix, ctx.arg_types[position])


def _compare_masked(first: ParsedIpv4, second: ParsedIpv4, prefix: Any = 32, prefix_null: Any = False) -> tuple[Any, Any]:
    # Both sides are masked to the shortest prefix in play, then compared: -1, 0 or 1.
    combined = np.minimum(np.minimum(first.prefix, second.prefix), prefix)
    mask = prefix_mask(combined)
    order = np.sign((first.address & mask) - (second.address & mask)).astype(np.int64)
    null = ~first.valid | ~second.valid | np.asarray(prefix_null)
    return order, null


def _in_any(parsed: ParsedIpv4, ranges: ParsedIpv4) -> np.ndarray:
    # The range arguments are few (constants): one vectorised comparison per range.
    inside = np.zeros(len(parsed), dtype=bool)
    for number in np.flatnonzero(ranges.valid):
        one = ranges.take(np.array([number]))
        order, null = _compare_masked(parsed, one)
        inside |= (order == 0) & ~null
    return inside


def _in_ranges_per_row(parsed: ParsedIpv4, ranges: pd.Series) -> np.ndarray:
    # A column of range arrays: flatten every row's ranges, compare each with its row's
    # address, then OR the results back per row.
    lists = [_range_texts(value) for value in ranges.to_numpy(dtype=object)]
    lengths = np.array([len(items) for items in lists], dtype=np.int64)
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    flat = parse_ipv4_text([text for items in lists for text in items])
    address = parsed.take(rows) if len(parsed) > 1 else parsed.take(np.zeros(len(rows), dtype=np.int64))
    order, null = _compare_masked(address, flat)
    hits = np.zeros(len(lists), dtype=bool)
    np.logical_or.at(hits, rows, (order == 0) & ~null)
    return hits


def _range_texts(value: object) -> list[str | None]:
    items = as_list(value)
    if items is None:
        return [value] if isinstance(value, str) else []
    return [item if isinstance(item, str) else None for item in items]


def _is_constant(arguments: list[Value]) -> bool:
    return not any(isinstance(argument, pd.Series) for argument in arguments)


def _finish(ctx: CallContext, arguments: list[Value], values: Any, nulls: Any, kql_type: KqlType) -> Value:
    values, nulls = np.broadcast_arrays(np.asarray(values), np.asarray(nulls))
    if _is_constant(arguments):
        if not values.size:
            # A constant empty dynamic array parses to no address at all: null.
            return None
        return from_numpy(values.reshape(-1)[0], nulls.reshape(-1)[0], kql_type)
    values = np.broadcast_to(values, ctx.length) if values.size == 1 else values
    nulls = np.broadcast_to(nulls, ctx.length) if nulls.size == 1 else nulls
    return from_numpy(np.array(values), np.array(nulls), kql_type)


def _finish_text(ctx: CallContext, arguments: list[Value], text: pd.Series) -> Value:
    if _is_constant(arguments):
        return str(text.iloc[0])
    if len(text) == 1 and ctx.length != 1:
        return pd.Series([text.iloc[0]] * ctx.length, dtype=text.dtype)
    return text
