"""The (group, bin) cells of a `make-series`, and per-cell totals, chunk by chunk.

`CellSlots` computes the cell of every row: its group's row of the 2-D result
block and its bin on the axis, or none when the row is dropped (axis null or
outside the bins, row in no group). `chunked_totals` counts the rows of each cell
and sums the number columns of `sum` and `avg`, and `bincount_aggregate` turns
those totals into the per-cell values of `count`, `sum` and `avg`.

The per-row work runs over chunks of about a million rows. Their temporary arrays
stay small and are reused, which avoids allocating (and page-faulting) a fresh
array the size of the input for every step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kqlite.operators.grouping import RowGroups
from kqlite.types import INT, LONG, REAL

if TYPE_CHECKING:
    from kqlite.operators.make_series import SeriesAggregate, SeriesBins

# Rows per chunk of the per-row passes. `CellSlots` takes longer chunks when there
# are more cells than this.
_CHUNK = 1 << 20

# Integer sums whose magnitude bound stays below this are exact in float64.
_FLOAT_EXACT = 1 << 53


def _chunks(length: int, rows_per_chunk: int = 0) -> Iterator[slice]:
    size = max(_CHUNK, rows_per_chunk)
    for begin in range(0, length, size):
        yield slice(begin, min(begin + size, length))


class CellSlots:
    """The (group, bin) cell of every row, computed chunk by chunk.

    Slot ``group * bins + bin + 1`` numbers a cell from 1, and slot 0 marks a
    dropped row, so np.bincount skips dropped rows when its first counter is
    discarded, without a filtering pass.
    """

    def __init__(self, values: np.ndarray, axis_valid: np.ndarray | None, groups: RowGroups, ngroups: int, bins: SeriesBins):
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
    bins: SeriesBins,
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


def summed_column(aggregate: SeriesAggregate) -> pd.Series | None:
    """Return the column whose per-cell sums give this aggregate (`sum` or `avg` of a
    number column), or None when it needs the general path."""
    if aggregate.function.name not in ("sum", "avg") or len(aggregate.args) != 1:
        return None
    column = aggregate.args[0]
    if not isinstance(column, pd.Series) or aggregate.arg_types[0] not in (INT, LONG, REAL):
        return None
    return column


def chunked_totals(
    cells: CellSlots, aggregates: Sequence[SeriesAggregate], count_rows: bool
) -> tuple[np.ndarray | None, dict[int, ColumnTotals | None]]:
    """Count the rows of each cell and sum the columns that `aggregates` sum, in one pass.

    Each chunk adds its partial counts and sums to the totals, so no array the size
    of the input is allocated. The counts are None unless `count_rows` is set. The
    sums are keyed by the id of their column, which `sum` and `avg` of one column
    share. A column's entry is None when an integer sum could exceed float64's
    exact range.
    """
    columns = {id(column): column for column in map(summed_column, aggregates) if column is not None}
    counters = cells.count + 1
    sizes = np.zeros(counters, dtype=np.int64) if count_rows else None
    totals = {key: ColumnTotals(column, counters) for key, column in columns.items()}

    for rows, slots in cells.chunks():
        if sizes is not None:
            sizes += np.bincount(slots, minlength=counters)
        for total in totals.values():
            total.add(rows, slots)

    length = len(cells.values)
    exact = {key: total if total.is_exact(length) else None for key, total in totals.items()}
    return (None if sizes is None else sizes[1:]), exact


class ColumnTotals:
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


def bincount_aggregate(
    aggregate: SeriesAggregate, cell_sizes: np.ndarray | None, column_totals: dict[int, ColumnTotals | None]
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
    column = summed_column(aggregate)
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
