"""Binding of the top-nested operator: each clause's key, aggregation, count and others value.

Column names follow Kusto: a clause's key column takes its written name or the name
derived from its expression (``bin(Timestamp, 1h)`` gives ``Timestamp``), and its
aggregation column is ``aggregated_<key column>`` unless the aggregation is named
(``Total = sum(x)``). A name already used by an earlier clause gets the smallest
numeric suffix that makes it unique (``ClientIP``, then ``ClientIP1``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from kqlite.functions.registry import AGGREGATES
from kqlite.operators.naming import unique_names
from kqlite.semantics import bound as b
from kqlite.semantics.expressions import BindingFailed
from kqlite.semantics.naming import ColumnNamer, expression_name
from kqlite.semantics.scope import Scope
from kqlite.syntax import nodes
from kqlite.types import DYNAMIC, INT, LONG

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder


def bind_top_nested(binder: Binder, operator: nodes.TopNested, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
    """Bind ``top-nested ..., top-nested ...`` on top of its bound input."""
    namer = ColumnNamer({name for name, _ in input.columns})
    names: list[str] = []
    levels: list[b.TopNestedLevel] = []

    for clause in operator.clauses:
        key = binder.expressions.bind(clause.key.expr, scope.with_columns(input.columns))
        if key.kql_type is DYNAMIC:
            binder.error("KS116", "the value of type 'dynamic' is not allowed in this context", clause.key.expr.span)
        key_name = _unique(names, _key_name(clause.key, namer))

        aggregates, aggregation = _bind_aggregation(binder, clause, input, scope)
        written = clause.aggregation.names[0] if clause.aggregation.names else f"aggregated_{key_name}"
        aggregation_name = _unique(names, written)

        levels.append(
            b.TopNestedLevel(
                key_name=key_name,
                key=key,
                aggregation_name=aggregation_name,
                aggregates=aggregates,
                aggregation=aggregation,
                count=_bind_count(binder, clause, scope),
                others=_bind_constant(binder, clause.others, scope),
                ascending=bool(clause.ascending),
            )
        )

    columns: list[tuple[str, Any]] = []
    for level in levels:
        columns.append((level.key_name, level.key.kql_type))
        columns.append((level.aggregation_name, level.aggregation.kql_type))
    return b.TopNestedRows(columns=tuple(columns), span=operator.span, input=input, levels=tuple(levels))


def _key_name(item: nodes.ColumnExpr, namer: ColumnNamer) -> str:
    # NOTE: Kusto.Language 12.4.1 names the key of an expression without a derived name
    # (``strcat(a, b)``) with an empty string. kqlite names it Column1, Column2, ... instead.
    if item.names:
        return item.names[0]
    return expression_name(item.expr) or namer.next()


def _unique(names: list[str], name: str) -> str:
    """Append `name` to `names`, first renamed with a numeric suffix when it is already there."""
    unique = unique_names([*names, name])[-1]
    names.append(unique)
    return unique


def _bind_aggregation(
    binder: Binder, clause: nodes.TopNestedClause, input: b.BoundTabular, scope: Scope
) -> tuple[tuple[b.AggregateCall, ...], b.BoundExpr]:
    """Bind the aggregation as the single item of a summarize without keys."""
    expr = clause.aggregation.expr
    if not _contains_aggregate(expr):
        binder.error(
            "KS208",
            "the aggregation of top-nested must contain an aggregate function",
            expr.span,
            hint="write an aggregate after 'by', such as count(), sum(X) or Ignore = max(1)",
        )
        raise BindingFailed

    item = nodes.ColumnExpr(span=clause.aggregation.span, names=(), expr=expr)
    summarize = nodes.Summarize(span=clause.aggregation.span, aggregates=(item,), by=())
    bound = binder.operators.summarize.summarize(summarize, input, scope)
    # arg_max and arg_min pick rows rather than compute a value to rank by.
    selects_rows = isinstance(bound, b.Aggregate) and any(call.function.selects_rows for call in bound.aggregates)
    if not isinstance(bound, b.Aggregate) or len(bound.outputs) != 1 or selects_rows:
        binder.error("KS208", "the aggregation of top-nested must produce one value", expr.span)
        raise BindingFailed
    return bound.aggregates, bound.outputs[0].expr


def _contains_aggregate(node: Any) -> bool:
    """Return whether a syntax subtree calls an aggregate function anywhere."""
    if isinstance(node, nodes.Call) and node.name in AGGREGATES:
        return True
    if isinstance(node, tuple):
        return any(_contains_aggregate(item) for item in node)
    if isinstance(node, nodes.Node):
        return any(_contains_aggregate(getattr(node, field.name)) for field in fields(node))
    return False


def _bind_count(binder: Binder, clause: nodes.TopNestedClause, scope: Scope) -> b.BoundExpr | None:
    if clause.count is None:
        return None
    count = binder.expressions.bind(clause.count, scope.with_columns(()))
    is_null = isinstance(count, b.BoundLiteral) and count.value is None
    if count.kql_type not in (INT, LONG) and not is_null:
        binder.error("KS134", "the count of top-nested must be an integer", clause.count.span)
    return count


def _bind_constant(binder: Binder, expr: nodes.Expr | None, scope: Scope) -> b.BoundExpr | None:
    # The others value names no column, so it is bound where no column is in scope.
    if expr is None:
        return None
    return binder.expressions.bind(expr, scope.with_columns(()))
