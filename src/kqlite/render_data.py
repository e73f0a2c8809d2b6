"""Read the lines (or bars, or slices) of a chart out of a result table, as `render` describes it.

KQL's render model splits a result into three kinds of columns: the x column (`xcolumn`), the series
columns (`series`: each distinct combination of their values is one series) and the
y columns (`ycolumns`: one measure per record and y column). Properties a query does
not give are guessed: x is the first datetime column for time charts and the first
column otherwise, y is every numeric column, and series is every other string-like column.

Two shapes of data are read:

* long data, one row per point (``summarize count() by bin(Timestamp, 1h), State``);
* make-series data, where the x and y columns hold dynamic arrays and each row is one
  series. Rows whose series values repeat (``mv-expand`` of one column, then ``top``,
  as in the anomaly query of the Kusto Detective Agency) are drawn once.

For an anomaly chart, the `anomalycolumns` columns mark points where they are not zero:
arrays of the same length as a series in make-series data, scalar columns in long data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType

NUMERIC = (INT, LONG, REAL, DECIMAL)
LABEL_TYPES = (STRING, BOOL, GUID)
TIME_CHARTS = ("timechart", "anomalychart")
# Beyond this many series a chart is unreadable; the first ones are drawn.
MAX_SERIES = 40


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a chart: one y column of one series, with the points that are anomalies.

    `series` names the series (its series-column values); `label` adds the y column when
    a series has several.
    """

    label: str
    series: str
    x: np.ndarray
    y: np.ndarray
    y_column: str
    anomalies: np.ndarray | None = None


@dataclass(slots=True)
class ChartData:
    """The lines of one chart, and the column names its axes are titled after."""

    chart_type: str
    properties: dict[str, Any]
    lines: list[Line] = field(default_factory=list)
    x_column: str | None = None
    y_columns: tuple[str, ...] = ()
    x_is_categorical: bool = False
    series_left_out: int = 0


def chart_data(result: Any) -> ChartData:
    """Collect the series of `result` (a `kqlite.result.Result` with a visualization) to draw."""
    visualization = result.visualization or {}
    chart_type = str(visualization.get("type", "table")).lower()
    properties = {str(key).lower(): value for key, value in (visualization.get("properties") or {}).items()}
    data = ChartData(chart_type=chart_type, properties=properties)

    frame = result.to_pandas()
    schema: dict[str, KqlType] = dict(result.schema)
    anomaly_columns = [name for name in column_list(properties.get("anomalycolumns")) if name in schema]

    if _is_series_shaped(frame, schema, properties):
        _read_series_rows(data, frame, schema, anomaly_columns)
    else:
        _read_long_rows(data, frame, schema, anomaly_columns)
    return data


def column_list(value: Any) -> list[str]:
    """Read a column-list property: a tuple of names, or one name, or none."""
    if value is None:
        return []
    if isinstance(value, (tuple, list)):
        return [str(item) for item in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _is_series_shaped(frame: pd.DataFrame, schema: dict[str, KqlType], properties: dict[str, Any]) -> bool:
    wanted = column_list(properties.get("ycolumns")) or [name for name, kql_type in schema.items() if kql_type is DYNAMIC]
    return any(schema.get(name) is DYNAMIC and _holds_arrays(frame[name]) for name in wanted)


def _holds_arrays(column: pd.Series) -> bool:
    for value in column.head(5):
        if isinstance(value, (np.ndarray, list, tuple)):
            return True
    return False


def _numeric_array(value: Any) -> np.ndarray:
    if not isinstance(value, (np.ndarray, list, tuple)):
        return np.array([], dtype=np.float64)
    return pd.to_numeric(pd.Series(list(value), dtype=object), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _axis_array(value: Any) -> np.ndarray:
    array = np.asarray(value if isinstance(value, (np.ndarray, list, tuple)) else [])
    if array.dtype.kind in "Mm":
        return array
    if array.dtype.kind == "O" and len(array) and isinstance(array[0], str):
        parsed = pd.to_datetime(pd.Series(array), errors="coerce", utc=True)
        if parsed.notna().all():
            return parsed.dt.tz_localize(None).to_numpy()
    return _numeric_array(array)


# ---------------------------------------------------------------------------------------
# make-series data: arrays per row


def _read_series_rows(data: ChartData, frame: pd.DataFrame, schema: dict[str, KqlType], anomaly_columns: list[str]) -> None:
    arrays = [name for name, kql_type in schema.items() if kql_type is DYNAMIC and _holds_arrays(frame[name])]
    x_column = data.properties.get("xcolumn")
    if x_column not in schema:
        x_column = next((name for name in arrays if _axis_array(frame[name].iloc[0]).dtype.kind == "M"), None)
    y_columns = column_list(data.properties.get("ycolumns")) or [
        name for name in arrays if name != x_column and name not in anomaly_columns and _is_numeric_array(frame[name])
    ]
    y_columns = [name for name in y_columns if name in schema and name != x_column]
    series = column_list(data.properties.get("series")) or [
        name for name, kql_type in schema.items() if kql_type in LABEL_TYPES and name != x_column
    ]
    series = [name for name in series if name in schema]

    data.x_column, data.y_columns = x_column, tuple(y_columns)
    keys = frame[series].astype(str) if series else pd.DataFrame(index=frame.index)
    first_rows = np.flatnonzero(~keys.duplicated().to_numpy()) if series else np.arange(len(frame))
    data.series_left_out = max(0, len(first_rows) - MAX_SERIES)
    for position in first_rows[:MAX_SERIES]:
        row = frame.iloc[position]
        key = tuple(keys.iloc[position]) if series else ()
        _add_row_lines(data, row, key, x_column, y_columns, anomaly_columns)


def _is_numeric_array(column: pd.Series) -> bool:
    sample = next((value for value in column if isinstance(value, (np.ndarray, list, tuple)) and len(value)), None)
    if sample is None:
        return False
    array = np.asarray(sample)
    if array.dtype.kind in "iufb":
        return True
    return array.dtype.kind == "O" and all(item is None or isinstance(item, (int, float)) for item in array[:20])


def _add_row_lines(
    data: ChartData, row: pd.Series, key: tuple[str, ...], x_column: str | None, y_columns: list[str], anomaly_columns: list[str]
) -> None:
    for number, y_column in enumerate(y_columns):
        y = _numeric_array(row[y_column])
        x = _axis_array(row[x_column]) if x_column else np.arange(len(y))
        if len(x) != len(y):
            x = np.arange(len(y))

        # Anomalies are marked on the first y column, the measured values; the others
        # (a baseline, an expected value) are drawn for comparison.
        anomalies = None
        if number == 0 and data.chart_type == "anomalychart":
            anomalies = _array_flags(row, anomaly_columns, len(y))
        series = " / ".join(key) if key else y_column
        label = f"{series}: {y_column}" if key and len(y_columns) > 1 else series
        data.lines.append(Line(label=label, series=series, x=x, y=_accumulated(y, data.properties), y_column=y_column, anomalies=anomalies))


def _array_flags(row: pd.Series, anomaly_columns: list[str], length: int) -> np.ndarray | None:
    flags = np.zeros(length, dtype=bool)
    found = False
    for name in anomaly_columns:
        # NOTE: a scalar anomaly column next to array series (the score after an
        # mv-expand of that column alone) has no per-point meaning, so it is skipped.
        values = _numeric_array(row[name])
        if len(values) != length:
            continue
        flags |= np.nan_to_num(values) != 0
        found = True
    return flags if found else None


# ---------------------------------------------------------------------------------------
# Long data: one row per point


def _read_long_rows(data: ChartData, frame: pd.DataFrame, schema: dict[str, KqlType], anomaly_columns: list[str]) -> None:
    names = list(schema)
    if not names or frame.empty:
        return
    x_column = data.properties.get("xcolumn")
    if x_column not in schema:
        x_column = names[0]
        if data.chart_type in TIME_CHARTS:
            x_column = next((name for name in names if schema[name] is DATETIME), names[0])
    y_columns = column_list(data.properties.get("ycolumns")) or [
        name for name in names if schema[name] in NUMERIC and name != x_column and name not in anomaly_columns
    ]
    y_columns = [name for name in y_columns if name in schema and name != x_column]
    series = column_list(data.properties.get("series")) or [
        name for name in names if schema[name] in LABEL_TYPES and name != x_column
    ]
    series = [name for name in series if name in schema and name != x_column]

    data.x_column, data.y_columns = x_column, tuple(y_columns)
    data.x_is_categorical = schema[x_column] not in (*NUMERIC, DATETIME, TIMESPAN)
    x_all = _long_axis(frame[x_column], schema[x_column])
    groups = frame.groupby([frame[name].astype(str) for name in series], sort=False).indices if series else {(): np.arange(len(frame))}

    for number, (key, positions) in enumerate(groups.items()):
        if number >= MAX_SERIES:
            data.series_left_out += 1
            continue
        key_text = " / ".join(key) if isinstance(key, tuple) else str(key)
        positions = np.asarray(positions)
        if not data.x_is_categorical:
            positions = positions[np.argsort(x_all[positions], kind="stable")]
        x = x_all[positions]
        for y_column in y_columns:
            y = pd.to_numeric(frame[y_column].iloc[positions], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            series_name = key_text or y_column
            label = f"{key_text}: {y_column}" if key_text and len(y_columns) > 1 else series_name
            anomalies = _scalar_flags(frame, anomaly_columns, positions) if data.chart_type == "anomalychart" else None
            data.lines.append(Line(label=label, series=series_name, x=x, y=_accumulated(y, data.properties), y_column=y_column, anomalies=anomalies))


def _long_axis(column: pd.Series, kql_type: KqlType) -> np.ndarray:
    if kql_type is DATETIME:
        return pd.to_datetime(column).to_numpy()
    if kql_type is TIMESPAN:
        return pd.to_timedelta(column).dt.total_seconds().to_numpy()
    if kql_type in NUMERIC:
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return column.astype(str).to_numpy(dtype=object)


def _scalar_flags(frame: pd.DataFrame, anomaly_columns: list[str], positions: np.ndarray) -> np.ndarray | None:
    flags = np.zeros(len(positions), dtype=bool)
    found = False
    for name in anomaly_columns:
        values = pd.to_numeric(frame[name].iloc[positions], errors="coerce")
        if values.isna().all() and frame[name].dtype == object:
            continue
        flags |= values.fillna(0).to_numpy(dtype=np.float64) != 0
        found = True
    return flags if found else None


def _accumulated(y: np.ndarray, properties: dict[str, Any]) -> np.ndarray:
    # `accumulate=true` adds every measure to all its predecessors.
    if str(properties.get("accumulate", "false")).lower() == "true":
        return np.nancumsum(y)
    return y
