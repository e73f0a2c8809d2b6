"""Binding of scalar expressions: names, calls, operators and their types."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

from kqlite.errors import Diagnostic, Span
from kqlite.functions import operators as scalar_operators
from kqlite.functions.registry import AGGREGATES, SCALARS, AggregateFunction, Param, ScalarFunction
from kqlite.semantics import arguments
from kqlite.semantics import bound as b
from kqlite.semantics import column_functions
from kqlite.semantics.scope import Scope, UserFunction
from kqlite.syntax import hints, nodes
from kqlite.types import BOOL, DYNAMIC, INT, LONG, REAL, STRING, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder

# Collects the aggregates met inside a summarize item; returns the hidden column
# that stands for the aggregate's value.
AggregateSink = Callable[[nodes.Call, AggregateFunction, tuple[b.BoundExpr, ...]], b.BoundExpr]


class BindingFailed(Exception):
    """Raised to abandon a statement after a diagnostic that makes the rest meaningless."""


class ExpressionBinder:
    """Types scalar expressions in a scope, recording diagnostics on its `Binder`."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> b.BoundExpr:
        self.binder.diagnostics.append(Diagnostic(code, message, span, hint))
        return b.BoundLiteral(value=None, kql_type=DYNAMIC, span=span)

    # -----------------------------------------------------------------------------------

    def bind(self, expr: nodes.Expr, scope: Scope, aggregates: AggregateSink | None = None) -> b.BoundExpr:
        """Bind one expression; `aggregates` is set where aggregate calls are allowed."""
        if isinstance(expr, nodes.Literal):
            return b.BoundLiteral(value=expr.value, kql_type=expr.kql_type, span=expr.span)
        if isinstance(expr, nodes.NameRef):
            return self._bind_name(expr, scope, aggregates)
        if isinstance(expr, nodes.Binary):
            return self._bind_binary(expr, scope, aggregates)
        if isinstance(expr, nodes.Unary):
            return self._bind_unary(expr, scope, aggregates)
        if isinstance(expr, nodes.Call):
            return self._bind_call(expr, scope, aggregates)
        if isinstance(expr, (nodes.Member, nodes.Index)):
            return self._bind_access(expr, scope, aggregates)
        if isinstance(expr, nodes.InList):
            return self._bind_in(expr, scope, aggregates)
        if isinstance(expr, nodes.Between):
            operand = self.bind(expr.operand, scope, aggregates)
            low = self.bind(expr.low, scope, aggregates)
            high = self.bind(expr.high, scope, aggregates)
            if scalar_operators.between_result_type(operand.kql_type, low.kql_type, high.kql_type) is None:
                return self.error(
                    "KS107",
                    f"'between' cannot compare {operand.kql_type} with {low.kql_type} .. {high.kql_type}",
                    expr.span,
                )
            return b.BoundBetween(
                kql_type=BOOL, span=expr.span, operand=operand, low=low, high=high, negated=expr.negated
            )
        if isinstance(expr, nodes.TypeOf):
            return b.BoundLiteral(value=expr.kql_type, kql_type=STRING, span=expr.span)
        if isinstance(expr, nodes.Star):
            return self.error("KS142", "'*' is not allowed here", expr.span)
        return self.error("KL200", f"unexpected expression {type(expr).__name__}", expr.span)

    # -----------------------------------------------------------------------------------

    def _bind_name(self, expr: nodes.NameRef, scope: Scope, aggregates: AggregateSink | None) -> b.BoundExpr:
        column_type = scope.column_type(expr.name)
        if column_type is not None:
            return b.BoundColumn(kql_type=column_type, name=expr.name, span=expr.span)

        binding = scope.lookup(expr.name)
        if isinstance(binding, b.BoundExpr):
            return binding
        if isinstance(binding, UserFunction):
            call = nodes.Call(span=expr.span, name=expr.name, args=())
            return self._bind_call(call, scope, aggregates)
        if isinstance(binding, b.BoundTabular) or scope.stored_table(expr.name) is not None:
            return self.error("KS205", f"'{expr.name}' is a table, not a scalar value", expr.span)

        return self.error(
            "KS142",
            f"the name '{expr.name}' does not refer to any known column, table, variable or function",
            expr.span,
            hint=hints.unknown_name_hint(expr.name) or self.suggest(expr.name, scope.visible_names(), scope),
        )

    def suggest(self, name: str, candidates: list[str], scope: Scope | None = None) -> str | None:
        """Build the "did you mean" hint, with the column list when it is short."""
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        if not close:
            lowered = {candidate.lower(): candidate for candidate in candidates}
            if name.lower() in lowered:
                close = [lowered[name.lower()]]
        columns = [column for column, _ in scope.columns] if scope is not None else []
        listing = f" (columns: {', '.join(columns)})" if columns and len(columns) <= 10 else ""
        if close:
            return f"did you mean '{close[0]}'?{listing}"
        return f"known columns: {', '.join(columns)}" if listing else None

    # -----------------------------------------------------------------------------------

    def _bind_binary(self, expr: nodes.Binary, scope: Scope, aggregates: AggregateSink | None) -> b.BoundExpr:
        # A chain `a or b or c ...` nests to the left, one level per operator. The loop
        # follows the left operands, so a chain of any length binds without deep recursion.
        chain = [expr]
        while isinstance(chain[-1].left, nodes.Binary):
            chain.append(chain[-1].left)

        result = self.bind(chain[-1].left, scope, aggregates)
        for link in reversed(chain):
            right = self.bind(link.right, scope, aggregates)
            result = self._combine(link, result, right)
        return result

    def _combine(self, expr: nodes.Binary, left: b.BoundExpr, right: b.BoundExpr) -> b.BoundExpr:
        result_type = scalar_operators.binary_result_type(expr.op, left.kql_type, right.kql_type)
        if result_type is None:
            return self.error(
                "KS107",
                f"operator '{expr.op}' cannot be applied to {left.kql_type} and {right.kql_type}",
                expr.span,
            )
        return b.BoundBinary(kql_type=result_type, span=expr.span, op=expr.op, left=left, right=right)

    def _bind_unary(self, expr: nodes.Unary, scope: Scope, aggregates: AggregateSink | None) -> b.BoundExpr:
        operand = self.bind(expr.operand, scope, aggregates)
        result_type = scalar_operators.unary_result_type(expr.op, operand.kql_type)
        if result_type is None:
            return self.error("KS107", f"unary '{expr.op}' cannot be applied to {operand.kql_type}", expr.span)

        # A negative literal stays a literal, so that it counts as a constant argument. The
        # operator's own rule folds it: int32 wraps around and a dynamic value gives null.
        if expr.op == "-" and isinstance(operand, b.BoundLiteral) and operand.value is not None:
            value = scalar_operators.evaluate_unary("-", operand.value, operand.kql_type, 1)
            return b.BoundLiteral(value=value, kql_type=result_type, span=expr.span)
        if expr.op == "+":
            return operand
        return b.BoundUnary(kql_type=result_type, span=expr.span, op=expr.op, operand=operand)

    def _bind_access(
        self, expr: nodes.Member | nodes.Index, scope: Scope, aggregates: AggregateSink | None
    ) -> b.BoundExpr:
        target = self.bind(expr.target, scope, aggregates)
        if isinstance(expr, nodes.Member):
            key: b.BoundExpr = b.BoundLiteral(value=expr.member, kql_type=STRING, span=expr.span)
        else:
            key = self.bind(expr.index, scope, aggregates)
        if target.kql_type is not DYNAMIC:
            return self.error("KS141", f"the expression must be of type dynamic, not {target.kql_type}", expr.span)
        return b.BoundAccess(kql_type=DYNAMIC, span=expr.span, target=target, key=key)

    def _bind_in(self, expr: nodes.InList, scope: Scope, aggregates: AggregateSink | None) -> b.BoundExpr:
        operand = self.bind(expr.operand, scope, aggregates)

        # A single tabular item (a pipeline, a tabular `let` name, a table, a call of a
        # tabular function) gives the values of its first column, whatever its other columns.
        if len(expr.items) == 1 and self._is_tabular(expr.items[0], scope):
            subquery = self.binder.bind_query_expression(expr.items[0], scope.with_columns(()))
            return b.BoundIn(kql_type=BOOL, span=expr.span, op=expr.op, operand=operand, subquery=subquery)

        items = tuple(self.bind(item, scope, aggregates) for item in expr.items if isinstance(item, nodes.Expr))
        if scalar_operators.in_result_type(expr.op, operand.kql_type, [item.kql_type for item in items]) is None:
            return self.error(
                "KS107", f"'{expr.op}' cannot compare {operand.kql_type} with the listed values", expr.span
            )
        return b.BoundIn(kql_type=BOOL, span=expr.span, op=expr.op, operand=operand, items=items)

    def _is_tabular(self, item: nodes.Expr | nodes.Pipeline, scope: Scope) -> bool:
        return isinstance(item, nodes.Pipeline) or self.binder.names_tabular(item, scope)

    # -----------------------------------------------------------------------------------

    def _bind_call(self, call: nodes.Call, scope: Scope, aggregates: AggregateSink | None) -> b.BoundExpr:
        binding = scope.lookup(call.name)
        if isinstance(binding, UserFunction):
            result = self.binder.call_user_function(binding, call, scope)
            if isinstance(result, b.BoundTabular):
                return self.error("KS205", f"'{call.name}' returns a table, not a scalar value", call.span)
            return result

        if call.name == "toscalar":
            return self._bind_toscalar(call, scope)
        if call.name == "pack_all":
            return column_functions.bind_pack_all(self, call, scope)
        if call.name in column_functions.COLUMN_IFEXISTS_NAMES:
            return column_functions.bind_column_ifexists(self, call, scope, aggregates)

        if call.name in AGGREGATES and call.name not in SCALARS:
            function = AGGREGATES[call.name]
            if aggregates is None:
                return self.error(
                    "KS209",
                    f"the aggregate function '{call.name}' is only allowed in summarize, make-series or similar",
                    call.span,
                )
            reported = len(self.binder.diagnostics)
            args = self.bind_arguments(function.params, call, scope, None, function.name)
            if len(self.binder.diagnostics) > reported:
                return b.BoundLiteral(value=None, kql_type=DYNAMIC, span=call.span)
            return aggregates(call, function, args)

        if call.name in SCALARS:
            function = SCALARS[call.name]
            args = self.bind_arguments(function.params, call, scope, aggregates, function.name)
            problem = arguments.call_problem(function.name, args)
            if problem is not None:
                return self.error("KS119", problem, call.span)
            return self.make_call(function, args, call.span)

        name_span = Span(call.span.start, call.span.start + len(call.name))
        return self.error(
            "KS211",
            f"the name '{call.name}' does not refer to any known function",
            name_span,
            hint=self.suggest(call.name, sorted({*SCALARS, *AGGREGATES, "pack_all", *column_functions.COLUMN_IFEXISTS_NAMES})),
        )

    def make_call(self, function: ScalarFunction, args: tuple[b.BoundExpr, ...], span: Span | None) -> b.BoundExpr:
        arg_types = [arg.kql_type for arg in args]
        try:
            result_type = function.result_type(arg_types)
        except ValueError as error:
            if function.name not in arguments.DYNAMIC_WHEN_NO_COMMON_TYPE:
                return self.error("KS141", f"invalid arguments for '{function.name}': {error}", span)
            result_type = DYNAMIC
        except (TypeError, IndexError) as error:
            return self.error("KS141", f"invalid arguments for '{function.name}': {error}", span)
        return b.BoundCall(kql_type=result_type, span=span, function=function, args=args)

    def _bind_toscalar(self, call: nodes.Call, scope: Scope) -> b.BoundExpr:
        if len(call.args) != 1:
            return self.error("KS119", "the function 'toscalar' expects 1 argument", call.span)
        argument = call.args[0]
        if isinstance(argument, nodes.NameRef):
            argument = nodes.Pipeline(span=argument.span, source=nodes.TableRef(span=argument.span, name=argument.name), operators=())
        if not isinstance(argument, nodes.Pipeline) and not self.binder.names_tabular(argument, scope.with_columns(())):
            return self.error("KS141", "the argument of 'toscalar' must be a tabular expression", call.span)
        query = self.binder.bind_query_expression(argument, scope.with_columns(()))
        kql_type = query.columns[0][1] if query.columns else DYNAMIC
        return b.BoundScalarQuery(kql_type=kql_type, span=call.span, query=query)

    def bind_arguments(
        self,
        params: tuple[Param, ...],
        call: nodes.Call,
        scope: Scope,
        aggregates: AggregateSink | None,
        function_name: str,
    ) -> tuple[b.BoundExpr, ...]:
        """Bind a call's arguments in parameter order, checking count, names and types."""
        ordered, skipped = self._order_arguments(params, call, function_name)
        args: list[b.BoundExpr] = []

        for position, argument in enumerate(ordered):
            param = params[min(position, len(params) - 1)] if params else None
            if isinstance(argument, nodes.Star):
                args.append(b.BoundLiteral(value="*", kql_type=DYNAMIC, span=argument.span))
                continue
            if isinstance(argument, nodes.Pipeline):
                args.append(self.error("KS141", "a tabular argument is not allowed here", argument.span))
                continue
            bound_arg = self.bind(argument, scope, aggregates)
            if param is not None and position not in skipped:
                bound_arg = self._check_argument(param, bound_arg, argument, function_name)
            args.append(bound_arg)
        return tuple(args)

    def _order_arguments(
        self, params: tuple[Param, ...], call: nodes.Call, function_name: str
    ) -> tuple[list[nodes.Expr | nodes.Pipeline], set[int]]:
        """Put named arguments in their parameter's place; also return the positions of skipped parameters."""
        positional = [arg for arg in call.args if not isinstance(arg, nodes.NamedArg)]
        named = {arg.name: arg for arg in call.args if isinstance(arg, nodes.NamedArg)}
        ordered: list[nodes.Expr | nodes.Pipeline] = list(positional)
        skipped: set[int] = set()

        param_names = [param.name for param in params]
        for name, argument in named.items():
            if name not in param_names:
                self.error("KS119", f"the function '{function_name}' has no parameter named '{name}'", argument.span)
                continue
            index = param_names.index(name)
            while len(ordered) < index:
                # A skipped optional parameter keeps its default, which the implementation applies.
                skipped.add(len(ordered))
                ordered.append(nodes.Literal(span=argument.span, value=None, kql_type=DYNAMIC))
            if index < len(ordered):
                ordered[index] = argument.value
                skipped.discard(index)
            else:
                ordered.append(argument.value)

        required = sum(1 for param in params if not param.optional and not param.variadic)
        variadic = bool(params) and params[-1].variadic
        if len(ordered) < required or (not variadic and len(ordered) > len(params)):
            expected = _describe_count(params)
            self.error("KS119", f"the function '{function_name}' expects {expected}", call.span)
        return ordered, skipped

    def _check_argument(
        self, param: Param, bound_arg: b.BoundExpr, argument: nodes.Expr, function_name: str
    ) -> b.BoundExpr:
        """Report an argument that does not fit `param`; return it folded or converted as the parameter needs."""
        if param.column and not isinstance(bound_arg, b.BoundColumn):
            self.error(
                "KS109",
                f"the argument '{param.name}' of '{function_name}' must be a column name",
                argument.span,
            )
            return bound_arg

        if param.constant and not arguments.is_constant(bound_arg):
            self.error(
                "KS130",
                f"the argument '{param.name}' of '{function_name}' must be a constant",
                argument.span,
            )
            return bound_arg

        # The type is checked before folding: `parse_json('[1]')` is a dynamic value of
        # unknown shape, while its folded value would be an array literal.
        problem = arguments.fits_parameter(function_name, param, bound_arg)
        if problem is not None:
            # A predicate gets Kusto's own code: `countif(d.flag)` needs `tobool(d.flag)`.
            code = "KS107" if param.types == (BOOL,) else "KS141"
            self.error(code, problem, argument.span)
            return bound_arg

        if param.constant:
            bound_arg = arguments.fold_constant(bound_arg)
        return arguments.convert_argument(function_name, param, bound_arg)


def _describe_count(params: tuple[Param, ...]) -> str:
    required = sum(1 for param in params if not param.optional and not param.variadic)
    if params and params[-1].variadic:
        return f"at least {required} argument{'s' if required != 1 else ''}"
    if required == len(params):
        return f"{required} argument{'s' if required != 1 else ''}"
    return f"between {required} and {len(params)} arguments"


def is_integer_type(kql_type: KqlType) -> bool:
    return kql_type in (INT, LONG)


def is_number_type(kql_type: KqlType) -> bool:
    return kql_type in (INT, LONG, REAL)
