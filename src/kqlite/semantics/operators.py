"""Binding of the tabular operators: each one's arguments and output schema."""

from __future__ import annotations

import decimal
import fnmatch
import math
from typing import TYPE_CHECKING

from kqlite.functions.registry import PLUGINS
from kqlite.semantics import bound as b
from kqlite.semantics.expressions import BindingFailed
from kqlite.operators.join import JOIN_KINDS
from kqlite.operators.naming import unique_names
from kqlite.semantics.naming import ColumnNamer, DeclaredNames, bound_expression_name, expression_name, is_explicit
from kqlite.semantics.scope import Scope
from kqlite.semantics.summarize import SummarizeBinder
from kqlite.syntax import nodes
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder

GETSCHEMA_COLUMNS = (("ColumnName", STRING), ("ColumnOrdinal", LONG), ("DataType", STRING), ("ColumnType", STRING))


class OperatorBinder:
    """Binds one tabular operator on top of its already bound input."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder
        self.expressions = binder.expressions
        self.summarize = SummarizeBinder(binder)
        self._dispatch = {
            nodes.Where: self._where,
            nodes.Take: self._take,
            nodes.Extend: self._extend,
            nodes.Project: self._project,
            nodes.ProjectAway: self._project_away,
            nodes.ProjectKeep: self._project_keep,
            nodes.ProjectRename: self._project_rename,
            nodes.ProjectReorder: self._project_reorder,
            nodes.Summarize: self.summarize.summarize,
            nodes.Distinct: self.summarize.distinct,
            nodes.MakeSeries: self.summarize.make_series,
            nodes.Count: self._count,
            nodes.Top: self._top,
            nodes.Sort: self._sort,
            nodes.Lookup: self._lookup,
            nodes.Join: self._join,
            nodes.Union: self._union,
            nodes.As: self._as,
            nodes.GetSchema: self._getschema,
            nodes.Serialize: self._serialize,
            nodes.Render: self._render,
            nodes.Evaluate: self._evaluate,
            nodes.MvExpand: self._mv_expand,
            nodes.MvApply: self._mv_apply,
            nodes.Parse: self._parse,
            nodes.TopNested: self._top_nested,
            nodes.Sample: self._sample,
            nodes.SampleDistinct: self._sample_distinct,
        }

    def bind(self, operator: nodes.Operator, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        handler = self._dispatch.get(type(operator))
        if handler is None:
            from kqlite.errors import KqlNotSupportedError

            raise KqlNotSupportedError(f"the operator '{type(operator).__name__.lower()}'", operator.span)
        return handler(operator, input, scope)  # type: ignore[operator]

    # -----------------------------------------------------------------------------------
    # Sources

    def bind_source(self, source: nodes.Source, scope: Scope) -> b.BoundTabular:
        row_scope = scope.with_columns(())
        if isinstance(source, nodes.Datatable):
            return self._datatable(source, row_scope)
        if isinstance(source, nodes.Print):
            names: list[str] = []
            items: list[b.BoundExpr] = []
            for position, item in enumerate(source.items):
                bound_item = self.expressions.bind(item.expr, row_scope)
                names.append(item.names[0] if item.names else expression_name(item.expr) or f"print_{position}")
                items.append(bound_item)
            self._reject_duplicates(names, source.items)
            columns = tuple(zip(names, (item.kql_type for item in items), strict=True))
            return b.PrintSource(columns=columns, span=source.span, items=tuple(items))
        if isinstance(source, nodes.Range):
            return self._range(source, row_scope)
        if isinstance(source, nodes.Union):
            return self._union(source, None, scope)
        self.binder.error("KL200", f"unexpected source {type(source).__name__}", source.span)
        raise BindingFailed

    def _datatable(self, source: nodes.Datatable, scope: Scope) -> b.BoundTabular:
        width = len(source.columns)
        if width == 0 or len(source.values) % width:
            self.binder.error(
                "KS127",
                f"datatable has {len(source.values)} values, which is not a multiple of its {width} columns",
                source.span,
            )
            raise BindingFailed

        rows: list[tuple[object, ...]] = []
        for start in range(0, len(source.values), width):
            row = []
            for (name, kql_type), value in zip(source.columns, source.values[start : start + width], strict=True):
                bound_value = self.expressions.bind(value, scope)
                if not isinstance(bound_value, b.BoundLiteral):
                    self.binder.error("KS130", f"datatable value for '{name}' must be a literal", value.span)
                    row.append(None)
                    continue
                row.append(_literal_for_column(bound_value, kql_type, self.binder, value.span, name))
            rows.append(tuple(row))
        return b.DatatableSource(columns=source.columns, span=source.span, rows=tuple(rows))

    def _range(self, source: nodes.Range, scope: Scope) -> b.BoundTabular:
        start = self.expressions.bind(source.start, scope)
        stop = self.expressions.bind(source.stop, scope)
        step = self.expressions.bind(source.step, scope)
        kql_type = start.kql_type
        if kql_type is INT:
            kql_type = LONG
        if kql_type not in (LONG, REAL, DATETIME, TIMESPAN, DYNAMIC):
            self.binder.error("KS141", f"range cannot count over values of type {kql_type}", source.start.span)
        return b.RangeSource(columns=((source.column, kql_type),), span=source.span, start=start, stop=stop, step=step)

    # -----------------------------------------------------------------------------------
    # Row-local operators

    def _where(self, operator: nodes.Where, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        reported = len(self.binder.diagnostics)
        predicate = self.expressions.bind(operator.predicate, scope.with_columns(input.columns))
        # A typed null such as int(null) has its type too, so it is rejected like any
        # other non-bool predicate. A predicate that failed to bind is reported once.
        if predicate.kql_type is not BOOL and len(self.binder.diagnostics) == reported:
            self.binder.error("KS141", "the expression must have the type bool", operator.predicate.span)
        return b.Filter(columns=input.columns, span=operator.span, input=input, predicate=predicate)

    def _take(self, operator: nodes.Take, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        count = self.expressions.bind(operator.count, scope.with_columns(()))
        if count.kql_type not in (INT, LONG, DYNAMIC):
            self.binder.error("KS134", "the row count of take must be an integer", operator.count.span)
        return b.Limit(columns=input.columns, span=operator.span, input=input, count=count)

    def assignments(
        self, items: tuple[nodes.ColumnExpr, ...], input_columns: list[tuple[str, KqlType]], scope: Scope
    ) -> tuple[list[b.Assignment], list[tuple[str, KqlType]]]:
        """Bind extend-style items left to right; return them and the resulting columns.

        A name that already exists is replaced in place (Kusto.Language keeps the column's
        position); new names are appended. Each item can read the columns of the items before it.
        """
        columns = list(input_columns)
        namer = ColumnNamer({name for name, _ in columns})
        written: set[str] = set()
        result: list[b.Assignment] = []

        for item in items:
            row_scope = scope.with_columns(tuple(columns))
            bound_expr = self.expressions.bind(item.expr, row_scope)
            names = self.output_names(item, bound_expr, namer)
            member_types = self.member_types(bound_expr)
            for name in item.names:
                if name in written:
                    self.binder.error("KS171", f"a column with the name '{name}' is already declared", item.span)
                written.add(name)

            for name, kql_type in zip(names, member_types, strict=False):
                position = next((i for i, (existing, _) in enumerate(columns) if existing == name), None)
                if position is None:
                    columns.append((name, kql_type))
                else:
                    columns[position] = (name, kql_type)
            result.append(b.Assignment(names=tuple(names), expr=bound_expr))
        return result, columns

    def output_names(self, item: nodes.ColumnExpr, bound_expr: b.BoundExpr, namer: ColumnNamer) -> list[str]:
        """Names for one item; a tuple-valued call fills unnamed members with generated names."""
        members = self.member_suffixes(bound_expr)
        if members is None:
            if item.is_tuple and len(item.names) > 1:
                self.binder.error("KS172", "the name does not have a corresponding expression", item.span)
            if item.names:
                return [item.names[0]]
            return [bound_expression_name(item.expr, bound_expr) or namer.next()]

        if len(item.names) > len(members):
            self.binder.error("KS172", "the name does not have a corresponding expression", item.span)
        base = expression_name(item.expr.args[0]) if isinstance(item.expr, nodes.Call) and item.expr.args else None
        function_name = item.expr.name if isinstance(item.expr, nodes.Call) else ""
        generated = [f"{function_name}_{base or ''}_{suffix}" for suffix in members]
        return [item.names[i] if i < len(item.names) else generated[i] for i in range(len(members))]

    @staticmethod
    def member_suffixes(bound_expr: b.BoundExpr) -> tuple[str, ...] | None:
        if isinstance(bound_expr, b.BoundCall) and bound_expr.member is None:
            return bound_expr.function.output_names
        return None

    @staticmethod
    def member_types(bound_expr: b.BoundExpr) -> tuple[KqlType, ...]:
        if isinstance(bound_expr, b.BoundCall) and bound_expr.function.output_names and bound_expr.member is None:
            types = bound_expr.function.result_types or ()
            return tuple(types) or tuple(DYNAMIC for _ in bound_expr.function.output_names)
        return (bound_expr.kql_type,)

    def _extend(self, operator: nodes.Extend, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        assignments, columns = self.assignments(operator.items, list(input.columns), scope)
        return b.Compute(columns=tuple(columns), span=operator.span, input=input, assignments=tuple(assignments))

    def _project(self, operator: nodes.Project, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        # Every item reads the input columns only, and the output is exactly the listed items.
        row_scope = scope.with_columns(input.columns)
        namer = ColumnNamer({name for name, _ in input.columns})
        declared = DeclaredNames()
        assignments: list[b.Assignment] = []
        columns: list[tuple[str, KqlType]] = []

        for item in operator.items:
            bound_expr = self.expressions.bind(item.expr, row_scope)
            names = []
            for name, kql_type in zip(self.output_names(item, bound_expr, namer), self.member_types(bound_expr), strict=False):
                final = declared.add(name, is_explicit(item))
                if final is None:
                    self.binder.error("KS171", f"a column with the name '{name}' is already declared", item.span)
                    continue
                names.append(final)
                columns.append((final, kql_type))
            assignments.append(b.Assignment(names=tuple(names), expr=bound_expr))
        return b.Compute(
            columns=tuple(columns), span=operator.span, input=input, assignments=tuple(assignments), sequential=False
        )

    def _matching(self, pattern: str, input: b.BoundTabular, span: object) -> list[str]:
        names = input.column_names
        if "*" in pattern:
            return [name for name in names if fnmatch.fnmatchcase(name, pattern)]
        if pattern not in names:
            self.binder.error(
                "KS142",
                f"the name '{pattern}' does not refer to any known column",
                span,  # type: ignore[arg-type]
                hint=self.expressions.suggest(pattern, names),
            )
            return []
        return [pattern]

    def _project_away(self, operator: nodes.ProjectAway, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        removed = {name for pattern in operator.names for name in self._matching(pattern, input, operator.span)}
        kept = tuple(column for column in input.columns if column[0] not in removed)
        return b.Select(columns=kept, span=operator.span, input=input, sources=tuple(name for name, _ in kept))

    def _project_keep(self, operator: nodes.ProjectKeep, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        wanted = {name for pattern in operator.names for name in self._matching(pattern, input, operator.span)}
        kept = tuple(column for column in input.columns if column[0] in wanted)
        return b.Select(columns=kept, span=operator.span, input=input, sources=tuple(name for name, _ in kept))

    def _project_rename(self, operator: nodes.ProjectRename, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        renames = dict((old, new) for new, old in operator.renames)
        for old, new in renames.items():
            self._matching(old, input, operator.span)
            # Renaming onto a name that stays in the table (`b = b` included) is KS171.
            if new in input.column_names and (new == old or new not in renames):
                self.binder.error("KS171", f"a column with the name '{new}' is already declared", operator.span)
                raise BindingFailed
        columns = tuple((renames.get(name, name), kql_type) for name, kql_type in input.columns)
        if len({name for name, _ in columns}) != len(columns):
            clash = next((new for old, new in renames.items() if new in input.column_names), "")
            self.binder.error("KS171", f"a column with the name '{clash}' is already declared", operator.span)
        return b.Select(columns=columns, span=operator.span, input=input, sources=tuple(input.column_names))

    def _project_reorder(self, operator: nodes.ProjectReorder, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        ordered: list[str] = []
        for pattern, order in operator.names:
            matches = [name for name in self._matching(pattern, input, operator.span) if name not in ordered]
            if order in ("asc", "granny-asc"):
                matches.sort(key=str.lower if order == "granny-asc" else None)
            elif order in ("desc", "granny-desc"):
                matches.sort(key=str.lower if order == "granny-desc" else None, reverse=True)
            ordered.extend(matches)
        ordered.extend(name for name in input.column_names if name not in ordered)
        types = dict(input.columns)
        columns = tuple((name, types[name]) for name in ordered)
        return b.Select(columns=columns, span=operator.span, input=input, sources=tuple(ordered))

    def _serialize(self, operator: nodes.Serialize, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        if not operator.items:
            return input
        assignments, columns = self.assignments(operator.items, list(input.columns), scope)
        return b.Compute(columns=tuple(columns), span=operator.span, input=input, assignments=tuple(assignments))

    def _count(self, operator: nodes.Count, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        return b.CountRows(columns=(("Count", LONG),), span=operator.span, input=input)

    def _getschema(self, operator: nodes.GetSchema, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        return b.SchemaOf(columns=GETSCHEMA_COLUMNS, span=operator.span, input=input)

    def _as(self, operator: nodes.As, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        scope.lets[operator.name] = input
        return input

    # -----------------------------------------------------------------------------------
    # Ordering

    def sort_key(self, key: nodes.OrderKey, input: b.BoundTabular, scope: Scope) -> b.SortKey:
        # KQL: the default direction is descending. Nulls go first when ascending and
        # last when descending, unless the query sets `nulls first|last`.
        expr = self.expressions.bind(key.expr, scope.with_columns(input.columns))
        if expr.kql_type is DYNAMIC and not isinstance(expr, b.BoundLiteral):
            self.binder.error("KS116", "a value of type 'dynamic' cannot be used to sort", key.expr.span)
        ascending = bool(key.ascending)
        nulls_first = ascending if key.nulls_first is None else key.nulls_first
        return b.SortKey(expr=expr, ascending=ascending, nulls_first=nulls_first)

    def _sort(self, operator: nodes.Sort, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        keys = tuple(self.sort_key(key, input, scope) for key in operator.keys)
        return b.Order(columns=input.columns, span=operator.span, input=input, keys=keys)

    def _top(self, operator: nodes.Top, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        count = self.expressions.bind(operator.count, scope.with_columns(()))
        key = self.sort_key(operator.key, input, scope)
        return b.Order(columns=input.columns, span=operator.span, input=input, keys=(key,), count=count)

    # -----------------------------------------------------------------------------------
    # Joins

    def _join_keys(
        self, on: tuple[nodes.JoinKey, ...], left: b.BoundTabular, right: b.BoundTabular
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        left_types, right_types = dict(left.columns), dict(right.columns)
        left_keys: list[str] = []
        right_keys: list[str] = []
        for key in on:
            for name, types, side in ((key.left, left_types, "left"), (key.right, right_types, "right")):
                if name not in types:
                    self.binder.error(
                        "KS142",
                        f"the {side} side of the join has no column '{name}'",
                        key.span,
                        hint=self.expressions.suggest(name, list(types)),
                    )
            left_type, right_type = left_types.get(key.left), right_types.get(key.right)
            if left_type is not None and right_type is not None:
                if DYNAMIC in (left_type, right_type):
                    self.binder.error("KS116", "join keys cannot be of type dynamic", key.span)
                elif left_type is not right_type and not (left_type.is_numeric and right_type.is_numeric):
                    self.binder.error(
                        "KS141", f"join keys '{key.left}' and '{key.right}' have different types", key.span
                    )
            left_keys.append(key.left)
            right_keys.append(key.right)
        return tuple(left_keys), tuple(right_keys)

    def _join(self, operator: nodes.Join, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        kind = JOIN_KINDS.get(operator.kind.lower())
        if kind is None:
            self.binder.error("KS005", f"unknown join kind '{operator.kind}'", operator.span)
            raise BindingFailed
        right = self.binder.bind_tabular(operator.right, scope.with_columns(()))
        left_keys, right_keys = self._join_keys(operator.on, input, right)

        left_columns = [(name, name) for name in input.column_names]
        right_columns = [(name, name) for name in right.column_names]
        if kind in ("leftsemi", "leftanti"):
            right_columns = []
        elif kind in ("rightsemi", "rightanti"):
            left_columns = []
        merged = unique_names([name for name, _ in left_columns] + [name for name, _ in right_columns])
        left_out = tuple((source, merged[i]) for i, (source, _) in enumerate(left_columns))
        right_out = tuple((source, merged[len(left_columns) + i]) for i, (source, _) in enumerate(right_columns))

        types = {**{out: dict(input.columns)[src] for src, out in left_out}, **{out: dict(right.columns)[src] for src, out in right_out}}
        columns = tuple((name, types[name]) for name in merged)
        return b.JoinRows(
            columns=columns,
            span=operator.span,
            left=input,
            right=right,
            kind=kind,
            left_keys=left_keys,
            right_keys=right_keys,
            left_columns=left_out,
            right_columns=right_out,
        )

    def _lookup(self, operator: nodes.Lookup, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        kind = operator.kind.lower()
        if kind not in ("leftouter", "inner"):
            self.binder.error("KS005", "expected one of: inner, leftouter", operator.span)
            raise BindingFailed
        right = self.binder.bind_tabular(operator.right, scope.with_columns(()))
        left_keys, right_keys = self._join_keys(operator.on, input, right)

        # lookup keeps each key once, in the left position, and drops the right key columns.
        right_sources = [name for name in right.column_names if name not in right_keys]
        merged = unique_names(input.column_names + right_sources)
        left_out = tuple(zip(input.column_names, merged[: len(input.columns)], strict=True))
        right_out = tuple(zip(right_sources, merged[len(input.columns) :], strict=True))

        right_types = dict(right.columns)
        columns = tuple(input.columns) + tuple((out, right_types[src]) for src, out in right_out)
        return b.JoinRows(
            columns=columns,
            span=operator.span,
            left=input,
            right=right,
            kind=kind,
            left_keys=left_keys,
            right_keys=right_keys,
            left_columns=left_out,
            right_columns=right_out,
            is_lookup=True,
        )

    def _union(self, operator: nodes.Union, input: b.BoundTabular | None, scope: Scope) -> b.BoundTabular:
        from kqlite.operators.union import union_schema

        inputs: list[b.BoundTabular] = [] if input is None else [input]
        names: list[str] = [] if input is None else ["union_arg0"]
        for table in operator.tables:
            bound_table = self.binder.bind_tabular(table, scope.with_columns(()))
            inputs.append(bound_table)
            names.append(table.name if isinstance(table, nodes.TableRef) else f"union_arg{len(names)}")

        kind = operator.kind.lower()
        columns = union_schema([bound_input.columns for bound_input in inputs], kind, operator.withsource)
        return b.UnionRows(
            columns=tuple(columns),
            span=operator.span,
            inputs=tuple(inputs),
            kind=kind,
            withsource=operator.withsource,
            source_names=tuple(names),
        )

    # -----------------------------------------------------------------------------------
    # render, evaluate, mv-expand

    def _render(self, operator: nodes.Render, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        return b.RenderHint(
            columns=input.columns,
            span=operator.span,
            input=input,
            visualization=operator.visualization.lower(),
            properties=dict(operator.properties),
        )

    def _evaluate(self, operator: nodes.Evaluate, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        from kqlite.semantics.plugins import bind_plugin

        name = operator.plugin.name
        plugin = PLUGINS.get(name)
        if plugin is None:
            from kqlite.errors import KqlNotSupportedError

            raise KqlNotSupportedError(f"the plugin 'evaluate {name}'", operator.plugin.span)
        return bind_plugin(self.binder, plugin, operator, input, scope)

    def _mv_expand(self, operator: nodes.MvExpand, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        columns = list(input.columns)
        computed: list[b.Assignment] = []
        items: list[b.ExpandItem] = []
        namer = ColumnNamer({name for name, _ in columns})

        for item in operator.items:
            bound_expr = self.expressions.bind(item.column.expr, scope.with_columns(input.columns))
            if bound_expr.kql_type is not DYNAMIC:
                self.binder.error("KS141", "mv-expand needs an expression of type dynamic", item.column.expr.span)
            name = item.column.names[0] if item.column.names else expression_name(item.column.expr) or namer.next()

            is_plain_column = isinstance(bound_expr, b.BoundColumn) and bound_expr.name == name
            if not is_plain_column:
                computed.append(b.Assignment(names=(name,), expr=bound_expr))
            target_type = item.to_type or DYNAMIC
            position = next((i for i, (existing, _) in enumerate(columns) if existing == name), None)
            if position is None:
                columns.append((name, target_type))
            else:
                columns[position] = (name, target_type)
            items.append(b.ExpandItem(source=name, output=name, to_type=item.to_type))

        source = input
        if computed:
            pre_columns = list(input.columns)
            for assignment in computed:
                if assignment.names[0] not in {n for n, _ in pre_columns}:
                    pre_columns.append((assignment.names[0], DYNAMIC))
            source = b.Compute(columns=tuple(pre_columns), span=operator.span, input=input, assignments=tuple(computed))
        if operator.with_itemindex:
            columns.append((operator.with_itemindex, LONG))

        limit = self.expressions.bind(operator.limit, scope.with_columns(())) if operator.limit else None
        kind = (operator.kind or "bag").lower()
        return b.Expand(
            columns=tuple(columns),
            span=operator.span,
            input=source,
            items=tuple(items),
            kind=kind,
            with_itemindex=operator.with_itemindex,
            limit=limit,
        )

    def _mv_apply(self, operator: nodes.MvApply, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        from kqlite.semantics.mv_apply_binder import bind_mv_apply

        return bind_mv_apply(self.binder, operator, input, scope)

    def _parse(self, operator: nodes.Parse, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        from kqlite.semantics.parse_binder import bind_parse

        return bind_parse(self.binder, operator, input, scope)

    def _top_nested(self, operator: nodes.TopNested, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        from kqlite.semantics.top_nested_binder import bind_top_nested

        return bind_top_nested(self.binder, operator, input, scope)

    def _sample(self, operator: nodes.Sample, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        from kqlite.semantics.sample_binder import bind_sample

        return bind_sample(self.binder, operator, input, scope)

    def _sample_distinct(self, operator: nodes.SampleDistinct, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
        from kqlite.semantics.sample_binder import bind_sample_distinct

        return bind_sample_distinct(self.binder, operator, input, scope)

    def _reject_duplicates(self, names: list[str], items: tuple[nodes.ColumnExpr, ...]) -> None:
        seen: set[str] = set()
        for name, item in zip(names, items, strict=False):
            if name in seen:
                self.binder.error("KS171", f"a column with the name '{name}' is already declared", item.span)
            seen.add(name)


def _literal_for_column(literal: b.BoundLiteral, kql_type: KqlType, binder: Binder, span: object, name: str) -> object:
    """Check a datatable value against its column type; numbers fit int, long, real and decimal columns."""
    value = literal.value
    if value is None or literal.kql_type is kql_type or kql_type is DYNAMIC:
        return value
    if kql_type is DECIMAL and literal.kql_type in (INT, LONG, REAL):
        # Kusto.Language accepts datatable(a:decimal)[3, 1.5]; the value is the number's decimal.
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return decimal.Decimal(str(value))
    if kql_type in (INT, LONG, REAL) and literal.kql_type in (INT, LONG, REAL):
        if kql_type is REAL:
            return float(value)
        # A real literal in an integer column converts as tolong() does: truncated, and
        # null when it is infinite or not a number.
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return int(value)
    binder.error("KS141", f"value of type {literal.kql_type} does not fit column '{name}' of type {kql_type}", span)  # type: ignore[arg-type]
    return None
