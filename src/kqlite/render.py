"""Draw the chart that a query requests with `render` as a PNG file, plus a text preview for terminals.

    result = db.execute("T | summarize count() by bin(Timestamp, 1h) | render timechart")
    path = render_result(result, "charts")        # charts/timechart-20230601-120000-1.png

Supported visualizations: timechart, linechart, areachart, columnchart, barchart,
piechart, scatterchart and anomalychart, with the properties title, xcolumn, ycolumns,
series, kind (stacked, stacked100, unstacked), xtitle, ytitle, xaxis and yaxis (linear
or log), ymin, ymax, legend (visible or hidden), accumulate and anomalycolumns. How the
result's columns become series is described in `kqlite.render_data`. matplotlib is
imported on the first chart, with the Agg backend, so no window opens.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kqlite.render_data import ChartData, chart_data
from kqlite.render_preview import render_preview

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_TYPES = ("timechart", "linechart", "areachart", "columnchart", "barchart", "piechart", "scatterchart", "anomalychart")
FIGURE_SIZE = (11.0, 5.5)
DPI = 100

_file_numbers = itertools.count(1)

__all__ = ["CHART_TYPES", "draw_chart", "render_preview", "render_result"]


def render_result(result: Any, out_dir: str | Path) -> Path | None:
    """Write the chart of `result` as a PNG file in `out_dir` and return its path.

    Returns None when the result requests no chart, or one that is not drawn
    (``table``, ``card``, a chart with nothing numeric to plot).
    """
    figure = draw_chart(result)
    if figure is None:
        return None

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{result.visualization['type']}-{stamp}-{next(_file_numbers)}.png"
    while path.exists():
        path = folder / f"{result.visualization['type']}-{stamp}-{next(_file_numbers)}.png"
    try:
        figure.savefig(path, dpi=DPI)
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return path


def draw_chart(result: Any) -> Figure | None:
    """Draw the chart of `result` on a new matplotlib figure, or return None if there is none to draw."""
    if not result.visualization or str(result.visualization.get("type", "")).lower() not in CHART_TYPES:
        return None
    data = chart_data(result)
    if not data.lines:
        return None

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kqlite.render_charts import draw_on

    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    draw_on(axes, data)
    _decorate(figure, axes, data)
    return figure


def _decorate(figure: Any, axes: Any, data: ChartData) -> None:
    properties = data.properties
    title = properties.get("title")
    if data.series_left_out:
        note = f"(first {len(data.lines)} series drawn, {data.series_left_out} more left out)"
        title = f"{title}\n{note}" if title else note
    if title:
        axes.set_title(str(title))

    if data.chart_type != "piechart":
        horizontal = data.chart_type == "barchart"
        x_title = properties.get("xtitle", data.x_column or "")
        y_title = properties.get("ytitle", data.y_columns[0] if data.y_columns else "")
        axes.set_xlabel(str(y_title if horizontal else x_title))
        axes.set_ylabel(str(x_title if horizontal else y_title))
        from kqlite.render_charts import short_number

        if str(properties.get("xaxis", "")).lower() == "log":
            axes.set_xscale("log")
        if str(properties.get("yaxis", "")).lower() == "log":
            axes.set_yscale("log")
        else:
            (axes.xaxis if horizontal else axes.yaxis).set_major_formatter(short_number)
        limits = [_number(properties.get("ymin")), _number(properties.get("ymax"))]
        if limits != [None, None]:
            axes.set_ylim(*limits)
        axes.grid(True, alpha=0.3)

    legend_hidden = str(properties.get("legend", "visible")).lower() == "hidden"
    handles, _ = axes.get_legend_handles_labels()
    if handles and not legend_hidden and data.chart_type != "piechart":
        axes.legend(fontsize="small", loc="best")
    if _is_time_axis(data) and data.chart_type not in ("columnchart", "barchart"):
        figure.autofmt_xdate()
    figure.tight_layout()


def _is_time_axis(data: ChartData) -> bool:
    return bool(data.lines) and getattr(data.lines[0].x, "dtype", None) is not None and data.lines[0].x.dtype.kind == "M"


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
