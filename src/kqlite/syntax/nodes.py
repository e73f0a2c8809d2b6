"""The syntax tree: what a KQL text says, before any name is resolved.

Nodes are frozen dataclasses holding tuples, each with the `span` of the text it came
from. Nothing here knows about tables or types beyond what the text itself spells
(literal types, `typeof(...)`, declared schemas). The binder turns these nodes into
typed, schema-carrying ones.

A bare name is ambiguous in KQL: `T` in `let x = T;` may be a table, a tabular `let`
or a scalar. The parser builds a `NameRef` for it and the binder decides.
"""

from __future__ import annotations

import functools
import reprlib
from dataclasses import dataclass, fields
from typing import Any

from kqlite.errors import Span
from kqlite.types import KqlType


class DataclassMethods:
    """The `__repr__`, `__eq__` and `__hash__` of a frozen dataclass, written once for all node classes.

    They behave as the methods `dataclass` generates, and the node classes here and in
    `kqlite.semantics.bound` pass ``repr=False, eq=False`` so that it does not generate
    them. Python 3.11 compiles each generated method separately, and these three took
    ~0.015 s of every start for the ~90 classes (measured on a 2-core machine).
    """

    __slots__ = ()

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        represented = _field_names(type(self))[0]
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in represented)
        return f"{type(self).__qualname__}({values})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        # Tuples, as in the generated method: an element is equal to itself even when it is NaN.
        compared = _field_names(type(self))[1]
        return tuple([getattr(self, name) for name in compared]) == tuple([getattr(other, name) for name in compared])

    def __hash__(self) -> int:
        hashed = _field_names(type(self))[2]
        return hash(tuple([getattr(self, name) for name in hashed]))


@functools.cache
def _field_names(cls: type) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the names of the fields that `repr`, `==` and `hash` use, as `dataclass` selects them."""
    declared = fields(cls)
    represented = tuple(f.name for f in declared if f.repr)
    compared = tuple(f.name for f in declared if f.compare)
    hashed = tuple(f.name for f in declared if (f.compare if f.hash is None else f.hash))
    return represented, compared, hashed


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Node(DataclassMethods):
    span: Span


# ---------------------------------------------------------------------------------------
# Scalar expressions
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Expr(Node):
    pass


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Literal(Expr):
    """A literal such as ``12``, ``'a'``, ``1d``, ``datetime(2020-01-01)``, ``long(null)``.

    `value` is in kqlite's Python representation of `kql_type` (see `kqlite.types`):
    None for null, int, float, bool, str, pd.Timestamp (naive UTC), pd.Timedelta,
    uuid.UUID, decimal.Decimal, or for dynamic a JSON-like Python value in which typed
    literals appear as pd.Timestamp / pd.Timedelta.
    """

    value: Any
    kql_type: KqlType


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class NameRef(Expr):
    """A name: a column, a `let` name, a table or a function without arguments."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Star(Expr):
    """``*`` as an argument: ``arg_max(x, *)``, ``count(*)``."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Member(Expr):
    """Member access into a dynamic value: ``d.key``."""

    target: Expr
    member: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Index(Expr):
    """Element access: ``d['key']``, ``a[0]``, ``a[-1]``."""

    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Unary(Expr):
    """``-x`` or ``+x``."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Binary(Expr):
    """A binary operator, spelled as in KQL (lower case for word operators).

    Arithmetic ``+ - * / %``; comparison ``== != < <= > >= =~ !~``; logic ``and or``;
    string operators ``contains !contains contains_cs !contains_cs has !has has_cs
    !has_cs hasprefix !hasprefix hasprefix_cs !hasprefix_cs hassuffix !hassuffix
    hassuffix_cs !hassuffix_cs startswith !startswith startswith_cs !startswith_cs
    endswith !endswith endswith_cs !endswith_cs matches regex``; ``like`` forms are not KQL.
    """

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class InList(Expr):
    """``x in (a, b)``, ``!in``, ``in~``, ``!in~``, ``has_any``, ``has_all``.

    `items` holds the listed expressions; for ``x in (T | project c)`` it holds one
    `Pipeline`.
    """

    op: str
    operand: Expr
    items: tuple[Expr | Pipeline, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Between(Expr):
    """``x between (low .. high)`` and ``!between``."""

    operand: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class NamedArg(Node):
    """``name = value`` inside a call's argument list."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Call(Expr):
    """A function call ``f(a, b, name=c)``; an argument may be a tabular `Pipeline`."""

    name: str
    args: tuple[Expr | NamedArg | Pipeline, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TypeOf(Expr):
    """``typeof(long)``: a type as a value (mv-expand, getschema comparisons)."""

    kql_type: KqlType


# ---------------------------------------------------------------------------------------
# Pieces shared by several operators
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ColumnExpr(Node):
    """One item of extend/project/summarize/print: ``[Name =] expr`` or ``(A, B) = expr``.

    `names` is empty for an unnamed item, one name for ``Name = expr``, and the listed
    names for a tuple assignment (then `is_tuple` is true, even for ``(A) = expr``).
    """

    names: tuple[str, ...]
    expr: Expr
    is_tuple: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class OrderKey(Node):
    """``expr [asc|desc] [nulls first|nulls last]``; None means not written."""

    expr: Expr
    ascending: bool | None = None
    nulls_first: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class JoinKey(Node):
    """One join condition: ``col`` (same name both sides) or ``$left.a == $right.b``."""

    left: str
    right: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Option(Node):
    """A ``name = value`` option of an operator (``kind=inner``, ``hint.strategy=broadcast``)."""

    name: str
    value: Any


# ---------------------------------------------------------------------------------------
# Tabular expressions
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Operator(Node):
    pass


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Pipeline(Node):
    """``source | op | op ...``. `source` is a table-producing node or a name/call."""

    source: Source
    operators: tuple[Operator, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TableRef(Node):
    """A table or tabular `let` named as a pipeline source."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Datatable(Node):
    """``datatable(c1:type, ...)[v1, v2, ...]`` with the values row-major."""

    columns: tuple[tuple[str, KqlType], ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Print(Node):
    """``print [name=]expr, ...``: one row."""

    items: tuple[ColumnExpr, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Range(Node):
    """``range col from start to stop step step``."""

    column: str
    start: Expr
    stop: Expr
    step: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Union(Operator):
    """``union [kind=] [withsource=] [isfuzzy=] T1, (expr), ...``, as a source or piped."""

    tables: tuple[Pipeline | TableRef, ...]
    kind: str = "outer"
    withsource: str | None = None
    isfuzzy: bool = False


# A pipeline source: a table name, a call of a tabular function, or a source operator.
Source = TableRef | Call | Datatable | Print | Range | Union | Pipeline


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Where(Operator):
    predicate: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Take(Operator):
    """``take N`` / ``limit N``."""

    count: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Extend(Operator):
    items: tuple[ColumnExpr, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Project(Operator):
    items: tuple[ColumnExpr, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ProjectAway(Operator):
    """``project-away c1, pat*``; names may hold ``*`` wildcards."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ProjectKeep(Operator):
    """``project-keep c1, pat*``."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ProjectRename(Operator):
    """``project-rename New = Old, ...`` as (new, old) pairs."""

    renames: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ProjectReorder(Operator):
    """``project-reorder c1, pat* [asc|desc|granny-asc|granny-desc], ...``."""

    names: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Summarize(Operator):
    aggregates: tuple[ColumnExpr, ...]
    by: tuple[ColumnExpr, ...]
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Distinct(Operator):
    """``distinct c1, c2`` or ``distinct *`` (then `items` is empty and `star` true)."""

    items: tuple[ColumnExpr, ...]
    star: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Count(Operator):
    pass


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Top(Operator):
    count: Expr
    key: OrderKey


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TopNestedClause(Node):
    """``top-nested [N] of [Name =] Expr [with others = Value] by [Name =] Aggregation [asc|desc]``.

    `count` is None when N is not written (every value), `others` when ``with others``
    is not, and `ascending` is None when neither ``asc`` nor ``desc`` is.
    """

    count: Expr | None
    key: ColumnExpr
    others: Expr | None
    aggregation: ColumnExpr
    ascending: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TopNested(Operator):
    """``top-nested ..., top-nested ...``: one clause per level of the hierarchy."""

    clauses: tuple[TopNestedClause, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Sample(Operator):
    """``sample N``."""

    count: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SampleDistinct(Operator):
    """``sample-distinct N of Column``; the binder checks that `column` is a column name."""

    count: Expr
    column: Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Sort(Operator):
    """``sort by`` / ``order by``."""

    keys: tuple[OrderKey, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Lookup(Operator):
    right: Pipeline | TableRef
    on: tuple[JoinKey, ...]
    kind: str = "leftouter"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Join(Operator):
    right: Pipeline | TableRef
    on: tuple[JoinKey, ...]
    kind: str = "innerunique"
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class As(Operator):
    name: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class GetSchema(Operator):
    pass


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Serialize(Operator):
    items: tuple[ColumnExpr, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Render(Operator):
    """``render kind [with (prop = value, ...)]``; a column-list value is a tuple of names."""

    visualization: str
    properties: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Evaluate(Operator):
    """``evaluate plugin(args)``; table arguments appear as `NameRef` or `Pipeline`."""

    plugin: Call
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class MakeSeriesAggregate(Node):
    """``[Name =] aggregate(...) [default = literal]`` inside make-series."""

    column: ColumnExpr
    default: Expr | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class MakeSeries(Operator):
    """``make-series ... on axis [from a] [to b] step s [by ...]``, or ``in range(a, b, s)``.

    With `in_range` true, `start`, `end` and `step` come from ``range(...)``, whose stop
    is inclusive, instead of ``from``/``to``.
    """

    aggregates: tuple[MakeSeriesAggregate, ...]
    axis: Expr
    step: Expr
    start: Expr | None = None
    end: Expr | None = None
    by: tuple[ColumnExpr, ...] = ()
    kind: str | None = None
    in_range: bool = False
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class MvExpandItem(Node):
    """``[Name =] expr [to typeof(T)]`` inside mv-expand."""

    column: ColumnExpr
    to_type: KqlType | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class MvExpand(Operator):
    items: tuple[MvExpandItem, ...]
    kind: str | None = None
    with_itemindex: str | None = None
    limit: Expr | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class MvApply(Operator):
    """``mv-apply [with_itemindex=I] items [limit N] on (subquery)``.

    `subquery` is the operator chain run over the expanded rows of each input record.
    """

    items: tuple[MvExpandItem, ...]
    subquery: tuple[Operator, ...]
    kind: str | None = None
    with_itemindex: str | None = None
    limit: Expr | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ParseItem(Node):
    """One item of a parse pattern: ``*``, a string constant, or ``Name[:type]``.

    `kind` is "wildcard", "constant" (`text` is the string) or "column" (`text` is
    the column name and `kql_type` the declared type, None when not written).
    """

    kind: str
    text: str = ""
    kql_type: KqlType | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Parse(Operator):
    """``parse [kind=k] [flags=f] expr with pattern`` and ``parse-where`` (`drop_unmatched`)."""

    source: Expr
    pattern: tuple[ParseItem, ...]
    options: tuple[Option, ...] = ()
    drop_unmatched: bool = False


# ---------------------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Statement(Node):
    pass


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class FunctionParam(Node):
    """A parameter of a user-defined function.

    A scalar parameter has `kql_type`; a tabular one has `table_schema` (the declared
    columns; an empty tuple with `any_schema` true for ``(*)``).
    """

    name: str
    kql_type: KqlType | None = None
    table_schema: tuple[tuple[str, KqlType], ...] | None = None
    any_schema: bool = False
    default: Expr | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class FunctionDef(Node):
    """``(params) { body }`` or ``view () { body }``; the body's last statement is its value."""

    params: tuple[FunctionParam, ...]
    body: tuple[Statement, ...]
    is_view: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Let(Statement):
    """``let name = value;`` where value is a scalar expression, a pipeline or a function."""

    name: str
    value: Expr | Pipeline | FunctionDef


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SetOption(Statement):
    """``set name [= value];`` (``set notruncation;``)."""

    name: str
    value: Any = True


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Query(Statement):
    """A tabular expression statement; each one produces a result table."""

    expr: Pipeline | Expr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Script(Node):
    """A whole query text: its statements in order."""

    statements: tuple[Statement, ...]
