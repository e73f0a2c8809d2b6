"""IPv4 search in text: has_ipv4, has_any_ipv4, has_ipv4_prefix and has_any_ipv4_prefix.

KQL finds an address in a text only where it is a whole valid address,
delimited by characters that are not letters or digits (or by the text's ends). The
search runs as one RE2 regular expression over the text column (pyarrow), so a column
of 45 million rows costs one pass per distinct searched value.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import STRING_DTYPE, Value, arrow_strings, as_list, dynamic_objects, map_text
from kqlite.types import BOOL, DYNAMIC, STRING

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_ADDRESS = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
# A prefix is one to three octets each followed by a dot, or a whole address.
_PREFIX = re.compile(rf"(?:{_OCTET}\.){{1,3}}|{_ADDRESS.pattern}")

_BEFORE = "(?:^|[^0-9A-Za-z])"
_AFTER = "(?:$|[^0-9A-Za-z])"


def _address_pattern(address: Any) -> str | None:
    # NOTE: a dot counts as a delimiter, so "1.2.3.4" is found in "1.2.3.4.5".
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        return None
    return re.escape(address)


def _prefix_pattern(prefix: Any) -> str | None:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        return None
    # The octets that complete the prefix must form a valid address ("127.0." does not
    # match "127.0.0.256").
    missing = 4 - prefix.count(".") - (0 if prefix.endswith(".") else 1)
    completion = r"\.".join([_OCTET] * missing)
    return re.escape(prefix) + completion


def _search(source: Value, patterns: list[str | None]) -> Value:
    # A null literal of another type reaches the string parameter as None; it is "".
    source = "" if source is None else source
    valid = [pattern for pattern in patterns if pattern is not None]
    if not valid:
        return map_text(source, lambda texts: np.zeros(len(texts), dtype=bool))
    regex = f"{_BEFORE}(?:{'|'.join(valid)}){_AFTER}"
    return map_text(source, lambda texts: pc.match_substring_regex(arrow_strings(texts), regex))


def _search_per_row(ctx: CallContext, source: Value, arguments: tuple[Value, ...], to_pattern: Any) -> pd.Series:
    # Searched values that differ by row: search once per distinct set of values, on its rows.
    texts = source if isinstance(source, pd.Series) else pd.Series([source] * ctx.length, dtype=STRING_DTYPE)
    columns = [dynamic_objects(argument, ctx.length) for argument in arguments]
    per_row = [tuple(_searched_values(tuple(row))) for row in zip(*columns, strict=True)]
    codes, uniques = pd.factorize(pd.Series([repr(values) for values in per_row], dtype=object))

    result = np.zeros(ctx.length, dtype=bool)
    for code in range(len(uniques)):
        rows = np.flatnonzero(codes == code)
        patterns = [to_pattern(value) for value in per_row[rows[0]]]
        found = _search(texts.iloc[rows].reset_index(drop=True), patterns)
        result[rows] = np.asarray(found, dtype=bool)
    return pd.Series(pd.arrays.BooleanArray(result, np.zeros(ctx.length, dtype=bool)))


def _searched_values(arguments: tuple[Value, ...]) -> list[Any]:
    # has_any_* takes several strings or one dynamic array of strings.
    values: list[Any] = []
    for argument in arguments:
        elements = as_list(argument)
        values.extend(elements if elements is not None else [argument])
    return values


@scalar("has_ipv4", [P("source", STRING), P("ip_address", STRING)], BOOL)
def has_ipv4(ctx: CallContext, source: Value, ip_address: Value) -> Value:
    """Tell whether a text contains an IPv4 address, delimited by non-alphanumeric characters. Example: print has_ipv4('05:04:54 127.0.0.1 GET /favicon.ico 404', '127.0.0.1') → true"""
    if isinstance(ip_address, pd.Series):
        return _search_per_row(ctx, source, (ip_address,), _address_pattern)
    return _search(source, [_address_pattern(ip_address)])


@scalar("has_ipv4_prefix", [P("source", STRING), P("ip_address_prefix", STRING)], BOOL)
def has_ipv4_prefix(ctx: CallContext, source: Value, prefix: Value) -> Value:
    """Tell whether a text contains a valid IPv4 address that starts with a prefix ("10." or a whole address). Example: print has_ipv4_prefix('05:04:54 127.0.0.1 GET /favicon.ico 404', '127.0.') → true"""
    if isinstance(prefix, pd.Series):
        return _search_per_row(ctx, source, (prefix,), _prefix_pattern)
    return _search(source, [_prefix_pattern(prefix)])


@scalar("has_any_ipv4", [P("source", STRING), P("ip_address", STRING, DYNAMIC, variadic=True)], BOOL)
def has_any_ipv4(ctx: CallContext, source: Value, *addresses: Value) -> Value:
    """Tell whether a text contains any of several IPv4 addresses. Example: print has_any_ipv4('05:04:54 127.0.0.1 GET', dynamic(['127.0.0.1', '10.0.0.1'])) → true"""
    if any(isinstance(argument, pd.Series) for argument in addresses):
        return _search_per_row(ctx, source, addresses, _address_pattern)
    return _search(source, [_address_pattern(value) for value in _searched_values(addresses)])


@scalar("has_any_ipv4_prefix", [P("source", STRING), P("ip_address_prefix", STRING, DYNAMIC, variadic=True)], BOOL)
def has_any_ipv4_prefix(ctx: CallContext, source: Value, *prefixes: Value) -> Value:
    """Tell whether a text contains a valid IPv4 address that starts with any of several prefixes. Example: print has_any_ipv4_prefix('05:04:54 127.0.0.1 GET', '127.0.', '192.168.') → true"""
    if any(isinstance(argument, pd.Series) for argument in prefixes):
        return _search_per_row(ctx, source, prefixes, _prefix_pattern)
    return _search(source, [_prefix_pattern(value) for value in _searched_values(prefixes)])
