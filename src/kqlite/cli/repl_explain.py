"""`.explain QUERY`: the bound operator tree of a query, each operator with its output schema.

The tree is the binder's output before the optimizer rewrites it, read from the last
operator back to the source, the way Kusto's plans are printed: the result at the top,
each operator's input indented under it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from kqlite.semantics import bound as b

# Short descriptions of what each node kind does, in KQL's words.
NODE_LABELS: dict[type[b.BoundTabular], str] = {
    b.TableScan: "table",
    b.DatatableSource: "datatable",
    b.PrintSource: "print",
    b.RangeSource: "range",
    b.Filter: "where",
    b.Limit: "take",
    b.Compute: "extend/project",
    b.Select: "project-away/keep/rename/reorder",
    b.Aggregate: "summarize",
    b.CountRows: "count",
    b.Order: "sort/top",
    b.JoinRows: "join/lookup",
    b.UnionRows: "union",
    b.SchemaOf: "getschema",
    b.RenderHint: "render",
    b.PluginCall: "evaluate",
    b.MakeSeriesRows: "make-series",
    b.Expand: "mv-expand",
    b.ApplyRows: "mv-apply",
    b.ApplySubtable: "mv-apply subtable",
    b.ParseRows: "parse/parse-where",
    b.TopNestedRows: "top-nested",
    b.SampleRows: "sample",
    b.SampleDistinctRows: "sample-distinct",
    b.Shared: "let (computed once)",
}


def explain(text: str, database: object) -> str:
    """Return the operator trees of the queries in `text`, bound against `database`'s tables."""
    from kqlite.errors import KqlError
    from kqlite.semantics.binder import Binder
    from kqlite.syntax.parser import parse

    catalog = database.catalog  # type: ignore[attr-defined]

    def schema(name: str) -> object:
        return catalog.schema(name) if name in catalog else None

    try:
        script = Binder(schema).bind_script(parse(text))  # type: ignore[arg-type]
    except KqlError as error:
        raise error.with_source(text) from None
    trees = ["\n".join(_lines(query, "", "")) for query in script.queries]
    return "\n\n".join(trees) if trees else "(no query to explain)"


def _lines(node: b.BoundTabular, first_prefix: str, rest_prefix: str) -> Iterator[str]:
    yield f"{first_prefix}{_describe(node)}"
    schema = ", ".join(f"{name}:{kql_type}" for name, kql_type in node.columns)
    yield f"{rest_prefix}    -> ({schema})"

    inputs = list(_inputs(node))
    for index, child in enumerate(inputs):
        last = index == len(inputs) - 1
        yield from _lines(child, rest_prefix + ("└─ " if last else "├─ "), rest_prefix + ("   " if last else "│  "))


def _describe(node: b.BoundTabular) -> str:
    label = NODE_LABELS.get(type(node), "")
    detail = ""
    if isinstance(node, b.TableScan):
        detail = f" {node.table}"
    elif isinstance(node, b.JoinRows):
        detail = f" kind={node.kind} on {', '.join(node.left_keys)}"
    elif isinstance(node, b.RenderHint):
        detail = f" {node.visualization}"
    elif isinstance(node, b.PluginCall):
        detail = f" {node.plugin.name}"
    elif isinstance(node, b.Expand):
        detail = " " + ", ".join(item.output for item in node.items)
    name = type(node).__name__
    return f"{name} [{label}{detail}]" if label else name


def _inputs(node: b.BoundTabular) -> Iterator[b.BoundTabular]:
    # Every field that contains a tabular node (or a tuple of them) is an input.
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, b.BoundTabular):
            yield value
        elif isinstance(value, tuple):
            yield from (item for item in value if isinstance(item, b.BoundTabular))
