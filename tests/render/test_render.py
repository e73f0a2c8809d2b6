"""Charts drawn for `render`: the article's anomaly chart, each chart type, properties and previews."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle, Wedge

from kqlite.render import draw_chart, render_preview, render_result
from kqlite.render_data import chart_data
from kqlite.render_preview import sparkline

ANOMALY_QUERY = """let window = 1d;
NetworkMetrics
    | lookup IpInfoEx on ClientIP
    | make-series BytesSent=sum(BytesSent) on Timestamp step window by Info
    | extend  (BytesSentAnomaly, BytesSentAnomalyScore) = series_decompose_anomalies(BytesSent)
    | mv-expand BytesSentAnomalyScore to typeof(double)
    | top 5 by BytesSentAnomalyScore
    | render anomalychart with(anomalycolumns=BytesSentAnomaly, BytesSentAnomalyScore)"""

DAILY = "datatable(Day:datetime, Host:string, Bytes:long, Flag:long) [" + ", ".join(
    f"datetime(2023-06-0{day}), '{host}', {day * (2 if host == 'b' else 1)}, {int(day == 3 and host == 'a')}"
    for day in range(1, 6)
    for host in ("a", "b")
) + "]"


def anomaly_markers(figure: Any) -> int:
    axes = figure.axes[0]
    return sum(len(collection.get_offsets()) for collection in axes.collections if isinstance(collection, PathCollection))


def test_article_anomaly_chart_png(case4_database: Any, tmp_path: Path) -> None:
    result = case4_database.execute(ANOMALY_QUERY)
    frame = result.to_pandas()
    expected_markers = sum(
        int(np.count_nonzero(flags)) for flags in frame.drop_duplicates("Info")["BytesSentAnomaly"]
    )

    figure = draw_chart(result)
    assert figure is not None
    lines = figure.axes[0].get_lines()
    assert anomaly_markers(figure) == expected_markers
    assert expected_markers >= 1
    assert len([line for line in lines if line.get_linestyle() == "-" and len(line.get_xdata()) == 30]) == frame["Info"].nunique()

    path = render_result(result, tmp_path)
    assert path is not None
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
    assert int.from_bytes(data[16:20], "big") == 1100
    assert int.from_bytes(data[20:24], "big") == 550


def test_article_anomaly_chart_marks_burst_day(case4_database: Any) -> None:
    data = chart_data(case4_database.execute(ANOMALY_QUERY))
    kuanda = next(line for line in data.lines if line.series == "KUANDA.ORG" and line.y_column == "BytesSent")

    assert kuanda.anomalies is not None
    burst = kuanda.x[np.nanargmax(kuanda.y)]
    assert str(burst)[:10] == "2023-06-29"
    assert kuanda.anomalies[np.nanargmax(kuanda.y)]
    assert data.x_column == "Timestamp"
    assert data.y_columns == ("BytesSent", "series_decompose_anomalies_BytesSent_baseline")
    assert len({line.series for line in data.lines}) == len(data.lines) // 2


def test_article_preview_lists_anomalies(case4_database: Any) -> None:
    preview = render_preview(case4_database.execute(ANOMALY_QUERY), width=100)

    assert preview.startswith("KUANDA.ORG")
    assert "2023-06-29" in preview
    assert "anomalies at" in preview
    assert all(len(line) <= 100 for line in preview.split("\n"))


def test_absent_anomaly_column_is_skipped(db: Any) -> None:
    result = db.execute(f"{DAILY} | render anomalychart with (anomalycolumns=Missing, series=Host, ycolumns=Bytes)")

    figure = draw_chart(result)
    assert figure is not None
    assert anomaly_markers(figure) == 0
    assert len(figure.axes[0].get_lines()) == 2


def test_long_data_anomaly_flags(db: Any) -> None:
    result = db.execute(f"{DAILY} | render anomalychart with (anomalycolumns=Flag)")
    data = chart_data(result)

    assert [line.series for line in data.lines] == ["a", "b"]
    assert data.lines[0].anomalies is not None
    assert data.lines[0].anomalies.tolist() == [False, False, True, False, False]
    assert anomaly_markers(draw_chart(result)) == 1


def test_timechart_series_from_string_columns(db: Any) -> None:
    data = chart_data(db.execute(f"{DAILY} | project Day, Host, Bytes | render timechart with (title='Traffic')"))

    assert data.x_column == "Day"
    assert data.y_columns == ("Bytes",)
    assert [line.series for line in data.lines] == ["a", "b"]
    assert data.lines[1].y.tolist() == [2, 4, 6, 8, 10]


def test_long_data_sorted_by_x(db: Any) -> None:
    data = chart_data(db.execute("datatable(x:long, y:long) [3, 30, 1, 10, 2, 20] | render linechart"))

    assert data.lines[0].x.tolist() == [1, 2, 3]
    assert data.lines[0].y.tolist() == [10, 20, 30]


def test_make_series_rows_are_lines(db: Any) -> None:
    query = f"{DAILY} | make-series Total=sum(Bytes) default=0 on Day from datetime(2023-06-01) to datetime(2023-06-06) step 1d by Host | render timechart"
    data = chart_data(db.execute(query))

    assert [line.series for line in data.lines] == ["a", "b"]
    assert data.lines[0].y.tolist() == [1, 2, 3, 4, 5]
    assert data.lines[0].x.dtype.kind == "M"


def test_properties_title_axes_limits(db: Any) -> None:
    query = (
        f"{DAILY} | project Day, Host, Bytes | render linechart with "
        "(title='T1', xtitle='When', ytitle='How much', yaxis=log, ymin=1, ymax=100, legend=hidden)"
    )
    axes = draw_chart(db.execute(query)).axes[0]

    assert axes.get_title() == "T1"
    assert axes.get_xlabel() == "When"
    assert axes.get_ylabel() == "How much"
    assert axes.get_yscale() == "log"
    assert axes.get_ylim() == (1.0, 100.0)
    assert axes.get_legend() is None


def test_accumulate_adds_predecessors(db: Any) -> None:
    data = chart_data(db.execute("datatable(x:long, y:long) [1, 1, 2, 2, 3, 3] | render linechart with (accumulate=true)"))

    assert data.lines[0].y.tolist() == [1, 3, 6]


def test_columnchart_stacked_and_unstacked(db: Any) -> None:
    stacked = draw_chart(db.execute(f"{DAILY} | project Day, Host, Bytes | render columnchart with (kind=stacked)"))
    side_by_side = draw_chart(db.execute(f"{DAILY} | project Day, Host, Bytes | render columnchart"))

    bars = [patch for patch in stacked.axes[0].patches if isinstance(patch, Rectangle)]
    assert len(bars) == 10
    assert max(bar.get_y() + bar.get_height() for bar in bars) == 15
    assert len([patch for patch in side_by_side.axes[0].patches if isinstance(patch, Rectangle)]) == 10


def test_barchart_is_horizontal(db: Any) -> None:
    figure = draw_chart(db.execute("datatable(Name:string, Amount:long) ['a', 3, 'b', 5] | render barchart"))
    bars = [patch for patch in figure.axes[0].patches if isinstance(patch, Rectangle)]

    assert sorted(bar.get_width() for bar in bars) == [3, 5]


def test_piechart_slices_per_category(db: Any) -> None:
    result = db.execute("datatable(Name:string, Amount:long) ['a', 3, 'b', 5, 'a', 2, 'c', 0] | render piechart")
    wedges = [patch for patch in draw_chart(result).axes[0].patches if isinstance(patch, Wedge)]

    assert len(wedges) == 2
    preview = render_preview(result, 60)
    assert preview.split("\n")[0].startswith("a")
    assert "5" in preview


def test_scatter_and_area_charts(db: Any) -> None:
    scatter = draw_chart(db.execute("datatable(x:real, y:real) [1, 2, 3, 4] | render scatterchart"))
    area = draw_chart(db.execute(f"{DAILY} | project Day, Host, Bytes | render areachart with (kind=stacked100)"))

    assert len(scatter.axes[0].collections[0].get_offsets()) == 2
    assert len(area.axes[0].collections) == 2


def test_no_chart_cases(db: Any, tmp_path: Path) -> None:
    assert render_result(db.execute("print 1"), tmp_path) is None
    assert render_result(db.execute("print 1 | render table"), tmp_path) is None
    assert render_result(db.execute("print s = 'text' | render timechart"), tmp_path) is None
    assert render_preview(db.execute("print 1"), 80) == ""
    assert list(tmp_path.iterdir()) == []


def test_empty_result_draws_nothing(db: Any) -> None:
    assert draw_chart(db.execute("datatable(x:long, y:long) [] | render linechart")) is None


def test_nulls_do_not_break_lines(db: Any) -> None:
    data = chart_data(db.execute("datatable(x:long, y:long) [1, 1, 2, long(null), 3, 3] | render linechart"))

    assert np.isnan(data.lines[0].y[1])
    assert draw_chart(db.execute("datatable(x:long, y:long) [1, 1, 2, long(null), 3, 3] | render linechart")) is not None


@pytest.mark.parametrize(
    ("values", "width", "expected"),
    [
        ([0, 7], 10, "▁█"),
        ([1, 1, 1], 10, "▁▁▁"),
        ([0, float("nan"), 7], 10, "▁ █"),
        ([0, 0, 7, 7], 2, "▁█"),
        ([], 10, ""),
    ],
)
def test_sparkline(values: list[float], width: int, expected: str) -> None:
    assert sparkline(np.array(values, dtype=float), width) == expected
