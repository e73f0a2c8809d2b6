"""A grammar-shaped generator of KQL queries over the fuzzer's tables.

A query is a source (a table, ``print``, ``range``, ``datatable``, ``union``) and a
chain of tabular operators. The generator tracks the columns each operator leaves, so
most queries name real columns and call functions with arguments of the declared types
(read from kqlite's function registry). A share of choices is deliberately wrong (an
argument of another type, an unknown column, an aggregate outside ``summarize``), so
both analyzers must also reject queries for the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fuzz.choosers import Chooser
from fuzz.expressions import NUMERIC, TYPES, Columns, ExpressionWriter
from kqlite.functions.registry import AGGREGATES
from kqlite.types import KqlType
from oracle import Schema
from test_oracle_schemas import ALL_TYPES_SCHEMA, INVESTIGATION_SCHEMA

FUZZ_SCHEMA: Schema = {**INVESTIGATION_SCHEMA, **ALL_TYPES_SCHEMA}
MAX_OPERATORS = 5
MAX_DEPTH = 3

JOIN_KINDS = ("inner", "innerunique", "leftouter", "rightouter", "fullouter", "leftanti", "rightanti",
              "leftsemi", "rightsemi", "anti", "semi")
NAMES = ("x", "y", "Total", "Name1", "['with space']", "n_2", "Result", "Value")


class QueryGenerator(ExpressionWriter):
    """Writes one random query; every decision comes from `chooser`."""

    def __init__(self, chooser: Chooser, tables: Schema = FUZZ_SCHEMA) -> None:
        super().__init__(chooser)
        self.tables = {name: [(column, KqlType(kind)) for column, kind in columns.items()]
                       for name, columns in tables.items()}
        self.table_names = sorted(self.tables)

    # -----------------------------------------------------------------------------------
    # Queries

    def query(self) -> str:
        text, columns = self.source()
        for _ in range(self.choose.integer(0, MAX_OPERATORS)):
            step = self.operator(columns)
            if step is None:
                continue
            operator_text, columns = step
            text += "\n| " + operator_text if self.choose.chance(0.3) else " | " + operator_text

        if self.choose.chance(0.1):
            text = self.let_prefix() + text
        return text

    def let_prefix(self) -> str:
        kind = self.choose.choice(("scalar", "tabular", "function"))
        if kind == "scalar":
            return f"let limit = {self.literal(KqlType.LONG)};\n"
        if kind == "tabular":
            table = self.choose.choice(self.table_names)
            return f"let Recent = {table} | take 3;\n"
        return "let twice = (v:long) { v * 2 };\n"

    def source(self) -> tuple[str, Columns]:
        kind = self.choose.choice(("table", "table", "table", "print", "range", "datatable", "union"))
        if kind == "table":
            name = self.choose.choice(self.table_names)
            return name, list(self.tables[name])
        if kind == "print":
            count = self.choose.integer(1, 3)
            columns: Columns = []
            parts = []
            for index in range(count):
                kql_type = self.choose.choice(TYPES)
                name = f"p{index}"
                parts.append(f"{name} = {self.expression(kql_type, [], 1)}")
                columns.append((name, kql_type))
            return "print " + ", ".join(parts), columns
        if kind == "range":
            return self.range_source()
        if kind == "datatable":
            return self.datatable_source()
        first, second = self.choose.choice(self.table_names), self.choose.choice(self.table_names)
        option = self.choose.choice(("", "kind=inner ", "kind=outer ", "withsource=Source "))
        columns = list(self.tables[first]) if first == second else []
        return f"union {option}{first}, {second}", columns

    def range_source(self) -> tuple[str, Columns]:
        kind = self.choose.choice((KqlType.LONG, KqlType.DATETIME, KqlType.REAL, KqlType.TIMESPAN))
        if kind == KqlType.DATETIME:
            bounds = "datetime(2023-06-01) to datetime(2023-06-02) step 6h"
        elif kind == KqlType.REAL:
            bounds = "0.5 to 3.5 step 0.5"
        elif kind == KqlType.TIMESPAN:
            bounds = "1h to 5h step 1h"
        else:
            bounds = f"{self.choose.integer(-3, 3)} to {self.choose.integer(0, 20)} step {self.choose.integer(1, 4)}"
        return f"range r from {bounds}", [("r", kind)]

    def datatable_source(self) -> tuple[str, Columns]:
        count = self.choose.integer(1, 3)
        columns: Columns = [(f"c{index}", self.choose.choice(TYPES)) for index in range(count)]
        values = []
        for _ in range(self.choose.integer(0, 3)):
            for _, kql_type in columns:
                values.append(self.literal(kql_type, constant=True))
        declared = ", ".join(f"{name}:{kql_type}" for name, kql_type in columns)
        return f"datatable({declared})[{', '.join(values)}]", columns

    # -----------------------------------------------------------------------------------
    # Tabular operators

    def operator(self, columns: Columns) -> tuple[str, Columns] | None:
        builders: Sequence[Callable[[Columns], tuple[str, Columns] | None]] = (
            self.where, self.where, self.extend, self.extend, self.project, self.summarize, self.summarize,
            self.take, self.sort, self.top, self.distinct, self.count, self.join, self.lookup, self.mv_expand,
            self.make_series, self.project_away, self.project_rename, self.union, self.misc,
        )
        return self.choose.choice(builders)(columns)

    def where(self, columns: Columns) -> tuple[str, Columns]:
        return f"where {self.expression(KqlType.BOOL, columns, MAX_DEPTH)}", columns

    def extend(self, columns: Columns) -> tuple[str, Columns]:
        added: Columns = []
        parts = []
        for index in range(self.choose.integer(1, 2)):
            kql_type = self.choose.choice(TYPES)
            expression = self.expression(kql_type, columns, MAX_DEPTH)
            if self.choose.chance(0.15):
                parts.append(expression)
                added.append((f"Column{index + 1}", kql_type))
            else:
                name = self.choose.choice(NAMES)
                parts.append(f"{name} = {expression}")
                added.append((name.strip("[]'"), kql_type))
        kept = [column for column in columns if column[0] not in {name for name, _ in added}]
        return "extend " + ", ".join(parts), kept + added

    def project(self, columns: Columns) -> tuple[str, Columns] | None:
        if not columns:
            return None
        chosen = [self.choose.choice(columns) for _ in range(self.choose.integer(1, 3))]
        parts = [self.column_name(name) for name, _ in dict(chosen).items()]
        result: Columns = list(dict(chosen).items())
        if self.choose.chance(0.4):
            kql_type = self.choose.choice(TYPES)
            parts.append(f"Computed = {self.expression(kql_type, columns, 2)}")
            result.append(("Computed", kql_type))
        return "project " + ", ".join(parts), result

    def summarize(self, columns: Columns) -> tuple[str, Columns]:
        aggregates = []
        result: Columns = []
        for index in range(self.choose.integer(1, 2)):
            text, kql_type = self.aggregate_call(columns)
            name = f"A{index}"
            aggregates.append(f"{name} = {text}" if self.choose.chance(0.6) else text)
            result.append((name, kql_type))
        by = ""
        if columns and self.choose.chance(0.6):
            name, kql_type = self.choose.choice(columns)
            if kql_type in (KqlType.DATETIME, KqlType.TIMESPAN, *NUMERIC) and self.choose.chance(0.4):
                size = self.choose.choice(("1h", "1d")) if kql_type in (KqlType.DATETIME, KqlType.TIMESPAN) else "10"
                by = f" by bin({self.column_name(name)}, {size})"
            else:
                by = f" by {self.column_name(name)}"
            result.insert(0, (name, kql_type))
        return f"summarize {', '.join(aggregates)}{by}", result

    def aggregate_call(self, columns: Columns) -> tuple[str, KqlType]:
        name = self.choose.choice(sorted(AGGREGATES))
        entry = AGGREGATES[name]
        args = []
        types = []
        for param in entry.params:
            if param.optional and self.choose.chance(0.5):
                break
            if param.name in ("*",) or (name in ("arg_max", "arg_min") and param.variadic):
                args.append("*")
                break
            kql_type = self.parameter_type(param.types)
            args.append(self.expression(kql_type, columns, 1))
            types.append(kql_type)
        try:
            result = entry.result_type(types)
        except (IndexError, ValueError, TypeError, KeyError):
            result = KqlType.DYNAMIC
        return f"{name}({', '.join(args)})", result

    def take(self, columns: Columns) -> tuple[str, Columns]:
        word = self.choose.choice(("take", "limit"))
        return f"{word} {self.choose.choice(('0', '1', '3', '10', 'limit', '-1', '2.5'))}", columns

    def sort(self, columns: Columns) -> tuple[str, Columns] | None:
        if not columns:
            return None
        name, _ = self.choose.choice(columns)
        order = self.choose.choice(("", " asc", " desc", " desc nulls first", " asc nulls last"))
        return f"{self.choose.choice(('sort', 'order'))} by {self.column_name(name)}{order}", columns

    def top(self, columns: Columns) -> tuple[str, Columns] | None:
        if not columns:
            return None
        name, _ = self.choose.choice(columns)
        return f"top {self.choose.integer(0, 5)} by {self.column_name(name)}", columns

    def distinct(self, columns: Columns) -> tuple[str, Columns] | None:
        if not columns:
            return None
        if self.choose.chance(0.2):
            return "distinct *", columns
        chosen = dict(self.choose.choice(columns) for _ in range(self.choose.integer(1, 2)))
        return "distinct " + ", ".join(self.column_name(name) for name in chosen), list(chosen.items())

    def count(self, columns: Columns) -> tuple[str, Columns]:
        return "count", [("Count", KqlType.LONG)]

    def join(self, columns: Columns) -> tuple[str, Columns] | None:
        other = self.choose.choice(self.table_names)
        common = [name for name, _ in columns if name in dict(self.tables[other])]
        key = self.choose.choice(common) if common else self.choose.choice(self.tables[other])[0]
        kind = f"kind={self.choose.choice(JOIN_KINDS)} " if self.choose.chance(0.7) else ""
        right = other if self.choose.chance(0.5) else f"({other} | take 5)"
        condition = key if self.choose.chance(0.7) else f"$left.{key} == $right.{key}"
        merged = columns + [(name + "1" if name in dict(columns) else name, kql_type)
                            for name, kql_type in self.tables[other]]
        return f"join {kind}{right} on {condition}", merged

    def lookup(self, columns: Columns) -> tuple[str, Columns] | None:
        other = self.choose.choice(self.table_names)
        common = [name for name, _ in columns if name in dict(self.tables[other])]
        if not common:
            return None
        kind = self.choose.choice(("", "kind=leftouter ", "kind=inner "))
        merged = columns + [column for column in self.tables[other] if column[0] not in dict(columns)]
        return f"lookup {kind}{other} on {self.choose.choice(common)}", merged

    def mv_expand(self, columns: Columns) -> tuple[str, Columns] | None:
        dynamic = [name for name, kql_type in columns if kql_type == KqlType.DYNAMIC]
        if not dynamic:
            return "extend D = dynamic([1, 2])", columns + [("D", KqlType.DYNAMIC)]
        name = self.choose.choice(dynamic)
        target = ""
        new_type = KqlType.DYNAMIC
        if self.choose.chance(0.4):
            new_type = self.choose.choice(TYPES)
            target = f" to typeof({new_type})"
        index = " with_itemindex=Position" if self.choose.chance(0.2) else ""
        limit = " limit 2" if self.choose.chance(0.1) else ""
        result = [(n, new_type if n == name else t) for n, t in columns]
        if index:
            result.append(("Position", KqlType.LONG))
        return f"mv-expand{index} {self.column_name(name)}{target}{limit}", result

    def make_series(self, columns: Columns) -> tuple[str, Columns] | None:
        times = [name for name, kql_type in columns if kql_type == KqlType.DATETIME]
        numbers = [name for name, kql_type in columns if kql_type in NUMERIC]
        if not times:
            return None
        value = f"sum({self.choose.choice(numbers)})" if numbers and self.choose.chance(0.7) else "count()"
        by_names = [name for name, kql_type in columns if kql_type == KqlType.STRING]
        by = f" by {self.choose.choice(by_names)}" if by_names and self.choose.chance(0.5) else ""
        bounds = " from datetime(2023-06-01) to datetime(2023-06-03)" if self.choose.chance(0.3) else ""
        time = self.choose.choice(times)
        result = [("S", KqlType.DYNAMIC), (time, KqlType.DYNAMIC)]
        return f"make-series S = {value} default = 0 on {time}{bounds} step 1d{by}", result

    def project_away(self, columns: Columns) -> tuple[str, Columns] | None:
        if not columns:
            return None
        name, _ = self.choose.choice(columns)
        return f"project-away {self.column_name(name)}", [column for column in columns if column[0] != name]

    def project_rename(self, columns: Columns) -> tuple[str, Columns] | None:
        if not columns:
            return None
        name, _ = self.choose.choice(columns)
        return f"project-rename Renamed = {self.column_name(name)}", [
            ("Renamed" if n == name else n, t) for n, t in columns
        ]

    def union(self, columns: Columns) -> tuple[str, Columns]:
        other = self.choose.choice(self.table_names)
        return f"union {other}", columns

    def misc(self, columns: Columns) -> tuple[str, Columns] | None:
        kind = self.choose.choice(("getschema", "serialize", "as", "project-keep", "project-reorder",
                                   "extend_aggregate", "evaluate", "render", "iff"))
        if kind == "getschema":
            return "getschema", [("ColumnName", KqlType.STRING), ("ColumnOrdinal", KqlType.INT),
                                 ("DataType", KqlType.STRING), ("ColumnType", KqlType.STRING)]
        if kind == "serialize":
            return "serialize", columns
        if kind == "as":
            return "as Named", columns
        if kind == "extend_aggregate":
            # An aggregate outside summarize: both analyzers must reject it.
            return f"extend Bad = {self.aggregate_call(columns)[0]}", columns
        if kind == "evaluate":
            return "evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr)", columns + [("IpCidr", KqlType.STRING),
                                                                                ("Info", KqlType.STRING)]
        if kind == "render":
            return self.choose.choice(("render timechart", "render table", "render anomalychart")), columns
        if kind == "iff":
            kql_type = self.choose.choice(TYPES)
            condition = self.expression(KqlType.BOOL, columns, 2)
            first, second = self.expression(kql_type, columns, 1), self.expression(kql_type, columns, 1)
            return f"extend Chosen = iff({condition}, {first}, {second})", columns + [("Chosen", kql_type)]
        if not columns:
            return None
        name, _ = self.choose.choice(columns)
        return f"{kind} {self.column_name(name)}", columns
