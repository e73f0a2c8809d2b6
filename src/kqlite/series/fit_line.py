"""series_fit_line(): least-squares line through every row of a block.

The abscissa of element i is i + 1 (Kusto's documented example is consistent only with
x = 1..n): ``interception`` is the line's value at x = 0 and ``line_fit[i] = slope *
(i + 1) + interception``. ``variance`` is the sample variance of the values and
``rvariance`` the residual sum of squares over n - 1, ``rsquare = 1 - SSE / SST``.
Null elements are left out of the fit (kqlite's choice; undocumented) and still get a
fitted value. A constant series has SST = 0, so its rsquare is NaN (null).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kqlite.series.stats import line_fits


@dataclass(frozen=True, slots=True)
class LineFit:
    """Per-row results of series_fit_line; `line_fit` has the block's shape."""

    rsquare: np.ndarray
    slope: np.ndarray
    variance: np.ndarray
    rvariance: np.ndarray
    interception: np.ndarray
    line_fit: np.ndarray


def fit_line(block: np.ndarray) -> LineFit:
    """Fit a line to each row of `block` (NaN elements are ignored)."""
    x = np.arange(1, block.shape[1] + 1, dtype=np.float64)
    slope, interception = line_fits(block, x)
    line = interception[:, None] + slope[:, None] * x

    present = ~np.isnan(block)
    count = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, block, 0.0).sum(axis=1) / count
        total_squares = np.where(present, (block - mean[:, None]) ** 2, 0.0).sum(axis=1)
        residual_squares = np.where(present, (block - line) ** 2, 0.0).sum(axis=1)
        degrees = np.where(count > 1, count - 1, np.nan)
        variance = total_squares / degrees
        rvariance = residual_squares / degrees
        rsquare = np.where(total_squares > 0, 1.0 - residual_squares / total_squares, np.nan)
    return LineFit(rsquare, slope, variance, rvariance, interception, line)
