"""The `evaluate ipv4_lookup` plugin: join rows to the IPv4 ranges that contain their address.

``T | evaluate ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey, ...]
[, return_unmatched])`` returns one row per (input row, lookup row) pair whose
addresses match, where extra key columns must also be equal. With
``return_unmatched=true`` an input row without a match appears once, with nulls in the
lookup columns. Schema: the input columns, then the lookup columns except the extra
keys (the lookup key column included), renamed on clashes like a join.

Matching: CIDR ranges are either nested or disjoint, so an input address (or range)
matches a lookup range exactly when the two overlap. Comparing on the shorter prefix,
as ipv4_is_match does, gives the same result. When several lookup ranges overlap an address,
every one of them gives a row (join semantics, not longest-prefix match).
NOTE: Kusto does not document the overlapping-range case.

Speed: the lookup ranges are grouped by prefix length and sorted by start address,
and each distinct input address is located with np.searchsorted once per prefix
length (at most 33), so the work is O((addresses + ranges) log ranges).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kqlite.errors import KqlSemanticError
from kqlite.functions.registry import plugin
from kqlite.ipv4 import ParsedIpv4, parse_ipv4_text, prefix_mask
from kqlite.operators.join import key_codes, take_rows
from kqlite.operators.naming import merge_names
from kqlite.table import Columns
from kqlite.types import STRING


def ipv4_lookup_schema(
    input_columns: Columns,
    lookup_columns: Columns,
    source_key: str,
    lookup_key: str,
    extra_keys: list[str],
    return_unmatched: bool,
) -> Columns:
    """Return the output schema: input columns, then lookup columns other than the extra keys."""
    input_types = dict(input_columns)
    lookup_types = dict(lookup_columns)
    _check_key(input_types, source_key, "input")
    _check_key(lookup_types, lookup_key, "lookup")
    for name in extra_keys:
        for side, types in (("input", input_types), ("lookup", lookup_types)):
            if name not in types:
                raise KqlSemanticError("KS142", f"ipv4_lookup: the {side} table has no extra key column '{name}'")
        if input_types[name] is not lookup_types[name]:
            raise KqlSemanticError("KS141", f"ipv4_lookup: the extra key '{name}' has different types in the two tables")

    kept = [(name, kql_type) for name, kql_type in lookup_columns if name not in extra_keys]
    names = merge_names([name for name, _ in input_columns], [name for name, _ in kept])
    renamed = [(new, kql_type) for new, (_, kql_type) in zip(names[len(input_columns) :], kept, strict=True)]
    return (*input_columns, *renamed)


@plugin("ipv4_lookup", schema=ipv4_lookup_schema)
def ipv4_lookup(
    frame: pd.DataFrame,
    lookup_frame: pd.DataFrame,
    source_key: str,
    lookup_key: str,
    extra_keys: list[str],
    return_unmatched: bool,
) -> pd.DataFrame:
    """Look up IPv4 addresses in a table of ranges. Example: T | evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr)"""
    input_rows, lookup_rows = ipv4_lookup_indices(frame[source_key], lookup_frame[lookup_key])

    # Extra keys must be equal too; null never equals null.
    if extra_keys:
        input_codes, lookup_codes = key_codes(
            [frame[name] for name in extra_keys], [lookup_frame[name] for name in extra_keys]
        )
        same = (input_codes[input_rows] == lookup_codes[lookup_rows]) & (input_codes[input_rows] >= 0)
        input_rows, lookup_rows = input_rows[same], lookup_rows[same]

    if return_unmatched:
        input_rows, lookup_rows = _add_unmatched(input_rows, lookup_rows, len(frame))

    kept = [name for name in lookup_frame.columns if name not in extra_keys]
    names = merge_names(list(frame.columns), kept)
    left = take_rows(frame, input_rows)
    right = take_rows(lookup_frame[kept], lookup_rows)
    result = pd.concat([left, right], axis=1, ignore_index=True)
    result.columns = names
    return result


def ipv4_lookup_indices(addresses: pd.Series, ranges: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the (input row, lookup row) pairs whose IPv4 values overlap, ordered by input row, then lookup row.

    Invalid or empty strings on either side never match.
    """
    # Each distinct input address is parsed and located once.
    codes, distinct = pd.factorize(addresses, use_na_sentinel=True)
    parsed = parse_ipv4_text(pd.Series(np.asarray(distinct, dtype=object), dtype=object))
    value_rows, lookup_rows = _overlapping_ranges(parsed, parse_ipv4_text(ranges))

    # Spread the pairs of each distinct value (sorted by value) over the input rows that contain it.
    count = np.bincount(value_rows, minlength=len(distinct))
    start = np.cumsum(count) - count
    codes = codes.astype(np.int64)
    per_row = np.where(codes >= 0, count[np.maximum(codes, 0)] if len(count) else 0, 0)

    input_rows = np.repeat(np.arange(len(codes), dtype=np.int64), per_row)
    offsets = np.arange(len(input_rows), dtype=np.int64) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    slots = np.repeat(start[np.maximum(codes, 0)] if len(start) else np.zeros(len(codes), np.int64), per_row) + offsets
    return input_rows, lookup_rows[slots].astype(np.int64)


def _overlapping_ranges(values: ParsedIpv4, ranges: ParsedIpv4) -> tuple[np.ndarray, np.ndarray]:
    # For one prefix length p the ranges are aligned blocks, disjoint unless repeated.
    # A value [first, last] overlaps the p-blocks whose start lies between first and
    # last, both masked to p: one block when the value is narrower, several when wider.
    value_rows: list[np.ndarray] = []
    lookup_rows: list[np.ndarray] = []
    valid_values = np.flatnonzero(values.valid)
    first = values.address[valid_values]
    last = values.last_address[valid_values]

    # One stable sort by (prefix, start) puts each prefix length's ranges in a slice.
    usable = np.flatnonzero(ranges.valid)
    order = usable[np.lexsort((ranges.address[usable], ranges.prefix[usable]))]
    sorted_prefix = ranges.prefix[order]
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(sorted_prefix)) + 1, [len(order)]])

    for begin, end in zip(bounds[:-1], bounds[1:], strict=True):
        if begin == end:
            continue
        members = order[begin:end]
        starts = ranges.address[members]
        mask = prefix_mask(sorted_prefix[begin])
        low = np.searchsorted(starts, first & mask, side="left")
        high = np.searchsorted(starts, last & mask, side="right")

        count = high - low
        value_rows.append(np.repeat(valid_values, count))
        offsets = np.arange(count.sum(), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        lookup_rows.append(members[np.repeat(low, count) + offsets])

    if not value_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    value_all = np.concatenate(value_rows).astype(np.int64)
    lookup_all = np.concatenate(lookup_rows).astype(np.int64)
    order = np.lexsort((lookup_all, value_all))
    return value_all[order], lookup_all[order]


def _add_unmatched(input_rows: np.ndarray, lookup_rows: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    # An input row without a match appears once with lookup position -1, in input order.
    matched = np.zeros(length, dtype=bool)
    matched[input_rows] = True
    unmatched = np.flatnonzero(~matched).astype(np.int64)
    rows = np.concatenate([input_rows, unmatched])
    partners = np.concatenate([lookup_rows, np.full(len(unmatched), -1, dtype=np.int64)])
    order = np.argsort(rows, kind="stable")
    return rows[order], partners[order]


def _check_key(types: dict[str, object], name: str, side: str) -> None:
    if name not in types:
        raise KqlSemanticError("KS142", f"ipv4_lookup: the {side} table has no column '{name}'")
    if types[name] is not STRING:
        raise KqlSemanticError("KS141", f"ipv4_lookup: the {side} key '{name}' must be a string, not {types[name]}")
