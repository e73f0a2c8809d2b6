"""Binding of the mv-apply operator: its expanded items, its subquery and the output schema.

The subquery is bound over an `ApplySubtable`: the input's columns, each expanded item
(replacing the input column of the same name in place, else appended) and the
``with_itemindex`` column last. The output follows Kusto.Language 12.4.1: the input's
columns, except those expanded by an unnamed column reference (``mv-apply Arr``), then
the subquery's columns. A subquery column whose name is already in the output replaces
that column in place.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from kqlite.semantics import bound as b
from kqlite.semantics.expressions import BindingFailed
from kqlite.semantics.naming import ColumnNamer, expression_name
from kqlite.semantics.scope import Scope
from kqlite.semantics.serialization import check_window_calls
from kqlite.syntax import nodes
from kqlite.types import DYNAMIC, INT, LONG, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder

# Links each mv-apply to the `ApplySubtable` its subquery reads, unique within a process.
_SUBTABLE_KEYS = itertools.count()


def bind_mv_apply(binder: Binder, operator: nodes.MvApply, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
    """Bind ``mv-apply`` on top of its bound input."""
    _check_kind(binder, operator)
    row_scope = scope.with_columns(input.columns)
    columns = list(input.columns)
    namer = ColumnNamer({name for name, _ in columns})
    computed: list[b.Assignment] = []
    items: list[b.ExpandItem] = []
    replaced: set[str] = set()

    for item in operator.items:
        expr = binder.expressions.bind(item.column.expr, row_scope)
        if expr.kql_type is not DYNAMIC:
            binder.error("KS141", "mv-apply needs an expression of type dynamic", item.column.span)
        name = item.column.names[0] if item.column.names else expression_name(item.column.expr) or namer.next()
        if any(existing.output == name for existing in items):
            binder.error("KS171", f"a column with the name '{name}' is already declared", item.span)
            continue

        is_plain_column = isinstance(expr, b.BoundColumn) and expr.name == name
        if not is_plain_column:
            computed.append(b.Assignment(names=(name,), expr=expr))
        # Only an unnamed column reference takes its input column out of the output.
        if is_plain_column and not item.column.names:
            replaced.add(name)
        _put(columns, name, item.to_type or DYNAMIC)
        items.append(b.ExpandItem(source=name, output=name, to_type=item.to_type))

    source = input
    if computed:
        pre_columns = list(input.columns)
        for assignment in computed:
            _put(pre_columns, assignment.names[0], assignment.expr.kql_type)
        source = b.Compute(columns=tuple(pre_columns), span=operator.span, input=input, assignments=tuple(computed))

    # Kusto.Language renames an item index that collides with a column: Big becomes Big1.
    with_itemindex = operator.with_itemindex
    if with_itemindex is not None:
        with_itemindex = _free_name(with_itemindex, {name for name, _ in columns})
        columns.append((with_itemindex, LONG))

    limit = _bind_limit(binder, operator, scope)
    key = next(_SUBTABLE_KEYS)
    subtable = b.ApplySubtable(columns=tuple(columns), span=operator.span, key=key)
    subquery = _bind_subquery(binder, operator, subtable, scope)

    outer = [name for name in input.column_names if name not in replaced]
    return b.ApplyRows(
        columns=output_columns(input.columns, outer, subquery.columns),
        span=operator.span,
        input=source,
        items=tuple(items),
        with_itemindex=with_itemindex,
        limit=limit,
        subquery=subquery,
        key=key,
        outer=tuple(outer),
    )


def output_columns(
    input_columns: tuple[tuple[str, KqlType], ...], outer: list[str], subquery_columns: tuple[tuple[str, KqlType], ...]
) -> tuple[tuple[str, KqlType], ...]:
    """Return the outer columns, then the subquery's; a subquery column replaces an outer one of its name."""
    input_types = dict(input_columns)
    columns = [(name, input_types[name]) for name in outer]
    for name, kql_type in subquery_columns:
        _put(columns, name, kql_type)
    return tuple(columns)


def _check_kind(binder: Binder, operator: nodes.MvApply) -> None:
    # The documentation: unlike mv-expand, mv-apply does not support bagexpansion=array.
    if operator.kind is not None and operator.kind.lower() != "bag":
        binder.error(
            "KS005",
            f"invalid mv-apply kind '{operator.kind}': mv-apply expands a property bag only as bags",
            operator.span,
            hint="remove the kind, and expand [key, value] pairs with an inner 'mv-expand kind=array'",
        )


def _bind_limit(binder: Binder, operator: nodes.MvApply, scope: Scope) -> b.BoundExpr | None:
    if operator.limit is None:
        return None
    limit = binder.expressions.bind(operator.limit, scope.with_columns(()))
    if limit.kql_type not in (INT, LONG):
        binder.error("KS134", "the limit of mv-apply must be an integer", operator.limit.span)
    return limit


def _bind_subquery(
    binder: Binder, operator: nodes.MvApply, subtable: b.ApplySubtable, scope: Scope
) -> b.BoundTabular:
    # Each operator binds on the previous one's schema, as in a pipeline.
    current: b.BoundTabular = subtable
    for inner in operator.subquery:
        if isinstance(inner, nodes.Render):
            binder.error("KS213", "the render operator cannot be used inside an mv-apply subquery", inner.span)
            raise BindingFailed
        bound = binder.operators.bind(inner, current, scope)
        check_window_calls(binder, inner, current, bound)
        current = bound
    return current


def _put(columns: list[tuple[str, KqlType]], name: str, kql_type: KqlType) -> None:
    """Replace the column called `name` in place, or append it."""
    position = next((i for i, (existing, _) in enumerate(columns) if existing == name), None)
    if position is None:
        columns.append((name, kql_type))
    else:
        columns[position] = (name, kql_type)


def _free_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    suffix = 1
    while f"{name}{suffix}" in taken:
        suffix += 1
    return f"{name}{suffix}"
