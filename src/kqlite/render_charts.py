"""Draw each kind of chart on matplotlib axes from the series `kqlite.render_data` collected.

Line charts (timechart, linechart, anomalychart) give every series its own colour and
every further y column of a series a dashed or dotted line in that colour. Area, column
and bar charts follow `kind`: ``unstacked`` (the default for area charts: overlapping,
for column and bar charts: side by side), ``stacked`` or ``stacked100`` (shares of 100%).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kqlite.render_data import ChartData

ANOMALY_COLOUR = "#d62728"
# Line styles for the y columns of one series: the first solid, the next dashed, ...
LINE_STYLES = ("-", "--", ":", "-.")


def draw_on(axes: Any, data: ChartData) -> None:
    """Draw `data` on `axes` as a chart of its type."""
    chart_type = data.chart_type
    if chart_type in ("timechart", "linechart", "anomalychart"):
        _draw_lines(axes, data)
    elif chart_type == "scatterchart":
        for line in data.lines:
            axes.scatter(_plottable(line.x), line.y, label=line.label, s=14)
    elif chart_type == "areachart":
        _draw_areas(axes, data)
    elif chart_type in ("columnchart", "barchart"):
        _draw_bars(axes, data, horizontal=chart_type == "barchart")
    elif chart_type == "piechart":
        _draw_pie(axes, data)


def _draw_lines(axes: Any, data: ChartData) -> None:
    # With several y columns, the legend names each series once (its solid line) and
    # each further y column once (its line style, in grey).
    several = len(data.y_columns) > 1
    colours: dict[str, Any] = {}
    y_numbers = {name: number for number, name in enumerate(data.y_columns)}
    marked = False
    for line in data.lines:
        series_key = line.series
        number = y_numbers.get(line.y_column, 0)
        label: str | None = line.label
        if several:
            label = series_key if number == 0 else None
        x = _plottable(line.x)
        drawn = axes.plot(x, line.y, LINE_STYLES[number % len(LINE_STYLES)], label=label, color=colours.get(series_key), linewidth=1.4)
        colours.setdefault(series_key, drawn[0].get_color())

        if line.anomalies is not None and line.anomalies.any():
            axes.scatter(
                x[line.anomalies], line.y[line.anomalies], s=60, color=ANOMALY_COLOUR, edgecolors="black",
                zorder=5, label=None if marked else "anomaly",
            )
            marked = True

    for number, name in enumerate(data.y_columns[1:], start=1):
        axes.plot([], [], LINE_STYLES[number % len(LINE_STYLES)], color="grey", label=name)


def short_number(value: float, position: int | None = None) -> str:
    # Axis ticks as 250M rather than matplotlib's 2.5 with a 1e8 offset.
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


def _draw_areas(axes: Any, data: ChartData) -> None:
    kind = str(data.properties.get("kind", "unstacked")).lower()
    if kind in ("stacked", "stacked100"):
        table = _aligned(data, share=kind == "stacked100")
        axes.stackplot(_plottable(table.index.to_numpy()), table.to_numpy().T, labels=list(table.columns), alpha=0.8)
        return
    for line in data.lines:
        x = _plottable(line.x)
        axes.fill_between(x, np.nan_to_num(line.y), alpha=0.35, label=line.label)
        axes.plot(x, line.y, linewidth=1)


def _draw_bars(axes: Any, data: ChartData, *, horizontal: bool) -> None:
    kind = str(data.properties.get("kind", "unstacked")).lower()
    table = _aligned(data, share=kind == "stacked100")
    positions = np.arange(len(table.index))
    labels = [_tick_label(value) for value in table.index]
    stacked = kind in ("stacked", "stacked100")
    width = 0.8 if stacked else 0.8 / max(1, len(table.columns))
    base = np.zeros(len(table.index))

    for number, column in enumerate(table.columns):
        values = table[column].to_numpy(dtype=np.float64)
        offset = positions if stacked else positions - 0.4 + width * (number + 0.5)
        if horizontal:
            axes.barh(offset, values, height=width, left=base if stacked else None, label=column)
        else:
            axes.bar(offset, values, width=width, bottom=base if stacked else None, label=column)
        if stacked:
            base = base + values

    # Many categories (a bar per day of a month) get every n-th tick label only.
    step = max(1, -(-len(labels) // 15))
    ticks, shown = positions[::step], labels[::step]
    if horizontal:
        axes.set_yticks(ticks, shown)
    else:
        axes.set_xticks(ticks, shown, rotation=45 if len(shown) > 8 else 0, ha="right" if len(shown) > 8 else "center")


def _draw_pie(axes: Any, data: ChartData) -> None:
    # Slices: the x values (categories) of long data, or one slice per series of arrays.
    first = data.lines[0]
    if data.x_is_categorical and len(data.lines) == 1:
        totals = pd.Series(first.y, index=[str(value) for value in first.x]).groupby(level=0, sort=False).sum()
    else:
        totals = pd.Series({line.label: np.nansum(line.y) for line in data.lines})
    totals = totals[totals > 0]
    axes.pie(totals.to_numpy(), labels=list(totals.index), autopct="%1.1f%%", startangle=90, counterclock=False)
    axes.axis("equal")


def _aligned(data: ChartData, *, share: bool) -> pd.DataFrame:
    """Return one column per series over the union of their x values, gaps as 0."""
    columns = {}
    for line in data.lines:
        values = pd.Series(line.y, index=pd.Index(line.x))
        columns[line.label] = values.groupby(level=0, sort=False).sum()
    table = pd.DataFrame(columns)
    if not data.x_is_categorical:
        table = table.sort_index()
    table = table.fillna(0.0)
    if share:
        totals = table.sum(axis=1).replace(0, np.nan)
        table = table.div(totals, axis=0).fillna(0.0) * 100
    return table


def _plottable(x: np.ndarray) -> np.ndarray:
    return x.astype(str) if x.dtype == object else x


def _tick_label(value: Any) -> str:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

