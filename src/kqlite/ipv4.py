"""Vectorised parsing and formatting of IPv4 addresses and CIDR ranges.

KQL writes an IPv4 value as a dotted string with an optional IP-prefix (CIDR) suffix:
``192.168.1.1`` is a single address (a /32) and ``192.168.1.255/24`` is the range
192.168.1.0-192.168.1.255, because host bits beyond the prefix are masked off. The
IPv4 functions, ``ipv4_lookup`` and the address formatting all share the parser below,
which works on whole columns through pyarrow's regular-expression kernels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Four decimal octets and an optional prefix length. Range checks (octet <= 255,
# prefix <= 32) follow the match, because a regular expression cannot state them briefly.
_IPV4_PATTERN = r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:/\d{1,2})?$"

MAX_ADDRESS = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class ParsedIpv4:
    """Parsed IPv4 values, one entry per input value.

    `address` is the address masked to its own prefix (an int64 in 0..2**32-1),
    `prefix` the prefix length (32 when the text has none), and `valid` marks the
    entries that parsed. An invalid entry has address 0 and prefix 32.
    """

    address: np.ndarray
    prefix: np.ndarray
    valid: np.ndarray

    def __len__(self) -> int:
        return len(self.address)

    @property
    def last_address(self) -> np.ndarray:
        """Return the last address of each range (the address itself for a /32)."""
        return self.address | (~prefix_mask(self.prefix) & MAX_ADDRESS)

    def take(self, positions: np.ndarray) -> ParsedIpv4:
        """Return the entries at `positions`; a position of -1 gives an invalid entry."""
        missing = (positions < 0) if len(self) else np.ones(len(positions), dtype=bool)
        safe = np.where(missing, 0, positions)
        if not len(self):
            return ParsedIpv4(np.zeros(len(positions), dtype=np.int64), np.full(len(positions), 32), ~missing)
        return ParsedIpv4(
            np.where(missing, 0, self.address[safe]),
            np.where(missing, 32, self.prefix[safe]),
            self.valid[safe] & ~missing,
        )


def prefix_mask(prefix: np.ndarray | int) -> np.ndarray:
    """Return the network mask of each prefix length (0..32) as int64."""
    shift = 32 - np.asarray(prefix, dtype=np.int64)
    return (np.int64(MAX_ADDRESS) << shift) & MAX_ADDRESS


def parse_ipv4_text(values: pd.Series | Sequence[str | None] | str | None) -> ParsedIpv4:
    """Parse dotted IPv4 strings with an optional ``/prefix`` into masked addresses.

    Accepts a Series (``str``, ``category`` or ``object``), a sequence of strings, or
    one string. Anything that is not four octets 0..255 with an optional prefix 0..32
    is invalid, including ``""`` and ``None``.
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        # Parse each category once, then spread the result over the rows.
        categories = parse_ipv4_text(values.cat.categories.to_numpy(dtype=object))
        return categories.take(values.array.codes.astype(np.int64))
    if values is None or isinstance(values, str):
        values = [values]

    text = _to_arrow_strings(values)
    matched = pc.fill_null(pc.match_substring_regex(text, _IPV4_PATTERN), False).to_numpy(zero_copy_only=False)

    address = np.zeros(len(text), dtype=np.int64)
    prefix = np.full(len(text), 32, dtype=np.int64)
    octets, matched_prefix = _read_numbers(text.filter(pa.array(matched)))

    in_range = (matched_prefix <= 32) & np.logical_and.reduce([octet <= 255 for octet in octets])
    raw = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
    address[matched] = np.where(in_range, raw & prefix_mask(np.minimum(matched_prefix, 32)), 0)
    prefix[matched] = np.where(in_range, matched_prefix, 32)
    valid = matched.copy()
    valid[matched] = in_range
    return ParsedIpv4(address, prefix, valid)


def parse_ipv4_numbers(values: pd.Series | Sequence[int | None]) -> ParsedIpv4:
    """Read IPv4 addresses given as numbers (big-endian order, 0..2**32-1) as /32s."""
    number = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("Float64")
    data = number.to_numpy(dtype=np.float64, na_value=-1.0)
    valid = (data >= 0) & (data <= MAX_ADDRESS) & (data == np.floor(data))
    address = np.where(valid, data, 0).astype(np.int64)
    return ParsedIpv4(address, np.full(len(address), 32, dtype=np.int64), valid)


def format_ipv4_text(address: np.ndarray, valid: np.ndarray, prefix: np.ndarray | None = None) -> pd.Series:
    """Format addresses as dotted strings, adding ``/prefix`` when `prefix` is given.

    Invalid entries become ``""``, KQL's missing string.
    """
    address = np.asarray(address, dtype=np.int64)
    octets = [pa.array((address >> shift) & 0xFF).cast(pa.string()) for shift in (24, 16, 8, 0)]
    text = pc.binary_join_element_wise(*octets, ".")
    if prefix is not None:
        text = pc.binary_join_element_wise(text, pa.array(np.asarray(prefix, dtype=np.int64)).cast(pa.string()), "/")
    formatted = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    formatted[~np.asarray(valid, dtype=bool)] = ""
    return pd.Series(formatted, dtype=pd.StringDtype(na_value=np.nan))


def _to_arrow_strings(values: pd.Series | Sequence[str | None]) -> pa.Array:
    if isinstance(values, pd.Series) and pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
        return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    data = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(list(values), dtype=object)
    # Non-string values (a dynamic number, NaN) are not IPv4 text.
    is_text = np.fromiter((isinstance(value, str) for value in data), dtype=bool, count=len(data))
    if not is_text.all():
        data = np.where(is_text, data, None)
    return pa.array(data, type=pa.large_string())


def _read_numbers(text: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """Read the four octets and the prefix (32 if absent) of strings known to match the pattern.

    Works on the UTF-8 bytes directly. The separators (``.`` and ``/``) and the string
    ends close the digit runs ("tokens", 4 or 5 per string, of 1 to 3 digits each), so
    each token's value comes from at most three bytes before its end.
    """
    if len(text) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return [empty] * 4, empty
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    offsets = offsets - offsets[0]

    # A matching string has three dots and at most one slash, so four or five tokens.
    separators = np.flatnonzero((data == ord(".")) | (data == ord("/")))
    has_prefix = np.diff(np.searchsorted(separators, offsets)) == 4
    tokens = 4 + has_prefix.astype(np.int64)
    first = np.cumsum(tokens) - tokens
    last = first + tokens - 1

    # Token ends: each string's separators in order, then the string's end.
    ends = np.empty(int(tokens.sum()), dtype=np.int64)
    closed_by_separator = np.ones(len(ends), dtype=bool)
    closed_by_separator[last] = False
    ends[closed_by_separator] = separators
    ends[last] = offsets[1:]

    starts = np.empty(len(ends), dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    starts[first] = offsets[:-1]
    length = ends - starts

    value = np.zeros(len(ends), dtype=np.int64)
    for place, scale in enumerate((1, 10, 100)):
        present = length > place
        position = np.where(present, ends - 1 - place, 0)
        value += np.where(present, data[position].astype(np.int64) - ord("0"), 0) * scale

    octets = [value[first + number] for number in range(4)]
    prefix = np.where(has_prefix, value[np.minimum(first + 4, len(ends) - 1)], 32)
    return octets, prefix
