"""Builder rules for the operators that select values or rows: top-nested, sample, sample-distinct.

`kqlite.syntax.builder.Builder` takes these functions as its methods for the grammar
rules of the same names, so each is called with the builder, the rule's position and
its children, already built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lark.tree import Meta

from kqlite.errors import Span
from kqlite.syntax import nodes

if TYPE_CHECKING:
    from kqlite.syntax.builder import Builder


def top_nested_operator(builder: Builder, meta: Meta, children: list[Any]) -> nodes.TopNested:
    return nodes.TopNested(span=_meta_span(meta), clauses=tuple(children))


def top_nested_clause(builder: Builder, meta: Meta, children: list[Any]) -> nodes.TopNestedClause:
    count, key, others, aggregation, direction = children
    ascending = None if direction is None else direction.value == "asc"
    return nodes.TopNestedClause(
        span=_meta_span(meta),
        count=count,
        key=key,
        others=others,
        aggregation=aggregation,
        ascending=ascending,
    )


def sample_operator(builder: Builder, meta: Meta, children: list[Any]) -> nodes.Sample:
    return nodes.Sample(span=_meta_span(meta), count=children[-1])


def sample_distinct_operator(builder: Builder, meta: Meta, children: list[Any]) -> nodes.SampleDistinct:
    count, column = children
    return nodes.SampleDistinct(span=_meta_span(meta), count=count, column=column)


def _meta_span(meta: Meta) -> Span:
    if meta.empty:
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)
