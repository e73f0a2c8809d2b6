"""The `mv-apply` operator: a subquery over each record's expanded arrays.

Each input record expands (as mv-expand does) into a subtable of its own, the subquery
runs on every subtable, and each result row gets the record's other columns. A record
whose arrays expand to no rows (an empty array or bag) has no subtable, so it gives no
output row, and neither does a record whose subquery returns no rows.

kqlite runs the subquery once over all subtables together, with a hidden column that
holds each row's record number. Row-local operators (where, extend, project, parse,
mv-expand...) carry that column along, summarize and count group by it, and take, top
and sort work within each record. A subquery with an operator that has no such
per-record form runs record by record.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kqlite.executor.columns import empty_frame, to_column
from kqlite.operators.join import take_rows
from kqlite.operators.mv_expand import mv_expand
from kqlite.operators.sort import SortKey, sort_positions
from kqlite.semantics import bound as b
from kqlite.semantics.serialization import window_calls
from kqlite.types import LONG, KqlType

if TYPE_CHECKING:
    from kqlite.executor.tabular import Executor

# The operators that only look at one row at a time, so the record number passes through.
ROW_LOCAL = (b.Filter, b.Compute, b.Select, b.Expand, b.ParseRows)


def mv_apply(executor: Executor, node: b.ApplyRows, frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """Run mv-apply over `frame`, the value of `node.input`, and return the frame of `node.columns`."""
    record = _record_column_name(node)
    subtable = _subtable(node.subquery, node.key)

    # Expand every record at once; the record number is a column like the others.
    numbered = frame.copy(deep=False)
    numbered[record] = np.arange(len(frame), dtype=np.int64)
    items = [(item.source, item.output, item.to_type) for item in node.items]
    expanded = mv_expand(numbered, items, "bag", node.with_itemindex, limit)
    expanded = expanded[[*subtable.column_names, record]].reset_index(drop=True)

    chain = _grouped_chain(node.subquery, node.key)
    if chain is None:
        result = _run_per_record(executor, node, expanded, record)
    else:
        result = _run_grouped(executor, node.key, chain, expanded, record)
    return _combine(node, frame, result, record)


def _record_column_name(node: b.ApplyRows) -> str:
    # A name that no column of the input or of the subquery uses.
    taken: set[str] = set(node.input.column_names)
    for current in _walk(node.subquery):
        taken.update(current.column_names)
    name = "\x00mv_apply_record"
    while name in taken:
        name += "_"
    return name


def _subtable(subquery: b.BoundTabular, key: int) -> b.ApplySubtable:
    """Find the `ApplySubtable` of this mv-apply among the subquery's nodes."""
    for current in _walk(subquery):
        if isinstance(current, b.ApplySubtable) and current.key == key:
            return current
    raise ValueError("the mv-apply subquery does not read its subtable")


def _walk(node: b.BoundTabular) -> list[b.BoundTabular]:
    """Return `node` and every tabular node below it (inputs, join sides, union legs)."""
    found: list[b.BoundTabular] = []
    pending = [node]
    while pending:
        current = pending.pop()
        found.append(current)
        for field in fields(current):
            value = getattr(current, field.name)
            if isinstance(value, b.BoundTabular):
                pending.append(value)
            elif isinstance(value, tuple):
                pending.extend(item for item in value if isinstance(item, b.BoundTabular))
    return found


def _grouped_chain(subquery: b.BoundTabular, key: int) -> list[b.BoundTabular] | None:
    """Return the subquery's operators from the first to the last, or None when one has no per-record form."""
    chain: list[b.BoundTabular] = []
    current = subquery
    while not (isinstance(current, b.ApplySubtable) and current.key == key):
        supported = isinstance(current, (*ROW_LOCAL, b.Limit, b.Order, b.Aggregate, b.CountRows))
        # A window function reads neighbouring rows, which may belong to another record.
        if not supported or next(window_calls(current, current.input), None) is not None:  # type: ignore[attr-defined]
            return None
        chain.append(current)
        current = current.input  # type: ignore[attr-defined]
    chain.reverse()
    return chain


def _run_grouped(
    executor: Executor, key: int, chain: list[b.BoundTabular], expanded: pd.DataFrame, record: str
) -> pd.DataFrame:
    """Run the subquery once over every record's rows; the result keeps the record column last."""
    record_column = ((record, LONG),)
    # The records that have a subtable: a keyless summarize or count gives each one a row.
    present = np.unique(expanded[record].to_numpy(dtype=np.int64))
    current = expanded

    for operator in chain:
        # Each step reads the previous step's frame through the subtable node of this mv-apply.
        executor.subtables[key] = current
        source = b.ApplySubtable(columns=tuple(operator.input.columns) + record_column, key=key)  # type: ignore[attr-defined]
        if isinstance(operator, ROW_LOCAL):
            current = _row_local(executor, operator, source, record_column)
        elif isinstance(operator, b.Limit):
            current = _take_per_record(current, record, executor.constant(operator.count))
        elif isinstance(operator, b.Order):
            current = _order_per_record(executor, operator, current, record)
        elif isinstance(operator, b.Aggregate):
            current = _summarize_per_record(executor, operator, source, record, present)
        else:
            current = _count_per_record(current, record, present)

    executor.subtables.pop(key, None)
    return current


def _row_local(
    executor: Executor, operator: b.BoundTabular, source: b.ApplySubtable, record_column: tuple[tuple[str, KqlType], ...]
) -> pd.DataFrame:
    columns = tuple(operator.columns) + record_column
    rebuilt: b.BoundTabular
    if isinstance(operator, b.Select):
        rebuilt = replace(operator, input=source, columns=columns, sources=operator.sources + (record_column[0][0],))
    else:
        # Every row-local operator keeps its input's other columns, so adding the record column suffices.
        rebuilt = replace(operator, input=source, columns=columns)  # type: ignore[call-arg]
    return executor.run(rebuilt)


def _take_per_record(frame: pd.DataFrame, record: str, count: object) -> pd.DataFrame:
    limit = 0 if count is None else max(0, int(count))  # type: ignore[call-overload]
    keep = frame.groupby(record, sort=False).cumcount().to_numpy() < limit
    return frame if keep.all() else frame.loc[keep].reset_index(drop=True)


def _order_per_record(executor: Executor, operator: b.Order, frame: pd.DataFrame, record: str) -> pd.DataFrame:
    # The records keep their order; within each one the rows follow the sort keys.
    evaluator = executor.evaluator(frame)
    keys: list[SortKey] = [(frame[record], LONG, True, True)]
    for key in operator.keys:
        values = to_column(evaluator.evaluate(key.expr), key.expr.kql_type, len(frame))
        keys.append((values, key.expr.kql_type, key.ascending, key.nulls_first))
    ordered = frame.take(sort_positions(keys) if len(frame) else np.zeros(0, dtype=np.int64)).reset_index(drop=True)
    if operator.count is None:
        return ordered
    return _take_per_record(ordered, record, executor.constant(operator.count))


def _summarize_per_record(
    executor: Executor, operator: b.Aggregate, source: b.ApplySubtable, record: str, present: np.ndarray
) -> pd.DataFrame:
    record_key = b.Assignment(names=(record,), expr=b.BoundColumn(name=record, kql_type=LONG))
    grouped = replace(
        operator, input=source, keys=(record_key, *operator.keys), columns=((record, LONG), *operator.columns)
    )
    result = executor.run(grouped)
    result = result[[*operator.column_names, record]]
    if operator.keys:
        return _in_record_order(result, record)

    # summarize without `by` returns one row even for a subtable that a where emptied.
    found = result[record].to_numpy(dtype=np.int64)
    missing = np.setdiff1d(present, found)
    if len(missing):
        executor.subtables[source.key] = executor.subtables[source.key].iloc[:0]
        empty = executor.run(replace(operator, input=source))
        filler = take_rows(empty, np.zeros(len(missing), dtype=np.int64))
        filler[record] = missing
        result = pd.concat([result, filler], ignore_index=True)
    return _in_record_order(result, record)


def _count_per_record(frame: pd.DataFrame, record: str, present: np.ndarray) -> pd.DataFrame:
    # count gives every record with a subtable its number of rows, 0 included.
    numbers = frame[record].to_numpy(dtype=np.int64)
    counts = np.bincount(numbers, minlength=int(present.max()) + 1 if len(present) else 0)
    return pd.DataFrame(
        {"Count": pd.array(counts[present], dtype="Int64"), record: present}, index=pd.RangeIndex(len(present))
    )


def _in_record_order(frame: pd.DataFrame, record: str) -> pd.DataFrame:
    numbers = frame[record].to_numpy(dtype=np.int64)
    order = np.argsort(numbers, kind="stable")
    return frame.take(order).reset_index(drop=True)


def _run_per_record(executor: Executor, node: b.ApplyRows, expanded: pd.DataFrame, record: str) -> pd.DataFrame:
    # NOTE: the subquery runs once per record in a Python loop, because one of its
    # operators (join, union, make-series, a window function, a nested mv-apply...)
    # has no per-record form in this module. That is slow for many records.
    parts: list[pd.DataFrame] = []
    numbers = expanded[record].to_numpy(dtype=np.int64)
    boundaries = np.flatnonzero(np.diff(numbers)) + 1
    starts = np.concatenate([[0], boundaries]) if len(numbers) else np.zeros(0, dtype=np.int64)
    ends = np.concatenate([boundaries, [len(numbers)]]) if len(numbers) else np.zeros(0, dtype=np.int64)

    for start, end in zip(starts, ends, strict=True):
        part = expanded.iloc[start:end].drop(columns=[record]).reset_index(drop=True)
        executor.subtables[node.key] = part
        result = executor.run(node.subquery)
        result[record] = np.full(len(result), numbers[start], dtype=np.int64)
        parts.append(result)
    executor.subtables.pop(node.key, None)

    if not parts:
        result = empty_frame(node.subquery.columns)
        result[record] = np.zeros(0, dtype=np.int64)
        return result
    return pd.concat(parts, ignore_index=True)


def _combine(node: b.ApplyRows, frame: pd.DataFrame, result: pd.DataFrame, record: str) -> pd.DataFrame:
    """Put each result row beside its record's outer columns, in the order of `node.columns`."""
    produced = set(node.subquery.column_names)
    records = result[record].to_numpy(dtype=np.int64)
    outer = [name for name in node.outer if name not in produced]
    repeated = take_rows(frame[outer], records) if outer else pd.DataFrame(index=pd.RangeIndex(len(records)))

    data: dict[int, pd.Series] = {}
    for position, (name, _) in enumerate(node.columns):
        column = result[name] if name in produced else repeated[name]
        data[position] = column.reset_index(drop=True)
    return pd.DataFrame(data, index=pd.RangeIndex(len(records)), copy=False)
