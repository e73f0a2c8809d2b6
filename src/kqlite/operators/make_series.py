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
    codes: np.ndarray,
    ngroups: int,
    start: Any,
    end: Any,
    step: Any,
    in_range: bool,
    aggregates: Sequence[SeriesAggregate | tuple[Any, ...]],
    ctx_factory: ContextFactory | None = None,
) -> tuple[list[pd.Series], np.ndarray]:
    """Compute the arrays of a `make-series` for `ngroups` groups.

    `codes` gives each row's group, ``-1`` for a row in no group. `start` and
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
    values, axis_valid = numeric_view(axis)
    bins = _plan_bins(values, axis_valid & (codes >= 0), axis_type, start, end, step, in_range)
    if bins.count > MAX_BINS:
        raise KqlRuntimeError(
            "KL320",
            f"make-series would create {bins.count} bins, more than the limit of {MAX_BINS}",
            hint="use a larger step or a narrower from/to range",
        )

    ncells = ngroups * bins.count
    slots = _cell_slots(values, axis_valid, codes, bins)
    cell_sizes = np.bincount(slots, minlength=ncells + 1)[1:]
    empty_cells = cell_sizes == 0
    factory = ctx_factory or default_context
    sums: dict[int, tuple[np.ndarray, np.ndarray, bool] | None] = {}
    cells: np.ndarray | None = None

    results = []
    for entry in aggregates:
        aggregate = entry if isinstance(entry, SeriesAggregate) else SeriesAggregate(*entry)
        per_cell = _bincount_aggregate(aggregate, slots, cell_sizes, sums)
        if per_cell is None:
            cells = slots - 1 if cells is None else cells
            ctx = factory(len(codes), tuple(aggregate.arg_types), aggregate.result_type)
            per_cell = numeric_view(aggregate.function.implementation(ctx, cells, ncells, *aggregate.args))
        block = _fill_block(per_cell, empty_cells, aggregate.default, aggregate.result_type)
        results.append(_rows_of(block.reshape(ngroups, bins.count)))

    return results, _axis_values(bins, axis_type)


# ------------------------------------------------------------------------ binning


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
    values: np.ndarray, valid: np.ndarray, axis_type: KqlType, start: Any, end: Any, step: Any, in_range: bool
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

    present = values if valid.all() else values[valid]
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


def _chunks(length: int) -> Iterator[slice]:
    for begin in range(0, length, _CHUNK):
        yield slice(begin, min(begin + _CHUNK, length))


def _cell_slots(values: np.ndarray, axis_valid: np.ndarray, codes: np.ndarray, bins: _Bins) -> np.ndarray:
    """Number each row's (group, bin) cell from 1; 0 marks a dropped row.

    Slot ``group * bins + bin + 1`` lets np.bincount skip dropped rows by
    discarding its first counter, without a filtering pass. The chunks are
    computed in place in the output, with one reused temporary buffer.
    """
    slots = np.zeros(len(values), dtype=np.int64)
    if bins.count == 0:
        return slots
    integral = values.dtype.kind == "i" and isinstance(bins.first, int) and isinstance(bins.step, int)
    every_row_valid = bool(axis_valid.all()) and bool((codes >= 0).all())
    group_offsets = np.empty(min(len(values), _CHUNK), dtype=np.int64)

    for rows in _chunks(len(values)):
        chunk, group, out = values[rows], codes[rows], slots[rows]
        if integral:
            np.subtract(chunk, bins.first, out=out)
            np.floor_divide(out, bins.step, out=out)
        else:
            # Null (NaN) axis values give meaningless bins here; they are dropped below.
            with np.errstate(invalid="ignore"):
                out[:] = np.floor((chunk - bins.first) / bins.step)
        dropped = _dropped_rows(chunk, out, axis_valid[rows], group, bins, every_row_valid)

        offsets = group_offsets[: len(out)]
        np.multiply(group, bins.count, out=offsets)
        offsets += 1
        out += offsets
        if dropped is not None:
            np.putmask(out, dropped, 0)
    return slots


def _dropped_rows(
    chunk: np.ndarray, index: np.ndarray, valid: np.ndarray, group: np.ndarray, bins: _Bins, every_row_valid: bool
) -> np.ndarray | None:
    # Only the bounds the query gives need a check: a bound computed from the data
    # contains every row by construction.
    keep = None if every_row_valid else valid & (group >= 0)
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


def _column_sums(
    column: pd.Series, slots: np.ndarray, ncells: int
) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Return per-cell sums and null counts of a number column, and whether it is integral.

    None when an integer sum could exceed float64's exact range.
    """
    sums = np.zeros(ncells + 1)
    nulls = np.zeros(ncells + 1, dtype=np.int64)
    integral = pd.api.types.is_integer_dtype(column.dtype)
    largest = 0.0
    array = column.array
    for rows in _chunks(len(slots)):
        part = array[rows]
        # Nulls become 0, so they add nothing to the sums.
        weights = part.to_numpy(dtype=np.float64, na_value=0.0)
        missing = np.asarray(part.isna())
        if integral and len(weights):
            largest = max(largest, float(np.abs(weights).max()))
        sums += np.bincount(slots[rows], weights=weights, minlength=ncells + 1)
        if missing.any():
            nulls += np.bincount(slots[rows][missing], minlength=ncells + 1)

    if integral and largest * len(slots) >= _FLOAT_EXACT:
        return None
    return sums[1:], nulls[1:], integral


def _bincount_aggregate(
    aggregate: SeriesAggregate,
    slots: np.ndarray,
    cell_sizes: np.ndarray,
    sums_cache: dict[int, tuple[np.ndarray, np.ndarray, bool] | None],
) -> tuple[np.ndarray, np.ndarray] | None:
    """Compute `count`, `sum` or `avg` of a number column with np.bincount.

    Returns per-cell values and validity, or None when the aggregate needs the
    general path (another aggregate, a constant or a non-numeric argument).
    `sums_cache` shares the sums of one column between `sum` and `avg`.
    """
    name = aggregate.function.name
    ncells = len(cell_sizes)
    if name == "count":
        return cell_sizes.astype(np.int64), np.ones(ncells, dtype=bool)
    if name not in ("sum", "avg") or len(aggregate.args) != 1 or not isinstance(aggregate.args[0], pd.Series):
        return None
    if aggregate.arg_types[0] not in (INT, LONG, REAL):
        return None

    column = aggregate.args[0]
    if id(column) not in sums_cache:
        sums_cache[id(column)] = _column_sums(column, slots, ncells)
    cached = sums_cache[id(column)]
    if cached is None:
        return None

    sums, nulls, integral = cached
    if name == "sum":
        return (np.rint(sums).astype(np.int64) if integral else sums), np.ones(ncells, dtype=bool)
    counts = cell_sizes - nulls
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
