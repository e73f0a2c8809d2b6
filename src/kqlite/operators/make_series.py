"""The `make-series` kernel: bin the axis, aggregate per (group, bin), fill a 2-D block.

KQL rules implemented here:

* ``on axis from start to end step s``: a row lands in bin ``floor((axis - start) / s)``
  (``bin_at`` aligned on `start`); rows with ``axis < start`` or ``axis >= end`` are
  dropped, so there are ``ceil((end - start) / s)`` bins.
* `from` omitted: the series starts at ``bin(min(axis), s)``, with `bin` aligned on 0,
  or for datetimes on 0001-01-01 (Kusto's tick origin, so 7-day bins start on
  Mondays). `to` omitted: it ends after the last bin that contains a row. Both are
  computed over the whole input, so every output row has the same axis.
* ``in range(start, stop, s)``: `stop` is inclusive and rows are binned with plain
  ``bin()``, so the first bin is ``bin(start, s)``.
* Rows with a null axis are dropped. Cells without rows take the `default=` value.
* A series may have at most 2^20 bins.

`kqlite.operators.make_series_cells` computes each row's cell and the per-cell
counts and sums, chunk by chunk.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.aggregates_kernels import numeric_view
from kqlite.functions.registry import AggregateFunction, CallContext, Value
from kqlite.limits import QueryLimits
from kqlite.operators.grouping import RowGroups
from kqlite.operators.make_series_cells import CellSlots, bincount_aggregate, chunked_totals, summed_column
from kqlite.types import BOOL, DATETIME, INT, LONG, REAL, TIMESPAN, KqlType

# Kusto's limit on the length of a make-series array.
MAX_BINS = 1 << 20

# Bytes one (group, bin) cell takes while it is computed: its row count, and per
# aggregate its per-cell value and its filled output value (8 bytes each).
_CELL_BYTES = 8
_CELL_BYTES_PER_AGGREGATE = 16

# Nanoseconds from 0001-01-01 (Kusto's datetime origin) to the Unix epoch.
_TICK_ORIGIN_NS = -62_135_596_800 * 1_000_000_000

_NAT = np.iinfo(np.int64).min


class SeriesAggregate(NamedTuple):
    """One aggregate of a `make-series`.

    `default` fills the cells without rows: the query's ``default=`` value, or 0
    when it has none (None fills null).
    """

    function: AggregateFunction
    args: list[Value]
    arg_types: list[KqlType]
    default: Any
    result_type: KqlType


ContextFactory = Callable[[int, tuple[KqlType, ...], KqlType], CallContext]


def default_context(length: int, arg_types: tuple[KqlType, ...], result_type: KqlType) -> CallContext:
    """Build a CallContext for an aggregate call of `make_series`."""
    return CallContext(length=length, arg_types=arg_types, result_type=result_type, now=pd.Timestamp.now())


@dataclass(frozen=True, slots=True)
class SeriesBins:
    """The bins of a series in axis numbers (nanoseconds for datetimes and timespans)."""

    first: int | float
    step: int | float
    count: int
    low: int | float | None  # given start: rows below are dropped
    high: int | float | None  # given end: rows above (or at, unless high_inclusive) are dropped
    high_inclusive: bool


def make_series(
    axis: pd.Series,
    axis_type: KqlType,
    codes: np.ndarray | RowGroups,
    ngroups: int,
    start: Any,
    end: Any,
    step: Any,
    in_range: bool,
    aggregates: Sequence[SeriesAggregate | tuple[Any, ...]],
    ctx_factory: ContextFactory | None = None,
    limits: QueryLimits | None = None,
) -> tuple[list[pd.Series], np.ndarray]:
    """Compute the arrays of a `make-series` for `ngroups` groups.

    `codes` gives each row's group, ``-1`` for a row in no group, either as one
    number per row or as `RowGroups` (which `number_groups` returns). `start` and
    `end` are None when the query omits `from` or `to`. For ``in range`` they are
    its start and inclusive stop. `ctx_factory(length, arg_types, result_type)`
    builds the CallContext of each aggregate call. `limits` gives the memory budget
    the groups times bins cells must fit in (default: the budget of a query without
    set options). Returns one object Series of `ngroups`
    rows per aggregate, whose elements are 1-D numpy arrays (row views of one 2-D
    block), and the array of bin start values for the axis column. Long and int
    results are int64 arrays unless a cell is null, which makes them float64 with
    NaN; datetime and timespan results are datetime64[ns] and timedelta64[ns].
    """
    if axis_type not in (DATETIME, TIMESPAN, INT, LONG, REAL):
        raise KqlRuntimeError("KL321", f"the make-series axis must be a datetime, timespan or number, not {axis_type}")
    groups = codes if isinstance(codes, RowGroups) else RowGroups.of_codes(codes, ngroups)
    values, axis_valid = _axis_numbers(axis)
    in_groups = axis_valid
    if groups.some_rows_ungrouped:
        in_groups = groups.codes() >= 0 if axis_valid is None else axis_valid & (groups.codes() >= 0)
    bins = _plan_bins(values, in_groups, axis_type, start, end, step, in_range)
    if bins.count > MAX_BINS:
        raise KqlRuntimeError(
            "KL320",
            f"make-series would create {bins.count} bins, more than the limit of {MAX_BINS}",
            hint="use a larger step or a narrower from/to range",
        )

    specs = [entry if isinstance(entry, SeriesAggregate) else SeriesAggregate(*entry) for entry in aggregates]
    # Each group has `bins.count` cells, so many groups multiply even an allowed bin count.
    budget = limits if limits is not None else QueryLimits.from_options({})
    budget.check_rows(
        "make-series",
        ngroups * bins.count,
        _CELL_BYTES + _CELL_BYTES_PER_AGGREGATE * len(specs),
        advice="use a larger step, a narrower from/to range or fewer groups (by)",
        unit="cells",
    )
    cells = CellSlots(values, axis_valid, groups, ngroups, bins)
    # An empty cell's sum is 0. So when every aggregate is a sum that defaults to 0,
    # no cell needs filling and the rows need no count, unless a sum turns out to
    # need the general path.
    count_rows = not all(map(_is_zero_default_sum, specs))
    cell_sizes, sums = chunked_totals(cells, specs, count_rows)
    if cell_sizes is None and any(total is None for total in sums.values()):
        cell_sizes, _ = chunked_totals(cells, [], count_rows=True)
    cells_to_fill = np.zeros(cells.count, dtype=bool) if cell_sizes is None else cell_sizes == 0
    factory = ctx_factory or default_context

    # The general path takes every row's cell at once, as the group codes of an
    # aggregate kernel, so this one array is built when an aggregate needs it.
    row_cells: np.ndarray | None = None

    results = []
    for aggregate in specs:
        per_cell = bincount_aggregate(aggregate, cell_sizes, sums)
        if per_cell is None:
            row_cells = cells.all_cells() if row_cells is None else row_cells
            ctx = factory(len(values), tuple(aggregate.arg_types), aggregate.result_type)
            per_cell = numeric_view(aggregate.function.implementation(ctx, row_cells, cells.count, *aggregate.args))
        block = _fill_block(per_cell, cells_to_fill, aggregate.default, aggregate.result_type)
        results.append(_rows_of(block.reshape(ngroups, bins.count)))

    return results, _axis_values(bins, axis_type)


# ------------------------------------------------------------------------ binning


def _axis_numbers(axis: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the axis as numbers and its validity mask, None when every value is valid.

    A datetime or timespan axis without nulls, the usual case, needs no mask. A
    null is int64's minimum in its nanosecond view, so one min() pass finds out,
    without allocating a mask as long as the input.
    """
    if pd.api.types.is_datetime64_dtype(axis.dtype) or pd.api.types.is_timedelta64_dtype(axis.dtype):
        unit = "datetime64[ns]" if pd.api.types.is_datetime64_dtype(axis.dtype) else "timedelta64[ns]"
        values = axis.to_numpy(dtype=unit).view(np.int64)
        if len(values) == 0 or values.min() != _NAT:
            return values, None
    return numeric_view(axis)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _as_number(value: Any, axis_type: KqlType) -> int | float:
    # Express a from/to/step value in axis numbers: nanoseconds for datetimes and
    # timespans.
    if axis_type is DATETIME and not isinstance(value, (pd.Timedelta, np.timedelta64)) and not _is_number(value):
        return int(pd.Timestamp(value).as_unit("ns").value)
    if axis_type in (DATETIME, TIMESPAN):
        return int(pd.Timedelta(value).as_unit("ns").value)
    if not _is_number(value):
        raise KqlRuntimeError("KL322", f"make-series expected a number for a numeric axis, got {value!r}")
    return int(value) if isinstance(value, (int, np.integer)) else float(value)


def _bin_value(value: int | float, step: int | float, origin: int) -> int | float:
    # KQL's bin(): the largest multiple of `step`, counted from `origin`, <= value.
    if isinstance(value, (int, np.integer)) and isinstance(step, int):
        return int(value) - (int(value) - origin) % step
    return math.floor((value - origin) / step) * step + origin


def _plan_bins(
    values: np.ndarray, valid: np.ndarray | None, axis_type: KqlType, start: Any, end: Any, step: Any, in_range: bool
) -> SeriesBins:
    if step is None:
        raise KqlRuntimeError("KL322", "make-series needs a step")
    step_number = _as_number(step, axis_type)
    if not step_number > 0:
        raise KqlRuntimeError("KL322", f"the make-series step must be positive, got {step!r}")
    origin = _TICK_ORIGIN_NS if axis_type is DATETIME else 0
    low = None if start is None else _as_number(start, axis_type)
    high = None if end is None else _as_number(end, axis_type)

    if in_range:
        if low is None or high is None:
            raise KqlRuntimeError("KL323", "make-series 'in range' needs a start and a stop")
        first = _bin_value(low, step_number, origin)
        count = max(0, math.floor((_bin_value(high, step_number, origin) - first) / step_number) + 1)
        return SeriesBins(first, step_number, count, low, high, high_inclusive=True)

    present = values if valid is None or valid.all() else values[valid]
    if low is not None:
        first = low
    elif len(present):
        first = _bin_value(present.min(), step_number, origin)
    else:
        first = 0

    if high is not None:
        count = max(0, math.ceil((high - first) / step_number))
    elif len(present) and present.max() >= first:
        count = math.floor((present.max() - first) / step_number) + 1
    else:
        count = 0
    return SeriesBins(first, step_number, count, low, high, high_inclusive=False)


# ------------------------------------------------------------- aggregation


def _is_zero_default_sum(aggregate: SeriesAggregate) -> bool:
    default = aggregate.default
    return aggregate.function.name == "sum" and summed_column(aggregate) is not None and _is_number(default) and default == 0


# ----------------------------------------------------------------- output


def _fill_block(
    per_cell: tuple[np.ndarray, np.ndarray], empty_cells: np.ndarray, default: Any, result_type: KqlType
) -> np.ndarray:
    """Turn one aggregate's per-cell values and validity into a flat array with empty cells filled."""
    if result_type not in (INT, LONG, REAL, BOOL, DATETIME, TIMESPAN):
        raise KqlRuntimeError("KL324", f"make-series needs aggregates with numeric results, not {result_type}")
    values, valid = per_cell

    if result_type in (DATETIME, TIMESPAN):
        no_fill = default is None or (result_type is DATETIME and _is_number(default))
        values = values.astype(np.int64, copy=True)
        values[~valid] = _NAT
        values[empty_cells] = _NAT if no_fill else _as_number(default, result_type)
        return values.view("datetime64[ns]" if result_type is DATETIME else "timedelta64[ns]")

    fill = np.nan if default is None else default
    whole = result_type in (INT, LONG, BOOL) and bool(valid[~empty_cells].all()) and float(fill).is_integer()
    block = values.astype(np.int64 if whole else np.float64, copy=True)
    if not whole:
        block[~valid] = np.nan
    block[empty_cells] = fill
    return block


def _rows_of(block: np.ndarray) -> pd.Series:
    # One object element per group, each a view of its row of the 2-D block.
    rows = np.empty(block.shape[0], dtype=object)
    for group in range(block.shape[0]):
        rows[group] = block[group]
    return pd.Series(rows, dtype=object)


def _axis_values(bins: SeriesBins, axis_type: KqlType) -> np.ndarray:
    if axis_type in (DATETIME, TIMESPAN):
        ticks = np.int64(bins.first) + np.arange(bins.count, dtype=np.int64) * np.int64(bins.step)
        return ticks.view("datetime64[ns]" if axis_type is DATETIME else "timedelta64[ns]")
    if isinstance(bins.first, int) and isinstance(bins.step, int):
        return bins.first + np.arange(bins.count, dtype=np.int64) * bins.step
    return bins.first + np.arange(bins.count, dtype=np.float64) * bins.step
