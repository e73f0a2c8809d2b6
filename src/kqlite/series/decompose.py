"""Series decomposition and what is built on it: series_seasonal, series_decompose,
series_decompose_anomalies and series_decompose_forecast, over whole blocks.

Kusto's documented model, computed in this order:

1. seasonal: for each phase ``i mod period``, the median of the values in that phase
   (0 everywhere when there is no period);
2. trend, fitted on the deseasonalised series ``x - seasonal``: ``avg`` is its mean,
   ``linefit`` a least-squares line over the element index, ``none`` is 0;
3. baseline = seasonal + trend, residual = x - baseline.

The documentation leaves some details open. kqlite's choices:

* the medians, the trend and (for anomalies) the outlier percentiles are learned from
  the first ``n - test_points`` elements and extended periodically or linearly over n;
* null elements are ignored when learning and keep a null residual;
* a phase with no learned value gets a seasonal value of 0;
* automatic seasonality takes the strongest period of `kqlite.series.periods` when its
  score reaches the threshold (documented defaults: 0.6 for the decompose family and
  0.7 for series_seasonal).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from kqlite.errors import KqlRuntimeError
from kqlite.series.outliers import outlier_percentiles, outlier_scores
from kqlite.series.periods import best_periods
from kqlite.series.stats import line_fits, phase_medians, row_means

AUTO_SEASONALITY = -1
TRENDS = ("avg", "linefit", "none")
DECOMPOSE_SEASONALITY_THRESHOLD = 0.6
SEASONAL_SEASONALITY_THRESHOLD = 0.7
CHUNK_ROWS = 4096
WORKERS = min(os.cpu_count() or 1, 4)


@dataclass(frozen=True, slots=True)
class Decomposition:
    """The components of a block of series; each has the block's shape."""

    baseline: np.ndarray
    seasonal: np.ndarray
    trend: np.ndarray
    residual: np.ndarray


def decompose(
    block: np.ndarray,
    lengths: np.ndarray,
    seasonality: int = AUTO_SEASONALITY,
    trend: str = "avg",
    test_points: int = 0,
    seasonality_threshold: float = DECOMPOSE_SEASONALITY_THRESHOLD,
) -> Decomposition:
    """Split every row into seasonal, trend and residual components (series_decompose)."""
    _check_options(seasonality, trend)
    learned = learning_part(block, lengths, test_points)
    learn_lengths = np.maximum(lengths - max(int(test_points), 0), 0)
    seasonal = seasonal_component(learned, learn_lengths, seasonality, seasonality_threshold, block.shape[1])

    trend_values = _trend(learned - seasonal, trend)
    baseline = seasonal + trend_values
    return Decomposition(baseline, seasonal, trend_values, block - baseline)


def decompose_anomalies(
    block: np.ndarray,
    lengths: np.ndarray,
    threshold: float = 1.5,
    seasonality: int = AUTO_SEASONALITY,
    trend: str = "avg",
    test_points: int = 0,
    method: str = "ctukey",
    seasonality_threshold: float = DECOMPOSE_SEASONALITY_THRESHOLD,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(ad_flag, ad_score, baseline)`` for every row (series_decompose_anomalies).

    The score is series_outliers() of the residual. The flag is +1 where the score is
    above `threshold`, -1 where it is below ``-threshold`` and 0 elsewhere. The
    comparisons are strict because the documentation says "greater than".
    """
    _check_options(seasonality, trend)
    outlier_percentiles(method)
    flags = np.zeros(block.shape, dtype=np.int64)
    scores = np.empty(block.shape)
    baseline = np.empty(block.shape)

    def run(rows: slice) -> None:
        chunk_lengths = lengths[rows]
        parts = decompose(block[rows], chunk_lengths, seasonality, trend, test_points, seasonality_threshold)
        learn_lengths = np.maximum(chunk_lengths - max(int(test_points), 0), 0)
        chunk_scores = outlier_scores(parts.residual, method, learn_width=learn_lengths)
        flags[rows] = chunk_scores > threshold
        flags[rows] -= chunk_scores < -threshold
        scores[rows] = chunk_scores
        baseline[rows] = parts.baseline

    _for_row_chunks(block.shape[0], run)
    return flags, scores, baseline


def decompose_forecast(
    block: np.ndarray,
    lengths: np.ndarray,
    points: int,
    seasonality: int = AUTO_SEASONALITY,
    trend: str = "avg",
    seasonality_threshold: float = DECOMPOSE_SEASONALITY_THRESHOLD,
) -> np.ndarray:
    """Return the baseline learned without the last `points` elements (series_decompose_forecast)."""
    return decompose(block, lengths, seasonality, trend, points, seasonality_threshold).baseline


def seasonal_component(
    learned: np.ndarray,
    learn_lengths: np.ndarray,
    seasonality: int,
    threshold: float,
    width: int,
) -> np.ndarray:
    """Return the per-phase medians of `learned`, repeated over `width` columns.

    `seasonality` is a period in bins, 0 for none, or -1 to detect each row's period.
    """
    rows = learned.shape[0]
    seasonal = np.zeros((rows, width))
    if seasonality == 0 or rows == 0:
        return seasonal
    if seasonality == AUTO_SEASONALITY:
        periods = best_periods(learned, learn_lengths, threshold)
    else:
        periods = np.full(rows, int(seasonality), dtype=np.int64)

    # One pass per distinct period, few in practice (a single one when it is given).
    columns = np.arange(width)
    for period in np.unique(periods[periods > 0]).tolist():
        indices = np.flatnonzero(periods == period)
        medians = np.nan_to_num(phase_medians(learned[indices], period), nan=0.0)
        seasonal[indices] = medians[:, columns % period]
    return seasonal


def learning_part(block: np.ndarray, lengths: np.ndarray, test_points: int) -> np.ndarray:
    """Return `block` with the last `test_points` elements of each row set to NaN."""
    if test_points <= 0:
        return block
    learn_lengths = np.maximum(lengths - int(test_points), 0)
    columns = np.arange(block.shape[1])
    return np.where(columns < learn_lengths[:, None], block, np.nan)


def _check_options(seasonality: int, trend: str) -> None:
    if trend not in TRENDS:
        raise KqlRuntimeError("KL302", f"trend must be 'avg', 'linefit' or 'none', got '{trend}'")
    if seasonality < AUTO_SEASONALITY:
        raise KqlRuntimeError(
            "KL303", f"seasonality must be -1 (detect), 0 (none) or a period in bins, got {seasonality}"
        )


def _for_row_chunks(rows: int, run: Callable[[slice], None]) -> None:
    # Row chunks keep the temporaries small: on 100,000 x 720 blocks, whole-block
    # temporaries cost more in page faults than in arithmetic. The chunks run on a
    # thread per CPU because numpy and scipy release the GIL in the heavy steps
    # (partitions for percentiles, FFTs, element-wise arithmetic).
    chunks = [slice(start, min(start + CHUNK_ROWS, rows)) for start in range(0, rows, CHUNK_ROWS)]
    if len(chunks) <= 1 or WORKERS <= 1:
        for chunk in chunks:
            run(chunk)
        return
    with ThreadPoolExecutor(max_workers=min(len(chunks), WORKERS)) as pool:
        list(pool.map(run, chunks))


def _trend(deseasonal: np.ndarray, trend: str) -> np.ndarray:
    if trend == "none":
        return np.zeros_like(deseasonal)
    if trend == "avg":
        means = np.nan_to_num(row_means(deseasonal), nan=0.0)
        return np.broadcast_to(means[:, None], deseasonal.shape).copy()

    index = np.arange(deseasonal.shape[1], dtype=np.float64)
    slope, intercept = line_fits(deseasonal, index)
    return np.nan_to_num(intercept, nan=0.0)[:, None] + slope[:, None] * index
