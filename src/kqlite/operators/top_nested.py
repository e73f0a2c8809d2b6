"""top-nested: hierarchical aggregation and top-N selection, one grouping pass per level.

A *path* is one kept group per level, from the first level down. Level 1 groups the
input rows by its key and aggregates each group. Every later level groups only the
rows of the paths kept by the level above, by (path, key), so each level is a single
grouping pass over the rows that survive. Per path, a level keeps the N groups with
the largest aggregation (the smallest with ``asc``), or every group when N is not
written. A null aggregation ranks as `top` ranks a null key: last when descending,
first when ascending. Between equal aggregations the group that appears first in the
input wins (kqlite's choice, because the documentation sets no tie rule).

``with others = V`` (Microsoft's documentation: "for each hierarchy level, one record
is added with the value that is the aggregation over all records that didn't make it
to the top"): the rows a level drops under one path form one extra row. Its columns
above that level are the path's, and at that level and every level below with its own
``with others`` it has the others value and that level's aggregation over the
dropped rows. Levels below without ``with others`` are null there. Dropped rows give
no extra row when no level from theirs down has ``with others``. This matches the
example output of an earlier edition of the documentation (``All Other States`` with
null ``Source`` columns).

Output order (kqlite's choice; the documentation's first example shows it): tree order.
Each path's kept groups follow in their ranking order, each followed by the rows below
it, and a path's others row comes after its kept groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kqlite.executor.columns import constant_column, to_column
from kqlite.functions.conversion import to_string
from kqlite.functions.registry import CallContext
from kqlite.operators.grouping import group_codes
from kqlite.operators.sort import sort_codes
from kqlite.semantics import bound as b
from kqlite.types import NUMERIC_TYPES, STRING, KqlType

if TYPE_CHECKING:
    from kqlite.executor.tabular import Executor

# The rank of an others row among the groups of its path: after every kept group.
_OTHERS_RANK = np.iinfo(np.int64).max


@dataclass(slots=True)
class _Rows:
    """Result rows: per level so far, the key and aggregation columns, and per level
    each row's rank among the groups under its parent path (the tree-order sort key)."""

    columns: list[pd.Series]
    ranks: list[np.ndarray]
    count: int


def run_top_nested(executor: Executor, node: b.TopNestedRows) -> pd.DataFrame:
    """Run top-nested over the rows of `node.input`; the result has two columns per level."""
    frame = executor.run(node.input)
    levels = node.levels
    # Rows dropped at level k form others rows when level k or a level below has `with others`.
    collects_others = [any(level.others is not None for level in levels[k:]) for k in range(len(levels))]

    # Before the first level, every row is under one root path.
    paths = _Rows(columns=[], ranks=[], count=1)
    rows = frame
    parents = np.zeros(len(frame), dtype=np.int64)
    others: list[_Rows] = []

    for number, level in enumerate(levels):
        key = to_column(executor.evaluator(rows).evaluate(level.key), level.key.kql_type, len(rows))
        codes, ngroups, group_parents, group_key = _group_by_path_and_key(parents, paths.count, key)
        values = aggregate_groups(executor, rows, level, codes, ngroups)

        kept_groups, ranks = _rank_groups(values, level, group_parents, _limit(executor, level.count))
        path_of_group = np.full(ngroups, -1, dtype=np.int64)
        path_of_group[kept_groups] = np.arange(len(kept_groups), dtype=np.int64)
        row_paths = path_of_group[codes]
        survives = row_paths >= 0

        if collects_others[number] and not survives.all():
            dropped = rows.loc[~survives].reset_index(drop=True)
            others.append(_others_rows(executor, dropped, parents[~survives], paths, levels, number))

        parents_of_kept = group_parents[kept_groups]
        paths = _Rows(
            columns=[column.take(parents_of_kept).reset_index(drop=True) for column in paths.columns]
            + [group_key.take(kept_groups).reset_index(drop=True), values.take(kept_groups).reset_index(drop=True)],
            ranks=[rank[parents_of_kept] for rank in paths.ranks] + [ranks],
            count=len(kept_groups),
        )
        if not survives.all():
            rows = rows.loc[survives].reset_index(drop=True)
        parents = row_paths[survives]

    return _in_tree_order(node, paths, others)


def _group_by_path_and_key(
    parents: np.ndarray, path_count: int, key: pd.Series
) -> tuple[np.ndarray, int, np.ndarray, pd.Series]:
    """Number the (parent path, key) groups of the rows in order of first appearance.

    Returns each row's group, the number of groups, and each group's parent path and key.
    """
    if path_count == 1:
        # Every row has the same parent (the first level, or a single kept path).
        codes, ngroups, (group_key,) = group_codes([key], len(key))
        return codes, ngroups, np.zeros(ngroups, dtype=np.int64), group_key
    codes, ngroups, (group_parents, group_key) = group_codes([pd.Series(parents), key], len(key))
    return codes, ngroups, group_parents.to_numpy(dtype=np.int64), group_key


def aggregate_groups(
    executor: Executor, frame: pd.DataFrame, level: b.TopNestedLevel, codes: np.ndarray, ngroups: int
) -> pd.Series:
    """Compute one level's aggregation for each of `ngroups` groups of the rows of `frame`."""
    evaluator = executor.evaluator(frame)
    grouped: dict[str, pd.Series] = {}
    for call in level.aggregates:
        args = [evaluator.evaluate(arg) for arg in call.args]
        context = CallContext(
            length=len(frame),
            arg_types=tuple(arg.kql_type for arg in call.args),
            result_type=call.result_types[0],
            now=executor.now,
            constants=tuple(isinstance(arg, b.BoundLiteral) for arg in call.args),
        )
        result = call.function.implementation(context, codes, ngroups, *args)
        members = result if isinstance(result, tuple) else (result,)
        for name, member, result_type in zip(call.names, members, call.result_types, strict=False):
            grouped[name] = to_column(member, result_type, ngroups)

    group_frame = pd.DataFrame(grouped, index=pd.RangeIndex(ngroups), copy=False)
    value = executor.evaluator(group_frame, ngroups).evaluate(level.aggregation)
    return to_column(value, level.aggregation.kql_type, ngroups)


def _limit(executor: Executor, count: b.BoundExpr | None) -> int | None:
    # No N keeps every group. A null or negative N keeps none, as `take` does.
    if count is None:
        return None
    value = executor.constant(count)
    return 0 if value is None else max(0, int(value))


def _rank_groups(
    values: pd.Series, level: b.TopNestedLevel, parents: np.ndarray, limit: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the kept groups in tree order and each one's rank under its parent path."""
    ngroups = len(values)
    code, null = sort_codes(values, level.aggregation.kql_type, level.ascending)
    # Nulls rank first when ascending and last when descending.
    null_rank = null if not level.ascending else ~null
    order = np.lexsort((np.arange(ngroups), code, null_rank, parents))

    sorted_parents = parents[order]
    positions = np.arange(ngroups, dtype=np.int64)
    starts = np.ones(ngroups, dtype=bool)
    starts[1:] = sorted_parents[1:] != sorted_parents[:-1]
    first_of_parent = np.maximum.accumulate(np.where(starts, positions, 0))
    ranks = positions - first_of_parent

    keep = np.ones(ngroups, dtype=bool) if limit is None else ranks < limit
    return order[keep].astype(np.int64), ranks[keep]


def _others_rows(
    executor: Executor,
    dropped: pd.DataFrame,
    parents: np.ndarray,
    paths: _Rows,
    levels: tuple[b.TopNestedLevel, ...],
    number: int,
) -> _Rows:
    """Aggregate the rows dropped at level `number` into one others row per parent path."""
    parent_ids, codes = np.unique(parents, return_inverse=True)
    count = len(parent_ids)
    columns = [column.take(parent_ids).reset_index(drop=True) for column in paths.columns]
    ranks = [rank[parent_ids] for rank in paths.ranks]

    for position, level in enumerate(levels[number:]):
        ranks.append(np.full(count, _OTHERS_RANK if position == 0 else 0, dtype=np.int64))
        if level.others is None:
            columns.append(constant_column(None, level.key.kql_type, count))
            columns.append(constant_column(None, level.aggregation.kql_type, count))
            continue
        value = executor.constant(level.others)
        columns.append(others_column(value, level.others.kql_type, level.key.kql_type, count))
        columns.append(aggregate_groups(executor, dropped, level, codes.astype(np.int64).ravel(), count))
    return _Rows(columns=columns, ranks=ranks, count=count)


def others_column(value: Any, value_type: KqlType, key_type: KqlType, length: int) -> pd.Series:
    """Return the ``with others`` value as a key column of `key_type`."""
    if value is None or value_type is key_type:
        return constant_column(value, key_type, length)
    if key_type is STRING:
        return constant_column(to_string(value, value_type), STRING, length)
    if value_type in NUMERIC_TYPES and key_type in NUMERIC_TYPES:
        return constant_column(value, key_type, length)
    # NOTE: Kusto.Language accepts any constant here. kqlite has no conversion for the
    # other type pairs (a string value for a long key), so the key is null.
    return constant_column(None, key_type, length)


def _in_tree_order(node: b.TopNestedRows, paths: _Rows, others: list[_Rows]) -> pd.DataFrame:
    """Return the kept paths and the others rows as one frame, in tree order."""
    blocks = [paths, *(block for block in others if block.count)]
    length = sum(block.count for block in blocks)
    if len(blocks) == 1:
        # The kept paths are already in tree order: each level lists them parent by parent.
        columns = paths.columns
    else:
        depth = len(paths.ranks)
        ranks = [np.concatenate([block.ranks[level] for block in blocks]) for level in range(depth)]
        order = np.lexsort(ranks[::-1])
        columns = [
            pd.concat([block.columns[position] for block in blocks], ignore_index=True).take(order)
            for position in range(len(node.columns))
        ]

    data = {
        position: to_column(column.reset_index(drop=True), kql_type, length)
        for position, (column, (_, kql_type)) in enumerate(zip(columns, node.columns, strict=True))
    }
    return pd.DataFrame(data, index=pd.RangeIndex(length), copy=False)
