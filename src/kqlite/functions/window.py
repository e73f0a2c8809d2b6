"""Window functions: row_number, prev, next, row_cumsum, row_rank_dense, row_rank_min, row_window_session.

A window function reads other rows than its own: the row before, the running total,
the start of the current session. Its value therefore depends on the order of the
whole row set, so these functions need the whole ordered row set in one call and can
never run chunk by chunk (or partition by partition) as row-local functions can. That
is why Kusto allows them only on a serialized row set (after ``serialize``, ``sort``,
``top``, ``range``...), and why the binder checks it (`kqlite.semantics.serialization`).

Each implementation works on whole columns. A ``restart`` argument splits the rows
into partitions. One running maximum gives every row the position of its partition's
first row (`_partition_starts`), and running counts and sums are taken relative to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions.registry import SCALARS, CallContext, P, scalar
from kqlite.functions.values import Value
from kqlite.types import (
    BOOL,
    DATETIME,
    DECIMAL,
    DYNAMIC,
    GUID,
    INT,
    LONG,
    PANDAS_DTYPES,
    REAL,
    STRING,
    TIMESPAN,
    KqlType,
)

# Every type a rank term may have: Kusto.Language rejects a dynamic term (KS116).
_RANKABLE = (BOOL, INT, LONG, REAL, DECIMAL, STRING, DATETIME, TIMESPAN, GUID)

# The conversion function that turns a default value into a column's type.
_CONVERSIONS = {
    BOOL: "tobool",
    INT: "toint",
    LONG: "tolong",
    REAL: "todouble",
    DECIMAL: "todecimal",
    STRING: "tostring",
    DATETIME: "todatetime",
    TIMESPAN: "totimespan",
    GUID: "toguid",
}

_INT64_MAX = np.iinfo(np.int64).max


# ---------------------------------------------------------------------------------------
# Result-type rules


def _reject_dynamic(arg_types: Sequence[KqlType], *positions: int) -> None:
    # Kusto.Language converts no dynamic argument of a window function (KS107, KS137).
    for position in positions:
        if len(arg_types) > position and arg_types[position] is DYNAMIC:
            raise ValueError(f"argument {position + 1} must not be of type dynamic")


def _integer_argument(arg_types: Sequence[KqlType], position: int, name: str) -> None:
    # The numeric parameter check widens real to long; Kusto.Language wants an integer here.
    if len(arg_types) > position and arg_types[position] in (REAL, DECIMAL):
        raise ValueError(f"the {name} must be an integer (int or long), not {arg_types[position]}")


def _row_number_type(arg_types: Sequence[KqlType]) -> KqlType:
    _reject_dynamic(arg_types, 0, 1)
    _integer_argument(arg_types, 0, "starting index")
    return LONG


def _shifted_type(arg_types: Sequence[KqlType]) -> KqlType:
    _reject_dynamic(arg_types, 1)
    _integer_argument(arg_types, 1, "offset")
    return arg_types[0]


def _rank_type(arg_types: Sequence[KqlType]) -> KqlType:
    _reject_dynamic(arg_types, 0, 1)
    return LONG


# ---------------------------------------------------------------------------------------
# Partitions


def _restart_mask(restart: Value, length: int) -> np.ndarray:
    """Return where a new partition starts: the first row, and every row whose restart is true."""
    if isinstance(restart, pd.Series):
        mask = restart.to_numpy(dtype=bool, na_value=False).copy()
    else:
        # A null or absent restart never restarts.
        mask = np.full(length, restart is True or restart is np.True_, dtype=bool)
    if length:
        mask[0] = True
    return mask


def _partition_starts(starts: np.ndarray) -> np.ndarray:
    """Return, for every row, the position of the first row of its partition."""
    positions = np.arange(len(starts), dtype=np.int64)
    return np.maximum.accumulate(np.where(starts, positions, 0)) if len(starts) else positions


def _changes(term: Value, length: int) -> np.ndarray:
    """Return where the term differs from the previous row's; two nulls count as equal."""
    changed = np.zeros(length, dtype=bool)
    if not isinstance(term, pd.Series) or length < 2:
        return changed
    codes, _ = pd.factorize(term, use_na_sentinel=True)
    changed[1:] = codes[1:] != codes[:-1]
    return changed


# ---------------------------------------------------------------------------------------
# Numbering and ranks


@scalar(
    "row_number",
    [P("starting_index", INT, LONG, optional=True), P("restart", BOOL, optional=True)],
    _row_number_type,
    window=True,
)
def row_number(ctx: CallContext, starting_index: Value = None, restart: Value = None) -> Value:
    """Index of the row in the serialized row set, from StartingIndex (1) on. Example: range a from 1 to 3 step 1 | serialize rn = row_number() → rn 1, 2, 3"""
    length = ctx.length
    first = _partition_starts(_restart_mask(restart, length))
    offsets = np.arange(length, dtype=np.int64) - first

    if isinstance(starting_index, pd.Series):
        # A computed starting index is read at the first row of each partition.
        values = starting_index.to_numpy(dtype=np.float64, na_value=np.nan)[first]
        nulls = np.isnan(values)
        numbers = np.where(nulls, 0, values).astype(np.int64) + offsets
        return pd.Series(pd.arrays.IntegerArray(numbers, nulls))

    start = 1 if starting_index is None else int(starting_index)
    return pd.Series(pd.arrays.IntegerArray(offsets + start, np.zeros(length, dtype=bool)))


def _rank_parts(term: Value, restart: Value, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (partition starts, first row of each row's partition, where a new term value begins)."""
    starts = _restart_mask(restart, length)
    first = _partition_starts(starts)
    return starts, first, _changes(term, length) | starts


@scalar("row_rank_dense", [P("term", *_RANKABLE), P("restart", BOOL, optional=True)], _rank_type, window=True)
def row_rank_dense(ctx: CallContext, term: Value, restart: Value = None) -> Value:
    """Dense rank: 1 at the first row, plus 1 whenever Term changes. Example: datatable(d:long)[2, 3, 3, 100] | serialize r = row_rank_dense(d) → r 1, 2, 2, 3"""
    length = ctx.length
    starts, first, new_values = _rank_parts(term, restart, length)

    # Count the changes since the partition's first row, which itself counts as rank 1.
    increments = (new_values & ~starts).astype(np.int64)
    running = np.cumsum(increments)
    ranks = running - running[first] + 1 if length else running
    return pd.Series(pd.arrays.IntegerArray(ranks, np.zeros(length, dtype=bool)))


@scalar("row_rank_min", [P("term", *_RANKABLE), P("restart", BOOL, optional=True)], _rank_type, window=True)
def row_rank_min(ctx: CallContext, term: Value, restart: Value = None) -> Value:
    """Minimal rank: the row number (in its partition) of the first row with this Term. Example: datatable(d:long)[2, 3, 3, 100] | serialize r = row_rank_min(d) → r 1, 2, 2, 4"""
    length = ctx.length
    _, first, new_values = _rank_parts(term, restart, length)

    # NOTE: rows count as one group only while they are adjacent. Kusto documents the
    # rank as the first row number of the term, which is the same on input sorted by it.
    run_first = _partition_starts(new_values)
    ranks = run_first - first + 1
    return pd.Series(pd.arrays.IntegerArray(ranks, np.zeros(length, dtype=bool)))


# ---------------------------------------------------------------------------------------
# prev and next


def _converted_default(ctx: CallContext, default: Value, column_type: KqlType) -> Value:
    default_type = ctx.arg_types[2] if len(ctx.arg_types) > 2 else column_type
    if default is None or default_type is column_type or column_type is DYNAMIC:
        return default
    conversion = SCALARS[_CONVERSIONS[column_type]]
    converted_ctx = CallContext(
        length=ctx.length,
        arg_types=(default_type,),
        result_type=column_type,
        now=ctx.now,
        span=ctx.span,
        constants=(not isinstance(default, pd.Series),),
    )
    return conversion.implementation(converted_ctx, default)


def _shift(ctx: CallContext, column: pd.Series, offset: Value, default: Value, direction: int) -> Value:
    """Read `column` at `offset` rows before (direction -1) or after (+1) each row; `default` outside the rows."""
    length = ctx.length
    column_type = ctx.arg_types[0]
    positions = np.arange(length, dtype=np.int64)

    if isinstance(offset, pd.Series):
        # A null offset reads no row, so the row takes the default value.
        steps = offset.to_numpy(dtype=np.float64, na_value=np.nan)
        valid_step = ~np.isnan(steps)
        targets = positions + direction * np.where(valid_step, steps, 0).astype(np.int64)
    else:
        valid_step = np.ones(length, dtype=bool)
        targets = positions + direction * (1 if offset is None else int(offset))
    # NOTE: a negative offset reads the other way (prev(x, -1) is next(x, 1)); the
    # documentation does not say what Kusto does with one.
    inside = valid_step & (targets >= 0) & (targets < length)

    column = column.reset_index(drop=True)
    shifted = column.take(np.where(inside, targets, 0)).reset_index(drop=True)
    if inside.all():
        return shifted
    return _fill(shifted, inside, _converted_default(ctx, default, column_type), column_type)


def _fill(values: pd.Series, keep: np.ndarray, default: Value, kql_type: KqlType) -> pd.Series:
    """Replace the rows outside `keep` with `default`, in the representation of `kql_type`."""
    if isinstance(default, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(PANDAS_DTYPES[STRING])
        return values.where(keep, default.reset_index(drop=True))
    if kql_type is STRING:
        text = "" if default is None else str(default)
        if isinstance(values.dtype, pd.CategoricalDtype):
            if text not in values.cat.categories:
                values = values.cat.add_categories([text])
            return values.where(keep, text)
        return values.astype(PANDAS_DTYPES[STRING]).where(keep, text)
    if default is None and kql_type in (DATETIME, TIMESPAN, REAL):
        return values.where(keep)
    if kql_type in (DATETIME, TIMESPAN) or values.dtype != object:
        return values.where(keep, default if default is not None else pd.NA)

    # decimal, guid and dynamic columns hold Python objects; a list or dict default must
    # stay one value per row.
    data = values.to_numpy(dtype=object).copy()
    for position in np.flatnonzero(~keep):
        data[position] = default
    return pd.Series(data, dtype=object)


_SHIFT_PARAMS = [P("column", column=True), P("offset", INT, LONG, optional=True), P("default_value", optional=True)]


@scalar("prev", _SHIFT_PARAMS, _shifted_type, window=True)
def prev(ctx: CallContext, column: Value, offset: Value = None, default_value: Value = None) -> Value:
    """Value of a column `offset` (1) rows before the current row, else the default (null). Example: range a from 1 to 3 step 1 | serialize p = prev(a) → p null, 1, 2"""
    return _shift(ctx, column, offset, default_value, -1)


@scalar("next", _SHIFT_PARAMS, _shifted_type, window=True)
def next_(ctx: CallContext, column: Value, offset: Value = None, default_value: Value = None) -> Value:
    """Value of a column `offset` (1) rows after the current row, else the default (null). Example: range a from 1 to 3 step 1 | serialize n = next(a, 1, 0) → n 2, 3, 0"""
    return _shift(ctx, column, offset, default_value, 1)


# ---------------------------------------------------------------------------------------
# Running sums


def _cumsum_type(arg_types: Sequence[KqlType]) -> KqlType:
    _reject_dynamic(arg_types, 0, 1)
    return arg_types[0]


def _session_type(arg_types: Sequence[KqlType]) -> KqlType:
    _reject_dynamic(arg_types, 0, 1, 2, 3)
    return DATETIME


@scalar("row_cumsum", [P("term", INT, LONG, REAL, DECIMAL), P("restart", BOOL, optional=True)], _cumsum_type, window=True)
def row_cumsum(ctx: CallContext, term: Value, restart: Value = None) -> Value:
    """Running sum of Term, back to 0 where restart is true. Example: datatable(a:long)[2, 4, 6] | serialize cs = row_cumsum(a) → cs 2, 6, 12"""
    length = ctx.length
    kql_type = ctx.arg_types[0]
    starts = _restart_mask(restart, length)

    # NOTE: a null term adds nothing and its row shows the running sum; the
    # documentation does not say how Kusto treats one.
    if kql_type is DECIMAL:
        return _decimal_cumsum(term, starts, length)
    if kql_type is REAL:
        values = _terms(term, length, np.float64, np.nan)
        values = np.where(np.isnan(values), 0.0, values)
        if starts[1:].any():
            groups = np.cumsum(starts) - 1
            return pd.Series(pd.Series(values).groupby(groups).cumsum().to_numpy(dtype=np.float64))
        return pd.Series(np.cumsum(values))

    # int and long sums wrap around on overflow, as Kusto's integer arithmetic does.
    values = _terms(term, length, np.int64, 0)
    running = np.cumsum(values)
    if length:
        first = _partition_starts(starts)
        running = running - (running[first] - values[first])
    if kql_type is INT:
        return pd.Series(pd.arrays.IntegerArray(running.astype(np.int32), np.zeros(length, dtype=bool)))
    return pd.Series(pd.arrays.IntegerArray(running, np.zeros(length, dtype=bool)))


def _terms(term: Value, length: int, dtype: Any, null: Any) -> np.ndarray:
    if isinstance(term, pd.Series):
        return term.to_numpy(dtype=dtype, na_value=null)
    return np.full(length, null if term is None else term, dtype=dtype)


def _decimal_cumsum(term: Value, starts: np.ndarray, length: int) -> pd.Series:
    # Decimals are Python objects, so their running sum is a loop over the rows.
    values = term.to_numpy(dtype=object) if isinstance(term, pd.Series) else [term] * length
    totals = np.empty(length, dtype=object)
    running = Decimal(0)
    for position, (value, start) in enumerate(zip(values, starts, strict=True)):
        if start:
            running = Decimal(0)
        if value is not None:
            running += value
        totals[position] = running
    return pd.Series(totals, dtype=object)


# ---------------------------------------------------------------------------------------
# Sessions


@scalar(
    "row_window_session",
    [
        P("expr", DATETIME),
        P("max_distance_from_first", TIMESPAN, constant=True),
        P("max_distance_between_neighbors", TIMESPAN, constant=True),
        P("restart", BOOL, optional=True),
    ],
    _session_type,
    window=True,
)
def row_window_session(
    ctx: CallContext, expr: Value, max_distance_from_first: Value, max_distance_between_neighbors: Value, restart: Value = None
) -> Value:
    """Start of the session of each row; a session ends at a gap or past a maximum length. Example: range t from datetime(2024-01-01) to datetime(2024-01-01 00:20) step 5m | serialize s = row_window_session(t, 12m, 6m) → s 00:00, 00:00, 00:00, 00:15, 00:15"""
    length = ctx.length
    if isinstance(expr, pd.Series):
        stamps = expr.to_numpy(dtype="datetime64[ns]").view(np.int64)
    else:
        value = np.datetime64("NaT", "ns") if expr is None else pd.Timestamp(expr).to_datetime64()
        stamps = np.full(length, value, dtype="datetime64[ns]").view(np.int64)
    nulls = stamps == np.iinfo(np.int64).min

    # A segment starts a new session for a reason that needs no session state: the first
    # row, a restart, a null row or the row after one, or a gap to the previous value of
    # at least MaxDistanceBetweenNeighbors. A null distance never ends a session.
    segment_starts = _restart_mask(restart, length) | nulls
    segment_starts[1:] |= nulls[:-1]
    neighbors = _nanoseconds(max_distance_between_neighbors)
    if neighbors is not None and length > 1:
        segment_starts[1:] |= stamps[1:] >= _saturating_add(stamps[:-1], neighbors)

    from_first = _nanoseconds(max_distance_from_first)
    if from_first is None:
        session_starts = segment_starts
    elif from_first > 0:
        session_starts = _sessions_from_first(stamps, segment_starts, from_first)
    else:
        session_starts = _sessions_by_row(stamps, segment_starts, from_first)

    session_values = stamps[_partition_starts(session_starts)] if length else stamps
    session_values = np.where(nulls, np.iinfo(np.int64).min, session_values)
    return pd.Series(session_values.view("datetime64[ns]"))


def _nanoseconds(span: Value) -> int | None:
    return None if span is None else int(pd.Timedelta(span).value)


def _saturating_add(stamps: np.ndarray, distance: int) -> np.ndarray:
    # A threshold past the largest datetime is never reached rather than wrapping around.
    if distance >= 0:
        return np.where(stamps > _INT64_MAX - distance, _INT64_MAX, stamps + distance)
    return stamps + distance


def _sessions_from_first(stamps: np.ndarray, segment_starts: np.ndarray, distance: int) -> np.ndarray:
    """Split segments where a value reaches its session's start plus `distance` (> 0).

    Every value before a session start is below that start. A value of the previous
    session is below the previous start plus `distance`, and the new start reaches it.
    So the next start after a start s is the first later row of the segment whose running
    maximum reaches stamps[s] + distance. The running maximum rises within a segment, so
    a binary search finds that row. Sessions are followed from each segment's first row,
    one step per session for all segments together.
    """
    length = len(stamps)
    firsts = np.flatnonzero(segment_starts)
    segment_ends = np.append(firsts[1:], length)
    segments = np.cumsum(segment_starts) - 1

    # Rows sorted by time (the usual input) are their own running maximum.
    rising = np.diff(stamps) >= 0
    if (rising | segment_starts[1:]).all():
        running_max = stamps
    else:
        running_max = pd.Series(stamps).groupby(segments).cummax().to_numpy(dtype=np.int64)
    sorted_throughout = bool(rising.all())

    session_starts = np.zeros(length, dtype=bool)
    # NOTE: the loop runs once per session of the longest segment; many sessions within
    # one gap-free segment make it slow.
    frontier = firsts
    while frontier.size:
        session_starts[frontier] = True
        thresholds = _saturating_add(stamps[frontier], distance)
        ends = segment_ends[segments[frontier]]
        if sorted_throughout:
            successors = np.searchsorted(stamps, thresholds, side="left")
        else:
            successors = _search_segments(running_max, thresholds, frontier + 1, ends)
        frontier = successors[successors < ends]
    return session_starts


def _search_segments(values: np.ndarray, targets: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Return, per target, the first position in [low, high) whose value reaches it (else high).

    `values` must rise within each range; all ranges are bisected together.
    """
    low = low.copy()
    high = high.copy()
    last = len(values) - 1
    while True:
        active = low < high
        if not active.any():
            return low
        middle = np.minimum((low + high) // 2, last)
        below = values[middle] < targets
        low = np.where(active & below, middle + 1, low)
        high = np.where(active & ~below, middle, high)


def _sessions_by_row(stamps: np.ndarray, segment_starts: np.ndarray, distance: int) -> np.ndarray:
    # NOTE: a MaxDistanceFromFirst of zero or less is followed row by row in Python, so
    # it is slow on large inputs. The vectorised path needs a positive distance.
    session_starts = segment_starts.copy()
    session_value = 0
    for position, (stamp, start) in enumerate(zip(stamps.tolist(), segment_starts.tolist(), strict=True)):
        if start or stamp >= session_value + distance:
            session_starts[position] = True
            session_value = stamp
    return session_starts
