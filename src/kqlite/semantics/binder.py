"""The binder: resolves names, types every expression and computes every operator's schema.

It walks the statements of a script in order, keeps `let` bindings in scopes, inlines
`let` values and user-defined functions, and collects every semantic error with its
span before anything runs. The tabular operators themselves are bound in
`kqlite.semantics.operators`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from kqlite.errors import Diagnostic, KqlSemanticError, Span
from kqlite.semantics import bound as b
from kqlite.semantics.expressions import BindingFailed, ExpressionBinder
from kqlite.semantics.serialization import SerializedNodes, check_window_calls
from kqlite.semantics.scope import Scope, UserFunction
from kqlite.syntax import nodes
from kqlite.table import Columns
from kqlite.types import DYNAMIC


@dataclass(slots=True)
class BoundScript:
    """A bound script: one bound query per tabular statement, and the `set` options."""

    queries: list[b.BoundTabular] = field(default_factory=list)
    options: dict[str, object] = field(default_factory=dict)


class Binder:
    """Binds the statements of one script against the schemas of the stored tables."""

    def __init__(
        self, table_schema: Callable[[str], Columns | None], table_names: Callable[[], list[str]] | None = None
    ) -> None:
        self.table_schema = table_schema
        self.table_names = table_names
        self.diagnostics: list[Diagnostic] = []
        self.expressions = ExpressionBinder(self)
        self._shared_keys = itertools.count()
        self._call_depth = 0
        # Rows a `serialize` operator marked, for the window-function check.
        self.serialized_nodes = SerializedNodes()

        # Imported here because the operator binders import this module's Binder type.
        from kqlite.semantics.operators import OperatorBinder

        self.operators = OperatorBinder(self)

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def raise_if_failed(self) -> None:
        if self.diagnostics:
            first = self.diagnostics[0]
            raise KqlSemanticError(
                first.code, first.message, first.span, hint=first.hint, diagnostics=tuple(self.diagnostics)
            )

    # -----------------------------------------------------------------------------------
    # Statements

    def bind_script(self, script: nodes.Script) -> BoundScript:
        """Bind every statement; raise one KqlSemanticError carrying all diagnostics."""
        result = BoundScript()
        scope = Scope(table_schema=self.table_schema)

        for statement in script.statements:
            try:
                self.bind_statement(statement, scope, result)
            except BindingFailed:
                pass

        self.raise_if_failed()
        return result

    def bind_statement(self, statement: nodes.Statement, scope: Scope, result: BoundScript) -> None:
        if isinstance(statement, nodes.Let):
            scope.lets[statement.name] = self.bind_let_value(statement.name, statement.value, scope)
        elif isinstance(statement, nodes.Query):
            result.queries.append(self.bind_query_expression(statement.expr, scope))
        elif isinstance(statement, nodes.SetOption):
            result.options[statement.name.lower()] = statement.value

    def bind_let_value(
        self, name: str, value: nodes.Expr | nodes.Pipeline | nodes.FunctionDef, scope: Scope
    ) -> b.BoundExpr | b.BoundTabular | UserFunction:
        if isinstance(value, nodes.FunctionDef):
            return UserFunction(name=name, definition=value, scope=scope)
        if isinstance(value, nodes.Pipeline) or self.names_tabular(value, scope):
            tabular = self.bind_query_expression(value, scope)
            return b.Shared(columns=tabular.columns, span=tabular.span, input=tabular, key=next(self._shared_keys))
        return self.expressions.bind(value, scope.with_columns(()))

    def names_tabular(self, value: nodes.Expr | nodes.Pipeline, scope: Scope) -> bool:
        """Tell whether a name or call denotes a table: `let T2 = T;`, `x in (T)`, `toscalar(f(1))`.

        A column of `scope` hides a `let` or stored table of the same name.
        """
        if isinstance(value, nodes.NameRef):
            if scope.column_type(value.name) is not None:
                return False
            binding = scope.lookup(value.name)
            if isinstance(binding, b.BoundTabular):
                return True
            if isinstance(binding, UserFunction):
                return self._function_is_tabular(binding)
            return binding is None and scope.stored_table(value.name) is not None
        if isinstance(value, nodes.Call):
            binding = scope.lookup(value.name)
            return (isinstance(binding, UserFunction) and self._function_is_tabular(binding)) or value.name in (
                "materialize",
                "view",
            )
        return False

    @staticmethod
    def _function_is_tabular(function: UserFunction) -> bool:
        body = function.definition.body
        last = body[-1] if body else None
        return isinstance(last, nodes.Query) and isinstance(last.expr, nodes.Pipeline)

    def bind_query_expression(self, expr: nodes.Pipeline | nodes.Expr, scope: Scope) -> b.BoundTabular:
        if isinstance(expr, nodes.Pipeline):
            return self.bind_tabular(expr, scope)
        if isinstance(expr, nodes.NameRef):
            return self.bind_source(nodes.TableRef(span=expr.span, name=expr.name), scope)
        if isinstance(expr, nodes.Call):
            return self.bind_source(expr, scope)
        self.error("KS001", "a query statement must be a tabular expression", expr.span)
        raise BindingFailed

    # -----------------------------------------------------------------------------------
    # Tabular expressions

    def bind_tabular(self, pipeline: nodes.Pipeline | nodes.Source, scope: Scope) -> b.BoundTabular:
        """Bind a pipeline: its source, then each operator on the previous one's schema."""
        if not isinstance(pipeline, nodes.Pipeline):
            return self.bind_source(pipeline, scope)

        current = self.bind_source(pipeline.source, scope)
        operators = pipeline.operators
        for position, operator in enumerate(operators):
            if isinstance(operator, nodes.Render) and position != len(operators) - 1:
                self.error("KS213", "the render operator must be the last operator of a query", operator.span)
            bound = self.operators.bind(operator, current, scope)
            check_window_calls(self, operator, current, bound)
            current = bound
        return current

    def bind_source(self, source: nodes.Source, scope: Scope) -> b.BoundTabular:
        if isinstance(source, nodes.Pipeline):
            return self.bind_tabular(source, scope)
        if isinstance(source, nodes.TableRef):
            return self.bind_table_name(source.name, source.span, scope)
        if isinstance(source, nodes.Call):
            return self._bind_source_call(source, scope)
        return self.operators.bind_source(source, scope)

    def bind_table_name(self, name: str, span: Span, scope: Scope) -> b.BoundTabular:
        binding = scope.lookup(name)
        if isinstance(binding, b.BoundTabular):
            return binding
        if isinstance(binding, UserFunction):
            return self._bind_source_call(nodes.Call(span=span, name=name, args=()), scope)

        columns = scope.stored_table(name)
        if columns is not None:
            return b.TableScan(columns=columns, span=span, table=name)

        names = [n for n in scope.visible_names() if n not in {c for c, _ in scope.columns}]
        self.error(
            "KS204",
            f"the name '{name}' does not refer to any known table, tabular variable or function",
            span,
            hint=self.expressions.suggest(name, names + self._stored_names()),
        )
        raise BindingFailed

    def _stored_names(self) -> list[str]:
        return list(self.table_names()) if self.table_names is not None else []

    def _bind_source_call(self, call: nodes.Call, scope: Scope) -> b.BoundTabular:
        if call.name in ("materialize", "view") and len(call.args) == 1:
            argument = call.args[0]
            if isinstance(argument, (nodes.Pipeline, nodes.NameRef, nodes.Call)):
                return self.bind_query_expression(argument, scope)

        binding = scope.lookup(call.name)
        if isinstance(binding, UserFunction):
            result = self.call_user_function(binding, call, scope)
            if isinstance(result, b.BoundTabular):
                return result
            self.error("KS205", f"'{call.name}' returns a scalar, not a table", call.span)
            raise BindingFailed
        if binding is None and not call.args and scope.stored_table(call.name) is not None:
            return self.bind_table_name(call.name, call.span, scope)

        self.error(
            "KS204",
            f"the name '{call.name}' does not refer to any known table, tabular variable or function",
            call.span,
        )
        raise BindingFailed

    # -----------------------------------------------------------------------------------
    # User-defined functions

    def call_user_function(
        self, function: UserFunction, call: nodes.Call, caller: Scope
    ) -> b.BoundExpr | b.BoundTabular:
        """Inline a call: bind the arguments in the caller's scope, then the body."""
        definition = function.definition
        if self._call_depth > 64:
            self.error("KS212", f"the function '{function.name}' calls itself too deeply", call.span)
            raise BindingFailed

        body_scope = function.scope.child()
        body_scope.columns = ()
        self._bind_parameters(function, call, caller, body_scope)

        self._call_depth += 1
        try:
            *statements, last = definition.body
            scratch = BoundScript()
            for statement in statements:
                self.bind_statement(statement, body_scope, scratch)
            if not isinstance(last, nodes.Query):
                self.error("KS001", f"the body of '{function.name}' must end with an expression", definition.span)
                raise BindingFailed
            if isinstance(last.expr, nodes.Pipeline) or self.names_tabular(last.expr, body_scope):
                return self.bind_query_expression(last.expr, body_scope)
            return self.expressions.bind(last.expr, body_scope)
        finally:
            self._call_depth -= 1

    def _bind_parameters(self, function: UserFunction, call: nodes.Call, caller: Scope, body: Scope) -> None:
        params = function.definition.params
        positional = [arg for arg in call.args if not isinstance(arg, nodes.NamedArg)]
        named = {arg.name: arg.value for arg in call.args if isinstance(arg, nodes.NamedArg)}

        if len(positional) > len(params):
            self.error("KS119", f"the function '{function.name}' expects at most {len(params)} arguments", call.span)

        for position, param in enumerate(params):
            argument: nodes.Expr | nodes.Pipeline | None
            if position < len(positional):
                argument = positional[position]
            else:
                argument = named.get(param.name)

            if param.table_schema is not None or param.any_schema:
                body.lets[param.name] = self._bind_table_argument(argument, param, call, caller)
            elif argument is None:
                if param.default is None:
                    self.error("KS119", f"the function '{function.name}' needs a value for '{param.name}'", call.span)
                    body.lets[param.name] = b.BoundLiteral(value=None, kql_type=param.kql_type or DYNAMIC)
                else:
                    body.lets[param.name] = self.expressions.bind(param.default, function.scope.with_columns(()))
            elif isinstance(argument, nodes.Pipeline):
                self.error("KS141", f"the parameter '{param.name}' expects a scalar value", argument.span)
            else:
                body.lets[param.name] = self.expressions.bind(argument, caller)

    def _bind_table_argument(
        self, argument: nodes.Expr | nodes.Pipeline | None, param: nodes.FunctionParam, call: nodes.Call, caller: Scope
    ) -> b.BoundTabular:
        if argument is None:
            self.error("KS119", f"the tabular parameter '{param.name}' needs an argument", call.span)
            raise BindingFailed
        tabular = self.bind_query_expression(argument, caller.with_columns(()))

        declared = param.table_schema or ()
        available = dict(tabular.columns)
        for name, kql_type in declared:
            if name not in available:
                self.error("KS142", f"the table passed as '{param.name}' has no column '{name}'", argument.span)
            elif available[name] is not kql_type:
                self.error(
                    "KS141", f"column '{name}' of '{param.name}' must be {kql_type}, not {available[name]}", argument.span
                )
        return tabular
