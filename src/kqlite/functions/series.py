"""Series functions: KQL's time-series analysis over dynamic arrays.

Each function converts its dynamic argument to a 2-D block (one row per input row,
see `kqlite.series.blocks`), runs a vectorised kernel from `kqlite.series` and
converts the result back to a dynamic column of numpy arrays. A row whose argument is
not an array gives null.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.registry import CallContext, P, broadcast, scalar
from kqlite.series.blocks import NOT_AN_ARRAY, from_block, from_boolean_block, integer_rows, to_block
from kqlite.series.decompose import (
    AUTO_SEASONALITY,
    DECOMPOSE_SEASONALITY_THRESHOLD,
    SEASONAL_SEASONALITY_THRESHOLD,
    decompose,
    decompose_anomalies,
    decompose_forecast,
    learning_part,
    seasonal_component,
)
from kqlite.series.elementwise import ElementwiseResult, Operand, absolute, combine
from kqlite.series.fill import fill_backward, fill_const, fill_forward, fill_linear
from kqlite.series.fit_line import fit_line
from kqlite.series.outliers import outlier_scores
from kqlite.series.periods import detect_periods, validate_periods
from kqlite.types import BOOL, DYNAMIC, INT, LONG, REAL, STRING, KqlType

NUMBER = (INT, LONG, REAL)
NUMBER_OR_DYNAMIC = (DYNAMIC, INT, LONG, REAL)


def _block(ctx: CallContext, series: Any) -> tuple[np.ndarray, np.ndarray]:
    return to_block(broadcast(series, ctx.length))


def _number(value: Any, default: Any) -> Any:
    # Constant numeric parameters; a null argument means "use the default".
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return default
    return float(value)


def _integer(value: Any, default: int) -> int:
    if value is None:
        return default
    # A dynamic constant reaches a long parameter unchanged, so it may be any JSON value.
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise KqlRuntimeError(
            "KL503", f"a series function's count or period argument must be a number, not {value!r}"
        )
    return int(value)


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


@scalar(
    "series_outliers",
    [
        P("series", DYNAMIC),
        P("kind", STRING, optional=True, constant=True),
        P("ignore_val", *NUMBER, optional=True, constant=True),
        P("min_percentile", *NUMBER, optional=True, constant=True),
        P("max_percentile", *NUMBER, optional=True, constant=True),
        P("test_points", INT, LONG, optional=True, constant=True),
    ],
    DYNAMIC,
    named_after_first_arg=True,
)
def series_outliers(
    ctx: CallContext,
    series: Any,
    kind: str | None = None,
    ignore_val: Any = None,
    min_percentile: Any = None,
    max_percentile: Any = None,
    test_points: Any = None,
) -> pd.Series:
    """Score anomalies with Tukey's fences.  Example: series_outliers(dynamic([1,2,3,50])) → [-0.024,0,0,1.13]"""
    block, lengths = _block(ctx, series)
    learn_lengths = np.maximum(lengths - _integer(test_points, 0), 0)
    scores = outlier_scores(
        block,
        _text(kind, "ctukey"),
        _number(ignore_val, None),
        _number(min_percentile, None),
        _number(max_percentile, None),
        learn_width=learn_lengths,
    )
    return from_block(scores, lengths)


@scalar(
    "series_seasonal",
    [
        P("series", DYNAMIC),
        P("period", INT, LONG, optional=True, constant=True),
        P("test_points", INT, LONG, optional=True, constant=True),
    ],
    DYNAMIC,
)
def series_seasonal(ctx: CallContext, series: Any, period: Any = None, test_points: Any = None) -> pd.Series:
    """Seasonal component: per-phase medians.  Example: series_seasonal(dynamic([1,3,5,1,3,5,2,4,6]), 3) → [1,3,5,1,3,5,1,3,5]"""
    block, lengths = _block(ctx, series)
    period_value = _integer(period, AUTO_SEASONALITY)
    tail = _integer(test_points, 0)

    # KQL: a period other than -1 (detect) or a positive number of bins gives zeros.
    if period_value < AUTO_SEASONALITY:
        period_value = 0
    learned = learning_part(block, lengths, tail)
    learn_lengths = np.maximum(lengths - max(tail, 0), 0)
    seasonal = seasonal_component(
        learned, learn_lengths, period_value, SEASONAL_SEASONALITY_THRESHOLD, block.shape[1]
    )
    return from_block(seasonal, lengths)


@scalar(
    "series_decompose",
    [
        P("series", DYNAMIC),
        P("seasonality", INT, LONG, optional=True, constant=True),
        P("trend", STRING, optional=True, constant=True),
        P("test_points", INT, LONG, optional=True, constant=True),
        P("seasonality_threshold", *NUMBER, optional=True, constant=True),
    ],
    DYNAMIC,
    output_names=("baseline", "seasonal", "trend", "residual"),
    result_types=(DYNAMIC, DYNAMIC, DYNAMIC, DYNAMIC),
)
def series_decompose(
    ctx: CallContext,
    series: Any,
    seasonality: Any = None,
    trend: str | None = None,
    test_points: Any = None,
    seasonality_threshold: Any = None,
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Split a series into baseline, seasonal, trend and residual.  Example: series_decompose(y, 0, 'avg')"""
    block, lengths = _block(ctx, series)
    parts = decompose(
        block,
        lengths,
        _integer(seasonality, AUTO_SEASONALITY),
        _text(trend, "avg"),
        _integer(test_points, 0),
        _threshold(seasonality_threshold),
    )
    return (
        from_block(parts.baseline, lengths),
        from_block(parts.seasonal, lengths),
        from_block(parts.trend, lengths),
        from_block(parts.residual, lengths),
    )


@scalar(
    "series_decompose_anomalies",
    [
        P("series", DYNAMIC),
        P("threshold", *NUMBER, optional=True, constant=True),
        P("seasonality", INT, LONG, optional=True, constant=True),
        P("trend", STRING, optional=True, constant=True),
        P("test_points", INT, LONG, optional=True, constant=True),
        P("ad_method", STRING, optional=True, constant=True),
        P("seasonality_threshold", *NUMBER, optional=True, constant=True),
    ],
    DYNAMIC,
    output_names=("ad_flag", "ad_score", "baseline"),
    result_types=(DYNAMIC, DYNAMIC, DYNAMIC),
)
def series_decompose_anomalies(
    ctx: CallContext,
    series: Any,
    threshold: Any = None,
    seasonality: Any = None,
    trend: str | None = None,
    test_points: Any = None,
    ad_method: str | None = None,
    seasonality_threshold: Any = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Flag anomalies in the residual of series_decompose.  Example: series_decompose_anomalies(y, 1.5, 0)"""
    block, lengths = _block(ctx, series)
    flags, scores, baseline = decompose_anomalies(
        block,
        lengths,
        _number(threshold, 1.5),
        _integer(seasonality, AUTO_SEASONALITY),
        _text(trend, "avg"),
        _integer(test_points, 0),
        _text(ad_method, "ctukey"),
        _threshold(seasonality_threshold),
    )
    return (
        from_block(flags, lengths),
        from_block(scores, lengths),
        from_block(baseline, lengths),
    )


@scalar(
    "series_decompose_forecast",
    [
        P("series", DYNAMIC),
        P("points", INT, LONG, constant=True),
        P("seasonality", INT, LONG, optional=True, constant=True),
        P("trend", STRING, optional=True, constant=True),
        P("seasonality_threshold", *NUMBER, optional=True, constant=True),
    ],
    DYNAMIC,
)
def series_decompose_forecast(
    ctx: CallContext,
    series: Any,
    points: Any,
    seasonality: Any = None,
    trend: str | None = None,
    seasonality_threshold: Any = None,
) -> pd.Series:
    """Forecast the last points from the decomposition of the others.  Example: series_decompose_forecast(y, 168)"""
    block, lengths = _block(ctx, series)
    baseline = decompose_forecast(
        block,
        lengths,
        _integer(points, 0),
        _integer(seasonality, AUTO_SEASONALITY),
        _text(trend, "avg"),
        _threshold(seasonality_threshold),
    )
    return from_block(baseline, lengths)


def _threshold(value: Any) -> float:
    return DECOMPOSE_SEASONALITY_THRESHOLD if value is None else float(value)


@scalar(
    "series_periods_detect",
    [
        P("series", DYNAMIC),
        P("min_period", *NUMBER, constant=True),
        P("max_period", *NUMBER, constant=True),
        P("num_periods", INT, LONG, constant=True),
    ],
    DYNAMIC,
    output_names=("periods", "scores"),
    result_types=(DYNAMIC, DYNAMIC),
)
def series_periods_detect(
    ctx: CallContext, series: Any, min_period: Any, max_period: Any, num_periods: Any
) -> tuple[pd.Series, pd.Series]:
    """Find the most significant periods.  Example: series_periods_detect(y, 0.0, 50.0, 2) → [14, 0], [0.84, 0]"""
    block, lengths = _block(ctx, series)
    count = _integer(num_periods, 0)
    if count < 0:
        raise KqlRuntimeError("KL304", f"series_periods_detect(): num_periods must not be negative, got {count}")
    periods, scores = detect_periods(
        block, lengths, _number(min_period, 0.0), _number(max_period, np.inf), count
    )
    result_lengths = np.where(lengths == NOT_AN_ARRAY, NOT_AN_ARRAY, count)
    return from_block(periods, result_lengths), from_block(scores, result_lengths)


@scalar(
    "series_periods_validate",
    [P("series", DYNAMIC), P("period", *NUMBER, constant=True, variadic=True)],
    DYNAMIC,
    output_names=("periods", "scores"),
    result_types=(DYNAMIC, DYNAMIC),
)
def series_periods_validate(ctx: CallContext, series: Any, *periods: Any) -> tuple[pd.Series, pd.Series]:
    """Score the given periods.  Example: series_periods_validate(y, 14.0, 10.0) → [14, 10], [0.84, 0]"""
    if not 1 <= len(periods) <= 16:
        raise KqlRuntimeError(
            "KL305", f"series_periods_validate() takes 1 to 16 periods, got {len(periods)}"
        )
    block, lengths = _block(ctx, series)
    values = [_number(period, None) for period in periods]
    scores = validate_periods(block, lengths, values)
    requested = np.tile(np.array([np.nan if v is None else v for v in values]), (len(lengths), 1))
    result_lengths = np.where(lengths == NOT_AN_ARRAY, NOT_AN_ARRAY, len(values))
    return from_block(requested, result_lengths), from_block(scores, result_lengths)


@scalar(
    "series_fit_line",
    [P("series", DYNAMIC)],
    DYNAMIC,
    output_names=("rsquare", "slope", "variance", "rvariance", "interception", "line_fit"),
    result_types=(REAL, REAL, REAL, REAL, REAL, DYNAMIC),
)
def series_fit_line(ctx: CallContext, series: Any) -> tuple[pd.Series, ...]:
    """Fit a least-squares line.  Example: series_fit_line(dynamic([2,5,6,8])) → rsquare, slope, ..., line_fit"""
    block, lengths = _block(ctx, series)
    fit = fit_line(block)
    null = lengths == NOT_AN_ARRAY

    def real(values: np.ndarray) -> pd.Series:
        return pd.Series(np.where(null, np.nan, values), dtype=np.float64)

    return (
        real(fit.rsquare),
        real(fit.slope),
        real(fit.variance),
        real(fit.rvariance),
        real(fit.interception),
        from_block(fit.line_fit, lengths),
    )


@scalar(
    "series_fill_forward",
    [P("series", DYNAMIC), P("missing_value_placeholder", *NUMBER, optional=True, constant=True)],
    DYNAMIC,
    named_after_first_arg=True,
)
def series_fill_forward(ctx: CallContext, series: Any, missing_value_placeholder: Any = None) -> pd.Series:
    """Fill missing values from the left.  Example: series_fill_forward(dynamic([null,1,null])) → [null,1,1]"""
    values = broadcast(series, ctx.length)
    block, lengths = to_block(values)
    filled = fill_forward(block, _number(missing_value_placeholder, None))
    return from_block(filled, lengths, integer_rows=integer_rows(values))


@scalar(
    "series_fill_backward",
    [P("series", DYNAMIC), P("missing_value_placeholder", *NUMBER, optional=True, constant=True)],
    DYNAMIC,
    named_after_first_arg=True,
)
def series_fill_backward(ctx: CallContext, series: Any, missing_value_placeholder: Any = None) -> pd.Series:
    """Fill missing values from the right.  Example: series_fill_backward(dynamic([null,1,null])) → [1,1,null]"""
    values = broadcast(series, ctx.length)
    # Padding is NaN, so it is itself missing and never fills a row's last elements.
    block, lengths = to_block(values)
    filled = fill_backward(block, _number(missing_value_placeholder, None))
    return from_block(filled, lengths, integer_rows=integer_rows(values))


@scalar(
    "series_fill_const",
    [
        P("series", DYNAMIC),
        P("constant_value", *NUMBER, optional=True, constant=True),
        P("missing_value_placeholder", *NUMBER, optional=True, constant=True),
    ],
    DYNAMIC,
    named_after_first_arg=True,
)
def series_fill_const(
    ctx: CallContext, series: Any, constant_value: Any = None, missing_value_placeholder: Any = None
) -> pd.Series:
    """Replace missing values with a constant.  Example: series_fill_const(dynamic([1,null]), 0) → [1,0]"""
    values = broadcast(series, ctx.length)
    block, lengths = to_block(values)
    constant = _number(constant_value, 0.0)
    filled = fill_const(block, np.nan if constant is None else constant, _number(missing_value_placeholder, None))
    keep_integers = integer_rows(values) & _is_integer_constant(constant_value)
    return from_block(filled, lengths, integer_rows=keep_integers)


@scalar(
    "series_fill_linear",
    [
        P("series", DYNAMIC),
        P("missing_value_placeholder", *NUMBER, optional=True, constant=True),
        P("fill_edges", BOOL, optional=True, constant=True),
        P("constant_value", *NUMBER, optional=True, constant=True),
    ],
    DYNAMIC,
    named_after_first_arg=True,
)
def series_fill_linear(
    ctx: CallContext,
    series: Any,
    missing_value_placeholder: Any = None,
    fill_edges: Any = None,
    constant_value: Any = 0,
) -> pd.Series:
    """Interpolate missing values linearly.  Example: series_fill_linear(dynamic([1,null,3])) → [1,2,3]"""
    values = broadcast(series, ctx.length)
    block, lengths = to_block(values)
    integers = integer_rows(values)
    filled = fill_linear(
        block,
        lengths,
        _number(missing_value_placeholder, None),
        True if fill_edges is None else bool(fill_edges),
        _number(constant_value, None),
        integer_rows=integers,
    )
    return from_block(filled, lengths, integer_rows=integers)


def _is_integer_constant(value: Any) -> bool:
    return value is None or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _operand(ctx: CallContext, value: Any, position: int) -> Operand:
    arg_type: KqlType = ctx.arg_types[position] if position < len(ctx.arg_types) else DYNAMIC
    if arg_type is DYNAMIC or isinstance(value, (list, tuple, np.ndarray)):
        column = broadcast(value, ctx.length)
        block, lengths = to_block(column)
        return Operand(block, lengths, integer_rows(column))

    # A number, or one number per row.
    if isinstance(value, pd.Series):
        numbers_per_row = value.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        numbers_per_row = np.full(ctx.length, np.nan if value is None else float(value))
    integer = np.full(ctx.length, arg_type in (INT, LONG))
    return Operand(numbers_per_row, None, integer)


def _binary(name: str, operation: str, comparison: bool) -> None:
    def implementation(ctx: CallContext, series1: Any, series2: Any) -> pd.Series:
        result = combine(operation, _operand(ctx, series1, 0), _operand(ctx, series2, 1))
        return _unpack(result, comparison)

    implementation.__doc__ = f"Element-wise {operation}.  Example: {name}(dynamic([1,2]), dynamic([3,4]))"
    implementation.__name__ = name
    scalar(name, [P("series1", *NUMBER_OR_DYNAMIC), P("series2", *NUMBER_OR_DYNAMIC)], DYNAMIC)(implementation)


def _unpack(result: ElementwiseResult, comparison: bool) -> pd.Series:
    if comparison:
        return from_boolean_block(result.block, result.lengths)
    return from_block(result.block, result.lengths, integer_rows=result.integer)


_binary("series_add", "add", comparison=False)
_binary("series_subtract", "subtract", comparison=False)
_binary("series_multiply", "multiply", comparison=False)
_binary("series_divide", "divide", comparison=False)
_binary("series_greater", "greater", comparison=True)
_binary("series_less", "less", comparison=True)


@scalar("series_abs", [P("series", DYNAMIC)], DYNAMIC)
def series_abs(ctx: CallContext, series: Any) -> pd.Series:
    """Element-wise absolute value.  Example: series_abs(dynamic([-6.5,0,8.2])) → [6.5,0,8.2]"""
    return _unpack(absolute(_operand(ctx, series, 0)), comparison=False)
