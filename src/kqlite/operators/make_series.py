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

The per-row work runs over chunks of about a million rows. Their temporary arrays
stay small and are reused, which avoids allocating (and page-faulting) a fresh
array the size of the input for every step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError
from kqlite.functions.aggregates_kernels import numeric_view
from kqlite.functions.registry import AggregateFunction, CallContext, Value
from kqlite.operators.grouping import RowGroups
from kqlite.types import BOOL, DATETIME, INT, LONG, REAL, TIMESPAN, KqlType

# Kusto's limit on the length of a make-series array.
MAX_BINS = 1 << 20

# Nanoseconds from 0001-01-01 (Kusto's datetime origin) to the Unix epoch.
_TICK_ORIGIN_NS = -62_135_596_800 * 1_000_000_000

_NAT = np.iinfo(np.int64).min
_CHUNK = 1 << 20

# Integer sums whose magnitude bound stays below this are exact in float64.
_FLOAT_EXACT = 1 << 53


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
class _Bins:
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
) -> tuple[list[pd.Series], np.ndarray]:
    """Compute the arrays of a `make-series` for `ngroups` groups.

    `codes` gives each row's group, ``-1`` for a row in no group, either as one
    number per row or as `RowGroups` (which `number_groups` returns). `start` and
    `end` are None when the query omits `from` or `to`. For ``in range`` they are
    its start and inclusive stop. `ctx_factory(length, arg_types, result_type)`
    builds the CallContext of each aggregate call. Returns one object Series of `ngroups`
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
    cells = _CellSlots(values, axis_valid, groups, ngroups, bins)
    # An empty cell's sum is 0. So when every aggregate is a sum that defaults to 0,
    # no cell needs filling and the rows need no count, unless a sum turns out to
    # need the general path.
    count_rows = not all(map(_is_zero_default_sum, specs))
    cell_sizes, sums = _chunked_totals(cells, specs, count_rows)
    if cell_sizes is None and any(total is None for total in sums.values()):
        cell_sizes, _ = _chunked_totals(cells, [], count_rows=True)
    cells_to_fill = np.zeros(cells.count, dtype=bool) if cell_sizes is None else cell_sizes == 0
    factory = ctx_factory or default_context

    # The general path takes every row's cell at once, as the group codes of an
    # aggregate kernel, so this one array is built when an aggregate needs it.
    row_cells: np.ndarray | None = None

    results = []
    for aggregate in specs:
        per_cell = _bincount_aggregate(aggregate, cell_sizes, sums)
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
) -> _Bins:
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
        return _Bins(first, step_number, count, low, high, high_inclusive=True)

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
    return _Bins(first, step_number, count, low, high, high_inclusive=False)


def _chunks(length: int, rows_per_chunk: int = 0) -> Iterator[slice]:
    size = max(_CHUNK, rows_per_chunk)
    for begin in range(0, length, size):
        yield slice(begin, min(begin + size, length))


class _CellSlots:
    """The (group, bin) cell of every row, computed chunk by chunk.

    Slot ``group * bins + bin + 1`` numbers a cell from 1, and slot 0 marks a
    dropped row, so np.bincount skips dropped rows when its first counter is
    discarded, without a filtering pass.
    """

    def __init__(self, values: np.ndarray, axis_valid: np.ndarray | None, groups: RowGroups, ngroups: int, bins: _Bins):
        self.values = values
        self.axis_valid = axis_valid
        self.groups = groups
        self.bins = bins
        self.count = ngroups * bins.count
        self.integral = values.dtype.kind == "i" and isinstance(bins.first, int) and isinstance(bins.step, int)
        self.every_row_valid = (axis_valid is None or bool(axis_valid.all())) and not groups.some_rows_ungrouped

        # The first slot of each group, indexed like the group table, so that one
        # gather gives a row's group and its offset at once.
        self.group_slots = groups.table * bins.count + 1

        # A chunk at least as long as the cell count keeps the per-chunk bincount
        # arrays, which have one counter per cell, from outweighing the rows.
        self.rows_per_chunk = max(_CHUNK, self.count + 1)

    def chunks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield each chunk's rows and slots. The slots live in a buffer reused by the next chunk."""
        length = len(self.values)
        buffer = np.empty(min(length, self.rows_per_chunk), dtype=np.int64)
        offsets = np.empty_like(buffer)
        for rows in _chunks(length, self.rows_per_chunk):
            out = buffer[: rows.stop - rows.start]
            self._fill(rows, out, offsets[: len(out)])
            yield rows, out

    def all_cells(self) -> np.ndarray:
        """Return the 0-based cell of every row, -1 for a dropped row, as one int64 array."""
        cells = np.empty(len(self.values), dtype=np.int64)
        offsets = np.empty(min(len(cells), self.rows_per_chunk), dtype=np.int64)
        for rows in _chunks(len(cells), self.rows_per_chunk):
            out = cells[rows]
            self._fill(rows, out, offsets[: len(out)])
            out -= 1
        return cells

    def _fill(self, rows: slice, out: np.ndarray, offsets: np.ndarray) -> None:
        # Write the slots of `rows` into `out`, with `offsets` as scratch space.
        bins = self.bins
        if bins.count == 0:
            out[:] = 0
            return
        chunk = self.values[rows]
        if self.integral:
            np.subtract(chunk, bins.first, out=out)
            np.floor_divide(out, bins.step, out=out)
        else:
            # Null (NaN) axis values give meaningless bins here; they are dropped below.
            with np.errstate(invalid="ignore"):
                out[:] = np.floor((chunk - bins.first) / bins.step)

        group = self.groups.take(rows, out=offsets) if self.groups.some_rows_ungrouped else None
        valid = None if self.axis_valid is None else self.axis_valid[rows]
        dropped = _dropped_rows(chunk, out, valid, group, bins, self.every_row_valid)
        np.take(self.group_slots, self.groups.source[rows], out=offsets, mode="wrap")
        out += offsets
        if dropped is not None:
            np.putmask(out, dropped, 0)


def _dropped_rows(
    chunk: np.ndarray,
    index: np.ndarray,
    valid: np.ndarray | None,
    group: np.ndarray | None,
    bins: _Bins,
    every_row_valid: bool,
) -> np.ndarray | None:
    # Only the bounds the query gives need a check: a bound computed from the data
    # contains every row by construction. `valid` and `group` are None when every
    # axis value is valid or every row is in a group.
    keep = None
    if not every_row_valid:
        keep = valid
        if group is not None:
            keep = group >= 0 if keep is None else keep & (group >= 0)
    checks = []
    if bins.low is not None:
        checks.append(chunk >= bins.low)
    if bins.high is not None:
        checks.append(chunk <= bins.high if bins.high_inclusive else chunk < bins.high)
        checks.append(index < bins.count)
    for check in checks:
        keep = check if keep is None else keep & check
    return None if keep is None else ~keep


# ------------------------------------------------------------- aggregation


def _summed_column(aggregate: SeriesAggregate) -> pd.Series | None:
    # The column whose per-cell sums give this aggregate (`sum` or `avg` of a
    # number column), or None when it needs the general path.
    if aggregate.function.name not in ("sum", "avg") or len(aggregate.args) != 1:
        return None
    column = aggregate.args[0]
    if not isinstance(column, pd.Series) or aggregate.arg_types[0] not in (INT, LONG, REAL):
        return None
    return column


def _is_zero_default_sum(aggregate: SeriesAggregate) -> bool:
    default = aggregate.default
    return aggregate.function.name == "sum" and _summed_column(aggregate) is not None and _is_number(default) and default == 0


def _chunked_totals(
    cells: _CellSlots, aggregates: Sequence[SeriesAggregate], count_rows: bool
) -> tuple[np.ndarray | None, dict[int, _ColumnTotals | None]]:
    """Count the rows of each cell and sum the columns that `aggregates` sum, in one pass.

    Each chunk adds its partial counts and sums to the totals, so no array the size
    of the input is allocated. The counts are None unless `count_rows` is set. The
    sums are keyed by the id of their column, which `sum` and `avg` of one column
    share. A column's entry is None when an integer sum could exceed float64's
    exact range.
    """
    columns = {id(column): column for column in map(_summed_column, aggregates) if column is not None}
    counters = cells.count + 1
    sizes = np.zeros(counters, dtype=np.int64) if count_rows else None
    totals = {key: _ColumnTotals(column, counters) for key, column in columns.items()}

    for rows, slots in cells.chunks():
        if sizes is not None:
            sizes += np.bincount(slots, minlength=counters)
        for total in totals.values():
            total.add(rows, slots)

    length = len(cells.values)
    exact = {key: total if total.is_exact(length) else None for key, total in totals.items()}
    return (None if sizes is None else sizes[1:]), exact


class _ColumnTotals:
    """Per-cell sums and null counts of one number column, added chunk by chunk."""

    def __init__(self, column: pd.Series, counters: int):
        self.array = column.array
        self.integral = pd.api.types.is_integer_dtype(column.dtype)
        self.sums = np.zeros(counters)
        self.nulls = np.zeros(counters, dtype=np.int64)
        self.largest = 0.0

    def add(self, rows: slice, slots: np.ndarray) -> None:
        part = self.array[rows]
        # Nulls become 0, so they add nothing to the sums.
        weights = part.to_numpy(dtype=np.float64, na_value=0.0)
        if self.integral and len(weights):
            self.largest = max(self.largest, float(weights.max()), -float(weights.min()))
        self.sums += np.bincount(slots, weights=weights, minlength=len(self.sums))
        missing = np.asarray(part.isna())
        if missing.any():
            self.nulls += np.bincount(slots[missing], minlength=len(self.nulls))

    def is_exact(self, length: int) -> bool:
        """Return False when an integer sum over `length` rows could exceed float64's exact range."""
        return not self.integral or self.largest * length < _FLOAT_EXACT


def _bincount_aggregate(
    aggregate: SeriesAggregate, cell_sizes: np.ndarray | None, column_totals: dict[int, _ColumnTotals | None]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Compute `count`, `sum` or `avg` of a number column from the chunked totals.

    Returns per-cell values and validity, or None when the aggregate needs the
    general path (another aggregate, a constant, a non-numeric argument, or an
    integer sum beyond float64's exact range). `cell_sizes` may be None only
    when every aggregate is a `sum`.
    """
    if aggregate.function.name == "count":
        assert cell_sizes is not None, "count needs the row counts"
        return cell_sizes.astype(np.int64), np.ones(len(cell_sizes), dtype=bool)
    column = _summed_column(aggregate)
    totals = None if column is None else column_totals[id(column)]
    if totals is None:
        return None

    # The first counter of each total collects the dropped rows.
    sums = totals.sums[1:]
    if aggregate.function.name == "sum":
        return (np.rint(sums).astype(np.int64) if totals.integral else sums), np.ones(len(sums), dtype=bool)
    assert cell_sizes is not None, "avg needs the row counts"
    counts = cell_sizes - totals.nulls[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts, counts > 0


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


def _axis_values(bins: _Bins, axis_type: KqlType) -> np.ndarray:
    if axis_type in (DATETIME, TIMESPAN):
        ticks = np.int64(bins.first) + np.arange(bins.count, dtype=np.int64) * np.int64(bins.step)
        return ticks.view("datetime64[ns]" if axis_type is DATETIME else "timedelta64[ns]")
    if isinstance(bins.first, int) and isinstance(bins.step, int):
        return bins.first + np.arange(bins.count, dtype=np.int64) * bins.step
    return bins.first + np.arange(bins.count, dtype=np.float64) * bins.step
