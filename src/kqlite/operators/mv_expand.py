"""The `mv-expand` operator: one output row per element of dynamic arrays and bags.

Several expanded columns of one ``mv-expand`` run in parallel: input row i gives as
many rows as its longest expanded value, and shorter values are padded with null.
Per value: a null gives one row containing null, and an empty array or bag gives no
row. A property bag gives one row per property: a single-entry bag ``{"k": v}`` with
``kind=bag``, a ``["k", v]`` pair with ``kind=array``. Any other scalar gives one row
containing it. Columns that are not expanded are copied to every output row.

A column of equal-length numpy arrays (a make-series result) expands with one
concatenation and no Python work per element.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from kqlite.errors import KqlSemanticError
from kqlite.operators.join import take_rows
from kqlite.types import (
    BOOL,
    DATETIME,
    DECIMAL,
    DYNAMIC,
    GUID,
    INT,
    LONG,
    PANDAS_DTYPES,
    REAL,
    STRING,
    TIMESPAN,
    KqlType,
)

# One expanded column: the frame column to expand, the output name, and the
# `to typeof(T)` type (None keeps it dynamic).
ExpandItem = tuple[str, str, KqlType | None]

MVEXPAND_KINDS = ("bag", "array")


@dataclass(frozen=True, slots=True)
class _Elements:
    """The elements of one column's values, flattened: value i owns elements[offsets[i]:offsets[i] + lengths[i]]."""

    elements: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray


def mv_expand(
    frame: pd.DataFrame,
    items: list[ExpandItem],
    kind: str = "bag",
    with_itemindex: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Expand the dynamic columns named in `items` into rows.

    Output columns: the input columns in their order, an item whose output name is an
    input column replaces that column in place, other output names follow in item
    order, and `with_itemindex` (a ``long`` 0-based element index) comes last. `limit`
    caps the rows produced per input row.
    """
    if kind not in MVEXPAND_KINDS:
        raise KqlSemanticError("KS005", f"invalid mv-expand kind '{kind}': expected bag or array")
    flattened = [_flatten(frame[source], kind) for source, _, _ in items]

    # Rows per input row: the longest of its values, capped by the limit.
    counts = np.maximum.reduce([part.lengths for part in flattened]) if flattened else np.ones(len(frame), np.int64)
    if limit is not None:
        counts = np.minimum(counts, max(limit, 0))
    rows = np.repeat(np.arange(len(frame), dtype=np.int64), counts)
    index = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)

    result = take_rows(frame, rows)
    for (_, output_name, to_type), part in zip(items, flattened, strict=True):
        result[output_name] = _expanded_column(part, rows, index, to_type)
    if with_itemindex is not None:
        result[with_itemindex] = pd.array(index, dtype=PANDAS_DTYPES[LONG])
    return result


def _flatten(values: pd.Series, kind: str) -> _Elements:
    data = values.to_numpy(dtype=object)
    fast = _flatten_arrays(data)
    if fast is not None:
        return fast

    lengths = np.fromiter((_length(value) for value in data), dtype=np.int64, count=len(data))
    elements = list(chain.from_iterable(_elements(value, kind) for value in data))
    flat = np.empty(len(elements), dtype=object)
    flat[:] = elements
    return _Elements(flat, lengths, np.cumsum(lengths) - lengths)


def _flatten_arrays(data: np.ndarray) -> _Elements | None:
    # Fast path: every value is a 1-D numpy array of one dtype.
    if not len(data) or not all(isinstance(value, np.ndarray) and value.ndim == 1 for value in data):
        return None
    if len({value.dtype for value in data}) != 1:
        return None
    lengths = np.fromiter((len(value) for value in data), dtype=np.int64, count=len(data))
    return _Elements(np.concatenate(list(data)), lengths, np.cumsum(lengths) - lengths)


def _length(value: object) -> int:
    if isinstance(value, (list, dict, np.ndarray)):
        return len(value)
    return 1


def _elements(value: object, kind: str) -> Iterable[object]:
    if isinstance(value, dict):
        if kind == "bag":
            return ({key: item} for key, item in value.items())
        return ([key, item] for key, item in value.items())
    if isinstance(value, np.ndarray):
        return _array_elements(value)
    if isinstance(value, list):
        return value
    return (value,)


def _array_elements(array: np.ndarray) -> list[object]:
    # A numpy array is a dynamic array of numbers, datetimes or timespans; NaN is null.
    if array.dtype.kind in "mM":
        return [None if pd.isna(item) else item for item in pd.Series(array).astype(object)]
    if array.dtype.kind == "f":
        return [None if np.isnan(item) else float(item) for item in array]
    return array.tolist()


def _expanded_column(part: _Elements, rows: np.ndarray, index: np.ndarray, to_type: KqlType | None) -> pd.Series:
    # Element `index` of row `rows`, or null past the end of a shorter value.
    present = index < part.lengths[rows]
    chosen = part.elements[(part.offsets[rows] + index)[present]]
    # `spread` puts the chosen elements back in their rows, with nulls between them.
    spread = np.where(present, np.cumsum(present) - 1, -1)
    target = to_type or DYNAMIC

    if part.elements.dtype != object:
        typed = _cast_numpy(chosen, target)
        if typed is not None:
            return pd.Series(typed.take(spread, allow_fill=True))
        chosen = np.asarray(_array_elements(chosen), dtype=object) if len(chosen) else np.empty(0, dtype=object)

    objects = np.full(len(rows), None, dtype=object)
    objects[present] = chosen
    return _cast_objects(objects, target)


def _cast_numpy(chosen: np.ndarray, target: KqlType) -> pd.api.extensions.ExtensionArray | None:
    # Typed expansion of a numpy block without Python work per element; None when the
    # element kind needs the per-element rules.
    kind = chosen.dtype.kind
    if target in (INT, LONG) and kind in "iu":
        return _integer_array(chosen.astype(np.float64) if kind == "u" else chosen.astype(np.int64), target)
    if target in (INT, LONG) and kind == "f":
        return _integer_array(chosen, target)
    if target is REAL and kind in "iuf":
        return pd.arrays.NumpyExtensionArray(chosen.astype(np.float64))
    if (target is DATETIME and kind == "M") or (target is TIMESPAN and kind == "m"):
        return pd.array(chosen.astype(PANDAS_DTYPES[target]))
    if target is BOOL and kind == "b":
        return pd.array(chosen, dtype=PANDAS_DTYPES[BOOL])
    return None


def _integer_array(values: np.ndarray, target: KqlType) -> pd.api.extensions.ExtensionArray:
    # A real element cast to int or long truncates toward zero, as tolong() does;
    # NaN and values outside the type's range become null.
    bits = 32 if target is INT else 64
    if values.dtype.kind == "i":
        fits = (values >= -(2 ** (bits - 1))) & (values < 2 ** (bits - 1))
        data = np.where(fits, values, 0)
    else:
        truncated = np.trunc(values)
        fits = np.isfinite(truncated) & (truncated >= -(2.0 ** (bits - 1))) & (truncated < 2.0 ** (bits - 1))
        data = np.where(fits, truncated, 0).astype(np.int64)
    return pd.arrays.IntegerArray(data.astype(np.int32 if target is INT else np.int64), ~fits)


def _cast_objects(values: np.ndarray, target: KqlType) -> pd.Series:
    # `to typeof(T)` only casts: an element that is not already of a kind T accepts
    # becomes null (or "" for string). Strings are never parsed.
    if target is DYNAMIC:
        return pd.Series(values, dtype=object)
    if target is STRING:
        return pd.Series([value if isinstance(value, str) else "" for value in values], dtype=PANDAS_DTYPES[STRING])
    if target is REAL:
        return pd.Series([_real(value) for value in values], dtype=np.float64)
    if target in (INT, LONG):
        limit = 2**31 if target is INT else 2**63
        integers = [_integer(value, limit) for value in values]
        return pd.Series(pd.array(integers, dtype=PANDAS_DTYPES[target]))
    if target is BOOL:
        flags = [value if isinstance(value, (bool, np.bool_)) else None for value in values]
        return pd.Series(pd.array(flags, dtype=PANDAS_DTYPES[BOOL]))
    if target is DATETIME:
        stamps = [value if isinstance(value, (pd.Timestamp, np.datetime64)) else None for value in values]
        return pd.Series(pd.to_datetime(pd.Series(stamps, dtype=object)), dtype=PANDAS_DTYPES[DATETIME])
    if target is TIMESPAN:
        spans = [value if isinstance(value, (pd.Timedelta, np.timedelta64)) else None for value in values]
        return pd.Series(pd.to_timedelta(pd.Series(spans, dtype=object)), dtype=PANDAS_DTYPES[TIMESPAN])
    if target is GUID:
        return pd.Series([value if isinstance(value, uuid.UUID) else None for value in values], dtype=object)
    return pd.Series([_decimal(value) for value in values], dtype=object)


def _real(value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or value is None:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating, decimal.Decimal)):
        return float(value)
    return np.nan


def _integer(value: object, limit: int) -> int | None:
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating, decimal.Decimal)) and np.isfinite(float(value)):
        number = int(value)
    else:
        return None
    return number if -limit <= number < limit else None


def _decimal(value: object) -> decimal.Decimal | None:
    if isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return decimal.Decimal(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return decimal.Decimal(repr(float(value)))
    return None
