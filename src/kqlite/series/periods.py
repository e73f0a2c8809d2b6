"""Period detection and validation (series_periods_detect, series_periods_validate).

Kusto documents what the functions return: periods in bins, ordered by a score in
[0, 1], with 0 in unused slots. It also documents that only periods from 4 bins to
half the series length can be found, but not how the score is computed. kqlite's
algorithm is chosen to reproduce the documented examples: period 14 with score 0.84
on the documentation's 60-point traffic series, and the periods series_seasonal finds
(6 and 5) or does not find (none in a 12-point series):

1. Winsorise each series at its 10th and 90th percentiles, so that a few spikes do
   not dominate, and centre it on its mean (nulls count as the mean).
2. Autocorrelation r(p) for every lag p with one batched FFT. The score of lag p is
   the geometric mean of the biased and the unbiased estimate,
   ``r(p) * sqrt(n / (n - p))``. A score below the 95 % significance bound of an
   autocorrelation, ``1.96 / sqrt(n)``, is reported as 0.
3. Candidate periods come from the periodogram (the same FFT): every local maximum of
   the power at frequency k / n proposes the best-scoring lag between n / (k + 1) and
   n / (k - 1). A lag proposed by several maxima counts once.
4. Detection searches lags from max(4, min_period) to min(max_period, (n - 1) / 2):
   at least two full cycles plus one point must be observed, so a 12-point series
   cannot show a period of 6.

Everything runs on 2-D blocks, one row per series, in chunks of rows of equal length.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from kqlite.series.stats import row_means, row_percentiles

MIN_DETECTABLE_PERIOD = 4
WINSOR_PERCENTILES = (10.0, 90.0)
SIGNIFICANCE_Z = 1.96
CHUNK_ROWS = 4096


def detect_periods(
    block: np.ndarray,
    lengths: np.ndarray,
    min_period: float,
    max_period: float,
    num_periods: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Find up to `num_periods` periods per row, strongest first.

    Returns ``(periods, scores)``, both of shape ``(rows, num_periods)``; unused slots
    and rows without an array hold 0.
    """
    rows = block.shape[0]
    num_periods = max(int(num_periods), 0)
    periods = np.zeros((rows, num_periods))
    scores = np.zeros((rows, num_periods))
    if num_periods == 0:
        return periods, scores

    for indices, values in _chunks_by_length(block, lengths):
        n = values.shape[1]
        low_lag = int(max(MIN_DETECTABLE_PERIOD, np.ceil(min_period)))
        high_lag = int(min(np.floor(max_period), (n - 1) // 2))
        if low_lag > high_lag:
            continue
        candidates = _candidate_scores(values, low_lag, high_lag)

        # Strongest lags first; a slot without a candidate (score 0) stays 0.
        take = min(num_periods, candidates.shape[1])
        if take == 1:
            order = candidates.argmax(axis=1)[:, None]
        else:
            order = np.argsort(-candidates, axis=1, kind="stable")[:, :take]
        best = np.take_along_axis(candidates, order, axis=1)
        periods[indices, :take] = np.where(best > 0, order, 0)
        scores[indices, :take] = best
    return periods, scores


def best_periods(block: np.ndarray, lengths: np.ndarray, threshold: float) -> np.ndarray:
    """Return each row's strongest period when its score reaches `threshold`, else 0."""
    periods, scores = detect_periods(block, lengths, 0.0, np.inf, 1)
    return np.where(scores[:, 0] >= threshold, periods[:, 0], 0).astype(np.int64)


def validate_periods(block: np.ndarray, lengths: np.ndarray, periods: Sequence[float]) -> np.ndarray:
    """Score the given periods for every row, shape ``(rows, len(periods))``.

    A period outside the detectable range (4 to (n - 1) / 2) scores 0; a fractional
    period interpolates between the scores of the lags around it.
    """
    scores = np.zeros((block.shape[0], len(periods)))
    for indices, values in _chunks_by_length(block, lengths):
        n = values.shape[1]
        lag_scores, _ = _lag_scores_and_power(values)
        for slot, period in enumerate(periods):
            if period is None or not MIN_DETECTABLE_PERIOD <= period <= (n - 1) / 2:
                continue
            below = int(np.floor(period))
            above = min(below + 1, lag_scores.shape[1] - 1)
            weight = period - below
            scores[indices, slot] = (1 - weight) * lag_scores[:, below] + weight * lag_scores[:, above]
    return scores


def _chunks_by_length(block: np.ndarray, lengths: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    # Rows of one length share their lag and frequency grids. make-series output has
    # a single length, so this loop usually runs once per chunk of rows.
    for length in np.unique(lengths[lengths > 0]):
        indices = np.flatnonzero(lengths == length)
        for start in range(0, len(indices), CHUNK_ROWS):
            chunk = indices[start : start + CHUNK_ROWS]
            yield chunk, block[chunk, :length]


def _lag_scores_and_power(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the score of every lag 0..n/2 and the periodogram at frequencies k / n.

    Longer lags are never scored: no detectable period exceeds half the length.
    """
    n = values.shape[1]
    low, high = row_percentiles(values, WINSOR_PERCENTILES)
    clipped = np.clip(values, low[:, None], high[:, None])
    centred = clipped - row_means(clipped)[:, None]
    centred = np.where(np.isnan(centred), 0.0, centred)

    # Zero padding to 2n makes the circular autocorrelation of the FFT a linear one.
    # The even bins of the padded transform are the periodogram at frequencies k / n.
    # scipy's FFT ran about 4 times faster than numpy's on 4096 x 720 blocks
    # (scipy 1.17, numpy 2.4).
    # Imported here because scipy.fft takes about 0.14 s to import, which every start of
    # the command line would pay otherwise.
    import scipy.fft

    spectrum = scipy.fft.rfft(centred, 2 * n, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    autocovariance = scipy.fft.irfft(power, 2 * n, axis=1)[:, : n // 2 + 1]

    variance = autocovariance[:, :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.where(variance > 0, autocovariance / np.where(variance > 0, variance, 1.0), 0.0)
    lags = np.arange(autocovariance.shape[1])
    scores = np.clip(correlation * np.sqrt(n / (n - lags)), 0.0, 1.0)
    scores[scores < SIGNIFICANCE_Z / np.sqrt(n)] = 0.0
    return scores, power[:, ::2]


def _candidate_scores(values: np.ndarray, low_lag: int, high_lag: int) -> np.ndarray:
    """Return, per row and lag, the score of lags proposed by a periodogram peak (else 0)."""
    rows, n = values.shape
    lag_scores, power = _lag_scores_and_power(values)
    candidates = np.zeros(lag_scores.shape)
    top = n // 2

    for k in range(1, top + 1):
        first = max(low_lag, int(np.ceil(n / (k + 1))))
        last = high_lag if k == 1 else min(high_lag, int(np.floor(n / (k - 1))))
        if first > last:
            continue

        peak = power[:, k] > 0
        if k > 1:
            peak &= power[:, k] >= power[:, k - 1]
        if k < top:
            peak &= power[:, k] >= power[:, k + 1]
        if not peak.any():
            continue

        window = lag_scores[:, first : last + 1]
        chosen = first + window.argmax(axis=1)
        proposing = np.flatnonzero(peak)
        candidates[proposing, chosen[proposing]] = lag_scores[proposing, chosen[proposing]]
    return candidates
