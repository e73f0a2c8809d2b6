"""Binding of `evaluate` plugin calls.

Each plugin's arguments follow its own documented shape, so binding is per plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kqlite.errors import KqlNotSupportedError
from kqlite.functions.registry import Plugin
from kqlite.semantics import bound as b
from kqlite.semantics.expressions import BindingFailed
from kqlite.semantics.scope import Scope
from kqlite.syntax import nodes

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder


def bind_plugin(
    binder: Binder, plugin: Plugin, operator: nodes.Evaluate, input: b.BoundTabular, scope: Scope
) -> b.BoundTabular:
    if plugin.name == "ipv4_lookup":
        return _bind_ipv4_lookup(binder, plugin, operator, input, scope)
    raise KqlNotSupportedError(f"the plugin 'evaluate {plugin.name}'", operator.plugin.span)


def _column_name(binder: Binder, argument: object, columns: dict[str, object], side: str, span: object) -> str:
    if not isinstance(argument, nodes.NameRef):
        binder.error("KS141", f"expected a column name of the {side} table", span)  # type: ignore[arg-type]
        raise BindingFailed
    if argument.name not in columns:
        binder.error(
            "KS142",
            f"the {side} table has no column '{argument.name}'",
            argument.span,
            hint=binder.expressions.suggest(argument.name, list(columns)),  # type: ignore[arg-type]
        )
        raise BindingFailed
    return argument.name


def _bind_ipv4_lookup(
    binder: Binder, plugin: Plugin, operator: nodes.Evaluate, input: b.BoundTabular, scope: Scope
) -> b.BoundTabular:
    # ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey, ...] [, return_unmatched])
    call = operator.plugin
    positional = [arg for arg in call.args if not isinstance(arg, nodes.NamedArg)]
    named = {arg.name: arg.value for arg in call.args if isinstance(arg, nodes.NamedArg)}
    if len(positional) < 3:
        binder.error("KS119", "ipv4_lookup expects a lookup table, a source key and a lookup key", call.span)
        raise BindingFailed

    table_argument = positional[0]
    lookup = binder.bind_query_expression(table_argument, scope.with_columns(()))  # type: ignore[arg-type]
    input_types = dict(input.columns)
    lookup_types = dict(lookup.columns)
    source_key = _column_name(binder, positional[1], input_types, "input", call.span)
    lookup_key = _column_name(binder, positional[2], lookup_types, "lookup", call.span)

    return_unmatched = False
    rest = positional[3:]
    if rest and isinstance(rest[-1], nodes.Literal) and isinstance(rest[-1].value, bool):
        return_unmatched = rest.pop().value
    if "return_unmatched" in named:
        flag = named["return_unmatched"]
        return_unmatched = bool(flag.value) if isinstance(flag, nodes.Literal) else False

    extra_keys = []
    for argument in rest:
        name = _column_name(binder, argument, input_types, "input", call.span)
        _column_name(binder, argument, lookup_types, "lookup", call.span)
        extra_keys.append(name)

    arguments = {
        "source_key": source_key,
        "lookup_key": lookup_key,
        "extra_keys": extra_keys,
        "return_unmatched": return_unmatched,
    }
    columns = plugin.schema(input.columns, lookup.columns, source_key, lookup_key, extra_keys, return_unmatched)
    return b.PluginCall(
        columns=tuple(columns), span=operator.span, input=input, plugin=plugin, tables=(lookup,), arguments=arguments
    )
