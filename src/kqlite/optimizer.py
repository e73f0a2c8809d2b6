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
from collections.abc import Callable, Generator
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
    return _run_steps(_push_filters_steps(node))


def _push_filters_steps(node: b.BoundTabular) -> _Steps:
    node = yield from _map_inputs(node, _push_filters_steps)
    if not (isinstance(node, b.Filter) and isinstance(node.input, b.JoinRows)):
        return node

    join = node.input
    needed = _columns_of(node.predicate)
    left_names = {output: source for source, output in join.left_columns}
    right_names = {output: source for source, output in join.right_columns}

    if needed and needed <= left_names.keys() and join.kind in _LEFT_PUSHABLE and not join.is_lookup:
        predicate = rename_columns(node.predicate, left_names)
        left = yield _push_filters_steps(
            b.Filter(columns=join.left.columns, span=node.span, input=join.left, predicate=predicate)
        )
        return replace(join, left=left)
    if needed and needed <= right_names.keys() and join.kind in _RIGHT_PUSHABLE and not join.is_lookup:
        predicate = rename_columns(node.predicate, right_names)
        right = yield _push_filters_steps(
            b.Filter(columns=join.right.columns, span=node.span, input=join.right, predicate=predicate)
        )
        return replace(join, right=right)
    return node


def _map_inputs(node: b.BoundTabular, steps: Callable[[b.BoundTabular], _Steps]) -> _Steps:
    changes: dict[str, Any] = {}
    for name in ("input", "left", "right"):
        child = getattr(node, name, None)
        if isinstance(child, b.BoundTabular):
            changes[name] = yield steps(child)
    inputs = getattr(node, "inputs", None)
    if isinstance(inputs, tuple):
        transformed = []
        for child in inputs:
            transformed.append((yield steps(child)))
        changes["inputs"] = tuple(transformed)
    return replace(node, **changes) if changes else node


# A rewrite of one node written as a generator: it yields the rewrite of each input it
# needs, receives that input's result, and returns its own. `_run_steps` drives these with
# an explicit stack, so a pipeline of any length is rewritten without deep recursion.
_Steps = Generator["_Steps", b.BoundTabular, b.BoundTabular]


def _run_steps(root: _Steps) -> b.BoundTabular:
    stack = [root]
    result: b.BoundTabular | None = None
    while True:
        try:
            child = stack[-1].send(result)  # type: ignore[arg-type]
        except StopIteration as finished:
            stack.pop()
            if not stack:
                return finished.value  # type: ignore[no-any-return]
            result = finished.value
            continue
        stack.append(child)
        result = None


def rename_columns(expr: b.BoundExpr, mapping: dict[str, str]) -> b.BoundExpr:
    """Rewrite the column references of an expression through `mapping`."""
    if isinstance(expr, b.BoundColumn):
        return replace(expr, name=mapping.get(expr.name, expr.name))
    if isinstance(expr, b.BoundBinary):
        return _rename_in_chain(expr, mapping)
    changes: dict[str, Any] = {}
    for field in fields(expr):
        value = getattr(expr, field.name)
        if isinstance(value, b.BoundExpr):
            changes[field.name] = rename_columns(value, mapping)
        elif isinstance(value, tuple) and value and all(isinstance(item, b.BoundExpr) for item in value):
            changes[field.name] = tuple(rename_columns(item, mapping) for item in value)
    return replace(expr, **changes) if changes else expr


def _rename_in_chain(expr: b.BoundBinary, mapping: dict[str, str]) -> b.BoundExpr:
    # A chain `a or b or ...` nests to the left, one level per operator, so its left
    # operands are followed in a loop rather than by recursion.
    chain = [expr]
    while isinstance(chain[-1].left, b.BoundBinary):
        chain.append(chain[-1].left)

    result = rename_columns(chain[-1].left, mapping)
    for link in reversed(chain):
        result = replace(link, left=result, right=rename_columns(link.right, mapping))
    return result


def prune(node: b.BoundTabular, required: set[str] | None = None) -> b.BoundTabular:
    """Return `node` rebuilt to compute at least the columns in `required` (None: all)."""
    return _run_steps(_prune_steps(node, required))


def _prune_steps(node: b.BoundTabular, required: set[str] | None) -> _Steps:
    if isinstance(node, b.TableScan):
        return _narrow_scan(node, required)
    if isinstance(node, (b.Filter, b.Limit, b.Order, b.RenderHint, b.SampleRows)):
        return (yield from _pass_through(node, required))
    if isinstance(node, b.Compute):
        return (yield from _compute(node, required))
    if isinstance(node, b.Select):
        return (yield from _select(node, required))
    if isinstance(node, b.JoinRows):
        return (yield from _join(node, required))
    if isinstance(node, b.Expand):
        return (yield from _expand(node, required))
    if isinstance(node, b.ParseRows):
        return (yield from _parse_rows(node, required))
    if isinstance(node, b.ApplyRows):
        # The subquery may read any input column and keeps every column it outputs.
        new_input = yield _prune_steps(node.input, None)
        subquery = yield _prune_steps(node.subquery, None)
        return replace(node, input=new_input, subquery=subquery)
    if isinstance(node, b.Aggregate):
        need = _columns_of(*(key.expr for key in node.keys), *(arg for call in node.aggregates for arg in call.args))
        new_input = yield _prune_steps(node.input, need)
        return replace(node, input=new_input)
    if isinstance(node, b.TopNestedRows):
        expressions = [level.key for level in node.levels]
        expressions += [arg for level in node.levels for call in level.aggregates for arg in call.args]
        new_input = yield _prune_steps(node.input, _columns_of(*expressions))
        return replace(node, input=new_input)
    if isinstance(node, b.SampleDistinctRows):
        new_input = yield _prune_steps(node.input, {node.column})
        return replace(node, input=new_input)
    if isinstance(node, b.MakeSeriesRows):
        expressions = [key.expr for key in node.keys] + [arg for agg in node.aggregates for arg in agg.args]
        need = _columns_of(node.axis, *expressions)
        new_input = yield _prune_steps(node.input, need)
        return replace(node, input=new_input)
    if isinstance(node, b.CountRows):
        if isinstance(node.input, b.TableScan):
            return node
        new_input = yield _prune_steps(node.input, set())
        return replace(node, input=new_input)
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
) -> _Steps:
    # These keep their input's columns; they may read a few more themselves.
    need = None
    if required is not None:
        own: set[str] = set()
        if isinstance(node, b.Filter):
            own = _columns_of(node.predicate)
        elif isinstance(node, b.Order):
            own = _columns_of(*(key.expr for key in node.keys))
        need = required | own
    new_input = yield _prune_steps(node.input, need)
    return replace(node, input=new_input, columns=new_input.columns)


def _compute(node: b.Compute, required: set[str] | None) -> _Steps:
    if required is None:
        if node.sequential:
            new_input = yield _prune_steps(node.input, None)
            return replace(node, input=new_input)
        need = _columns_of(*(assignment.expr for assignment in node.assignments))
        new_input = yield _prune_steps(node.input, need)
        return replace(node, input=new_input)

    if not node.sequential:
        kept = [a for a in node.assignments if set(a.names) & required]
        need = _columns_of(*(assignment.expr for assignment in kept))
        names = {name for assignment in kept for name in assignment.names}
        columns = tuple(column for column in node.columns if column[0] in names)
        new_input = yield _prune_steps(node.input, need)
        return replace(node, input=new_input, assignments=tuple(kept), columns=columns)

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
    new_input = yield _prune_steps(node.input, needed)
    available = set(new_input.column_names) | {name for a in kept for name in a.names}
    columns = tuple(column for column in node.columns if column[0] in available)
    return replace(node, input=new_input, assignments=tuple(kept), columns=columns)


def _select(node: b.Select, required: set[str] | None) -> _Steps:
    if required is None:
        new_input = yield _prune_steps(node.input, set(node.sources))
        return replace(node, input=new_input)
    pairs = [(column, source) for column, source in zip(node.columns, node.sources, strict=True) if column[0] in required]
    need = {source for _, source in pairs}
    new_input = yield _prune_steps(node.input, need)
    return replace(
        node,
        input=new_input,
        columns=tuple(column for column, _ in pairs),
        sources=tuple(source for _, source in pairs),
    )


def _join(node: b.JoinRows, required: set[str] | None) -> _Steps:
    left_columns = node.left_columns
    right_columns = node.right_columns
    if required is not None:
        left_columns = tuple(pair for pair in left_columns if pair[1] in required)
        right_columns = tuple(pair for pair in right_columns if pair[1] in required)

    left_need = {source for source, _ in left_columns} | set(node.left_keys)
    right_need = {source for source, _ in right_columns} | set(node.right_keys)
    outputs = {output for _, output in left_columns + right_columns}
    left = yield _prune_steps(node.left, left_need)
    right = yield _prune_steps(node.right, right_need)
    return replace(
        node,
        left=left,
        right=right,
        left_columns=left_columns,
        right_columns=right_columns,
        columns=tuple(column for column in node.columns if column[0] in outputs),
    )


def _expand(node: b.Expand, required: set[str] | None) -> _Steps:
    if required is None:
        new_input = yield _prune_steps(node.input, None)
        return replace(node, input=new_input)
    need = (required - {node.with_itemindex}) | {item.source for item in node.items}
    new_input = yield _prune_steps(node.input, need)
    available = set(new_input.column_names) | {node.with_itemindex}
    columns = tuple(column for column in node.columns if column[0] in available)
    return replace(node, input=new_input, columns=columns)


def _parse_rows(node: b.ParseRows, required: set[str] | None) -> _Steps:
    # parse reads the columns of its source expression and passes the others through,
    # except those that an extracted column of the same name replaces.
    if required is None:
        new_input = yield _prune_steps(node.input, None)
        return replace(node, input=new_input)
    extracted = {segment.text for segment in node.pattern if segment.kind == "column"}
    need = (required - extracted) | _columns_of(node.source)
    new_input = yield _prune_steps(node.input, need)
    available = set(new_input.column_names) | extracted
    columns = tuple(column for column in node.columns if column[0] in available)
    return replace(node, input=new_input, columns=columns)
