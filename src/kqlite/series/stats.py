"""Row-wise statistics over NaN-padded blocks: percentiles, medians, means and line fits.

Every function reduces along the last axis and ignores NaN (null or padding). A row
with no values gives NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def row_percentiles(block: np.ndarray, percents: Sequence[float]) -> np.ndarray:
    """Return the percentiles of each row, shape ``(len(percents), rows)``.

    Percentiles use linear interpolation between the closest ranks (position
    ``(count - 1) * p / 100`` in the sorted values), numpy's default method.
    """
    percents = np.asarray(percents, dtype=np.float64)
    if block.shape[-1] == 0:
        return np.full((len(percents), *block.shape[:-1]), np.nan)

    missing = np.isnan(block)
    if not missing.any():
        return np.percentile(block, percents, axis=-1)

    # With NaN present, sort (NaN goes last) and interpolate at each row's own
    # positions. np.nanpercentile does the same one row at a time, which is slower.
    ordered = np.sort(block, axis=-1)
    count = (~missing).sum(axis=-1)
    results = []
    for percent in percents:
        position = np.maximum(count - 1, 0) * percent / 100.0
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(count - 1, 0))
        low = np.take_along_axis(ordered, below[..., None], axis=-1)[..., 0]
        high = np.take_along_axis(ordered, above[..., None], axis=-1)[..., 0]
        value = low + (high - low) * (position - below)
        results.append(np.where(count > 0, value, np.nan))
    return np.stack(results)


def row_medians(block: np.ndarray) -> np.ndarray:
    """Return the median of each row; an even count averages the two middle values."""
    return row_percentiles(block, [50.0])[0]


def row_means(block: np.ndarray) -> np.ndarray:
    """Return the mean of each row's non-null values."""
    present = ~np.isnan(block)
    count = present.sum(axis=-1)
    total = np.where(present, block, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def phase_medians(block: np.ndarray, period: int) -> np.ndarray:
    """Return, for each row, the median of the values at each phase ``i mod period``.

    The result has shape ``(rows, period)``; a phase with no values gives NaN.
    """
    rows, width = block.shape
    cycles = -(-width // period) if width else 0
    padded = np.full((rows, cycles * period), np.nan)
    padded[:, :width] = block

    # (rows, cycles, period) -> (rows, period, cycles): each phase becomes one row.
    by_phase = padded.reshape(rows, cycles, period).transpose(0, 2, 1)
    return row_medians(by_phase.reshape(rows * period, cycles)).reshape(rows, period)


def line_fits(block: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``y = slope * x + intercept`` to each row by least squares, ignoring NaN.

    `x` contains the abscissa of each column. Rows with fewer than two values get a zero
    slope and their mean as intercept (NaN when they have no value).
    """
    present = ~np.isnan(block)
    count = present.sum(axis=-1)
    xs = np.where(present, x, 0.0)
    ys = np.where(present, block, 0.0)

    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = xs.sum(axis=-1) / count
        y_mean = ys.sum(axis=-1) / count
        x_centred = np.where(present, x - x_mean[:, None], 0.0)
        y_centred = np.where(present, block - y_mean[:, None], 0.0)
        sxx = (x_centred * x_centred).sum(axis=-1)
        sxy = (x_centred * y_centred).sum(axis=-1)
        slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    intercept = y_mean - slope * np.where(count > 0, x_mean, 0.0)
    return slope, intercept
