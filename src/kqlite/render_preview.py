"""A text preview of a chart for terminals: one sparkline per series, anomalies listed under it.

    KUANDA.ORG  ▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁  0 .. 287,124,963
                anomalies at 2023-06-29

Charts of categories (pie, bar and column charts over strings) are previewed as
horizontal bars, one line per category.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kqlite.render_data import ChartData, Line, chart_data

BLOCKS = "▁▂▃▄▅▆▇█"
MAX_PREVIEW_LINES = 8
MAX_LISTED_ANOMALIES = 5


def render_preview(result: Any, width: int = 80) -> str:
    """Return a few lines of text that sketch the chart of `result` (empty if there is no chart)."""
    if not result.visualization:
        return ""
    data = chart_data(result)
    if not data.lines:
        return ""
    if data.x_is_categorical and data.chart_type in ("piechart", "barchart", "columnchart"):
        return _category_bars(data, width)
    return _sparklines(data, width)


def _sparklines(data: ChartData, width: int) -> str:
    # Only the first y column of each series is sketched; the chart has the others.
    first_y = data.y_columns[0] if data.y_columns else None
    primary = [line for line in data.lines if first_y is None or line.y_column == first_y]
    shown = primary[:MAX_PREVIEW_LINES]
    label_width = min(24, max(len(line.series) for line in shown))
    lines = []
    for line in shown:
        finite = line.y[np.isfinite(line.y)]
        span = f"{_number(finite.min())} .. {_number(finite.max())}" if len(finite) else "no values"
        spark_width = max(10, width - label_width - len(span) - 6)
        lines.append(f"{_cut(line.series, label_width).ljust(label_width)}  {sparkline(line.y, spark_width)}  {span}")
        anomalies = _anomaly_places(line)
        if anomalies:
            lines.append(f"{' ' * label_width}  anomalies at {anomalies}")
    if len(primary) > len(shown):
        lines.append(f"... and {len(primary) - len(shown)} more series in the chart")
    return "\n".join(lines)


def sparkline(values: np.ndarray, width: int) -> str:
    """Return `values` as block characters, averaged into at most `width` cells; NaN is a space."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return ""
    if len(values) > width:
        edges = np.linspace(0, len(values), width + 1).astype(int)
        with np.errstate(invalid="ignore"):
            values = np.array([np.nanmean(values[start:end]) if np.isfinite(values[start:end]).any() else np.nan for start, end in zip(edges[:-1], edges[1:], strict=True)])
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return " " * len(values)
    low, high = finite.min(), finite.max()
    scale = (high - low) or 1.0
    levels = np.clip(((values - low) / scale * (len(BLOCKS) - 1)).round(), 0, len(BLOCKS) - 1)
    return "".join(" " if not np.isfinite(value) else BLOCKS[int(level)] for value, level in zip(values, np.nan_to_num(levels), strict=True))


def _anomaly_places(line: Line) -> str:
    if line.anomalies is None or not line.anomalies.any():
        return ""
    places = [_x_text(value) for value in line.x[line.anomalies][:MAX_LISTED_ANOMALIES]]
    more = int(line.anomalies.sum()) - len(places)
    return ", ".join(places) + (f" and {more} more" if more > 0 else "")


def _category_bars(data: ChartData, width: int) -> str:
    line = data.lines[0]
    totals = pd.Series(line.y, index=[str(value) for value in line.x]).groupby(level=0, sort=False).sum()
    totals = totals.head(MAX_PREVIEW_LINES * 2)
    label_width = min(24, max(len(label) for label in totals.index))
    largest = float(np.nanmax(np.abs(totals.to_numpy()))) or 1.0
    bar_width = max(10, width - label_width - 20)
    rows = []
    for label, value in totals.items():
        bar = "█" * int(round(abs(value) / largest * bar_width)) if np.isfinite(value) else ""
        rows.append(f"{_cut(str(label), label_width).ljust(label_width)}  {bar} {_number(value)}")
    return "\n".join(rows)


def _x_text(value: Any) -> str:
    if isinstance(value, np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (float, np.floating)):
        return _number(float(value))
    return str(value)


def _number(value: float) -> str:
    if not np.isfinite(value):
        return "NaN"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
