"""series_outliers(): Tukey-fence anomaly scores, vectorised over a block.

Scoring, for each row with low and high percentiles ``pl`` and ``ph`` of its values:
a value above ``ph`` scores ``F * (x - ph) / (ph - pl)``, a value below ``pl`` scores
``F * (x - pl) / (ph - pl)`` (negative), anything in between scores 0. Nulls and
`ignore_val` values score 0 and are left out of the percentiles.

Kusto documents the kinds (``tukey``: 25/75, ``ctukey``: 10/90 or custom), the
[2, 98] range of custom percentiles and the zero score of nulls. The factor ``F`` is
not documented: for 10/90 it is 2.772605605507915, the value every non-zero score of
published service output agrees with to 16 digits, and for ``tukey`` it is 1 (the
classic score ``(x - Q3) / IQR``). For other custom percentiles kqlite's choice is the
normal-distribution factor that maps the Tukey fence ``Q3 + 1.5 * IQR`` to a score of
1.5, scaled so that 10/90 gives the service's value. A row whose percentile range is
zero scores 0 everywhere (a literal formula would divide by zero).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from kqlite.errors import KqlRuntimeError
from kqlite.series.stats import row_percentiles

CTUKEY_FACTOR = 2.772605605507915
DEFAULT_PERCENTILES = {"ctukey": (10.0, 90.0), "tukey": (25.0, 75.0)}
MIN_PERCENTILE = 2.0
MAX_PERCENTILE = 98.0


def outlier_scores(
    block: np.ndarray,
    kind: str = "ctukey",
    ignore_value: float | None = None,
    min_percentile: float | None = None,
    max_percentile: float | None = None,
    learn_width: np.ndarray | int | None = None,
) -> np.ndarray:
    """Score every element of every row of `block` (NaN counts as null).

    `learn_width` limits, per row or for all rows, the leading elements the
    percentiles are computed from (the rest is still scored).
    """
    low_percent, high_percent = outlier_percentiles(kind, min_percentile, max_percentile)
    values = block if ignore_value is None else np.where(block == ignore_value, np.nan, block)

    learned = values
    if learn_width is not None:
        columns = np.arange(values.shape[1])
        learned = np.where(columns < np.reshape(learn_width, (-1, 1)), values, np.nan)
    low, high = row_percentiles(learned, [low_percent, high_percent])
    upper_factor, lower_factor = tukey_factors(kind, low_percent, high_percent)
    return _score(values, low[:, None], high[:, None], upper_factor, lower_factor)


def tukey_factors(kind: str, low_percent: float, high_percent: float) -> tuple[float, float]:
    """Return the factors F for scores above the high and below the low percentile."""
    if kind == "tukey":
        return 1.0, 1.0
    if (low_percent, high_percent) == DEFAULT_PERCENTILES["ctukey"]:
        return CTUKEY_FACTOR, CTUKEY_FACTOR

    # Normal-theory factor: a value on the Tukey fence Q3 + 1.5 * IQR (or Q1 - 1.5 *
    # IQR) scores 1.5; then scaled so that 10/90 reproduces the service's factor.
    normal = NormalDist()
    q1, q3 = normal.inv_cdf(0.25), normal.inv_cdf(0.75)
    fence = q3 + 1.5 * (q3 - q1)
    z_low, z_high = normal.inv_cdf(low_percent / 100.0), normal.inv_cdf(high_percent / 100.0)
    z10, z90 = normal.inv_cdf(0.10), normal.inv_cdf(0.90)
    scale = CTUKEY_FACTOR / (1.5 * (z90 - z10) / (fence - z90))
    upper = 1.5 * (z_high - z_low) / (fence - z_high) * scale
    lower = 1.5 * (z_high - z_low) / (fence + z_low) * scale
    return upper, lower


def outlier_percentiles(
    kind: str, min_percentile: float | None = None, max_percentile: float | None = None
) -> tuple[float, float]:
    """Return the low and high percentiles of a kind, raising on invalid arguments."""
    if kind not in DEFAULT_PERCENTILES:
        raise KqlRuntimeError(
            "KL504", f"series_outliers(): kind must be 'ctukey' or 'tukey', got '{kind}'"
        )
    low, high = DEFAULT_PERCENTILES[kind]
    if kind == "tukey":
        # KQL: custom percentiles apply to 'ctukey' only.
        return low, high

    low = low if min_percentile is None else float(min_percentile)
    high = high if max_percentile is None else float(max_percentile)
    for name, value in (("min_percentile", low), ("max_percentile", high)):
        if not MIN_PERCENTILE <= value <= MAX_PERCENTILE:
            raise KqlRuntimeError(
                "KL301",
                f"series_outliers(): {name} must be in the range [2.0, 98.0], got {value:g}",
            )
    if low >= high:
        raise KqlRuntimeError(
            "KL301",
            f"series_outliers(): min_percentile ({low:g}) must be less than max_percentile ({high:g})",
        )
    return low, high


def _score(
    values: np.ndarray, low: np.ndarray, high: np.ndarray, upper_factor: float, lower_factor: float
) -> np.ndarray:
    # Per-row scale factors are 0 for a zero or undefined range, so those rows score 0.
    # fmax and fmin turn NaN distances into 0, so null elements score 0 as well.
    spread = high - low
    usable = np.isfinite(spread) & (spread > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        upper_scale = np.where(usable, upper_factor / spread, 0.0)
        lower_scale = np.where(usable, lower_factor / spread, 0.0)
        scores = np.fmax(values - high, 0.0)
        scores *= upper_scale
        below = np.fmin(values - low, 0.0)
        below *= lower_scale
        scores += below
    return scores
