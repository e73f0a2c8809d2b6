"""Builder rules for the mv-apply operator.

`kqlite.syntax.builder.Builder` takes these functions as its methods for the grammar
rules of the same names, so each is called with the builder, the rule's position and
its children, already built. The options and items are those of mv-expand, built by
the builder's own mv-expand rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lark.tree import Meta

from kqlite.errors import Span
from kqlite.syntax import nodes

if TYPE_CHECKING:
    from kqlite.syntax.builder import Builder


def mv_apply_operator(builder: Builder, meta: Meta, children: list[Any]) -> nodes.MvApply:
    *settings, limit, subquery = children
    options = [child for child in settings if isinstance(child, nodes.Option)]
    items = tuple(child for child in settings if isinstance(child, nodes.MvExpandItem))
    kind = next((str(option.value) for option in options if option.name == "kind"), None)
    with_itemindex = next((str(option.value) for option in options if option.name == "with_itemindex"), None)
    return nodes.MvApply(
        span=_meta_span(meta), items=items, subquery=subquery, kind=kind, with_itemindex=with_itemindex, limit=limit
    )


def mv_apply_subquery(builder: Builder, meta: Meta, children: list[Any]) -> tuple[nodes.Operator, ...]:
    return tuple(children)


def _meta_span(meta: Meta) -> Span:
    if meta.empty:
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)
