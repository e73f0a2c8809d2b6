"""Lookup on one ``category`` key, matched per category instead of per row.

It applies to a `lookup`, or an ``inner`` or ``leftouter`` join, on a single key
whose left column is a ``category`` and whose right key values are unique (the
usual lookup of a fact table against a dimension table). Then each left category
has at most one right partner, so `category_pairs` pairs the categories with
their right rows. `take_paired_rows` gathers each right column once per category
and spreads it to the rows with one gather of the left category codes. On a
45-million-row left side this replaces several 45-million-element int64
position arrays with one array of codes per right column.

The result rows, their order and their dtypes are those of `lookup_indices`
followed by `take_rows` in `kqlite.operators.join`. Any other lookup or join
takes that general path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kqlite.operators.join import JOIN_KINDS, key_codes, take_column, take_rows


@dataclass(frozen=True)
class CategoryPairs:
    """The row pairs of a lookup, or inner or leftouter join, on one ``category`` key.

    Result row i pairs left row ``left_rows[i]`` with right row
    ``partner_by_code[left_codes[i]]`` (-1: no partner). These are the pairs that
    `lookup_indices` returns, in the same order, without the position arrays.
    """

    # The left key's category codes of the result rows, with -1 for a null key.
    left_codes: np.ndarray
    # int64: the right row of each category, and a last -1 that code -1 reads.
    partner_by_code: np.ndarray
    # The left row of each result row as int64 positions, or None when the result
    # keeps every left row once, in order.
    left_rows: np.ndarray | None
    # Whether some result row has no right partner (its right columns are null).
    has_unmatched: bool

    def __len__(self) -> int:
        return len(self.left_codes)

    def right_positions(self) -> np.ndarray:
        """Return the right row of each result row as int64 positions, -1 for none."""
        return self.partner_by_code[self.left_codes]


def category_pairs(left_keys: list[pd.Series], right_keys: list[pd.Series], kind: str) -> CategoryPairs | None:
    """Match the rows of a lookup or join per category of its left key, when that applies.

    It applies to kinds ``inner`` and ``leftouter`` on a single key whose left column is
    a ``category`` and whose right values are unique. Otherwise the result is None and
    the caller uses `lookup_indices` or `join_indices` (which also raise for invalid
    kinds and keys).
    """
    if JOIN_KINDS.get(kind) not in ("inner", "leftouter") or len(left_keys) != 1 or len(right_keys) != 1:
        return None
    left = left_keys[0]
    if not isinstance(left.dtype, pd.CategoricalDtype):
        return None

    category_codes, right_codes = key_codes([pd.Series(left.cat.categories)], right_keys)
    right_known = right_codes >= 0
    known_codes = right_codes[right_known]
    size = int(max(category_codes.max(initial=-1), right_codes.max(initial=-1))) + 1
    if np.bincount(known_codes, minlength=size).max(initial=0) > 1:
        return None

    # Key code -1 (null) reads the extra last slot, which stays -1, so nulls never match.
    partner_by_key = np.full(size + 1, -1, dtype=np.int64)
    partner_by_key[known_codes] = np.flatnonzero(right_known)
    partner_by_code = np.append(partner_by_key[category_codes], np.int64(-1))

    codes = left.array.codes
    matched = _matched_rows(codes, partner_by_code)
    if matched is None or JOIN_KINDS[kind] == "leftouter":
        return CategoryPairs(codes, partner_by_code, None, matched is not None)
    left_rows = np.flatnonzero(matched).astype(np.int64, copy=False)
    return CategoryPairs(codes[left_rows], partner_by_code, left_rows, False)


def _matched_rows(codes: np.ndarray, partner_by_code: np.ndarray) -> np.ndarray | None:
    # Marks the left rows that have a partner, or returns None when all of them do.
    if (partner_by_code[:-1] >= 0).all():
        # Every category has a partner, so only the null-key rows (code -1) lack one,
        # and a scan of the narrow codes finds whether there are any.
        return codes >= 0 if codes.min(initial=0) < 0 else None
    matched = (partner_by_code >= 0)[codes]
    return None if matched.all() else matched


def take_paired_rows(frame: pd.DataFrame, pairs: CategoryPairs) -> pd.DataFrame:
    """Gather the right rows of `pairs` from `frame`.

    The result equals ``take_rows(frame, pairs.right_positions())``, dtypes and
    categories included. Each column is first gathered per left category, then spread
    to the result rows with one gather of the left codes, so no array of row positions
    is built.
    """
    if len(pairs) <= 2 * len(frame):
        # With at most about two rows per right row, positions cost little. `take_rows`
        # also keeps a plain string column plain only in this case.
        return take_rows(frame, pairs.right_positions())

    # The -1 entries of unmatched categories are filled with nulls only when a result
    # row reads them. Otherwise `take_column` reads them as the last right row (numpy
    # indexing), an entry no row uses, so the columns keep `take_rows`' dtypes.
    missing = pairs.partner_by_code < 0

    columns = {}
    for number in range(frame.shape[1]):
        series = frame.iloc[:, number]
        is_text = pd.api.types.is_string_dtype(series.dtype) and series.dtype != object
        if is_text and not isinstance(series.dtype, pd.CategoricalDtype):
            # `take_rows` turns a string column gathered into many rows into a category.
            codes, uniques = pd.factorize(series)
            series = pd.Series(pd.Categorical.from_codes(codes, categories=uniques), copy=False)
        per_category = take_column(series, pairs.partner_by_code, missing, pairs.has_unmatched)
        columns[number] = _spread_by_code(per_category, pairs.left_codes)
    result = pd.DataFrame(columns, index=pd.RangeIndex(len(pairs)), copy=False)
    result.columns = frame.columns
    return result


def _spread_by_code(per_category: pd.Series, codes: np.ndarray) -> pd.Series:
    # Row i takes per_category[codes[i]], and code -1 takes the last entry. Numpy fancy
    # indexing reads the narrow codes as they are, where `take` would first copy them
    # into an int64 array as long as the result.
    dtype = per_category.dtype
    array = per_category.array
    if isinstance(dtype, pd.CategoricalDtype):
        taken = per_category.array.codes[codes]
        return pd.Series(pd.Categorical.from_codes(taken, dtype=dtype, validate=False), copy=False)
    if isinstance(array, (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)):
        values = array.to_numpy(dtype=dtype.numpy_dtype, na_value=dtype.numpy_dtype.type(0))
        mask = per_category.isna().to_numpy()
        return pd.Series(type(array)(values[codes], mask[codes]), copy=False)
    if isinstance(dtype, np.dtype):
        return pd.Series(per_category.to_numpy()[codes], dtype=dtype, copy=False)
    return pd.Series(array.take(codes.astype(np.int64)), copy=False)
