"""Row order for `sort`/`order` and `top`.

Every sort key becomes a numeric code array whose ascending order is the requested
order (descending keys are negated), plus a null mask. KQL places nulls as a group,
first or last as the query (or the binder's default) requests. `real` NaN is null
in kqlite (see `kqlite.types`), so it falls in the same group. The sort is stable: rows
with equal keys keep their input order, which also makes ``top n`` return exactly the
rows of ``sort | take n``.

Strings compare ordinally (case-sensitive); a ``category`` key sorts by its string
values, not by its category codes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.types import DECIMAL, DYNAMIC, GUID, REAL, STRING, KqlType

# One sort key: the column, its KQL type, ascending?, nulls first?
SortKey = tuple[pd.Series, KqlType, bool, bool]


def sort_positions(keys: list[SortKey]) -> np.ndarray:
    """Return the row positions (int64) that put the rows in the order of `keys`.

    The first key decides; later keys break its ties; rows equal on every key keep
    their input order. The binder supplies explicit directions and null placement.
    """
    if not keys:
        raise ValueError("sort_positions needs at least one key")
    length = len(keys[0][0])

    # np.lexsort takes its primary key last, so the columns are gathered in reverse.
    columns: list[np.ndarray] = []
    for series, kql_type, ascending, nulls_first in reversed(keys):
        code, null = sort_codes(series, kql_type, ascending)
        columns.append(code)
        if null.any():
            columns.append(_null_rank(null, nulls_first))

    if len(columns) == 1:
        return np.argsort(columns[0], kind="stable").astype(np.int64)
    return np.lexsort(columns).astype(np.int64) if length else np.zeros(0, dtype=np.int64)


def top_positions(key: pd.Series, kql_type: KqlType, n: int, ascending: bool, nulls_first: bool) -> np.ndarray:
    """Return the positions of the first `n` rows in the order of one sort key.

    The same rows, in the same order, as ``sort_positions([...])[:n]``. For a small `n`
    a partial selection (np.partition) replaces the full sort.
    """
    n = max(0, min(n, len(key)))
    if n * 8 >= len(key):
        return sort_positions([(key, kql_type, ascending, nulls_first)])[:n]

    code, null = sort_codes(key, kql_type, ascending)
    nulls = np.flatnonzero(null)
    known = np.flatnonzero(~null)
    if nulls_first:
        head = nulls[:n]
        return np.concatenate([head, _smallest(code, known, n - len(head))]).astype(np.int64)
    head = _smallest(code, known, n)
    return np.concatenate([head, nulls[: n - len(head)]]).astype(np.int64)


def sort_codes(series: pd.Series, kql_type: KqlType, ascending: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, null mask) for one key: sorting the codes ascending gives the key's order."""
    code, null = _ascending_codes(series, kql_type)
    if ascending:
        return code, null
    # Negation reverses the order; for integers ~x does so without overflow at the minimum.
    return (-code if code.dtype.kind == "f" else ~code), null


def _ascending_codes(series: pd.Series, kql_type: KqlType) -> tuple[np.ndarray, np.ndarray]:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        category_rank = _dense_rank(pa.array(dtype.categories.to_numpy(dtype=object), type=pa.large_string()))
        codes = series.array.codes.astype(np.int64)
        return np.append(category_rank, 0)[codes], codes < 0
    if kql_type is STRING:
        return _dense_rank(pa.array(series, type=pa.large_string(), from_pandas=True)), np.zeros(len(series), bool)
    if kql_type is REAL:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        null = np.isnan(values)
        return np.where(null, 0.0, values), null
    if kql_type in (DECIMAL, GUID, DYNAMIC):
        return _object_rank(series, kql_type)

    # bool, int, long, datetime and timespan all order as their int64 values.
    null = series.isna().to_numpy()
    if dtype.kind in "mM":
        return series.to_numpy().view(np.int64).copy(), null
    return series.to_numpy(dtype=np.int64, na_value=0), null


def _dense_rank(values: pa.Array) -> np.ndarray:
    # Arrow compares strings by their UTF-8 bytes, which is code-point order.
    # NOTE: .NET ordinal order compares UTF-16 units, so characters above U+FFFF sort
    # after U+E000..U+FFFF in Kusto and before them here.
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    ranks = pc.rank(values, sort_keys="ascending", tiebreaker="dense")
    return ranks.to_numpy().astype(np.int64)


def _object_rank(series: pd.Series, kql_type: KqlType) -> tuple[np.ndarray, np.ndarray]:
    # decimal sorts by value and a guid by its text, whose order is the field order of
    # .NET Core's Guid.CompareTo.
    data = series.to_numpy(dtype=object)
    null = np.fromiter((value is None for value in data), dtype=bool, count=len(data))
    if kql_type is DYNAMIC:
        # NOTE: Kusto's order of dynamic values is not documented; kqlite orders them by
        # their JSON text.
        data = np.array([json.dumps(value, default=str, sort_keys=True) for value in data], dtype=object)
    codes, uniques = pd.factorize(pd.Series(data, dtype=object), use_na_sentinel=True)
    keys = [str(value) for value in uniques] if kql_type is GUID else list(uniques)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return np.append(rank, 0)[codes], null


def _null_rank(null: np.ndarray, nulls_first: bool) -> np.ndarray:
    return (~null if nulls_first else null).astype(np.int8)


def _smallest(code: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    # The k candidates with the smallest codes, ties taken in position order, sorted.
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    values = code[candidates]
    if k >= len(values):
        return candidates[np.argsort(values, kind="stable")]

    threshold = np.partition(values, k - 1)[k - 1]
    below = candidates[values < threshold]
    tied = candidates[values == threshold][: k - len(below)]
    chosen = np.concatenate([below, tied])
    return chosen[np.lexsort((chosen, code[chosen]))]
