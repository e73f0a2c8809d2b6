"""Row matching for `join` and `lookup`, and gathering rows by position.

Both operators are computed in two steps: `join_indices` / `lookup_indices` find the
row pairs of the result as two int64 position arrays, and `take_rows` gathers each
side's columns, filling the missing side of an outer-join row with nulls.

The common lookup, a single ``category`` left key against unique right keys, skips the
position arrays: `kqlite.operators.category_lookup` matches it per category.

Keys are compared by value. Each key column pair is first turned into integer codes
shared by both sides (equal values, equal codes), so matching itself is integer work:
a count of right rows per code and one gather per left row. A ``category`` key is coded
through its categories, which keeps a 45-million-row left side to a few array takes.
Null keys never match (KQL compares null with ``==`` as null, not true). Strings have
no null in KQL, so ``""`` matches ``""``.

The number of result rows follows from the per-key row counts of both sides.
`join_indices` and `lookup_indices` pass it to the caller's `check_rows` before they
build any array of that length, because a self-join on a common key can pair billions
of rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kqlite.errors import KqlSemanticError

# Every join kind and its canonical name.
JOIN_KINDS = {
    "innerunique": "innerunique",
    "inner": "inner",
    "leftouter": "leftouter",
    "rightouter": "rightouter",
    "fullouter": "fullouter",
    "leftsemi": "leftsemi",
    "leftanti": "leftanti",
    "anti": "leftanti",
    "leftantisemi": "leftanti",
    "rightsemi": "rightsemi",
    "rightanti": "rightanti",
    "rightantisemi": "rightanti",
}

LOOKUP_KINDS = ("leftouter", "inner")

# Called with the number of result rows before their position arrays are built; it
# raises to stop a result too large to build (see `QueryLimits.check_rows`).
RowCheck = Callable[[int], None]


def accept_any_rows(rows: int) -> None:
    """Accept a result of any size: the `RowCheck` of a caller without a memory budget."""


def join_indices(
    left_keys: list[pd.Series], right_keys: list[pd.Series], kind: str, check_rows: RowCheck = accept_any_rows
) -> tuple[np.ndarray, np.ndarray]:
    """Return the row pairs of ``left | join kind=<kind> (right) on <keys>``.

    The result is ``(left_positions, right_positions)``, two int64 arrays of equal
    length; a position of -1 marks the missing side of an outer-join row. For
    ``leftsemi`` and ``leftanti`` only the left positions matter (the right array is all
    -1), and for ``rightsemi`` and ``rightanti`` only the right positions (the left
    array is all -1).

    Row order: inner, innerunique and leftouter keep left order, with the matches of
    one left row in right order. rightouter keeps right order. fullouter is leftouter
    followed by the unmatched right rows. The semi and anti kinds keep their side's order.

    `check_rows` is called once with the number of result rows, before the position
    arrays are built.
    """
    canonical = JOIN_KINDS.get(kind)
    if canonical is None:
        raise KqlSemanticError("KS005", f"invalid join kind '{kind}': expected one of {', '.join(JOIN_KINDS)}")
    if canonical in ("inner", "leftouter"):
        return _match_in_left_order(left_keys, right_keys, canonical == "leftouter", check_rows)
    left_codes, right_codes = key_codes(left_keys, right_keys)

    if canonical == "innerunique":
        first_rows = _first_row_per_key(left_codes)
        left, right = _match(left_codes[first_rows], right_codes, keep_unmatched=False, check_rows=check_rows)
        return first_rows[left], right
    if canonical == "rightouter":
        right, left = _match(right_codes, left_codes, keep_unmatched=True, check_rows=check_rows)
        return left, right
    if canonical == "fullouter":
        unmatched_right = np.flatnonzero(~_has_match(right_codes, left_codes))

        def check_with_unmatched(rows: int) -> None:
            check_rows(rows + len(unmatched_right))

        left, right = _match(left_codes, right_codes, keep_unmatched=True, check_rows=check_with_unmatched)
        return (
            np.concatenate([left, np.full(len(unmatched_right), -1, dtype=np.int64)]),
            np.concatenate([right, unmatched_right]),
        )

    # The semi and anti kinds keep one side's rows, those with (or without) a match.
    keep_left = canonical.startswith("left")
    own, other = (left_codes, right_codes) if keep_left else (right_codes, left_codes)
    matched = _has_match(own, other)
    kept = matched if canonical.endswith("semi") else ~matched
    check_rows(int(np.count_nonzero(kept)))
    rows = np.flatnonzero(kept).astype(np.int64)
    absent = np.full(len(rows), -1, dtype=np.int64)
    return (rows, absent) if keep_left else (absent, rows)


def lookup_indices(
    left_keys: list[pd.Series],
    right_keys: list[pd.Series],
    kind: str = "leftouter",
    check_rows: RowCheck = accept_any_rows,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the row pairs of ``left | lookup kind=<kind> (right) on <keys>``.

    Like `join_indices` with kind ``leftouter`` (the default) or ``inner``: every left
    row in left order, repeated once per matching right row, and with ``leftouter`` an
    unmatched left row once with right position -1. `check_rows` is called as in
    `join_indices`.
    """
    if kind not in LOOKUP_KINDS:
        raise KqlSemanticError("KS005", f"invalid lookup kind '{kind}': expected leftouter or inner")
    return _match_in_left_order(left_keys, right_keys, kind == "leftouter", check_rows)


def key_codes(left_keys: list[pd.Series], right_keys: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Code the key columns of both sides as int64 numbers, equal exactly when all keys are.

    A row with a null in any key gets -1.
    """
    if len(left_keys) != len(right_keys) or not left_keys:
        raise KqlSemanticError("KS119", "join keys must pair up: give the same number of keys on each side")
    left_codes, right_codes = _column_codes(left_keys[0], right_keys[0])

    for left, right in zip(left_keys[1:], right_keys[1:], strict=True):
        left_next, right_next = _column_codes(left, right)
        left_codes, right_codes = _combine_codes(left_codes, left_next, right_codes, right_next)
    return left_codes, right_codes


def take_rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Gather the rows of `frame` at `positions`; a position of -1 gives a row of nulls.

    Each column keeps its representation: a masked ``Int64`` column stays ``Int64``
    with ``pd.NA``, a string column gets ``""`` (never NaN), a ``category`` column stays
    categorical, and dynamic, guid and decimal columns get ``None``. A plain string
    column gathered into many more rows than it has (a lookup's right side) comes back
    as a ``category`` column, which kqlite also uses for strings.
    """
    positions = np.asarray(positions, dtype=np.int64)
    missing = positions < 0
    any_missing = bool(missing.any())
    if len(positions) == len(frame) and not any_missing and _is_identity(positions):
        return frame.reset_index(drop=True)

    columns = {
        number: take_column(frame.iloc[:, number], positions, missing, any_missing)
        for number in range(frame.shape[1])
    }
    result = pd.DataFrame(columns, index=pd.RangeIndex(len(positions)), copy=False)
    result.columns = frame.columns
    return result


def take_column(series: pd.Series, positions: np.ndarray, missing: np.ndarray, any_missing: bool) -> pd.Series:
    """Gather `series` at `positions`, with the column's null where `missing` is set.

    `missing` marks the positions of -1 and `any_missing` is ``missing.any()``. When
    `any_missing` is False, a position of -1 reads the last entry, as in numpy indexing.
    """
    # Every array wrapped here is new, so `copy=False` spares pandas' default copy of it.
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = series.array.codes
        categories = dtype.categories
        if any_missing or (codes < 0).any():
            # KQL strings have no null: a missing cell is "", which needs a category.
            if "" not in categories:
                categories = categories.append(pd.Index([""]))
            empty = categories.get_loc("")
            code_type = codes.dtype if len(categories) <= np.iinfo(codes.dtype).max else np.dtype(np.int32)
            codes = np.append(np.where(codes < 0, empty, codes), empty).astype(code_type)
        # Gathering codes already in pandas' smallest code type spares a conversion pass
        # over the (possibly tens of millions of) gathered codes.
        codes = codes.astype(_smallest_code_type(len(categories)), copy=False)
        # Position -1 reads the last code, which is "" whenever a position is missing.
        taken = codes[positions] if len(codes) else np.zeros(len(positions), dtype=np.int8)
        return pd.Series(pd.Categorical.from_codes(taken, categories=categories, validate=False), copy=False)

    is_text = pd.api.types.is_string_dtype(dtype) and dtype != object
    if is_text and len(positions) > 2 * len(series):
        codes, uniques = pd.factorize(series)
        factorized = pd.Series(pd.Categorical.from_codes(codes, categories=uniques), copy=False)
        return take_column(factorized, positions, missing, any_missing)
    if not any_missing:
        return pd.Series(series.array.take(positions), copy=False)
    if is_text:
        taken = series.array.take(positions, allow_fill=True)
        return pd.Series(taken, copy=False).fillna("")
    if dtype == object:
        data = series.to_numpy(dtype=object)
        taken = data[np.where(missing, 0, positions)] if len(data) else np.empty(len(positions), dtype=object)
        taken[missing] = None
        return pd.Series(taken, dtype=object, copy=False)
    return pd.Series(series.array.take(positions, allow_fill=True), copy=False)


def _smallest_code_type(category_count: int) -> np.dtype:
    # The code type pandas itself chooses for this many categories.
    for candidate in (np.int8, np.int16, np.int32):
        if category_count < np.iinfo(candidate).max:
            return np.dtype(candidate)
    return np.dtype(np.int64)


def _is_identity(positions: np.ndarray) -> bool:
    return bool(len(positions) == 0 or (positions[0] == 0 and (np.diff(positions) == 1).all()))


def _match_in_left_order(
    left_keys: list[pd.Series], right_keys: list[pd.Series], keep_unmatched: bool, check_rows: RowCheck
) -> tuple[np.ndarray, np.ndarray]:
    # A single categorical left key is matched once per category, and its rows reach
    # their partners through the category codes: one pass over the left rows.
    if len(left_keys) == 1 and isinstance(left_keys[0].dtype, pd.CategoricalDtype):
        left = left_keys[0]
        categories = pd.Series(left.cat.categories)
        category_codes, right_codes = key_codes([categories], right_keys)
        category_rows, right_rows = _match(category_codes, right_codes, keep_unmatched=False)
        return _match(left.array.codes, category_rows, keep_unmatched, right_rows, check_rows)

    left_codes, right_codes = key_codes(left_keys, right_keys)
    return _match(left_codes, right_codes, keep_unmatched, check_rows=check_rows)


def _match(
    left_codes: np.ndarray,
    right_codes: np.ndarray,
    keep_unmatched: bool,
    right_rows: np.ndarray | None = None,
    check_rows: RowCheck = accept_any_rows,
) -> tuple[np.ndarray, np.ndarray]:
    # Pairs every left code with the right entries of the same code, in left order.
    # `right_rows` gives the position reported for each right entry (default: its index).
    # `check_rows` gets the number of pairs before any array of that length is built.
    size = int(max(left_codes.max(initial=-1), right_codes.max(initial=-1))) + 1
    right_known = right_codes >= 0
    known_codes = right_codes[right_known]
    reported = np.flatnonzero(right_known) if right_rows is None else right_rows[right_known]
    count = np.bincount(known_codes, minlength=size)

    if count.max(initial=0) <= 1:
        # Fast path (unique right keys): one gather per left row. The null code -1
        # indexes the extra last slot, which contains -1.
        if keep_unmatched:
            check_rows(len(left_codes))
        partner_by_code = np.full(size + 1, -1, dtype=np.int64)
        partner_by_code[known_codes] = reported
        partner = partner_by_code[left_codes]
        if keep_unmatched:
            return np.arange(len(left_codes), dtype=np.int64), partner
        matched = partner >= 0
        check_rows(int(np.count_nonzero(matched)))
        rows = np.flatnonzero(matched).astype(np.int64)
        return rows, partner[rows]

    # General case: the right entries with code c are right_order[start[c]:start[c] + count[c]].
    start = (np.cumsum(count) - count).astype(np.int64)
    right_order = reported[np.argsort(known_codes, kind="stable")].astype(np.int64)
    left_known = left_codes >= 0
    safe_codes = np.where(left_known, left_codes, 0)
    matches = np.where(left_known, count[safe_codes], 0)

    rows_out = np.maximum(matches, 1) if keep_unmatched else matches
    check_rows(int(rows_out.sum()))
    left_positions = np.repeat(np.arange(len(left_codes), dtype=np.int64), rows_out)
    offsets = np.arange(len(left_positions), dtype=np.int64) - np.repeat(np.cumsum(rows_out) - rows_out, rows_out)
    has_partner = np.repeat(matches > 0, rows_out)
    slots = np.repeat(start[safe_codes], rows_out) + offsets
    right_positions = np.full(len(left_positions), -1, dtype=np.int64)
    right_positions[has_partner] = right_order[slots[has_partner]]
    return left_positions, right_positions


def _has_match(own_codes: np.ndarray, other_codes: np.ndarray) -> np.ndarray:
    present = np.zeros(int(max(own_codes.max(initial=-1), other_codes.max(initial=-1))) + 1, dtype=bool)
    present[other_codes[other_codes >= 0]] = True
    return (own_codes >= 0) & present[np.where(own_codes >= 0, own_codes, 0)] if len(present) else own_codes < -1


def _first_row_per_key(codes: np.ndarray) -> np.ndarray:
    # innerunique keeps one left row per key; kqlite keeps the first (Kusto keeps an arbitrary one).
    first = (codes >= 0) & ~pd.Series(codes).duplicated().to_numpy()
    return np.flatnonzero(first).astype(np.int64)


def _column_codes(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    # A categorical side is coded through its categories, so its rows are never hashed.
    if isinstance(left.dtype, pd.CategoricalDtype):
        return _categorical_codes(left, right)
    if isinstance(right.dtype, pd.CategoricalDtype):
        right_codes, left_codes = _categorical_codes(right, left)
        return left_codes, right_codes

    if left.dtype != right.dtype:
        either_real = left.dtype.kind == "f" or right.dtype.kind == "f"
        left, right = _comparable(left, either_real), _comparable(right, either_real)
    values = pd.concat([left, right], ignore_index=True)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    return codes[: len(left)], codes[len(left) :]


def _categorical_codes(categorical: pd.Series, other: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    categories = categorical.cat.categories.to_numpy(dtype=object)
    other_values = (
        other.cat.categories.to_numpy(dtype=object) if isinstance(other.dtype, pd.CategoricalDtype) else _comparable(other, False)
    )
    values = pd.concat([pd.Series(categories, dtype=object), pd.Series(other_values, dtype=object)], ignore_index=True)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    category_codes = np.append(codes[: len(categories)], -1)

    own = category_codes[categorical.array.codes]
    rest = codes[len(categories) :]
    if isinstance(other.dtype, pd.CategoricalDtype):
        rest = np.append(rest, -1)[other.array.codes]
    return own, rest


def _comparable(series: pd.Series, as_real: bool) -> pd.Series:
    # Numeric keys of different types compare by value: widen both to one dtype.
    if as_real and pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series.astype(object)
    return series


def _combine_codes(
    left_a: np.ndarray, left_b: np.ndarray, right_a: np.ndarray, right_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    # Pair codes (a, b) map to a new dense code; a null in either key makes the pair null.
    width = int(max(left_b.max(initial=-1), right_b.max(initial=-1))) + 1
    left = np.where((left_a >= 0) & (left_b >= 0), left_a * width + left_b, -1)
    right = np.where((right_a >= 0) & (right_b >= 0), right_a * width + right_b, -1)
    both = np.concatenate([left, right])
    known = both >= 0
    codes = np.full(len(both), -1, dtype=np.int64)
    codes[known] = pd.factorize(both[known])[0]
    return codes[: len(left)], codes[len(left) :]
