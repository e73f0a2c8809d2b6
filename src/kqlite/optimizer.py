"""Plan rewrites before a query runs: filters pushed into joins, unread columns pruned.

A query over a wide table usually reads a few of its columns. A join or lookup
gathers every column of its inputs, so on tens of millions of rows each column it
does not gather saves a copy of that size. The pass walks the bound tree from the result down, passing the set
of columns each operator's output must keep, and rebuilds every node with the
narrower schema. Operators whose output does not follow column by column from their
input (union, plugins, shared `let` tables) keep their input whole.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from kqlite.semantics import bound as b

# Join kinds whose result does not change when a filter on left-side columns runs
# before the join instead of after it, and likewise for the right side. innerunique is
# the exception that is Kusto's own behaviour: filtering first changes which left row
# survives deduplication, and Kusto's documented example does filter first.
_LEFT_PUSHABLE = {"inner", "innerunique", "leftouter", "leftsemi", "leftanti"}
_RIGHT_PUSHABLE = {"inner", "innerunique", "rightouter", "rightsemi", "rightanti"}


def optimize(node: b.BoundTabular) -> b.BoundTabular:
    """Apply every rewrite: push filters into joins, then prune unread columns."""
    return prune(push_filters(node))


def push_filters(node: b.BoundTabular) -> b.BoundTabular:
    """Move a `where` below a join when it reads the columns of one side only."""
    node = _map_inputs(node, push_filters)
    if not (isinstance(node, b.Filter) and isinstance(node.input, b.JoinRows)):
        return node

    join = node.input
    needed = _columns_of(node.predicate)
    left_names = {output: source for source, output in join.left_columns}
    right_names = {output: source for source, output in join.right_columns}

    if needed and needed <= left_names.keys() and join.kind in _LEFT_PUSHABLE and not join.is_lookup:
        predicate = rename_columns(node.predicate, left_names)
        left = push_filters(b.Filter(columns=join.left.columns, span=node.span, input=join.left, predicate=predicate))
        return replace(join, left=left)
    if needed and needed <= right_names.keys() and join.kind in _RIGHT_PUSHABLE and not join.is_lookup:
        predicate = rename_columns(node.predicate, right_names)
        right = push_filters(b.Filter(columns=join.right.columns, span=node.span, input=join.right, predicate=predicate))
        return replace(join, right=right)
    return node


def _map_inputs(node: b.BoundTabular, transform: Any) -> b.BoundTabular:
    changes: dict[str, Any] = {}
    for name in ("input", "left", "right"):
        child = getattr(node, name, None)
        if isinstance(child, b.BoundTabular):
            changes[name] = transform(child)
    inputs = getattr(node, "inputs", None)
    if isinstance(inputs, tuple):
        changes["inputs"] = tuple(transform(child) for child in inputs)
    return replace(node, **changes) if changes else node


def rename_columns(expr: b.BoundExpr, mapping: dict[str, str]) -> b.BoundExpr:
    """Rewrite the column references of an expression through `mapping`."""
    if isinstance(expr, b.BoundColumn):
        return replace(expr, name=mapping.get(expr.name, expr.name))
    changes: dict[str, Any] = {}
    for field in fields(expr):
        value = getattr(expr, field.name)
        if isinstance(value, b.BoundExpr):
            changes[field.name] = rename_columns(value, mapping)
        elif isinstance(value, tuple) and value and all(isinstance(item, b.BoundExpr) for item in value):
            changes[field.name] = tuple(rename_columns(item, mapping) for item in value)
    return replace(expr, **changes) if changes else expr


def prune(node: b.BoundTabular, required: set[str] | None = None) -> b.BoundTabular:
    """Return `node` rebuilt to compute at least the columns in `required` (None: all)."""
    if isinstance(node, b.TableScan):
        return _narrow_scan(node, required)
    if isinstance(node, (b.Filter, b.Limit, b.Order, b.RenderHint, b.SampleRows)):
        return _pass_through(node, required)
    if isinstance(node, b.Compute):
        return _compute(node, required)
    if isinstance(node, b.Select):
        return _select(node, required)
    if isinstance(node, b.JoinRows):
        return _join(node, required)
    if isinstance(node, b.Expand):
        return _expand(node, required)
    if isinstance(node, b.ParseRows):
        return _parse_rows(node, required)
    if isinstance(node, b.ApplyRows):
        # The subquery may read any input column and keeps every column it outputs.
        return replace(node, input=prune(node.input, None), subquery=prune(node.subquery, None))
    if isinstance(node, b.Aggregate):
        need = _columns_of(*(key.expr for key in node.keys), *(arg for call in node.aggregates for arg in call.args))
        return replace(node, input=prune(node.input, need))
    if isinstance(node, b.TopNestedRows):
        expressions = [level.key for level in node.levels]
        expressions += [arg for level in node.levels for call in level.aggregates for arg in call.args]
        return replace(node, input=prune(node.input, _columns_of(*expressions)))
    if isinstance(node, b.SampleDistinctRows):
        return replace(node, input=prune(node.input, {node.column}))
    if isinstance(node, b.MakeSeriesRows):
        expressions = [key.expr for key in node.keys] + [arg for agg in node.aggregates for arg in agg.args]
        need = _columns_of(node.axis, *expressions)
        return replace(node, input=prune(node.input, need))
    if isinstance(node, b.CountRows):
        return node if isinstance(node.input, b.TableScan) else replace(node, input=prune(node.input, set()))
    return node


def _columns_of(*expressions: b.BoundExpr | None) -> set[str]:
    """Collect the input columns an expression reads; subqueries read their own tables."""
    found: set[str] = set()
    stack = [expr for expr in expressions if expr is not None]
    while stack:
        expr = stack.pop()
        if isinstance(expr, b.BoundColumn):
            found.add(expr.name)
        elif isinstance(expr, b.BoundCall):
            stack.extend(expr.args)
        elif isinstance(expr, b.BoundBinary):
            stack.extend((expr.left, expr.right))
        elif isinstance(expr, b.BoundUnary):
            stack.append(expr.operand)
        elif isinstance(expr, b.BoundIn):
            stack.append(expr.operand)
            stack.extend(expr.items)
        elif isinstance(expr, b.BoundBetween):
            stack.extend((expr.operand, expr.low, expr.high))
        elif isinstance(expr, b.BoundAccess):
            stack.extend((expr.target, expr.key))
    return found


def _narrow_scan(node: b.TableScan, required: set[str] | None) -> b.BoundTabular:
    if required is None or required >= set(node.column_names):
        return node
    kept = tuple(column for column in node.columns if column[0] in required)
    return b.Select(columns=kept, span=node.span, input=node, sources=tuple(name for name, _ in kept))


def _pass_through(
    node: b.Filter | b.Limit | b.Order | b.RenderHint | b.SampleRows, required: set[str] | None
) -> b.BoundTabular:
    # These keep their input's columns; they may read a few more themselves.
    need = None
    if required is not None:
        own: set[str] = set()
        if isinstance(node, b.Filter):
            own = _columns_of(node.predicate)
        elif isinstance(node, b.Order):
            own = _columns_of(*(key.expr for key in node.keys))
        need = required | own
    new_input = prune(node.input, need)
    return replace(node, input=new_input, columns=new_input.columns)


def _compute(node: b.Compute, required: set[str] | None) -> b.BoundTabular:
    if required is None:
        if node.sequential:
            return replace(node, input=prune(node.input, None))
        need = _columns_of(*(assignment.expr for assignment in node.assignments))
        return replace(node, input=prune(node.input, need))

    if not node.sequential:
        kept = [a for a in node.assignments if set(a.names) & required]
        need = _columns_of(*(assignment.expr for assignment in kept))
        names = {name for assignment in kept for name in assignment.names}
        columns = tuple(column for column in node.columns if column[0] in names)
        return replace(node, input=prune(node.input, need), assignments=tuple(kept), columns=columns)

    # extend: walk the assignments backwards. An assignment is kept when a later one or
    # the output needs one of its names, and then its own inputs are needed too.
    needed = set(required)
    kept_reversed: list[b.Assignment] = []
    for assignment in reversed(node.assignments):
        if set(assignment.names) & needed:
            kept_reversed.append(assignment)
            needed -= set(assignment.names)
            needed |= _columns_of(assignment.expr)
    kept = list(reversed(kept_reversed))
    new_input = prune(node.input, needed)
    available = set(new_input.column_names) | {name for a in kept for name in a.names}
    columns = tuple(column for column in node.columns if column[0] in available)
    return replace(node, input=new_input, assignments=tuple(kept), columns=columns)


def _select(node: b.Select, required: set[str] | None) -> b.BoundTabular:
    if required is None:
        return replace(node, input=prune(node.input, set(node.sources)))
    pairs = [(column, source) for column, source in zip(node.columns, node.sources, strict=True) if column[0] in required]
    need = {source for _, source in pairs}
    return replace(
        node,
        input=prune(node.input, need),
        columns=tuple(column for column, _ in pairs),
        sources=tuple(source for _, source in pairs),
    )


def _join(node: b.JoinRows, required: set[str] | None) -> b.BoundTabular:
    left_columns = node.left_columns
    right_columns = node.right_columns
    if required is not None:
        left_columns = tuple(pair for pair in left_columns if pair[1] in required)
        right_columns = tuple(pair for pair in right_columns if pair[1] in required)

    left_need = {source for source, _ in left_columns} | set(node.left_keys)
    right_need = {source for source, _ in right_columns} | set(node.right_keys)
    outputs = {output for _, output in left_columns + right_columns}
    return replace(
        node,
        left=prune(node.left, left_need),
        right=prune(node.right, right_need),
        left_columns=left_columns,
        right_columns=right_columns,
        columns=tuple(column for column in node.columns if column[0] in outputs),
    )


def _expand(node: b.Expand, required: set[str] | None) -> b.BoundTabular:
    if required is None:
        return replace(node, input=prune(node.input, None))
    need = (required - {node.with_itemindex}) | {item.source for item in node.items}
    new_input = prune(node.input, need)
    available = set(new_input.column_names) | {node.with_itemindex}
    columns = tuple(column for column in node.columns if column[0] in available)
    return replace(node, input=new_input, columns=columns)


def _parse_rows(node: b.ParseRows, required: set[str] | None) -> b.BoundTabular:
    # parse reads the columns of its source expression and passes the others through,
    # except those that an extracted column of the same name replaces.
    if required is None:
        return replace(node, input=prune(node.input, None))
    extracted = {segment.text for segment in node.pattern if segment.kind == "column"}
    need = (required - extracted) | _columns_of(node.source)
    new_input = prune(node.input, need)
    available = set(new_input.column_names) | extracted
    columns = tuple(column for column in node.columns if column[0] in available)
    return replace(node, input=new_input, columns=columns)
