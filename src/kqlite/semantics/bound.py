"""The bound tree: every expression typed, every tabular operator with its output schema.

The binder builds these nodes from the syntax tree once all names are resolved and
all semantic errors are collected; the executor runs them. `let` names and calls of
user-defined functions are inlined by the binder, so nothing here refers to a name
that is not a column, a stored table or a built-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kqlite.errors import Span
from kqlite.functions.registry import AggregateFunction, Plugin, ScalarFunction
from kqlite.operators.parse import ParseSegment
from kqlite.syntax.nodes import DataclassMethods
from kqlite.table import Columns
from kqlite.types import KqlType

# ---------------------------------------------------------------------------------------
# Scalar expressions
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundExpr(DataclassMethods):
    kql_type: KqlType
    span: Span | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundLiteral(BoundExpr):
    value: Any


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundColumn(BoundExpr):
    name: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundCall(BoundExpr):
    """A built-in scalar call; `member` picks one member of a tuple-valued function."""

    function: ScalarFunction
    args: tuple[BoundExpr, ...]
    member: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundBinary(BoundExpr):
    op: str
    left: BoundExpr
    right: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundUnary(BoundExpr):
    op: str
    operand: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundIn(BoundExpr):
    """``in``-family operator over listed expressions or over one column of a subquery."""

    op: str
    operand: BoundExpr
    items: tuple[BoundExpr, ...] = ()
    subquery: BoundTabular | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundBetween(BoundExpr):
    operand: BoundExpr
    low: BoundExpr
    high: BoundExpr
    negated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundAccess(BoundExpr):
    """``d.key``, ``d['key']`` or ``a[i]`` on a dynamic value; the result is dynamic."""

    target: BoundExpr
    key: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundScalarQuery(BoundExpr):
    """``toscalar(T | ...)``: the first column of the first row of a subquery."""

    query: BoundTabular


# ---------------------------------------------------------------------------------------
# Tabular operators
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class BoundTabular(DataclassMethods):
    columns: Columns
    span: Span | None = None

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TableScan(BoundTabular):
    """Read a stored table."""

    table: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class DatatableSource(BoundTabular):
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class PrintSource(BoundTabular):
    items: tuple[BoundExpr, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class RangeSource(BoundTabular):
    start: BoundExpr
    stop: BoundExpr
    step: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Filter(BoundTabular):
    input: BoundTabular
    predicate: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Limit(BoundTabular):
    input: BoundTabular
    count: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Assignment(DataclassMethods):
    """Compute `expr` and store it as `names` (several names for a tuple-valued call)."""

    names: tuple[str, ...]
    expr: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Compute(BoundTabular):
    """extend and project: assignments run left to right, then `columns` are kept.

    Later assignments may read the columns of earlier ones.
    """

    input: BoundTabular
    assignments: tuple[Assignment, ...]
    # extend runs its assignments in order; project evaluates every item on the input.
    sequential: bool = True


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Select(BoundTabular):
    """project-away/keep/rename/reorder: `sources[i]` is the input column of output i."""

    input: BoundTabular
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class AggregateCall(DataclassMethods):
    """One aggregate of summarize: its hidden output names, function and arguments."""

    names: tuple[str, ...]
    function: AggregateFunction
    args: tuple[BoundExpr, ...]
    result_types: tuple[KqlType, ...]
    # For arg_max/arg_min: the input columns to copy from the selected row.
    selected_columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Aggregate(BoundTabular):
    """summarize: group by `keys`, run `aggregates`, then compute `outputs` per group.

    `outputs` are expressions over the key columns and the aggregates' hidden names,
    which lets aggregates appear inside scalar expressions
    (``datetime_diff('day', max(t), min(t))``).
    """

    input: BoundTabular
    keys: tuple[Assignment, ...]
    aggregates: tuple[AggregateCall, ...]
    outputs: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class CountRows(BoundTabular):
    input: BoundTabular


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SortKey(DataclassMethods):
    expr: BoundExpr
    ascending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Order(BoundTabular):
    """sort, and top when `count` is set."""

    input: BoundTabular
    keys: tuple[SortKey, ...]
    count: BoundExpr | None = None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class JoinRows(BoundTabular):
    """join and lookup. Output columns come from `left_columns` then `right_columns`.

    Each entry is (input column, output name); lookup leaves the right key columns out.
    """

    left: BoundTabular
    right: BoundTabular
    kind: str
    left_keys: tuple[str, ...]
    right_keys: tuple[str, ...]
    left_columns: tuple[tuple[str, str], ...]
    right_columns: tuple[tuple[str, str], ...]
    is_lookup: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class UnionRows(BoundTabular):
    inputs: tuple[BoundTabular, ...]
    kind: str
    withsource: str | None
    source_names: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SchemaOf(BoundTabular):
    """getschema."""

    input: BoundTabular


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class RenderHint(BoundTabular):
    input: BoundTabular
    visualization: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class PluginCall(BoundTabular):
    input: BoundTabular
    plugin: Plugin
    tables: tuple[BoundTabular, ...]
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SeriesAggregate(DataclassMethods):
    name: str
    function: AggregateFunction
    args: tuple[BoundExpr, ...]
    default: Any
    result_type: KqlType


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class MakeSeriesRows(BoundTabular):
    input: BoundTabular
    keys: tuple[Assignment, ...]
    aggregates: tuple[SeriesAggregate, ...]
    axis: BoundExpr
    axis_name: str
    start: BoundExpr | None
    end: BoundExpr | None
    step: BoundExpr
    in_range: bool
    nonempty: bool


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ExpandItem(DataclassMethods):
    source: str
    output: str
    to_type: KqlType | None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Expand(BoundTabular):
    """mv-expand. Computed items are first added as columns by an inner `Compute`."""

    input: BoundTabular
    items: tuple[ExpandItem, ...]
    kind: str
    with_itemindex: str | None
    limit: BoundExpr | None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ApplySubtable(BoundTabular):
    """The source of an mv-apply subquery: the expanded rows of the mv-apply with the same `key`."""

    key: int


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ApplyRows(BoundTabular):
    """mv-apply: expand `items` of each input row, run `subquery` over those rows, per input row.

    Computed items are first added as columns by an inner `Compute`. The output is the
    input row's columns named in `outer` followed by the subquery's columns, where a
    subquery column replaces the outer column of the same name in place.
    """

    input: BoundTabular
    items: tuple[ExpandItem, ...]
    with_itemindex: str | None
    limit: BoundExpr | None
    subquery: BoundTabular
    key: int
    outer: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ParseRows(BoundTabular):
    """parse and parse-where: extract the pattern's columns from the text of `source`.

    parse-where (`drop_unmatched`) keeps only the rows whose text parsed.
    """

    input: BoundTabular
    source: BoundExpr
    pattern: tuple[ParseSegment, ...]
    kind: str
    flags: str
    drop_unmatched: bool


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TopNestedLevel(DataclassMethods):
    """One level of top-nested: group by `key`, keep the `count` groups of each parent
    with the largest (or, when `ascending`, smallest) `aggregation`.

    `aggregation` is an expression over the hidden output names of `aggregates`, as in
    `Aggregate.outputs`. `count` None keeps every group. `others` None adds no row for
    the records outside the kept groups.
    """

    key_name: str
    key: BoundExpr
    aggregation_name: str
    aggregates: tuple[AggregateCall, ...]
    aggregation: BoundExpr
    count: BoundExpr | None
    others: BoundExpr | None
    ascending: bool


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TopNestedRows(BoundTabular):
    """top-nested: two columns per level, the key value and its aggregation."""

    input: BoundTabular
    levels: tuple[TopNestedLevel, ...]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SampleRows(BoundTabular):
    """sample: up to `count` rows drawn at random from the input."""

    input: BoundTabular
    count: BoundExpr


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class SampleDistinctRows(BoundTabular):
    """sample-distinct: up to `count` distinct values of the input column `column`."""

    input: BoundTabular
    count: BoundExpr
    column: str


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Shared(BoundTabular):
    """A tabular `let` used more than once: the executor computes it once per query."""

    input: BoundTabular
    key: int
