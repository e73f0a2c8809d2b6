"""Kusto's ``series_decompose_anomalies`` defaults, vectorised over many series with numpy.

The baselines share this scoring so that every engine reports the same ranking. The engines
differ in how they build the per-company daily series, which is the expensive part. The model
follows Kusto's documentation of ``series_decompose``, ``series_seasonal`` and
``series_outliers``:

1. seasonal = for each phase ``i % period``, the median of the values in that phase, when a
   period is detected (otherwise zeros);
2. baseline = seasonal + mean(x - seasonal) (the default ``avg`` trend);
3. score = ctukey on the residual x - baseline: with p10 and p90 of the residual (linear
   interpolation), ``F * (r - p90) / (p90 - p10)`` above p90, ``F * (r - p10) / (p90 - p10)``
   below p10, 0 between; F = 2.772605605507915 (recovered from published Kusto output);
4. flag = +1 where score > 1.5, -1 where score < -1.5, else 0.

NOTE: Kusto's period detection (``series_periods_detect``) is not public. Here the period is
the first lag p in [4, n/2] where the sample autocorrelation peaks at or above the default
threshold 0.6. Kusto may detect a period where this does not (or the
reverse), which changes baselines and scores but not which day stands out in the sample.
"""

from __future__ import annotations

import numpy as np

CTUKEY_FACTOR = 2.772605605507915
THRESHOLD = 1.5
SEASONALITY_THRESHOLD = 0.6
MIN_PERIOD = 4


def detect_periods(series: np.ndarray, threshold: float = SEASONALITY_THRESHOLD) -> np.ndarray:
    """Return the detected period of each row of ``series`` (0 where none is found).

    The period is the first lag in [4, n/2] whose autocorrelation reaches ``threshold`` and is
    a local maximum, so a weekly rhythm gives 7 rather than its multiple 14.
    """
    rows, length = series.shape
    lags = np.arange(MIN_PERIOD - 1, length // 2 + 2)
    correlation = np.stack([_lag_correlation(series, lag) for lag in lags], axis=1)
    inner = correlation[:, 1:-1]
    peak = (inner >= threshold) & (inner >= correlation[:, :-2]) & (inner >= correlation[:, 2:])
    first = np.argmax(peak, axis=1)
    return np.where(peak.any(axis=1), lags[1:-1][first], 0)


def _lag_correlation(series: np.ndarray, lag: int) -> np.ndarray:
    """Return the sample autocorrelation at ``lag`` per row (0 where undefined).

    It uses the row's overall mean and variance, so a trend gives a steadily falling curve
    with no peak rather than a period.
    """
    if lag <= 0 or lag >= series.shape[1] - 1:
        return np.zeros(series.shape[0])
    centred = series - series.mean(axis=1, keepdims=True)
    variance = (centred ** 2).sum(axis=1)
    covariance = (centred[:, :-lag] * centred[:, lag:]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(variance > 0, covariance / variance, 0.0)


def seasonal_medians(series: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Return the per-phase median of each row for its period, zeros where the period is 0."""
    seasonal = np.zeros_like(series, dtype=float)
    length = series.shape[1]
    for period in np.unique(periods[periods > 0]):
        rows = np.flatnonzero(periods == period)
        for phase in range(period):
            columns = np.arange(phase, length, period)
            median = np.median(series[np.ix_(rows, columns)], axis=1)
            seasonal[np.ix_(rows, columns)] = median[:, None]
    return seasonal


def outlier_scores(residual: np.ndarray) -> np.ndarray:
    """Return ctukey (10/90) scores of each row; a row whose p10 equals its p90 scores 0."""
    low, high = np.percentile(residual, [10, 90], axis=1, keepdims=True)
    spread = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        above = CTUKEY_FACTOR * (residual - high) / spread
        below = CTUKEY_FACTOR * (residual - low) / spread
    scores = np.where(residual > high, above, np.where(residual < low, below, 0.0))
    return np.where(spread > 0, scores, 0.0)


def decompose_anomalies(series: np.ndarray, seasonality: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(flags, scores, baseline)`` for each row, like ``series_decompose_anomalies(x)``.

    ``seasonality`` is -1 to detect a period per row, 0 for none, or a period in bins.
    """
    series = np.asarray(series, dtype=float)
    if seasonality < 0:
        periods = detect_periods(series)
    else:
        periods = np.full(series.shape[0], seasonality, dtype=np.int64)
    seasonal = seasonal_medians(series, periods)
    baseline = seasonal + (series - seasonal).mean(axis=1, keepdims=True)
    scores = outlier_scores(series - baseline)
    flags = np.where(scores > THRESHOLD, 1, np.where(scores < -THRESHOLD, -1, 0))
    return flags, scores, baseline
