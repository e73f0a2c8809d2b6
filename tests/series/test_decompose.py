"""series_decompose, series_decompose_anomalies, series_decompose_forecast, series_seasonal."""

from __future__ import annotations

import numpy as np
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.functions.registry import SCALARS
from series_helpers import as_list, assert_close, call, column

WEEK = [10.0, 11.0, 12.0, 11.0, 10.0, 3.0, 2.0]


def test_given_seasonality_with_avg_trend_is_exact() -> None:
    x = [WEEK[i % 7] + 4.0 for i in range(42)]
    baseline, seasonal, trend, residual = call("series_decompose", x, 7, "avg")
    assert_close(baseline[0], x, 1e-9)
    assert_close(residual[0], [0.0] * 42, 1e-9)
    assert_close(np.array(as_list(seasonal[0])) + np.array(as_list(trend[0])), x, 1e-9)


def test_linefit_trend_follows_the_slope() -> None:
    # The per-phase medians are taken before the trend (documented order), so they
    # absorb part of it. The fitted trend still rises by about the true slope.
    x = [WEEK[i % 7] + 0.5 * i for i in range(42)]
    _, _, trend, residual = call("series_decompose", x, 7, "linefit")
    trend_values = np.array(as_list(trend[0]))
    slope = trend_values[1] - trend_values[0]
    assert slope == pytest.approx(0.5, abs=0.05)
    assert np.allclose(np.diff(trend_values), slope)
    assert np.abs(np.array(as_list(residual[0]))).max() < 0.5 * 7


def test_auto_seasonality_finds_weekly_pattern() -> None:
    generator = np.random.default_rng(7)
    x = np.tile(WEEK, 6) + generator.normal(0, 0.3, 42)
    _, seasonal, _, _ = call("series_decompose", x)
    phases = np.array(as_list(seasonal[0])).reshape(6, 7)
    assert (phases == phases[0]).all()
    assert phases[0, 2] - phases[0, 6] > 8


def test_no_seasonality_no_trend_gives_zero_baseline() -> None:
    baseline, seasonal, trend, residual = call("series_decompose", [1, 5, 2], 0, "none")
    assert_close(baseline[0], [0, 0, 0])
    assert_close(residual[0], [1, 5, 2])
    assert_close(seasonal[0], [0, 0, 0])
    assert_close(trend[0], [0, 0, 0])


def test_test_points_are_extrapolated() -> None:
    x = [float(i) for i in range(20)] + [0.0] * 5
    baseline, _, _, _ = call("series_decompose", x, 0, "linefit", 5)
    assert_close(baseline[0], [float(i) for i in range(25)], 1e-9)


def test_forecast_repeats_the_season_over_test_points() -> None:
    learned = [WEEK[i % 7] for i in range(35)]
    forecast = call("series_decompose_forecast", learned + [0.0] * 7, 7, 7)[0]
    assert_close(forecast, [WEEK[i % 7] for i in range(42)], 1e-9)


def test_forecast_extends_the_line() -> None:
    forecast = call("series_decompose_forecast", [2.0 * i + 1 for i in range(30)] + [0.0] * 10, 10, 0, "linefit")[0]
    assert_close(forecast, [2.0 * i + 1 for i in range(40)], 1e-9)


def test_forecast_without_components_is_zero() -> None:
    assert_close(call("series_decompose_forecast", [1, 2, 3, 0], 1, 0, "none")[0], [0, 0, 0, 0])


def test_nulls_inside_series_keep_null_residual() -> None:
    flags, scores, baseline = call("series_decompose_anomalies", [1, 2, None, 4, 50, 3, 2], 1.5, 0)
    assert_close(baseline[0], [62 / 6] * 7)
    assert as_list(flags[0])[2] == 0
    assert as_list(scores[0])[2] == 0.0
    assert as_list(flags[0])[4] == 1


def test_empty_constant_single_and_null_rows() -> None:
    flags, scores, baseline = call("series_decompose_anomalies", column([], [4, 4, 4, 4], [9], None))
    assert as_list(flags[0]) == []
    assert as_list(flags[1]) == [0, 0, 0, 0]
    assert_close(baseline[1], [4, 4, 4, 4])
    assert_close(baseline[2], [9])
    assert_close(scores[2], [0.0])
    assert flags[3] is None
    assert scores[3] is None
    assert baseline[3] is None


def test_very_long_series() -> None:
    generator = np.random.default_rng(11)
    n = 24 * 7 * 30
    daily = np.sin(np.arange(n) * 2 * np.pi / 24) * 10
    x = daily + generator.normal(0, 1, n)
    x[5000] += 40
    flags, scores, _ = call("series_decompose_anomalies", x)
    assert len(flags[0]) == n
    assert int(np.argmax(scores[0])) == 5000
    assert flags[0][5000] == 1


def test_burst_in_one_weekly_series_ranks_first() -> None:
    generator = np.random.default_rng(2024)
    rows = 200
    base = np.tile([100.0, 110.0, 120.0, 115.0, 105.0, 40.0, 35.0], 5)[:30]
    block = base * generator.uniform(0.5, 2.0, (rows, 1)) + generator.normal(0, 4, (rows, 30))
    block[137, 17] += 90
    _, scores, _ = call("series_decompose_anomalies", column(*block))
    best = [float(np.max(row)) for row in scores]
    assert int(np.argmax(best)) == 137
    assert int(np.argmax(scores[137])) == 17


def test_tukey_method_and_threshold() -> None:
    x = [1, 2, 1, 2, 1, 2, 9, 1, 2, 1]
    flags, scores, _ = call("series_decompose_anomalies", x, 3.0, 0, "avg", 0, "tukey")
    assert as_list(flags[0])[6] == 1
    assert as_list(scores[0])[6] == pytest.approx((9 - 2) / (2 - 1))


def test_invalid_trend_and_seasonality_raise() -> None:
    with pytest.raises(KqlRuntimeError):
        call("series_decompose", [1, 2, 3], 0, "quadratic")
    with pytest.raises(KqlRuntimeError):
        call("series_decompose_anomalies", [1, 2, 3], 1.5, -5)


def test_seasonal_other_period_values_give_zeros() -> None:
    assert_close(call("series_seasonal", [1, 3, 5, 1, 3, 5], -3)[0], [0] * 6)


def test_tuple_member_names() -> None:
    assert SCALARS["series_decompose_anomalies"].output_names == ("ad_flag", "ad_score", "baseline")
    assert SCALARS["series_decompose"].output_names == ("baseline", "seasonal", "trend", "residual")
    assert SCALARS["series_outliers"].named_after_first_arg
