"""The baselines' series_decompose_anomalies model against Kusto's documented outputs."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.baselines.anomalies import (decompose_anomalies, detect_periods, outlier_scores,
                                            seasonal_medians)


def test_outlier_scores_match_published_output() -> None:
    # series_outliers() as published for this series: p10 = 2.7, p90 = 11.
    series = np.array([[-3, 2.4, 15, 3.9, 5, 6, 4.5, 5.2, 3, 4, 5, 16, 7, 5, 5, 4]], dtype=float)
    scores = outlier_scores(series)[0]
    assert scores[0] == pytest.approx(-1.9040785483608571, rel=1e-12)
    assert scores[1] == pytest.approx(-0.10021466044004519, rel=1e-12)
    assert scores[2] == pytest.approx(1.3361954725339347, rel=1e-12)
    assert scores[11] == pytest.approx(1.6702443406674186, rel=1e-12)
    assert np.count_nonzero(scores) == 4


def test_outlier_scores_zero_spread() -> None:
    assert outlier_scores(np.zeros((1, 10))).tolist() == [[0.0] * 10]


def test_seasonal_medians_documented_examples() -> None:
    odd = np.array([[1, 3, 5, 1, 3, 5, 2, 4, 6]], dtype=float)
    assert seasonal_medians(odd, np.array([3]))[0].tolist() == [1, 3, 5] * 3
    even = np.array([[1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6]], dtype=float)
    assert seasonal_medians(even, np.array([3]))[0].tolist() == [1.5, 3.5, 5.5] * 4
    assert seasonal_medians(even, np.array([0]))[0].tolist() == [0.0] * 12


def test_weekly_rhythm_detected_as_seven() -> None:
    week = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.6])
    series = np.tile(week, 5)[:30] * (1 + 0.01 * np.sin(np.arange(30)))
    assert detect_periods(series[None, :]).tolist() == [7]
    assert detect_periods(np.linspace(0, 1, 30)[None, :]).tolist() == [0]


def test_decompose_without_season_is_plain_outliers() -> None:
    # With no period and the avg trend the scores equal series_outliers of the series itself.
    series = np.array([[5, 6, 5, 7, 6, 5, 40, 6, 5, 6, 7, 5]], dtype=float)
    flags, scores, baseline = decompose_anomalies(series, seasonality=0)
    assert scores.tolist() == outlier_scores(series).tolist()
    assert np.allclose(baseline, series.mean())
    assert np.flatnonzero(flags[0]).tolist() == [6]
    assert flags[0, 6] == 1
