"""series_fir, series_iir, series_stats and series_stats_dynamic, checked against Kusto's documented examples and by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlError, KqlSemanticError

DOCUMENTED_SERIES = "dynamic([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29])"
PULSE = "dynamic([0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 40, 100, 40, 20, 10, 0, 0, 0, 0, 0, 0, 0, 0])"


def value(db: Any, query: str) -> Any:
    frame = db.query(query)
    assert frame.shape == (1, 1)
    return frame.iloc[0, 0]


def as_floats(array: Any) -> list[float | None]:
    return [None if item is None or np.isnan(item) else round(float(item), 10) for item in array]


def test_fir_moving_average_of_documented_pulse(db):
    smoothed = as_floats(value(db, f"print series_fir({PULSE}, dynamic([1, 1, 1, 1, 1]))"))
    # A 5-point trailing average: the peak (index 12) moves 2 points later.
    assert smoothed[9:17] == [2.0, 6.0, 14.0, 34.0, 42.0, 44.0, 42.0, 34.0]
    assert max(range(len(smoothed)), key=smoothed.__getitem__) == 14


def test_fir_centered_keeps_the_peak_in_place(db):
    smoothed = as_floats(value(db, f"print series_fir({PULSE}, dynamic([1, 1, 1, 1, 1]), true, true)"))
    assert max(range(len(smoothed)), key=smoothed.__getitem__) == 12
    assert smoothed[10:15] == [34.0, 42.0, 44.0, 42.0, 34.0]


def test_fir_difference_filter_defaults_to_not_normalized(db):
    assert as_floats(value(db, "print series_fir(dynamic([1, 4, 9, 16]), dynamic([1, -1]))")) == [1.0, 3.0, 5.0, 7.0]


def test_fir_normalizing_a_negative_filter_gives_nulls(db):
    assert as_floats(value(db, "print series_fir(dynamic([1, 4, 9]), dynamic([1, -1]), true)")) == [None, None, None]


def test_fir_without_normalizing(db):
    assert as_floats(value(db, "print series_fir(dynamic([1, 2, 3]), dynamic([2, 1]), false)")) == [2.0, 5.0, 8.0]


def test_fir_rows_of_different_lengths(db):
    frame = db.query("datatable(s:dynamic)[dynamic([3, 6, 9]), dynamic([6]), dynamic(null), dynamic([])] | extend f = series_fir(s, dynamic([1, 1, 1]), true, true)")
    # Zeros stand before the first and after the last value of each row.
    assert as_floats(frame["f"][0]) == [3.0, 6.0, 5.0]
    assert as_floats(frame["f"][1]) == [2.0]
    assert frame["f"][2] is None
    assert list(frame["f"][3]) == []


def test_fir_filter_from_a_column(db):
    frame = db.query("datatable(s:dynamic, f:dynamic)[dynamic([2, 4]), dynamic([1]), dynamic([2, 4]), dynamic([1, 1])] | extend r = series_fir(s, f)")
    assert as_floats(frame["r"][0]) == [2.0, 4.0]
    assert as_floats(frame["r"][1]) == [1.0, 3.0]


def test_iir_cumulative_sum(db):
    assert as_floats(value(db, "print series_iir(dynamic([1, 2, 3, 4]), dynamic([1]), dynamic([1, -1]))")) == [1.0, 3.0, 6.0, 10.0]


def test_iir_divides_by_the_first_denominator(db):
    assert as_floats(value(db, "print series_iir(dynamic([2, 4]), dynamic([1]), dynamic([2]))")) == [1.0, 2.0]


def test_iir_zero_first_denominator_is_an_error(db):
    with pytest.raises(KqlError) as error:
        db.query("print series_iir(dynamic([1]), dynamic([1]), dynamic([0, 1]))")
    assert error.value.code == "KL306"


def test_filter_of_non_numbers_is_an_error(db):
    with pytest.raises(KqlError) as error:
        db.query("print series_fir(dynamic([1]), dynamic(['a']))")
    assert error.value.code == "KL306"


def test_stats_documented_example(db):
    frame = db.query(f"print x = {DOCUMENTED_SERIES} | project series_stats(x)")
    assert list(frame.columns) == [
        "series_stats_x_min",
        "series_stats_x_min_idx",
        "series_stats_x_max",
        "series_stats_x_max_idx",
        "series_stats_x_avg",
        "series_stats_x_stdev",
        "series_stats_x_variance",
    ]
    row = frame.iloc[0].tolist()
    assert row[:5] == [2.0, 8, 87.0, 3, 32.8]
    assert row[5] == pytest.approx(28.5036338535483, rel=1e-12)
    assert row[6] == pytest.approx(812.457142857143, rel=1e-12)


def test_stats_dynamic_documented_example(db):
    stats = value(db, f"print x = {DOCUMENTED_SERIES} | project stats = series_stats_dynamic(x)")
    assert {key: stats[key] for key in ("min", "min_idx", "max", "max_idx", "avg", "sum", "len")} == {
        "min": 2.0,
        "min_idx": 8,
        "max": 87.0,
        "max_idx": 3,
        "avg": 32.8,
        "sum": 492.0,
        "len": 15,
    }
    assert stats["stdev"] == pytest.approx(28.503633853548269)
    assert stats["variance"] == pytest.approx(812.45714285714291)


def test_stats_nonfinite_values_give_null_unless_ignored(db):
    frame = db.query("print x = dynamic([4, null, 1, 7]) | extend (mn, mni, mx, mxi, av, sd, vr) = series_stats(x), (imn, imni) = series_stats(x, true)")
    row = frame.iloc[0]
    assert pd.isna(row["mn"])
    assert pd.isna(row["mni"])
    assert pd.isna(row["vr"])
    assert (row["imn"], row["imni"]) == (1.0, 2)

    ignored = value(db, "print series_stats_dynamic(dynamic([4, null, 1, 7]), true)")
    assert (ignored["min_idx"], ignored["max_idx"], ignored["avg"], ignored["len"]) == (2, 3, 4.0, 4)
    assert value(db, "print series_stats_dynamic(dynamic([4, null]))") is None


def test_stats_short_and_missing_series(db):
    frame = db.query("datatable(s:dynamic)[dynamic([5]), dynamic([]), dynamic('x')] | extend (mn, mni, mx, mxi, av, sd, vr) = series_stats(s)")
    assert frame.iloc[0][["mn", "mni", "av", "sd", "vr"]].tolist() == [5.0, 0, 5.0, 0.0, 0.0]
    assert frame.iloc[1:][["mn", "mni", "vr"]].isna().all().all()


def test_stats_result_types(db):
    result = db.execute("print x = dynamic([1, 2]) | project series_stats(x)")
    assert [str(kql_type) for _, kql_type in result.schema] == ["real", "long", "real", "long", "real", "real", "real"]


@pytest.mark.parametrize(
    "query",
    [
        "print series_stats(1)",
        "print series_fir('a', dynamic([1]))",
        "print series_stats_dynamic(dynamic([1]), 'yes')",
        "print series_fir(dynamic([1]))",
    ],
)
def test_wrong_arguments_rejected(db, query):
    with pytest.raises(KqlSemanticError) as error:
        db.execute(query)
    assert error.value.code in {"KS141", "KS107", "KS119"}


def test_series_functions_on_empty_table(db):
    frame = db.query("datatable(d:dynamic)[] | extend f = series_fir(d, d), i = series_iir(d, dynamic([1]), dynamic([1])), s = series_stats_dynamic(d), (low, low_at) = series_stats(d)")
    assert len(frame) == 0


def test_null_coefficients_give_null(db):
    assert value(db, "print series_fir(dynamic([1, 2]), dynamic(null))") is None
    frame = db.query("datatable(f:dynamic)[dynamic([1]), dynamic(null)] | extend r = series_iir(dynamic([1, 2]), f, dynamic([1]))")
    assert as_floats(frame["r"][0]) == [1.0, 2.0]
    assert frame["r"][1] is None
