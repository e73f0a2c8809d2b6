"""Binding of the grouping operators: summarize, distinct and make-series."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from kqlite.functions.registry import AggregateFunction
from kqlite.semantics import bound as b
from kqlite.operators.naming import unique_names
from kqlite.semantics.naming import (
    ColumnNamer,
    DeclaredNames,
    bound_expression_name,
    expression_name,
    is_explicit,
    percentile_name,
)
from kqlite.semantics.scope import Scope
from kqlite.syntax import nodes
from kqlite.types import DYNAMIC, INT, LONG, REAL, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder


class SummarizeBinder:
    """Binds summarize, distinct and make-series on top of their input."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder
        self.expressions = binder.expressions
        self._hidden = itertools.count()

    def _hidden_name(self) -> str:
        return f"__aggregate{next(self._hidden)}"

    def keys(
        self, by: tuple[nodes.ColumnExpr, ...], input: b.BoundTabular, scope: Scope, namer: ColumnNamer
    ) -> list[b.Assignment]:
        """Bind the `by` items; dynamic keys are rejected as Kusto does."""
        row_scope = scope.with_columns(input.columns)
        declared = DeclaredNames()
        keys: list[b.Assignment] = []
        for item in by:
            bound_expr = self.expressions.bind(item.expr, row_scope)
            if bound_expr.kql_type is DYNAMIC:
                self.binder.error("KS116", "the value of type 'dynamic' is not allowed in this context", item.expr.span)
            name = item.names[0] if item.names else bound_expression_name(item.expr, bound_expr) or namer.next()
            final = declared.add(name, is_explicit(item))
            if final is None:
                self.binder.error("KS171", f"a column with the name '{name}' is already declared", item.span)
                continue
            keys.append(b.Assignment(names=(final,), expr=bound_expr))
        return keys

    # -----------------------------------------------------------------------------------

    def summarize(self, operator: nodes.Summarize, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        namer = ColumnNamer({name for name, _ in input.columns})
        keys = self.keys(operator.by, input, scope, namer)
        key_names = [key.names[0] for key in keys]

        calls: list[b.AggregateCall] = []
        outputs: list[tuple[str, b.BoundExpr]] = []
        for item in operator.aggregates:
            outputs.extend(self._aggregate_item(item, input, scope, calls, namer, key_names))

        names = unique_names(key_names + [name for name, _ in outputs])
        key_columns = [(name, key.expr.kql_type) for name, key in zip(names, keys, strict=False)]
        output_names = names[len(keys) :]
        final_keys = tuple(b.Assignment(names=(name,), expr=key.expr) for name, key in zip(names, keys, strict=False))
        final_outputs = tuple(
            b.Assignment(names=(name,), expr=expr) for name, (_, expr) in zip(output_names, outputs, strict=True)
        )
        columns = tuple(key_columns) + tuple((name, expr.kql_type) for name, (_, expr) in zip(output_names, outputs, strict=True))
        return b.Aggregate(
            columns=columns,
            span=operator.span,
            input=input,
            keys=final_keys,
            aggregates=tuple(calls),
            outputs=final_outputs,
        )

    def _aggregate_item(
        self,
        item: nodes.ColumnExpr,
        input: b.BoundTabular,
        scope: Scope,
        calls: list[b.AggregateCall],
        namer: ColumnNamer,
        key_names: list[str],
    ) -> list[tuple[str, b.BoundExpr]]:
        row_scope = scope.with_columns(input.columns)
        direct: list[tuple[nodes.Call, AggregateFunction, tuple[b.BoundExpr, ...]]] = []

        def sink(call: nodes.Call, function: AggregateFunction, args: tuple[b.BoundExpr, ...]) -> b.BoundExpr:
            direct.append((call, function, args))
            return self._register(call, function, args, calls, input, key_names)[0][1]

        reported = len(self.binder.diagnostics)
        bound_expr = self.expressions.bind(item.expr, row_scope, sink)

        # A whole item that is one aggregate call may yield several columns, and it takes
        # its default name from the aggregate. Anything else is one computed column.
        if isinstance(item.expr, nodes.Call) and len(direct) == 1 and direct[0][0] is item.expr:
            call, function, args = direct[0]
            produced = self._last_outputs
            return self._name_outputs(item, call, function, produced)

        # An item whose aggregate was already reported as invalid needs no second error.
        if not direct and len(self.binder.diagnostics) == reported:
            self.binder.error("KS208", "a summarize aggregate must contain an aggregate function", item.expr.span)
        name = item.names[0] if item.names else namer.next()
        return [(name, bound_expr)]

    def _register(
        self,
        call: nodes.Call,
        function: AggregateFunction,
        args: tuple[b.BoundExpr, ...],
        calls: list[b.AggregateCall],
        input: b.BoundTabular,
        key_names: list[str],
    ) -> list[tuple[str, b.BoundExpr]]:
        """Add one aggregate call; return (default name, hidden column) per output column."""
        arg_types = [arg.kql_type for arg in args]
        first_name = expression_name(call.args[0]) if call.args and isinstance(call.args[0], nodes.Expr) else None

        if function.selects_rows:
            produced = self._register_row_selector(call, function, args, calls, input, key_names, first_name)
        elif function.name == "percentiles":
            result_type = function.result_type(arg_types)
            hidden = tuple(self._hidden_name() for _ in args[1:])
            calls.append(b.AggregateCall(names=hidden, function=function, args=args, result_types=(result_type,) * len(hidden)))
            produced = [
                (percentile_name(first_name, _percent_text(call, position, arg)), b.BoundColumn(kql_type=result_type, name=name))
                for position, (arg, name) in enumerate(zip(args[1:], hidden, strict=True), start=1)
            ]
        else:
            result_type = function.result_type(arg_types)
            hidden_name = self._hidden_name()
            calls.append(b.AggregateCall(names=(hidden_name,), function=function, args=args, result_types=(result_type,)))
            if function.name == "percentile" and len(args) > 1:
                default_name = percentile_name(first_name, _percent_text(call, 1, args[1]))
            else:
                default_name = expression_name(call) or f"{function.column_prefix or function.name}_"
            produced = [(default_name, b.BoundColumn(kql_type=result_type, name=hidden_name))]

        self._last_outputs = produced
        return produced

    def _register_row_selector(
        self,
        call: nodes.Call,
        function: AggregateFunction,
        args: tuple[b.BoundExpr, ...],
        calls: list[b.AggregateCall],
        input: b.BoundTabular,
        key_names: list[str],
        first_name: str | None,
    ) -> list[tuple[str, b.BoundExpr]]:
        # arg_max(e, c1, c2) and arg_max(e, *) pick the row with the extreme e in each group.
        # The output columns are e, then the listed columns (or every other input column).
        prefix = "max" if function.name.startswith("arg_max") else "min"
        selected: list[tuple[str, b.BoundExpr]] = [(first_name or f"{prefix}_", args[0])]

        for position, (syntax_arg, bound_arg) in enumerate(zip(call.args[1:], args[1:], strict=False), start=1):
            if isinstance(syntax_arg, nodes.Star):
                taken = {name for name, _ in selected} | set(key_names)
                selected.extend(
                    (name, b.BoundColumn(kql_type=kql_type, name=name))
                    for name, kql_type in input.columns
                    if name not in taken
                )
                continue
            syntax_name = expression_name(syntax_arg) if isinstance(syntax_arg, nodes.Expr) else None
            selected.append((syntax_name or f"{prefix}_{first_name or ''}_arg{position}", bound_arg))

        hidden = tuple(self._hidden_name() for _ in selected)
        calls.append(
            b.AggregateCall(
                names=hidden,
                function=function,
                args=tuple(expr for _, expr in selected),
                result_types=tuple(expr.kql_type for _, expr in selected),
                selected_columns=tuple(name for name, _ in selected),
            )
        )
        return [
            (name, b.BoundColumn(kql_type=expr.kql_type, name=hidden_name))
            for (name, expr), hidden_name in zip(selected, hidden, strict=True)
        ]

    def _name_outputs(
        self,
        item: nodes.ColumnExpr,
        call: nodes.Call,
        function: AggregateFunction,
        produced: list[tuple[str, b.BoundExpr]],
    ) -> list[tuple[str, b.BoundExpr]]:
        names = list(item.names)
        if len(names) > len(produced):
            self.binder.error("KS172", "the name does not have a corresponding expression", item.span)
        return [(names[i] if i < len(names) else default, expr) for i, (default, expr) in enumerate(produced)]

    # -----------------------------------------------------------------------------------

    def distinct(self, operator: nodes.Distinct, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        if operator.star:
            items = tuple(
                nodes.ColumnExpr(span=operator.span, names=(), expr=nodes.NameRef(span=operator.span, name=name))
                for name in input.column_names
            )
        else:
            items = operator.items
        namer = ColumnNamer({name for name, _ in input.columns})
        keys = self.keys(items, input, scope, namer)
        names = unique_names([key.names[0] for key in keys])
        final_keys = tuple(b.Assignment(names=(name,), expr=key.expr) for name, key in zip(names, keys, strict=True))
        columns = tuple((name, key.expr.kql_type) for name, key in zip(names, keys, strict=True))
        return b.Aggregate(columns=columns, span=operator.span, input=input, keys=final_keys, aggregates=(), outputs=())

    # -----------------------------------------------------------------------------------

    def make_series(self, operator: nodes.MakeSeries, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        row_scope = scope.with_columns(input.columns)
        constant_scope = scope.with_columns(())
        namer = ColumnNamer({name for name, _ in input.columns})
        keys = self.keys(operator.by, input, scope, namer)

        aggregates = [self._series_aggregate(item, row_scope, constant_scope) for item in operator.aggregates]
        axis = self.expressions.bind(operator.axis, row_scope)
        axis_name = expression_name(operator.axis) or namer.next()
        start = self.expressions.bind(operator.start, constant_scope) if operator.start else None
        end = self.expressions.bind(operator.end, constant_scope) if operator.end else None
        step = self.expressions.bind(operator.step, constant_scope)
        self._check_axis(axis, step, operator, start, end)

        names = unique_names([key.names[0] for key in keys] + [agg.name for agg in aggregates] + [axis_name])
        final_keys = tuple(b.Assignment(names=(name,), expr=key.expr) for name, key in zip(names, keys, strict=False))
        final_aggregates = tuple(
            b.SeriesAggregate(name=name, function=agg.function, args=agg.args, default=agg.default, result_type=agg.result_type)
            for name, agg in zip(names[len(keys) :], aggregates, strict=False)
        )
        columns = tuple((name, key.expr.kql_type) for name, key in zip(names, keys, strict=False))
        columns += tuple((agg.name, DYNAMIC) for agg in final_aggregates) + ((names[-1], DYNAMIC),)
        return b.MakeSeriesRows(
            columns=columns,
            span=operator.span,
            input=input,
            keys=final_keys,
            aggregates=final_aggregates,
            axis=axis,
            axis_name=names[-1],
            start=start,
            end=end,
            step=step,
            in_range=operator.in_range,
            nonempty=(operator.kind or "").lower() == "nonempty",
        )

    def _series_aggregate(
        self, item: nodes.MakeSeriesAggregate, row_scope: Scope, constant_scope: Scope
    ) -> b.SeriesAggregate:
        expr = item.column.expr
        from kqlite.functions.registry import AGGREGATES

        function = AGGREGATES.get(expr.name) if isinstance(expr, nodes.Call) else None
        if function is None or not isinstance(expr, nodes.Call):
            # Kusto accepts a plain expression as a make-series "aggregate" (the docs use
            # `other=-1 default=-2`): bins that hold rows get its value, empty bins the
            # default. That is take_any over the bin's rows.
            function = AGGREGATES["take_any"]
            expr = nodes.Call(span=expr.span, name="take_any", args=(expr,))
            if not item.column.names:
                self.binder.error("KS208", "make-series needs an aggregate function here", expr.span)
        elif not function.allowed_in_make_series:
            self.binder.error(
                "KS209", f"the aggregate '{function.name}' cannot be used in make-series (it must return a number)", expr.span
            )

        args = self.expressions.bind_arguments(function.params, expr, row_scope, None, function.name)
        result_type = function.result_type([arg.kql_type for arg in args])
        name = item.column.names[0] if item.column.names else expression_name(expr) or f"{function.name}_"
        default = self._series_default(item, constant_scope, result_type)
        return b.SeriesAggregate(name=name, function=function, args=args, default=default, result_type=result_type)

    def _series_default(self, item: nodes.MakeSeriesAggregate, scope: Scope, result_type: KqlType) -> object:
        if item.default is None:
            return 0
        value = self.expressions.bind(item.default, scope)
        if not isinstance(value, b.BoundLiteral):
            self.binder.error("KS130", "the default value of make-series must be a literal", item.default.span)
            return 0
        if value.value is not None and result_type in (INT, LONG) and value.kql_type is REAL:
            return value.value
        return value.value

    def _check_axis(
        self,
        axis: b.BoundExpr,
        step: b.BoundExpr,
        operator: nodes.MakeSeries,
        start: b.BoundExpr | None = None,
        end: b.BoundExpr | None = None,
    ) -> None:
        from kqlite.types import DATETIME, TIMESPAN

        if axis.kql_type in (DATETIME, TIMESPAN) and step.kql_type not in (TIMESPAN, DYNAMIC):
            self.binder.error("KS141", "the step of a datetime or timespan axis must be a timespan", operator.step.span)
        elif axis.kql_type not in (DATETIME, TIMESPAN, INT, LONG, REAL, DYNAMIC):
            self.binder.error("KS141", f"make-series cannot use an axis of type {axis.kql_type}", operator.axis.span)

        # `from` and `to` must be values of the axis's own kind.
        for bound, syntax in ((start, operator.start), (end, operator.end)):
            if bound is None or syntax is None or bound.kql_type in (axis.kql_type, DYNAMIC):
                continue
            if not (bound.kql_type.is_numeric and axis.kql_type.is_numeric):
                self.binder.error("KS141", f"the expression must have the type {axis.kql_type}", syntax.span)


def _percent_text(call: nodes.Call, position: int, bound_arg: b.BoundExpr) -> object:
    """Return the value that names a percentile's column, or "" when the argument is computed.

    Kusto.Language 12.4.1 names ``percentile(x, 50)`` and ``percentile(x, p)`` after the
    value, but ``percentile(x, 1 + 1)`` as ``percentile_x_``.
    """
    syntax_arg = call.args[position] if position < len(call.args) else None
    # NOTE: the builder folds a sign into its literal, so `-1` and `+5` are named after
    # their values here, where Kusto.Language names them like computed values.
    if isinstance(syntax_arg, (nodes.Literal, nodes.NameRef)) and isinstance(bound_arg, b.BoundLiteral):
        return bound_arg.value
    return ""
