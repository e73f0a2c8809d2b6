"""Period detection and validation beyond the documented examples."""

from __future__ import annotations

import numpy as np

from kqlite.series.periods import best_periods, detect_periods, validate_periods
from series_helpers import as_list, call, column


def _weekly(rows: int, weeks: int, seed: int) -> np.ndarray:
    generator = np.random.default_rng(seed)
    pattern = np.array([10.0, 11.0, 12.0, 11.0, 10.0, 3.0, 2.0])
    return np.tile(pattern, weeks)[None, :] + generator.normal(0, 0.5, (rows, 7 * weeks))


def test_detects_weekly_period_in_every_row() -> None:
    block = _weekly(50, 8, seed=1)
    lengths = np.full(50, block.shape[1])
    assert (best_periods(block, lengths, 0.6) == 7).all()


def test_noise_has_no_period() -> None:
    block = np.random.default_rng(2).normal(0, 1, (20, 60))
    periods = best_periods(block, np.full(20, 60), 0.6)
    assert (periods == 0).mean() > 0.8


def test_constant_and_short_series_have_no_period() -> None:
    block = np.array([[3.0] * 30, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0] + [np.nan] * 23])
    periods, scores = detect_periods(block, np.array([30, 7]), 0, 100, 2)
    assert (periods == 0).all()
    assert (scores == 0).all()


def test_min_and_max_period_bound_the_search() -> None:
    block = _weekly(1, 8, seed=3)
    lengths = np.array([56])
    periods, _ = detect_periods(block, lengths, 8, 20, 1)
    assert periods[0, 0] != 7


def test_validate_outside_range_scores_zero() -> None:
    block = _weekly(1, 8, seed=4)
    scores = validate_periods(block, np.array([56]), [7.0, 3.0, 40.0])
    assert scores[0, 0] > 0.8
    assert scores[0, 1:].tolist() == [0.0, 0.0]


def test_mixed_lengths_and_null_rows() -> None:
    weekly = _weekly(1, 6, seed=5)[0]
    periods, scores = call("series_periods_detect", column(weekly, weekly[:35], None, []), 0.0, 100.0, 2)
    assert as_list(periods[0])[0] == 7
    assert as_list(periods[1])[0] == 7
    assert periods[2] is None
    assert as_list(periods[3]) == [0.0, 0.0]
    assert len(scores[3]) == 2
