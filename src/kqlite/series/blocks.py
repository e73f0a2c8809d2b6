"""Conversion between a dynamic column of arrays and a 2-D float64 block.

The series functions work on a whole column at once. `to_block` packs the arrays of a
dynamic column into one float64 matrix with one row per series, where NaN pads short
rows and marks null elements. `from_block` turns a result matrix back into a dynamic
column whose values are 1-D numpy arrays.

A dynamic array arrives as a 1-D numpy array (numbers, ``datetime64[ns]`` or
``timedelta64[ns]``) or as a Python list whose null elements are ``None``. Any other
value (null, a number, a string, a property bag) is not an array: its row gets the
length -1 and the series functions return null for it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

NOT_AN_ARRAY = -1


def to_block(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Pack a dynamic column into a NaN-padded float64 block and per-row lengths.

    Null elements and elements that are not numbers (strings, bools, bags, datetimes)
    become NaN, as in Kusto, where the numeric series functions read them as null.
    A row that contains no array gets the length -1 and a row of NaN.
    """
    rows = list(values)
    arrays = [_as_float_array(value) for value in rows]
    lengths = np.array([NOT_AN_ARRAY if a is None else len(a) for a in arrays], dtype=np.int64)
    width = int(lengths.max(initial=0))

    # Fast path: every row is an array of the same length (the output of make-series).
    if rows and (lengths == width).all():
        return np.stack(arrays).reshape(len(rows), width), lengths

    block = np.full((len(rows), width), np.nan)
    for index, array in enumerate(arrays):
        if array is not None and len(array):
            block[index, : len(array)] = array
    return block, lengths


def from_block(
    block: np.ndarray,
    lengths: np.ndarray,
    integer_rows: np.ndarray | None = None,
) -> pd.Series:
    """Unpack a result block into a dynamic column of 1-D numpy arrays.

    Each value is a view of its block row cut to the row's length; a row of length -1
    gives null. Rows flagged in `integer_rows` are returned as int64 arrays, or as a
    list with ``None`` for null elements when the row has any, so that functions that
    keep the element type of integer input print integers.
    """
    data = np.empty(len(lengths), dtype=object)
    for index, length in enumerate(lengths.tolist()):
        if length < 0:
            data[index] = None
            continue
        row = block[index, :length]
        if integer_rows is not None and integer_rows[index]:
            data[index] = _as_integer_value(row)
        else:
            data[index] = row
    return pd.Series(data, dtype=object)


def from_boolean_block(block: np.ndarray, lengths: np.ndarray) -> pd.Series:
    """Unpack a block of 1.0 / 0.0 / NaN into a dynamic column of boolean arrays.

    A row without nulls becomes a numpy bool array; a row with nulls becomes a list
    with ``None`` for them.
    """
    data = np.empty(len(lengths), dtype=object)
    for index, length in enumerate(lengths.tolist()):
        if length < 0:
            data[index] = None
            continue
        row = block[index, :length]
        missing = np.isnan(row)
        if missing.any():
            data[index] = [None if gap else bool(value) for value, gap in zip(row.tolist(), missing.tolist())]
        else:
            data[index] = row.astype(bool)
    return pd.Series(data, dtype=object)


def integer_rows(values: pd.Series) -> np.ndarray:
    """Flag the rows whose array contains integers and no other numbers.

    Kusto keeps the element type in the fill functions and in integer arithmetic, so
    `[1, null, 3]` filled stays `[1, 1, 3]` rather than `[1.0, 1.0, 3.0]`.
    """
    return np.array([_is_integer_array(value) for value in values], dtype=bool)


def _as_float_array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            return None
        if value.dtype.kind in "iuf":
            return value.astype(np.float64, copy=False)
        if value.dtype.kind == "O":
            return _list_to_float(list(value))
        # NOTE: datetime, timespan and bool elements read as null; Kusto's numeric
        # series functions do not compute on them either.
        return np.full(len(value), np.nan)
    if isinstance(value, (list, tuple)):
        return _list_to_float(value)
    return None


def _list_to_float(items: Sequence[Any]) -> np.ndarray:
    if all(_is_number(item) or item is None for item in items):
        return np.array([np.nan if item is None else item for item in items], dtype=np.float64)
    return np.array([float(item) if _is_number(item) else np.nan for item in items], dtype=np.float64)


def _is_number(item: Any) -> bool:
    return isinstance(item, numbers.Real) and not isinstance(item, (bool, np.bool_))


def _is_integer_array(value: Any) -> bool:
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu":
        return value.ndim == 1
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        value = list(value)
    if not isinstance(value, (list, tuple)):
        return False
    # Elements that are not numbers read as null, so they do not decide the type.
    present = [item for item in value if _is_number(item)]
    return bool(present) and all(isinstance(item, numbers.Integral) for item in present)


def _as_integer_value(row: np.ndarray) -> np.ndarray | list[int | None]:
    missing = np.isnan(row)
    if not missing.any():
        return row.astype(np.int64)
    return [None if gap else int(value) for value, gap in zip(row.tolist(), missing.tolist())]
