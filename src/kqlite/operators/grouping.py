"""Group numbering for `summarize`, `distinct` and `make-series`.

`group_codes` turns the `by` key columns into one group number per row, the kernel
input of every aggregate (see `kqlite.functions.registry`). KQL treats null as an
ordinary group value: rows whose key is null form a group of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError

# Combined codes up to this many possible groups are renumbered with plain array
# indexing. Past it a hash-based factorisation is cheaper in memory.
_DENSE_LIMIT = 1 << 24

_CHUNK = 1 << 20

# Products of key cardinalities must stay below this to combine in int64.
_INT64_SAFE = 1 << 62


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

    length = len(keys[0])
    if length == 0:
        return np.zeros(0, dtype=np.int64), 0, [key.iloc[:0].reset_index(drop=True) for key in keys]

    combined, cardinality = _key_codes(keys[0])
    for key in keys[1:]:
        codes, key_cardinality = _key_codes(key)
        if cardinality * key_cardinality >= _INT64_SAFE:
            # Compact the codes so far to their distinct values before combining.
            combined, uniques = pd.factorize(combined)
            cardinality = len(uniques)
        combined = combined.astype(np.int64) * key_cardinality
        combined += codes
        cardinality *= key_cardinality

    codes, first_rows = _number_by_first_appearance(combined, cardinality)
    key_values = [_values_at(key, first_rows) for key in keys]
    return codes, len(first_rows), key_values


def is_one_group(codes: np.ndarray, ngroups: int) -> bool:
    """Tell whether every row is in group 0, as in `summarize` without `by`.

    Aggregates use this to reduce a whole column at once. A stride-0 array holds one
    value in every position, so the test reads a single element.
    """
    return ngroups == 1 and codes.ndim == 1 and codes.strides[0] == 0 and (len(codes) == 0 or codes[0] == 0)


def _key_codes(key: pd.Series) -> tuple[np.ndarray, int]:
    # Codes in [0, cardinality) for one key, with null as a code of its own.
    # The numbering is arbitrary; the final renumbering fixes the group order.
    if isinstance(key.dtype, pd.CategoricalDtype):
        # The category codes are used as they are (int8 to int32), which saves
        # a conversion pass over large columns.
        codes = key.cat.codes.to_numpy()
        null_code = len(key.cat.categories)
        if (codes < 0).any():
            codes = np.where(codes < 0, null_code, codes).astype(np.int64)
        return codes, null_code + 1

    try:
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
    except TypeError as error:
        # Arrays and property bags are unhashable; KQL rejects dynamic group keys.
        raise KqlRuntimeError("KL316", "cannot group by a dynamic value", hint="convert the key with tostring()") from error
    return codes.astype(np.int64, copy=False), max(len(uniques), 1)


def _number_by_first_appearance(combined: np.ndarray, cardinality: int) -> tuple[np.ndarray, np.ndarray]:
    # Renumber arbitrary codes 0, 1, 2... in order of first appearance and return
    # the new codes with the first row of each group. The passes over the rows run
    # in chunks, so that their temporary arrays stay small.
    length = len(combined)
    if cardinality > _DENSE_LIMIT:
        combined, uniques = pd.factorize(combined)
        cardinality = len(uniques)

    # Chunks are scanned in order, and only rows whose code has not been seen yet are
    # sorted, so once every group has appeared a chunk costs one gather. (np.minimum.at
    # over every row is several times slower on tens of millions of rows.)
    first_row = np.full(cardinality, length, dtype=np.int64)
    seen = np.zeros(cardinality, dtype=bool)
    for begin in range(0, length, _CHUNK):
        chunk = combined[begin : begin + _CHUNK]
        fresh = np.flatnonzero(~seen[chunk])
        if len(fresh):
            new_codes, first = np.unique(chunk[fresh], return_index=True)
            first_row[new_codes] = begin + fresh[first]
            seen[new_codes] = True

    used = np.flatnonzero(first_row < length)
    used = used[np.argsort(first_row[used], kind="stable")]
    renumber = np.empty(cardinality, dtype=np.int64)
    renumber[used] = np.arange(len(used), dtype=np.int64)

    codes = np.empty(length, dtype=np.int64)
    for begin in range(0, length, _CHUNK):
        end = min(begin + _CHUNK, length)
        np.take(renumber, combined[begin:end], out=codes[begin:end])
    return codes, first_row[used]


def _values_at(key: pd.Series, rows: np.ndarray) -> pd.Series:
    values = key.iloc[rows].reset_index(drop=True)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories()
    return values
