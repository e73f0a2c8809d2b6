"""Group numbering for `summarize`, `distinct` and `make-series`.

`group_codes` turns the `by` key columns into one group number per row, the kernel
input of every aggregate (see `kqlite.functions.registry`). `number_groups` numbers
the same groups but stops before that last step: it returns `RowGroups`, a small
table from each row's key code to its group, for consumers that read the groups
chunk by chunk (`make-series`). KQL treats null as an ordinary group value: rows
whose key is null form a group of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError

# Combined codes up to this many possible groups are renumbered with plain array
# indexing. Past it a hash-based factorisation is cheaper in memory.
_DENSE_LIMIT = 1 << 24

_CHUNK = 1 << 20

# Products of key cardinalities must stay below this to combine in int64.
_INT64_SAFE = 1 << 62


@dataclass(frozen=True, slots=True)
class RowGroups:
    """The group of each row, stored as a lookup table over per-row key codes.

    Row ``i`` is in group ``table[source[i]]``, and -1 in `table` puts a row in no
    group. `source` may be any integer dtype, and a negative code indexes `table`
    from its end, as in Python, so a category key's null code -1 reads the last entry.
    `some_rows_ungrouped` is True when some row maps to -1.
    """

    source: np.ndarray
    table: np.ndarray
    count: int
    some_rows_ungrouped: bool = False

    @classmethod
    def of_codes(cls, codes: np.ndarray, ngroups: int) -> RowGroups:
        """Wrap per-row group numbers in [0, ngroups), or -1 for no group."""
        # The table maps each group to itself, and its extra last entry maps -1 to -1.
        table = np.append(np.arange(ngroups, dtype=np.int64), np.int64(-1))
        ungrouped = len(codes) > 0 and int(codes.min()) < 0
        return cls(codes, table, ngroups, some_rows_ungrouped=ungrouped)

    def take(self, rows: slice, out: np.ndarray | None = None) -> np.ndarray:
        """Return the int64 group numbers of `rows`, written into `out` when given."""
        # mode="wrap" reads negative codes from the end of the table, like "raise",
        # but without the hidden copy that "raise" makes of `out`.
        return np.take(self.table, self.source[rows], out=out, mode="wrap")

    def codes(self) -> np.ndarray:
        """Return the int64 group number of every row, gathered chunk by chunk."""
        length = len(self.source)
        codes = np.empty(length, dtype=np.int64)
        if len(self.table) == 0:
            return codes
        for begin in range(0, length, _CHUNK):
            end = min(begin + _CHUNK, length)
            self.take(slice(begin, end), out=codes[begin:end])
        return codes


def group_codes(keys: list[pd.Series], length: int | None = None) -> tuple[np.ndarray, int, list[pd.Series]]:
    """Number the distinct combinations of `keys`, in order of first appearance.

    Returns, for each row, its group number (int64), the number of groups, and
    one Series per key holding each group's key value in the key's own dtype
    (a `category` key keeps only the categories that occur). With no keys every
    row is in group 0 and `length` gives the number of rows. There is then
    exactly one group, even for empty input, because `summarize` without `by`
    always returns one row; the codes are then a read-only array with stride 0
    (see `is_one_group`), which costs no memory however long the input is.
    """
    if not keys:
        return np.broadcast_to(np.int64(0), (length or 0,)), 1, []
    groups, key_values = number_groups(keys, length)
    return groups.codes(), groups.count, key_values


def number_groups(keys: list[pd.Series], length: int | None = None) -> tuple[RowGroups, list[pd.Series]]:
    """Number the groups of `keys` like `group_codes`, but return them as `RowGroups`.

    A single `category` key keeps its own codes as `source` (int8 to int32), and
    the table maps each category to its group. Other keys get one int64 code per
    row. With no keys every row is in group 0 and `length` gives the number of rows.
    """
    if not keys:
        rows = length or 0
        return RowGroups(np.broadcast_to(np.int8(0), (rows,)), np.zeros(1, dtype=np.int64), 1), []

    length = len(keys[0])
    if length == 0:
        empty = RowGroups(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0)
        return empty, [key.iloc[:0].reset_index(drop=True) for key in keys]

    combined, cardinality = _key_codes(keys[0])
    if len(keys) > 1:
        combined = _non_negative(combined, cardinality)
    for key in keys[1:]:
        codes, key_cardinality = _key_codes(key)
        codes = _non_negative(codes, key_cardinality)
        if cardinality * key_cardinality >= _INT64_SAFE:
            # Compact the codes so far to their distinct values before combining.
            combined, uniques = pd.factorize(combined)
            cardinality = len(uniques)
        combined = combined.astype(np.int64) * key_cardinality
        combined += codes
        cardinality *= key_cardinality

    source, table, first_rows = _number_by_first_appearance(combined, cardinality)
    key_values = [_values_at(key, first_rows) for key in keys]
    return RowGroups(source, table, len(first_rows)), key_values


def is_one_group(codes: np.ndarray, ngroups: int) -> bool:
    """Tell whether every row is in group 0, as in `summarize` without `by`.

    Aggregates use this to reduce a whole column at once. A stride-0 array has one
    value in every position, so the test reads a single element.
    """
    return ngroups == 1 and codes.ndim == 1 and codes.strides[0] == 0 and (len(codes) == 0 or codes[0] == 0)


def _key_codes(key: pd.Series) -> tuple[np.ndarray, int]:
    # Codes in [0, cardinality) for one key, with null as a code of its own. A
    # category key's null rows keep code -1, which stands for cardinality - 1 (see
    # `_non_negative`). The numbering is arbitrary; the final renumbering fixes the
    # group order.
    if isinstance(key.dtype, pd.CategoricalDtype):
        # The category codes are used as they are (int8 to int32), which saves
        # a conversion pass over large columns. The null code counts only when a
        # null occurs, so that the first-appearance scan can stop once every
        # category has appeared.
        codes = key.array.codes
        has_null = len(codes) > 0 and int(codes.min()) < 0
        return codes, len(key.cat.categories) + int(has_null)

    try:
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
    except TypeError as error:
        # Arrays and property bags are unhashable; KQL rejects dynamic group keys.
        raise KqlRuntimeError("KL316", "cannot group by a dynamic value", hint="convert the key with tostring()") from error
    return codes.astype(np.int64, copy=False), max(len(uniques), 1)


def _non_negative(codes: np.ndarray, cardinality: int) -> np.ndarray:
    # Combining keys multiplies codes, so a null's -1 must first become its own code.
    if len(codes) and codes.min() < 0:
        return np.where(codes < 0, cardinality - 1, codes).astype(np.int64)
    return codes


def _number_by_first_appearance(combined: np.ndarray, cardinality: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Renumber arbitrary codes 0, 1, 2... in order of first appearance. Returns the
    # codes that the renumbering table applies to (`combined`, or its factorisation
    # when the codes are too sparse for a dense table), the table, and the first row
    # of each group. A code of -1 stands for cardinality - 1, which every array
    # indexed by code reads from its end.
    length = len(combined)
    if cardinality > _DENSE_LIMIT:
        combined, uniques = pd.factorize(combined)
        cardinality = len(uniques)

    # Chunks are scanned in order, and only rows whose code has not been seen yet are
    # sorted, so once every group has appeared a chunk costs one gather, and once
    # every possible code has appeared the scan stops. (np.minimum.at over every row
    # is several times slower on tens of millions of rows.)
    first_row = np.full(cardinality, length, dtype=np.int64)
    unseen = np.ones(cardinality, dtype=bool)
    unseen_count = cardinality
    fresh_rows = np.empty(min(length, _CHUNK), dtype=bool)
    for begin in range(0, length, _CHUNK):
        if unseen_count == 0:
            break
        chunk = combined[begin : begin + _CHUNK]
        is_fresh = np.take(unseen, chunk, out=fresh_rows[: len(chunk)], mode="wrap")
        if not is_fresh.any():
            continue
        fresh = np.flatnonzero(is_fresh)
        new_codes, first = np.unique(chunk[fresh], return_index=True)
        first_row[new_codes] = begin + fresh[first]
        unseen[new_codes] = False
        unseen_count -= len(new_codes)

    used = np.flatnonzero(first_row < length)
    used = used[np.argsort(first_row[used], kind="stable")]
    table = np.full(cardinality, -1, dtype=np.int64)
    table[used] = np.arange(len(used), dtype=np.int64)
    return combined, table, first_row[used]


def _values_at(key: pd.Series, rows: np.ndarray) -> pd.Series:
    values = key.iloc[rows].reset_index(drop=True)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories()
    return values
