"""The builder: from a lark parse tree of `grammar/kql.lark` to syntax nodes.

It has one method per grammar rule or alias, named after it. Every node gets the span of the
text it came from. The builder also checks what the grammar leaves open: that the left
side of ``=`` is a name, that a join condition has a usable form, that type names exist.
Those problems raise `KqlSyntaxError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from lark import Token, Tree
from lark.tree import Meta

from kqlite.errors import KqlNotSupportedError, KqlSyntaxError, Span
from kqlite.syntax import literals, mv_apply_rules, nodes, parse_rules, row_selection_rules
from kqlite.syntax.hints import KQL_OPERATORS, suggest_operator
from kqlite.types import BOOL, DATETIME, DYNAMIC, GUID, LONG, REAL, STRING, TIMESPAN, KqlType, parse_type_name

# Render properties whose value is a list of columns: `ycolumns=a, b`.
COLUMN_LIST_PROPERTIES = frozenset({"ycolumns", "series", "anomalycolumns"})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _NameTuple(nodes.Expr):
    """``(a, b)``: only valid as the left side of a tuple assignment."""

    items: tuple[nodes.Expr, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Operator:
    """A binary operator of an operator chain, before the chain is grouped."""

    kind: str  # "binary", "in" or "between"
    spelling: str

    @property
    def precedence(self) -> int:
        if self.kind != "binary":
            return _PRECEDENCE["=="]
        return _PRECEDENCE.get(self.spelling, _PRECEDENCE["=="])


# Binding strength of binary operators. Every operator not listed (the equality and string
# operators, in, between, matches regex) binds like "==".
_PRECEDENCE = {"or": 1, "and": 2, "==": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def operator_precedence(operator: Tree[Token] | Token) -> int:
    """Return the binding strength of an operator child of a `chain` parse tree."""
    if isinstance(operator, Tree) and operator.data in ("binary_op", "arithmetic_op"):
        spelling = str(operator.children[0]).lower()
        return _PRECEDENCE.get(spelling, _PRECEDENCE["=="])
    return _PRECEDENCE["=="]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Group:
    """The parenthesized right side of `in (...)` or `between (a .. b)`."""

    span: Span
    items: tuple[Any, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class _Json:
    """A JSON value inside ``dynamic(...)``, already in kqlite's representation."""

    value: Any


def token_span(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _span(meta: Meta) -> Span:
    if meta.empty:
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


def _unquote_name(token: Token) -> str:
    """Return the name a NAME token, or the token made for ``['name']``, spells."""
    return str(token.value)


def _as_rows(node: Any) -> nodes.Pipeline | nodes.Expr:
    """Wrap a source operator standing alone (``print 1``) into a pipeline without operators."""
    if isinstance(node, (nodes.Datatable, nodes.Print, nodes.Range, nodes.Union)):
        return nodes.Pipeline(span=node.span, source=node, operators=())
    return node  # type: ignore[no-any-return]


class Builder:
    """Build `kqlite.syntax.nodes` from a lark parse tree of one query text.

    Each rule or alias of the grammar has a method of the same name, called with the
    rule's position (`meta`) and its children, already built, bottom-up.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.open_tuples: list[_NameTuple] = []

    def build(self, tree: Tree[Token]) -> nodes.Script:
        script = self._build(tree)
        if self.open_tuples:
            raise KqlSyntaxError(
                "KL140",
                "a list of names in parentheses is only allowed before '=' in a tuple assignment",
                self.open_tuples[0].span,
                hint="write (A, B) = f(...) in extend or project",
            )
        return script  # type: ignore[no-any-return]

    def _build(self, tree: Tree[Token]) -> Any:
        # Bottom-up with an explicit stack rather than recursion, so that the depth a
        # query may have is set by `kqlite.syntax.depth`, not by Python's recursion limit.
        built: list[Any] = []
        stack: list[tuple[Tree[Token] | Token | None, bool]] = [(tree, False)]
        while stack:
            node, children_built = stack.pop()
            if not isinstance(node, Tree):
                built.append(node)
            elif not children_built:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.children))
            else:
                first_child = len(built) - len(node.children)
                children = built[first_child:]
                del built[first_child:]
                method: Callable[[Builder, Meta, list[Any]], Any] = getattr(Builder, node.data)
                built.append(method(self, node.meta, children))
        return built[0]

    # -- statements ---------------------------------------------------------------------

    def start(self, meta: Meta, children: list[Any]) -> nodes.Script:
        statements = tuple(_as_statement(child) for child in children if child is not None)
        return nodes.Script(span=Span(0, len(self.text)), statements=statements)

    def function_body(self, meta: Meta, children: list[Any]) -> tuple[nodes.Statement, ...]:
        return tuple(_as_statement(child) for child in children if child is not None)

    def query_statement(self, meta: Meta, children: list[Any]) -> nodes.Query:
        return nodes.Query(span=_span(meta), expr=_as_rows(children[0]))

    def let_statement(self, meta: Meta, children: list[Any]) -> nodes.Let:
        name, value = children
        return nodes.Let(span=_span(meta), name=_unquote_name(name), value=_as_rows(value))

    def set_statement(self, meta: Meta, children: list[Any]) -> nodes.SetOption:
        name, value = children
        if value is None:
            return nodes.SetOption(span=_span(meta), name=str(name))
        return nodes.SetOption(span=_span(meta), name=str(name), value=_option_value(value))

    def function_def(self, meta: Meta, children: list[Any]) -> nodes.FunctionDef:
        params, body = children
        return nodes.FunctionDef(span=_span(meta), params=tuple(params or ()), body=body)

    def view_def(self, meta: Meta, children: list[Any]) -> nodes.FunctionDef:
        (function,) = children
        if function.params:
            raise KqlSyntaxError("KL141", "a view takes no parameters", function.params[0].span)
        view: nodes.FunctionDef = dataclasses.replace(function, span=_span(meta), is_view=True)
        return view

    def function_params(self, meta: Meta, children: list[Any]) -> tuple[nodes.FunctionParam, ...]:
        return tuple(children)

    def scalar_param(self, meta: Meta, children: list[Any]) -> nodes.FunctionParam:
        name, kql_type, default = children
        return nodes.FunctionParam(span=_span(meta), name=_unquote_name(name), kql_type=kql_type, default=default)

    def tabular_param(self, meta: Meta, children: list[Any]) -> nodes.FunctionParam:
        name, columns = children
        return nodes.FunctionParam(span=_span(meta), name=_unquote_name(name), table_schema=columns)

    def any_tabular_param(self, meta: Meta, children: list[Any]) -> nodes.FunctionParam:
        (name,) = children
        return nodes.FunctionParam(span=_span(meta), name=_unquote_name(name), table_schema=(), any_schema=True)

    # -- sources ------------------------------------------------------------------------

    def pipeline(self, meta: Meta, children: list[Any]) -> nodes.Pipeline:
        source, *operators = children
        return nodes.Pipeline(span=_span(meta), source=self._as_source(source), operators=tuple(operators))

    def datatable(self, meta: Meta, children: list[Any]) -> nodes.Datatable:
        columns, *values = children
        return nodes.Datatable(
            span=_span(meta), columns=columns, values=tuple(value for value in values if value is not None)
        )

    def column_decls(self, meta: Meta, children: list[Any]) -> tuple[tuple[str, KqlType], ...]:
        return tuple(children)

    def column_decl(self, meta: Meta, children: list[Any]) -> tuple[str, KqlType]:
        name, kql_type = children
        return _unquote_name(name), kql_type

    def bracket_name(self, meta: Meta, children: list[Any]) -> Token:
        (string,) = children
        value = _read_literal(string, literals.parse_string)
        return Token("BRACKET_NAME", value, start_pos=meta.start_pos, end_pos=meta.end_pos)

    def type_name(self, meta: Meta, children: list[Any]) -> KqlType:
        (token,) = children
        kql_type = parse_type_name(token.value)
        if kql_type is None:
            raise KqlSyntaxError(
                "KS160",
                f"'{token.value}' is not a type name",
                token_span(token),
                hint="types: bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic",
            )
        return kql_type

    def print_source(self, meta: Meta, children: list[Any]) -> nodes.Print:
        (items,) = children
        return nodes.Print(span=_span(meta), items=items)

    def range_source(self, meta: Meta, children: list[Any]) -> nodes.Range:
        column, start, stop, step = children
        return nodes.Range(span=_span(meta), column=_unquote_name(column), start=start, stop=stop, step=step)

    def union(self, meta: Meta, children: list[Any]) -> nodes.Union:
        settings: dict[str, Any] = {}
        tables = []
        for child in children:
            if isinstance(child, tuple):
                settings[child[0]] = child[1]
            else:
                tables.append(self._as_table(child))
        return nodes.Union(span=_span(meta), tables=tuple(tables), **settings)

    def union_kind(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        return "kind", str(children[0])

    def union_withsource(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        return "withsource", _unquote_name(children[0])

    def union_isfuzzy(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        return "isfuzzy", children[0].type == "TRUE"

    def table_name(self, meta: Meta, children: list[Any]) -> nodes.TableRef:
        (token,) = children
        return nodes.TableRef(span=token_span(token), name=_unquote_name(token))

    # -- tabular operators --------------------------------------------------------------

    def as_operator(self, meta: Meta, children: list[Any]) -> nodes.As:
        return nodes.As(span=_span(meta), name=_unquote_name(children[-1]))

    def count_operator(self, meta: Meta, children: list[Any]) -> nodes.Count:
        return nodes.Count(span=_span(meta))

    def distinct_operator(self, meta: Meta, children: list[Any]) -> nodes.Distinct:
        items = [child for child in children if not isinstance(child, nodes.Option)]
        if not items:
            return nodes.Distinct(span=_span(meta), items=(), star=True)
        return nodes.Distinct(span=_span(meta), items=items[0])

    def evaluate_operator(self, meta: Meta, children: list[Any]) -> nodes.Evaluate:
        *options, name, arguments = children
        start = options[0].span.end if options else meta.start_pos
        plugin = nodes.Call(
            span=Span(name.start_pos or start, meta.end_pos), name=_unquote_name(name), args=tuple(arguments or ())
        )
        return nodes.Evaluate(span=_span(meta), plugin=plugin, options=tuple(options))

    def extend_operator(self, meta: Meta, children: list[Any]) -> nodes.Extend:
        return nodes.Extend(span=_span(meta), items=children[0])

    def getschema_operator(self, meta: Meta, children: list[Any]) -> nodes.GetSchema:
        return nodes.GetSchema(span=_span(meta))

    def join_operator(self, meta: Meta, children: list[Any]) -> nodes.Join:
        options, right, on = self._split_join(children)
        kind = _take_kind(options) or "innerunique"
        return nodes.Join(span=_span(meta), right=right, on=on, kind=kind, options=tuple(options))

    def lookup_operator(self, meta: Meta, children: list[Any]) -> nodes.Lookup:
        options, right, on = self._split_join(children)
        kind = _take_kind(options) or "leftouter"
        return nodes.Lookup(span=_span(meta), right=right, on=on, kind=kind)

    def kind_option(self, meta: Meta, children: list[Any]) -> nodes.Option:
        return nodes.Option(span=_span(meta), name="kind", value=str(children[0]))

    def make_series_operator(self, meta: Meta, children: list[Any]) -> nodes.MakeSeries:
        options = [child for child in children if isinstance(child, nodes.Option)]
        aggregates = tuple(child for child in children if isinstance(child, nodes.MakeSeriesAggregate))
        axis, axis_range, by = children[len(options) + len(aggregates) :]
        return nodes.MakeSeries(
            span=_span(meta),
            aggregates=aggregates,
            axis=axis,
            by=by or (),
            kind=_take_kind(options),
            options=tuple(options),
            **axis_range,
        )

    def make_series_aggregate(self, meta: Meta, children: list[Any]) -> nodes.MakeSeriesAggregate:
        column, default = children
        return nodes.MakeSeriesAggregate(span=_span(meta), column=column, default=default)

    def from_to_step(self, meta: Meta, children: list[Any]) -> dict[str, Any]:
        start, end, step = children
        return {"start": start, "end": end, "step": step}

    def in_range(self, meta: Meta, children: list[Any]) -> dict[str, Any]:
        start, end, step = children
        return {"start": start, "end": end, "step": step, "in_range": True}

    def mv_expand_operator(self, meta: Meta, children: list[Any]) -> nodes.MvExpand:
        *settings, limit = children
        options = [child for child in settings if isinstance(child, nodes.Option)]
        items = tuple(child for child in settings if isinstance(child, nodes.MvExpandItem))
        with_itemindex = next((option.value for option in options if option.name == "with_itemindex"), None)
        return nodes.MvExpand(
            span=_span(meta), items=items, kind=_take_kind(options), with_itemindex=with_itemindex, limit=limit
        )

    def with_itemindex(self, meta: Meta, children: list[Any]) -> nodes.Option:
        return nodes.Option(span=_span(meta), name="with_itemindex", value=_unquote_name(children[0]))

    def mv_expand_item(self, meta: Meta, children: list[Any]) -> nodes.MvExpandItem:
        column, to_type = children
        return nodes.MvExpandItem(span=_span(meta), column=column, to_type=to_type)

    # mv-apply: its rules are in kqlite.syntax.mv_apply_rules.
    mv_apply_operator = mv_apply_rules.mv_apply_operator
    mv_apply_subquery = mv_apply_rules.mv_apply_subquery

    # parse and parse-where: their rules are in kqlite.syntax.parse_rules.
    parse_operator = parse_rules.parse_operator
    parse_where_operator = parse_rules.parse_where_operator
    parse_flags = parse_rules.parse_flags
    parse_wildcard = parse_rules.parse_wildcard
    parse_constant = parse_rules.parse_constant
    parse_column = parse_rules.parse_column

    # top-nested, sample and sample-distinct: their rules are in kqlite.syntax.row_selection_rules.
    top_nested_operator = row_selection_rules.top_nested_operator
    top_nested_clause = row_selection_rules.top_nested_clause
    sample_operator = row_selection_rules.sample_operator
    sample_distinct_operator = row_selection_rules.sample_distinct_operator

    def project_operator(self, meta: Meta, children: list[Any]) -> nodes.Project:
        return nodes.Project(span=_span(meta), items=children[0])

    def project_away_operator(self, meta: Meta, children: list[Any]) -> nodes.ProjectAway:
        return nodes.ProjectAway(span=_span(meta), names=tuple(_unquote_name(name) for name in children))

    def project_keep_operator(self, meta: Meta, children: list[Any]) -> nodes.ProjectKeep:
        return nodes.ProjectKeep(span=_span(meta), names=tuple(_unquote_name(name) for name in children))

    def project_rename_operator(self, meta: Meta, children: list[Any]) -> nodes.ProjectRename:
        return nodes.ProjectRename(span=_span(meta), renames=tuple(children))

    def rename(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        new, old = children
        return _unquote_name(new), _unquote_name(old)

    def project_reorder_operator(self, meta: Meta, children: list[Any]) -> nodes.ProjectReorder:
        return nodes.ProjectReorder(span=_span(meta), names=tuple(children))

    def reorder_item(self, meta: Meta, children: list[Any]) -> tuple[str, str | None]:
        name, order = children
        return _unquote_name(name), (str(order) if order is not None else None)

    def render_operator(self, meta: Meta, children: list[Any]) -> nodes.Render:
        visualization, *items = children
        properties: list[tuple[str, Any]] = []
        for item in items:
            if item is None:
                continue
            if isinstance(item, tuple):
                name, value = item
                is_list = name.lower() in COLUMN_LIST_PROPERTIES
                properties.append((name, (value,) if is_list else value))
            else:
                # A bare value after a comma continues the previous property's column list.
                name, value = properties[-1]
                previous = value if isinstance(value, tuple) else (value,)
                properties[-1] = (name, (*previous, item))
        return nodes.Render(span=_span(meta), visualization=str(visualization), properties=tuple(properties))

    def render_property(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        name, value = children
        return str(name), _option_value(value)

    def render_continuation(self, meta: Meta, children: list[Any]) -> Any:
        return _option_value(children[0])

    def render_name(self, meta: Meta, children: list[Any]) -> str:
        return _unquote_name(children[0])

    def serialize_operator(self, meta: Meta, children: list[Any]) -> nodes.Serialize:
        return nodes.Serialize(span=_span(meta), items=children[0] or ())

    def sort_operator(self, meta: Meta, children: list[Any]) -> nodes.Sort:
        return nodes.Sort(span=_span(meta), keys=tuple(children))

    def order_key(self, meta: Meta, children: list[Any]) -> nodes.OrderKey:
        expr, direction, nulls = children
        ascending = None if direction is None else direction.value == "asc"
        nulls_first = None if nulls is None else nulls.value == "first"
        return nodes.OrderKey(span=_span(meta), expr=expr, ascending=ascending, nulls_first=nulls_first)

    def summarize_operator(self, meta: Meta, children: list[Any]) -> nodes.Summarize:
        *options, aggregates, by = children
        return nodes.Summarize(span=_span(meta), aggregates=aggregates or (), by=by or (), options=tuple(options))

    def take_operator(self, meta: Meta, children: list[Any]) -> nodes.Take:
        return nodes.Take(span=_span(meta), count=children[-1])

    def top_operator(self, meta: Meta, children: list[Any]) -> nodes.Top:
        count, key = children
        return nodes.Top(span=_span(meta), count=count, key=key)

    def where_operator(self, meta: Meta, children: list[Any]) -> nodes.Where:
        return nodes.Where(span=_span(meta), predicate=children[-1])

    def unknown_operator(self, meta: Meta, children: list[Any]) -> nodes.Operator:
        (token,) = children
        raise unknown_operator_error(token.value, token_span(token))

    def option(self, meta: Meta, children: list[Any]) -> nodes.Option:
        name, value = children
        return nodes.Option(span=_span(meta), name=str(name), value=_option_value(value))

    def option_name(self, meta: Meta, children: list[Any]) -> str:
        return str(children[0])

    # -- column lists and arguments -----------------------------------------------------

    def column_exprs(self, meta: Meta, children: list[Any]) -> tuple[nodes.ColumnExpr, ...]:
        return tuple(children)

    def column_expr(self, meta: Meta, children: list[Any]) -> nodes.ColumnExpr:
        target, expr = children
        span = _span(meta)
        if expr is None:
            return nodes.ColumnExpr(span=span, names=(), expr=self._expr(target))

        if isinstance(target, _NameTuple):
            self.open_tuples.remove(target)
            names = tuple(self._assigned_name(item) for item in target.items)
            return nodes.ColumnExpr(span=span, names=names, expr=self._expr(expr), is_tuple=True)

        name = self._assigned_name(target)
        # `(A) = f(x)` names the first member of a tuple: the parentheses are only in the text.
        is_tuple = self.text[span.start] == "(" and target.span.start > span.start
        return nodes.ColumnExpr(span=span, names=(name,), expr=self._expr(expr), is_tuple=is_tuple)

    def arguments(self, meta: Meta, children: list[Any]) -> tuple[Any, ...]:
        return tuple(_as_rows(child) for child in children)

    def named_argument(self, meta: Meta, children: list[Any]) -> nodes.NamedArg:
        target, value = children
        # NOTE: the value of a NamedArg is a scalar expression, so `f(name = (T | take 1))` is rejected.
        return nodes.NamedArg(span=_span(meta), name=self._assigned_name(target), value=self._expr(value))

    def star(self, meta: Meta, children: list[Any]) -> nodes.Star:
        return nodes.Star(span=_span(meta))

    # -- scalar expressions -------------------------------------------------------------

    def chain(self, meta: Meta, children: list[Any]) -> nodes.Expr:
        first, *rest = children
        links: list[tuple[_Operator, Any]] = []
        for position in range(0, len(rest), 2):
            op, right = rest[position], rest[position + 1]
            if isinstance(op, Token):
                op = _Operator(kind="binary", spelling="matches regex")
            links.append((op, right))
        return self._fold(self._expr(first), links)

    def binary_op(self, meta: Meta, children: list[Any]) -> _Operator:
        spelling = str(children[0]).lower()
        return _Operator(kind="binary", spelling="!=" if spelling == "<>" else spelling)

    arithmetic_op = binary_op

    def in_op(self, meta: Meta, children: list[Any]) -> _Operator:
        return _Operator(kind="in", spelling=str(children[0]).lower())

    def between_op(self, meta: Meta, children: list[Any]) -> _Operator:
        return _Operator(kind="between", spelling=str(children[0]).lower())

    def sign(self, meta: Meta, children: list[Any]) -> str:
        return str(children[0])

    def in_items(self, meta: Meta, children: list[Any]) -> _Group:
        return _Group(span=_span(meta), items=tuple(_as_rows(child) for child in children))

    def between_range(self, meta: Meta, children: list[Any]) -> _Group:
        return _Group(span=_span(meta), items=tuple(self._expr(child) for child in children))

    def unary(self, meta: Meta, children: list[Any]) -> nodes.Expr:
        op, operand = children
        span = _span(meta)
        # A sign on a number or timespan literal is part of the literal: `-1`, `-1d`.
        if isinstance(operand, nodes.Literal) and operand.kql_type in (LONG, REAL, TIMESPAN) and operand.value is not None:
            value = -operand.value if op == "-" else operand.value
            return nodes.Literal(span=span, value=value, kql_type=operand.kql_type)
        return nodes.Unary(span=span, op=op, operand=self._expr(operand))

    def member(self, meta: Meta, children: list[Any]) -> nodes.Member:
        target, name = children
        return nodes.Member(span=_span(meta), target=self._expr(target), member=_unquote_name(name))

    def index(self, meta: Meta, children: list[Any]) -> nodes.Index:
        target, index = children
        return nodes.Index(span=_span(meta), target=self._expr(target), index=self._expr(index))

    def name_ref(self, meta: Meta, children: list[Any]) -> nodes.NameRef:
        (token,) = children
        return nodes.NameRef(span=token_span(token), name=_unquote_name(token))

    def bracket_name_ref(self, meta: Meta, children: list[Any]) -> nodes.NameRef:
        return nodes.NameRef(span=_span(meta), name=_read_literal(children[0], literals.parse_string))

    def call(self, meta: Meta, children: list[Any]) -> nodes.Call:
        name, arguments = children
        return nodes.Call(span=_span(meta), name=_unquote_name(name), args=tuple(arguments or ()))

    def range_call(self, meta: Meta, children: list[Any]) -> nodes.Call:
        return nodes.Call(span=_span(meta), name="range", args=tuple(children[0] or ()))

    def typeof(self, meta: Meta, children: list[Any]) -> nodes.TypeOf:
        return nodes.TypeOf(span=_span(meta), kql_type=children[0])

    def paren(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def name_tuple(self, meta: Meta, children: list[Any]) -> _NameTuple:
        names = _NameTuple(span=_span(meta), items=tuple(children))
        self.open_tuples.append(names)
        return names

    # -- literals -----------------------------------------------------------------------

    def long_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return self._literal(children[0], LONG, literals.parse_long)

    def real_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return self._literal(children[0], REAL, literals.parse_real)

    def timespan_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return self._literal(children[0], TIMESPAN, literals.parse_timespan)

    def timespan_call(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return self._literal(children[0], TIMESPAN, literals.parse_timespan_call)

    def datetime_literal(self, meta: Meta, children: list[Any]) -> nodes.Expr:
        (token,) = children
        if literals.is_empty_call(token.value):
            # datetime() is the current time, read when the query runs, like now().
            return nodes.Call(span=token_span(token), name="now", args=())
        return self._literal(token, DATETIME, literals.parse_datetime_call)

    def guid_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return self._literal(children[0], GUID, literals.parse_guid_call)

    def typed_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        (token,) = children
        kql_type, value = _read_literal(token, literals.parse_typed_call)
        return nodes.Literal(span=token_span(token), value=value, kql_type=kql_type)

    def true_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return nodes.Literal(span=_span(meta), value=True, kql_type=BOOL)

    def false_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return nodes.Literal(span=_span(meta), value=False, kql_type=BOOL)

    def string_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        # Adjacent string literals are one string: "a" 'b' is "ab".
        value = "".join(_read_literal(token, literals.parse_string) for token in children)
        return nodes.Literal(span=_span(meta), value=value, kql_type=STRING)

    def dynamic_literal(self, meta: Meta, children: list[Any]) -> nodes.Literal:
        return nodes.Literal(span=_span(meta), value=_json_value(children[0]), kql_type=DYNAMIC)

    def json_object(self, meta: Meta, children: list[Any]) -> _Json:
        return _Json(dict(pair for pair in children if pair is not None))

    def json_pair(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        key, value = children
        return _read_literal(key, literals.parse_string), _json_value(value)

    def json_array(self, meta: Meta, children: list[Any]) -> _Json:
        return _Json([_json_value(child) for child in children if child is not None])

    def json_null(self, meta: Meta, children: list[Any]) -> _Json:
        return _Json(None)

    def json_negative(self, meta: Meta, children: list[Any]) -> _Json:
        (token,) = children
        reader = literals.parse_long if token.type == "LONG" else literals.parse_real
        return _Json(-_read_literal(token, reader))

    # -- helpers ------------------------------------------------------------------------

    def _literal(self, token: Token, kql_type: KqlType, reader: Callable[[str], Any]) -> nodes.Literal:
        return nodes.Literal(span=token_span(token), value=_read_literal(token, reader), kql_type=kql_type)

    def _fold(self, first: nodes.Expr, links: list[tuple[_Operator, Any]]) -> nodes.Expr:
        """Group a chain `a op b op c ...` by operator precedence, left to right at equal precedence."""
        operands: list[Any] = [first]
        pending: list[_Operator] = []
        for op, right in links:
            while pending and pending[-1].precedence >= op.precedence:
                self._reduce(operands, pending)
            pending.append(op)
            operands.append(right)
        while pending:
            self._reduce(operands, pending)
        return operands[0]  # type: ignore[no-any-return]

    def _reduce(self, operands: list[Any], pending: list[_Operator]) -> None:
        op = pending.pop()
        right = operands.pop()
        left = operands.pop()
        span = Span(left.span.start, right.span.end)
        if op.kind == "binary" and (isinstance(left, _Group) or isinstance(right, _Group)):
            # `x between (1 .. 2) + 3`: '+' binds tighter than 'between', so the range
            # itself would be an operand of '+', which Kusto's grammar rejects.
            group = left if isinstance(left, _Group) else right
            raise KqlSyntaxError(
                "KS005",
                f"the parenthesized list of 'in' or 'between' cannot be an operand of '{op.spelling}'",
                group.span,
                hint="put the arithmetic inside the parentheses, or parenthesize the whole 'in' or 'between'",
            )
        if op.kind == "in":
            node: nodes.Expr = nodes.InList(span=span, op=op.spelling, operand=left, items=right.items)
        elif op.kind == "between":
            low, high = right.items
            node = nodes.Between(span=span, operand=left, low=low, high=high, negated=op.spelling == "!between")
        else:
            node = nodes.Binary(span=span, op=op.spelling, left=left, right=self._expr(right))
        operands.append(node)

    def _expr(self, node: Any) -> nodes.Expr:
        """Check that a child is a scalar expression, not a pipeline or a source such as print."""
        if isinstance(node, nodes.Expr):
            return node
        raise KqlSyntaxError(
            "KL142",
            "a tabular expression cannot be used as a scalar value here",
            node.span,
            hint="toscalar(...) turns a one-row, one-column table into a scalar",
        )

    def _assigned_name(self, target: Any) -> str:
        if isinstance(target, nodes.NameRef) and not target.name.startswith("$"):
            return target.name
        raise KqlSyntaxError(
            "KS105",
            "the left side of '=' must be a column name",
            target.span,
            hint="to compare two values use '=='",
        )

    def _as_source(self, node: Any) -> nodes.Source:
        if isinstance(node, nodes.NameRef):
            return nodes.TableRef(span=node.span, name=node.name)
        if isinstance(node, (nodes.TableRef, nodes.Call, nodes.Datatable, nodes.Print, nodes.Range, nodes.Union, nodes.Pipeline)):
            return node
        raise KqlSyntaxError(
            "KS111",
            "a pipeline must start with a table: a table name, a tabular function, datatable, print, range or union",
            node.span,
        )

    def _as_table(self, node: Any) -> nodes.Pipeline | nodes.TableRef:
        source = self._as_source(node)
        if isinstance(source, (nodes.TableRef, nodes.Pipeline)):
            return source
        return nodes.Pipeline(span=source.span, source=source, operators=())

    def _split_join(
        self, children: list[Any]
    ) -> tuple[list[nodes.Option], nodes.Pipeline | nodes.TableRef, tuple[nodes.JoinKey, ...]]:
        options = [child for child in children if isinstance(child, nodes.Option)]
        right, *conditions = children[len(options) :]
        keys = tuple(key for condition in conditions for key in _join_keys(condition))
        return options, self._as_table(right), keys


def _as_statement(child: Any) -> nodes.Statement:
    if isinstance(child, nodes.Statement):
        return child
    return nodes.Query(span=child.span, expr=_as_rows(child))


def _read_literal(token: Token, reader: Callable[[str], Any]) -> Any:
    try:
        return reader(token.value)
    except literals.LiteralError as error:
        raise KqlSyntaxError("KS004", f"malformed literal: {error}", token_span(token)) from None


def _json_value(child: Any) -> Any:
    if isinstance(child, _Json):
        return child.value
    if isinstance(child, nodes.Literal):
        return child.value
    raise KqlSyntaxError("KS004", "malformed literal: dynamic(...) accepts only JSON values and typed literals", child.span)


def _option_value(value: Any) -> Any:
    return value.value if isinstance(value, nodes.Literal) else str(value)


def _take_kind(options: list[nodes.Option]) -> str | None:
    """Remove the `kind` option from an operator's options and return its value."""
    for option in options:
        if option.name == "kind":
            options.remove(option)
            return str(option.value)
    return None


def _join_keys(condition: nodes.Expr) -> Sequence[nodes.JoinKey]:
    """Read one join condition: `col`, `$left.a == $right.b`, or several joined by `and`."""
    if isinstance(condition, nodes.NameRef):
        return (nodes.JoinKey(span=condition.span, left=condition.name, right=condition.name),)

    if isinstance(condition, nodes.Binary) and condition.op == "and":
        return (*_join_keys(condition.left), *_join_keys(condition.right))

    if isinstance(condition, nodes.Binary) and condition.op == "==":
        sides = {_side(condition.left), _side(condition.right)}
        named = dict(side for side in sides if side is not None)
        if len(sides) == 2 and set(named) == {"$left", "$right"}:
            return (nodes.JoinKey(span=condition.span, left=named["$left"], right=named["$right"]),)

    raise KqlSyntaxError(
        "KS182",
        "a join condition must name a column common to both tables or have the form $left.<column> == $right.<column>",
        condition.span,
    )


def _side(expr: nodes.Expr) -> tuple[str, str] | None:
    if isinstance(expr, nodes.Member) and isinstance(expr.target, nodes.NameRef):
        if expr.target.name in ("$left", "$right"):
            return expr.target.name, expr.member
    return None


def unknown_operator_error(word: str, span: Span) -> KqlSyntaxError | KqlNotSupportedError:
    """Build the error for a word after '|' that is not an operator kqlite parses."""
    if word in KQL_OPERATORS:
        return KqlNotSupportedError(f"the '{word}' operator", span)
    return KqlSyntaxError("KS176", f"unknown query operator '{word}'", span, hint=suggest_operator(word))
