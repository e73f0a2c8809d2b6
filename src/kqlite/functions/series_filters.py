"""Series filters and statistics: series_fir, series_iir, series_stats and series_stats_dynamic.

Each function packs its dynamic column into a 2-D block (one row per series, see
`kqlite.series.blocks`) and filters or summarises all rows at once. A row whose value
is not an array gives null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.registry import CallContext, P, broadcast, scalar
from kqlite.functions.values import as_list, object_series
from kqlite.series.blocks import NOT_AN_ARRAY, from_block, to_block
from kqlite.types import BOOL, DYNAMIC, LONG, REAL


def _coefficients(value: Any, function: str, argument: str) -> np.ndarray:
    elements = as_list(value)
    if not elements or any(isinstance(item, bool) or not isinstance(item, (int, float)) for item in elements):
        raise KqlRuntimeError(
            "KL306",
            f"{function}(): invalid {argument} {value!r}: pass a non-empty array of numbers, such as dynamic([1, 1, 1])",
        )
    return np.asarray(elements, dtype=np.float64)


def _zero_padded(block: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    # Short rows are padded with NaN; a filter must see zeros there instead, so that
    # the padding does not leak into a row's last values (a centred filter reads ahead).
    padding = np.arange(block.shape[1])[None, :] >= np.maximum(lengths, 0)[:, None]
    return np.where(padding, 0.0, block)


def _filter_rows(ctx: CallContext, series: Any, coefficients: tuple[Any, ...], kernel: Callable[..., np.ndarray]) -> pd.Series:
    """Run `kernel(block, lengths, *coefficients)` on the rows that share each distinct set of coefficients.

    Coefficients are usually constants (one run over the whole block); a column of
    coefficient arrays costs one run per distinct array.
    """
    block, lengths = to_block(broadcast(series, ctx.length))
    if not any(isinstance(value, pd.Series) for value in coefficients):
        if any(value is None for value in coefficients):
            return from_block(block, np.full(len(lengths), NOT_AN_ARRAY))
        return from_block(kernel(block, lengths, *coefficients), lengths)

    columns = [broadcast(value, ctx.length).to_numpy(dtype=object) for value in coefficients]
    keys = pd.Series([repr([as_list(column[row]) for column in columns]) for row in range(ctx.length)], dtype=object)
    codes, uniques = pd.factorize(keys)
    filtered = np.full_like(block, np.nan)
    lengths = lengths.copy()
    for code in range(len(uniques)):
        rows = np.flatnonzero(codes == code)
        row_coefficients = [column[rows[0]] for column in columns]

        # A row whose coefficients are null gives null.
        if any(value is None for value in row_coefficients):
            lengths[rows] = NOT_AN_ARRAY
            continue
        filtered[rows] = kernel(block[rows], lengths[rows], *row_coefficients)
    return from_block(filtered, lengths)


def _fir(block: np.ndarray, lengths: np.ndarray, coefficients: Any, normalize: Any, center: Any) -> np.ndarray:
    taps = _coefficients(coefficients, "series_fir", "filter")

    # KQL: normalize defaults to true unless a coefficient is negative; normalizing
    # a filter with a negative coefficient (or a zero sum) gives null elements.
    has_negative = bool((taps < 0).any())
    normalizing = not has_negative if normalize is None else bool(normalize)
    if normalizing:
        total = taps.sum()
        if has_negative or total == 0:
            return np.full_like(block, np.nan)
        taps = taps / total

    # y[i] = sum over j of taps[j] * x[i - j], with zeros before the first value. A
    # centred filter is shifted back by (len(taps) - 1) / 2 points, reading zeros past the end.
    shift = (len(taps) - 1) // 2 if center else 0
    values = _zero_padded(block, lengths)
    padded = np.concatenate([values, np.zeros((values.shape[0], shift))], axis=1)
    filtered = np.zeros_like(padded)
    for lag, tap in enumerate(taps):
        filtered[:, lag:] += tap * padded[:, : padded.shape[1] - lag]
    return filtered[:, shift:]


@scalar(
    "series_fir",
    [
        P("series", DYNAMIC),
        P("filter", DYNAMIC),
        P("normalize", BOOL, optional=True, constant=True),
        P("center", BOOL, optional=True, constant=True),
    ],
    DYNAMIC,
)
def series_fir(ctx: CallContext, series: Any, coefficients: Any, normalize: Any = None, center: Any = None) -> pd.Series:
    """Apply a finite impulse response filter. Example: series_fir(dynamic([1,2,3,4]), dynamic([1,1])) → [0.5,1.5,2.5,3.5]"""
    return _filter_rows(ctx, series, (coefficients,), lambda block, lengths, taps: _fir(block, lengths, taps, normalize, center))


def _iir(block: np.ndarray, lengths: np.ndarray, numerators: Any, denominators: Any) -> np.ndarray:
    from scipy.signal import lfilter

    b = _coefficients(numerators, "series_iir", "numerators")
    a = _coefficients(denominators, "series_iir", "denominators")
    if a[0] == 0:
        raise KqlRuntimeError("KL306", "series_iir(): invalid denominators: the first coefficient is 0, and every term is divided by it")

    # KQL: y[i] = (sum b[j] * x[i-j] - sum over j >= 1 of a[j] * y[i-j]) / a[0], with
    # zeros before the first value. lfilter divides every coefficient by a[0] itself.
    return lfilter(b, a, _zero_padded(block, lengths), axis=1) if block.size else block


@scalar("series_iir", [P("series", DYNAMIC), P("numerators", DYNAMIC), P("denominators", DYNAMIC)], DYNAMIC)
def series_iir(ctx: CallContext, series: Any, numerators: Any, denominators: Any) -> pd.Series:
    """Apply an infinite impulse response filter. Example: series_iir(dynamic([1,2,3]), dynamic([1]), dynamic([1,-1])) → [1,3,6]"""
    return _filter_rows(ctx, series, (numerators, denominators), _iir)


# The members of series_stats, in Kusto's column order.
STATS_NAMES = ("min", "min_idx", "max", "max_idx", "avg", "stdev", "variance")
STATS_TYPES = (REAL, LONG, REAL, LONG, REAL, REAL, REAL)


class _Statistics:
    """The statistics of every row of a block; a row is null where `null` is set."""

    def __init__(self, block: np.ndarray, lengths: np.ndarray, ignore_nonfinite: bool) -> None:
        inside = np.arange(block.shape[1])[None, :] < np.maximum(lengths, 0)[:, None]
        finite = np.isfinite(block) & inside

        # KQL: a non-finite element (null, NaN, infinity) makes every statistic null,
        # unless ignore_nonfinite skips those elements.
        has_nonfinite = (inside & ~finite).any(axis=1)
        self.count = finite.sum(axis=1)
        self.length = np.maximum(lengths, 0)
        self.null = (lengths == NOT_AN_ARRAY) | (self.count == 0)
        if not ignore_nonfinite:
            self.null |= has_nonfinite

        safe_count = np.maximum(self.count, 1)
        lows = np.where(finite, block, np.inf)
        highs = np.where(finite, block, -np.inf)
        self.min_idx = lows.argmin(axis=1) if block.shape[1] else np.zeros(len(lengths), dtype=np.int64)
        self.max_idx = highs.argmax(axis=1) if block.shape[1] else np.zeros(len(lengths), dtype=np.int64)
        self.min = lows.min(axis=1, initial=np.inf)
        self.max = highs.max(axis=1, initial=-np.inf)
        self.sum = np.where(finite, block, 0.0).sum(axis=1)
        self.avg = self.sum / safe_count

        # Sample variance (n - 1 in the denominator); a single value has variance 0.
        deviations = np.where(finite, block - self.avg[:, None], 0.0)
        squares = (deviations**2).sum(axis=1)
        self.variance = np.where(self.count > 1, squares / np.maximum(self.count - 1, 1), 0.0)
        self.stdev = np.sqrt(self.variance)

    def real(self, values: np.ndarray) -> pd.Series:
        return pd.Series(np.where(self.null, np.nan, values), dtype=np.float64)

    def long(self, values: np.ndarray) -> pd.Series:
        return pd.Series(pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), self.null.copy()))


def _statistics(ctx: CallContext, series: Any, ignore_nonfinite: Any) -> _Statistics:
    block, lengths = to_block(broadcast(series, ctx.length))
    return _Statistics(block, lengths, bool(ignore_nonfinite))


@scalar(
    "series_stats",
    [P("series", DYNAMIC), P("ignore_nonfinite", BOOL, optional=True, constant=True)],
    DYNAMIC,
    output_names=STATS_NAMES,
    result_types=STATS_TYPES,
)
def series_stats(ctx: CallContext, series: Any, ignore_nonfinite: Any = None) -> tuple[pd.Series, ...]:
    """Return min, min_idx, max, max_idx, avg, stdev and variance of a series. Example: series_stats(dynamic([1,3,2])) → 1, 0, 3, 1, 2, 1, 1"""
    stats = _statistics(ctx, series, ignore_nonfinite)
    return (
        stats.real(stats.min),
        stats.long(stats.min_idx),
        stats.real(stats.max),
        stats.long(stats.max_idx),
        stats.real(stats.avg),
        stats.real(stats.stdev),
        stats.real(stats.variance),
    )


@scalar(
    "series_stats_dynamic",
    [P("series", DYNAMIC), P("ignore_nonfinite", BOOL, optional=True, constant=True)],
    DYNAMIC,
)
def series_stats_dynamic(ctx: CallContext, series: Any, ignore_nonfinite: Any = None) -> pd.Series:
    """Return a bag of min, min_idx, max, max_idx, avg, stdev, variance, sum and len. Example: series_stats_dynamic(dynamic([1,3,2])).avg → 2"""
    stats = _statistics(ctx, series, ignore_nonfinite)
    bags: list[Any] = []
    for row in range(len(stats.null)):
        if stats.null[row]:
            bags.append(None)
            continue
        bags.append(
            {
                "min": float(stats.min[row]),
                "min_idx": int(stats.min_idx[row]),
                "max": float(stats.max[row]),
                "max_idx": int(stats.max_idx[row]),
                "avg": float(stats.avg[row]),
                "stdev": float(stats.stdev[row]),
                "variance": float(stats.variance[row]),
                "sum": float(stats.sum[row]),
                "len": int(stats.length[row]),
            }
        )
    return object_series(bags)
