"""Binding of the sample and sample-distinct operators: the count and the sampled column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kqlite.semantics import bound as b
from kqlite.semantics.expressions import BindingFailed
from kqlite.semantics.scope import Scope
from kqlite.syntax import nodes
from kqlite.types import DYNAMIC, INT, LONG

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder


def bind_sample(binder: Binder, operator: nodes.Sample, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
    """Bind ``sample N``: the input's columns, up to N of its rows."""
    count = _bind_count(binder, operator.count, "sample", scope)
    return b.SampleRows(columns=input.columns, span=operator.span, input=input, count=count)


def bind_sample_distinct(
    binder: Binder, operator: nodes.SampleDistinct, input: b.BoundTabular, scope: Scope
) -> b.BoundTabular:
    """Bind ``sample-distinct N of Column``: one column, up to N of its distinct values."""
    count = _bind_count(binder, operator.count, "sample-distinct", scope)

    # A name may also stand for a `let` value, which is no column either. An unknown
    # name is already reported by the expression binder.
    reported = len(binder.diagnostics)
    column = binder.expressions.bind(operator.column, scope.with_columns(input.columns))
    if not isinstance(column, b.BoundColumn):
        if len(binder.diagnostics) > reported:
            raise BindingFailed
        binder.error(
            "KS109",
            "sample-distinct needs a column name after 'of'",
            operator.column.span,
            hint="compute the value with extend first, then name its column",
        )
        raise BindingFailed
    if column.kql_type is DYNAMIC:
        binder.error("KS116", "the value of type 'dynamic' is not allowed in this context", operator.column.span)

    return b.SampleDistinctRows(
        columns=((column.name, column.kql_type),), span=operator.span, input=input, count=count, column=column.name
    )


def _bind_count(binder: Binder, expr: nodes.Expr, operator: str, scope: Scope) -> b.BoundExpr:
    count = binder.expressions.bind(expr, scope.with_columns(()))
    is_null = isinstance(count, b.BoundLiteral) and count.value is None
    if count.kql_type not in (INT, LONG) and not is_null:
        binder.error("KS134", f"the count of {operator} must be an integer", expr.span)
    return count
