"""Running summarize, distinct and make-series: group numbers first, then aggregates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kqlite.executor.columns import to_column
from kqlite.functions.registry import CallContext
from kqlite.operators.grouping import RowGroups, group_codes, number_groups
from kqlite.operators.join import take_rows
from kqlite.semantics import bound as b

if TYPE_CHECKING:
    from kqlite.executor.tabular import Executor


def _aggregate_context(executor: Executor, call_args: tuple[b.BoundExpr, ...], result_type: Any, length: int) -> CallContext:
    return CallContext(
        length=length,
        arg_types=tuple(arg.kql_type for arg in call_args),
        result_type=result_type,
        now=executor.now,
        constants=tuple(isinstance(arg, b.BoundLiteral) for arg in call_args),
    )


def _key_columns(executor: Executor, frame: pd.DataFrame, keys: tuple[b.Assignment, ...]) -> list[pd.Series]:
    evaluator = executor.evaluator(frame)
    return [to_column(evaluator.evaluate(key.expr), key.expr.kql_type, len(frame)) for key in keys]


def _group(executor: Executor, frame: pd.DataFrame, keys: tuple[b.Assignment, ...]) -> tuple[np.ndarray, int, list[pd.Series]]:
    return group_codes(_key_columns(executor, frame, keys), len(frame))


def run_aggregate(executor: Executor, node: b.Aggregate) -> pd.DataFrame:
    """summarize and distinct: one row per group of `keys` (one row without keys)."""
    frame = executor.run(node.input)
    if node.keys and not node.aggregates:
        # distinct, or summarize by keys alone: only each group's key values are needed,
        # so no per-row group number is built (45 million of them in the investigation).
        groups, key_values = number_groups(_key_columns(executor, frame, node.keys), len(frame))
        codes, ngroups = np.zeros(0, dtype=np.int64), groups.count
    else:
        codes, ngroups, key_values = _group(executor, frame, node.keys)
    evaluator = executor.evaluator(frame)

    grouped: dict[str, pd.Series] = {}
    for key, values in zip(node.keys, key_values, strict=True):
        grouped[key.names[0]] = values.reset_index(drop=True)
    for call in node.aggregates:
        grouped.update(_run_aggregate_call(executor, evaluator, frame, call, codes, ngroups))

    # Output expressions are computed per group over the keys and the aggregates' values.
    group_frame = pd.DataFrame(grouped, index=pd.RangeIndex(ngroups), copy=False) if grouped else pd.DataFrame(index=pd.RangeIndex(ngroups))
    group_evaluator = executor.evaluator(group_frame, ngroups)
    data: dict[int, pd.Series] = {}
    for key in node.keys:
        data[len(data)] = group_frame[key.names[0]]
    for output in node.outputs:
        data[len(data)] = to_column(group_evaluator.evaluate(output.expr), output.expr.kql_type, ngroups)
    return pd.DataFrame(data, index=pd.RangeIndex(ngroups), copy=False)


def _run_aggregate_call(
    executor: Executor,
    evaluator: Any,
    frame: pd.DataFrame,
    call: b.AggregateCall,
    codes: np.ndarray,
    ngroups: int,
) -> dict[str, pd.Series]:
    function = call.function
    args = [evaluator.evaluate(arg) for arg in call.args]
    ctx = _aggregate_context(executor, call.args, call.result_types[0], len(frame))

    if function.selects_rows:
        # arg_max/arg_min return the chosen row per group; every output column is taken
        # from that row.
        positions = np.asarray(function.implementation(ctx, codes, ngroups, args[0]), dtype=np.int64)
        selected = pd.DataFrame(
            {
                number: to_column(value, call.result_types[number], len(frame))
                for number, value in enumerate(args)
            },
            index=pd.RangeIndex(len(frame)),
            copy=False,
        )
        taken = take_rows(selected, positions)
        return {name: taken.iloc[:, number] for number, name in enumerate(call.names)}

    result = function.implementation(ctx, codes, ngroups, *args)
    members = result if isinstance(result, tuple) else (result,)
    return {
        name: to_column(member, result_type, ngroups)
        for name, member, result_type in zip(call.names, members, call.result_types, strict=False)
    }


def run_make_series(executor: Executor, node: b.MakeSeriesRows) -> pd.DataFrame:
    """make-series: one row per group, each aggregate an array over the axis bins."""
    from kqlite.operators.make_series import SeriesAggregate, make_series

    frame = executor.run(node.input)
    # make-series reads the groups chunk by chunk, so the rows keep their key codes
    # and only a small table maps them to groups (see `number_groups`).
    groups, key_values = number_groups(_key_columns(executor, frame, node.keys), len(frame))
    ngroups = groups.count
    evaluator = executor.evaluator(frame)

    axis = to_column(evaluator.evaluate(node.axis), node.axis.kql_type, len(frame))
    start = executor.constant(node.start) if node.start is not None else None
    end = executor.constant(node.end) if node.end is not None else None
    step = executor.constant(node.step)

    specs = [
        SeriesAggregate(
            function=aggregate.function,
            args=[evaluator.evaluate(arg) for arg in aggregate.args],
            arg_types=[arg.kql_type for arg in aggregate.args],
            default=aggregate.default,
            result_type=aggregate.result_type,
        )
        for aggregate in node.aggregates
    ]

    if not node.keys and len(frame) == 0:
        # Unlike summarize, make-series of an empty input returns no row, unless
        # kind=nonempty requests one row of default values.
        ngroups = 0
        groups = RowGroups(groups.source[:0], groups.table, 0)
    if ngroups == 0 and node.nonempty:
        ngroups = 1
        key_values = [to_column(None, key.expr.kql_type, 1) for key in node.keys]
    def context(length: int, arg_types: tuple[Any, ...], result_type: Any) -> CallContext:
        return CallContext(length=length, arg_types=arg_types, result_type=result_type, now=executor.now)

    series_columns, axis_values = make_series(
        axis, node.axis.kql_type, groups, ngroups, start, end, step, node.in_range, specs, context, executor.limits
    )

    data: dict[int, pd.Series] = {}
    for values in key_values:
        data[len(data)] = values.reset_index(drop=True)
    for column in series_columns:
        data[len(data)] = column.reset_index(drop=True)
    axis_column = np.empty(ngroups, dtype=object)
    for position in range(ngroups):
        axis_column[position] = axis_values
    data[len(data)] = pd.Series(axis_column, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(ngroups), copy=False)
