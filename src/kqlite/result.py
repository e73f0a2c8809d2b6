"""Result: one result table of a query or command, with its KQL schema."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions.values import format_datetime_iso as format_datetime
from kqlite.functions.values import format_timespan_text as format_timespan
from kqlite.table import Columns
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType


@dataclass(frozen=True, slots=True)
class Result:
    """A result table: KQL column names and types, the data, and the render request.

    `visualization` is None unless the query ended with `render`; then it is
    ``{"type": "anomalychart", "properties": {...}}``.
    """

    schema: Columns
    frame: pd.DataFrame
    visualization: dict[str, Any] | None = None

    @property
    def columns(self) -> list[tuple[str, str]]:
        """The columns as (name, KQL type name) pairs."""
        return [(name, str(kql_type)) for name, kql_type in self.schema]

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self) -> list[tuple[Any, ...]]:
        """Convert the rows to tuples of plain Python values.

        None is null; datetimes are UTC-aware `datetime`, timespans `timedelta`, dynamic
        values lists, dicts and scalars (datetimes inside them as ISO-8601 text). Python's
        datetime and timedelta hold microseconds, so the seventh fractional digit of a
        Kusto time (100 ns ticks) is dropped here; `display_rows` keeps it.
        """
        columns = [python_values(self.frame.iloc[:, number], kql_type) for number, (_, kql_type) in enumerate(self.schema)]
        return list(zip(*columns, strict=True)) if columns else []

    def display_rows(self) -> list[tuple[Any, ...]]:
        """Convert the rows as `rows` does, but give datetimes and timespans as pandas values.

        `pd.Timestamp` and `pd.Timedelta` are `datetime` and `timedelta` that keep
        nanoseconds, so the command line can print all seven fractional digits Kusto prints.
        """
        columns = []
        for number, (_, kql_type) in enumerate(self.schema):
            series = self.frame.iloc[:, number]
            if kql_type is DATETIME:
                columns.append([None if value is pd.NaT else value.tz_localize("UTC") for value in series])
            elif kql_type is TIMESPAN:
                columns.append([None if value is pd.NaT else value for value in series])
            else:
                columns.append(python_values(series, kql_type))
        return list(zip(*columns, strict=True)) if columns else []

    def to_pandas(self) -> pd.DataFrame:
        """Copy the data into a DataFrame with the result's column names."""
        frame = self.frame.copy()
        frame.columns = [name for name, _ in self.schema]
        return frame


def python_values(series: pd.Series, kql_type: KqlType) -> list[Any]:
    """Convert a column to a list of plain Python values (see `Result.rows`)."""
    if kql_type in (INT, LONG, BOOL):
        return [None if value is pd.NA else value for value in series.astype(object).tolist()]
    if kql_type is REAL:
        return [None if np.isnan(value) else float(value) for value in series.to_numpy(dtype=np.float64, na_value=np.nan)]
    if kql_type is STRING:
        return [str(value) for value in series.astype(object).tolist()]
    if kql_type is DATETIME:
        # to_pydatetime drops nanoseconds (see `Result.rows`); warn=False keeps pandas quiet about it.
        return [None if value is pd.NaT else value.to_pydatetime(warn=False).replace(tzinfo=dt.timezone.utc) for value in series]
    if kql_type is TIMESPAN:
        return [None if value is pd.NaT else value.to_pytimedelta() for value in series]
    if kql_type is GUID:
        return [None if value is None else str(value) for value in series]
    if kql_type is DECIMAL:
        return [None if value is None else decimal.Decimal(value) for value in series]
    return [json_value(value) for value in series]


def json_value(value: Any) -> Any:
    """Convert a dynamic value to JSON-like Python: lists, dicts, numbers, strings, None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return [None if np.isnat(item) else format_datetime(pd.Timestamp(item)) for item in value]
        if value.dtype.kind == "m":
            return [None if np.isnat(item) else format_timespan(pd.Timedelta(item)) for item in value]
        if value.dtype.kind == "f":
            return [None if np.isnan(item) else float(item) for item in value.tolist()]
        return [json_value(item) for item in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, pd.Timestamp | dt.datetime):
        return format_datetime(pd.Timestamp(value))
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return format_timespan(pd.Timedelta(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
