"""Builder rules for the parse and parse-where operators.

`kqlite.syntax.builder.Builder` takes these functions as its methods for the grammar
rules of the same names, so each is called with the builder, the rule's position and
its children, already built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lark import Token
from lark.tree import Meta

from kqlite.errors import KqlSyntaxError, Span
from kqlite.syntax import literals, nodes

if TYPE_CHECKING:
    from kqlite.syntax.builder import Builder


def parse_operator(builder: Builder, meta: Meta, children: list[Any]) -> nodes.Parse:
    return _parse(builder, meta, children, drop_unmatched=False)


def parse_where_operator(builder: Builder, meta: Meta, children: list[Any]) -> nodes.Parse:
    return _parse(builder, meta, children, drop_unmatched=True)


def parse_flags(builder: Builder, meta: Meta, children: list[Any]) -> nodes.Option:
    return nodes.Option(span=_meta_span(meta), name="flags", value=str(children[0]))


def parse_wildcard(builder: Builder, meta: Meta, children: list[Any]) -> nodes.ParseItem:
    return nodes.ParseItem(span=_meta_span(meta), kind="wildcard")


def parse_constant(builder: Builder, meta: Meta, children: list[Any]) -> nodes.ParseItem:
    # Adjacent string literals are one constant, as elsewhere in KQL: "a" 'b' is "ab".
    text = "".join(_read_string(token) for token in children)
    return nodes.ParseItem(span=_meta_span(meta), kind="constant", text=text)


def parse_column(builder: Builder, meta: Meta, children: list[Any]) -> nodes.ParseItem:
    name, kql_type = children
    return nodes.ParseItem(span=_meta_span(meta), kind="column", text=str(name.value), kql_type=kql_type)


def _parse(builder: Builder, meta: Meta, children: list[Any], drop_unmatched: bool) -> nodes.Parse:
    options = [child for child in children if isinstance(child, nodes.Option)]
    source, *items = children[len(options) :]
    return nodes.Parse(
        span=_meta_span(meta),
        source=builder._expr(source),
        pattern=tuple(items),
        options=tuple(options),
        drop_unmatched=drop_unmatched,
    )


def _meta_span(meta: Meta) -> Span:
    if meta.empty:
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


def _read_string(token: Token) -> str:
    try:
        return str(literals.parse_string(token.value))
    except literals.LiteralError as error:
        span = Span(token.start_pos or 0, token.end_pos or 0)
        raise KqlSyntaxError("KS004", f"malformed literal: {error}", span) from None
