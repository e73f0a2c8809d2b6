"""Turning evaluated values into columns of the right representation.

Expressions evaluate to a pandas Series or to one Python value that stands for every
row. Before a value becomes a column of a result it is brought to the dtype
`kqlite.types` gives for its KQL type and to a fresh RangeIndex, so that later
operators can mix columns by position.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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


def to_column(value: Any, kql_type: KqlType, length: int) -> pd.Series:
    """Return `value` as a Series of `length` rows in the representation of `kql_type`."""
    if isinstance(value, pd.Series):
        series = value if isinstance(value.index, pd.RangeIndex) and value.index.start == 0 else value.reset_index(drop=True)
        return _conform(series, kql_type)
    return constant_column(value, kql_type, length)


def constant_column(value: Any, kql_type: KqlType, length: int) -> pd.Series:
    """Broadcast one value to a column of `length` rows."""
    if kql_type in (INT, LONG):
        dtype = np.int32 if kql_type is INT else np.int64
        if value is None or value is pd.NA:
            array = pd.arrays.IntegerArray(np.zeros(length, dtype=dtype), np.ones(length, dtype=bool))
        else:
            array = pd.arrays.IntegerArray(np.full(length, int(value), dtype=dtype), np.zeros(length, dtype=bool))
        return pd.Series(array)
    if kql_type is REAL:
        number = np.nan if value is None or value is pd.NA else float(value)
        return pd.Series(np.full(length, number, dtype=np.float64))
    if kql_type is BOOL:
        if value is None or value is pd.NA:
            return pd.Series(pd.arrays.BooleanArray(np.zeros(length, dtype=bool), np.ones(length, dtype=bool)))
        return pd.Series(pd.arrays.BooleanArray(np.full(length, bool(value)), np.zeros(length, dtype=bool)))
    if kql_type is STRING:
        text = "" if value is None else str(value)
        return pd.Series(np.full(length, text, dtype=object), dtype=PANDAS_DTYPES[STRING])
    if kql_type is DATETIME:
        stamp = pd.Timestamp(value) if value is not None else pd.NaT
        value = np.datetime64("NaT", "ns") if stamp is pd.NaT else stamp.to_datetime64()
        return pd.Series(np.full(length, value, dtype="datetime64[ns]"))
    if kql_type is TIMESPAN:
        # A conversion that overflows (totimespan(real(-inf))) arrives as NaT: null.
        span = pd.Timedelta(value) if value is not None else pd.NaT
        value = np.timedelta64("NaT", "ns") if span is pd.NaT else span.to_timedelta64()
        return pd.Series(np.full(length, value, dtype="timedelta64[ns]"))

    # decimal, guid and dynamic are Python objects; one shared object per row is fine
    # because kqlite never mutates a dynamic value in place.
    data = np.empty(length, dtype=object)
    for position in range(length):
        data[position] = value
    return pd.Series(data, dtype=object)


def _conform(series: pd.Series, kql_type: KqlType) -> pd.Series:
    dtype = series.dtype
    if kql_type is STRING:
        if isinstance(dtype, pd.CategoricalDtype) or dtype == PANDAS_DTYPES[STRING]:
            return series
        return series.astype(PANDAS_DTYPES[STRING]).fillna("")
    if kql_type in (INT, LONG, BOOL):
        wanted = PANDAS_DTYPES[kql_type]
        return series if dtype == wanted else series.astype(wanted)
    if kql_type is REAL:
        if dtype == np.float64:
            return series
        return pd.Series(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if kql_type is DATETIME:
        if dtype == np.dtype("datetime64[ns]"):
            return series
        if isinstance(dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series.astype("datetime64[ns]")
    if kql_type is TIMESPAN:
        return series if dtype == np.dtype("timedelta64[ns]") else series.astype("timedelta64[ns]")
    if kql_type in (DYNAMIC, GUID, DECIMAL) and dtype != object:
        return series.astype(object)
    return series


def column_from_values(values: list[Any], kql_type: KqlType) -> pd.Series:
    """Build a column from a list of Python values (datatable rows, command results)."""
    if kql_type in (INT, LONG):
        return pd.Series(pd.array([None if v is None else int(v) for v in values], dtype=PANDAS_DTYPES[kql_type]))
    if kql_type is REAL:
        return pd.Series(np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64))
    if kql_type is BOOL:
        return pd.Series(pd.array(values, dtype="boolean"))
    if kql_type is STRING:
        return pd.Series(["" if v is None else str(v) for v in values], dtype=PANDAS_DTYPES[STRING])
    if kql_type is DATETIME:
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_localize(None), dtype="datetime64[ns]")
    if kql_type is TIMESPAN:
        return pd.Series(pd.to_timedelta(pd.Series(values, dtype=object)), dtype="timedelta64[ns]")
    data = np.empty(len(values), dtype=object)
    for position, value in enumerate(values):
        data[position] = value
    return pd.Series(data, dtype=object)


def empty_frame(columns: tuple[tuple[str, KqlType], ...]) -> pd.DataFrame:
    return pd.DataFrame({name: column_from_values([], kql_type) for name, kql_type in columns})


def first_value(series: pd.Series) -> Any:
    """Return the first element of a column as a Python value in kqlite's representation."""
    if len(series) == 0:
        return None
    value = series.iloc[0]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
