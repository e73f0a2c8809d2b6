"""`pack_all` and `column_ifexists`: functions of the row's columns, resolved at bind time.

Both read the columns in scope, so they are bound here rather than declared in the
function registry: ``pack_all()`` becomes a `bag_pack` call over every column, and
``column_ifexists(name, default)`` becomes the column or the default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kqlite.functions.registry import SCALARS, CallContext, P, ScalarFunction
from kqlite.semantics import arguments
from kqlite.semantics import bound as b
from kqlite.syntax import nodes
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.expressions import ExpressionBinder
    from kqlite.semantics.scope import Scope

COLUMN_IFEXISTS_NAMES = ("column_ifexists", "columnifexists")

# The conversion that gives an existing column the type of the default value.
_CONVERSIONS = {
    BOOL: "tobool",
    INT: "toint",
    LONG: "tolong",
    REAL: "todouble",
    DECIMAL: "todecimal",
    STRING: "tostring",
    DATETIME: "todatetime",
    TIMESPAN: "totimespan",
    GUID: "toguid",
    DYNAMIC: "todynamic",
}


def _drop_null_and_empty(ctx: CallContext, bags: Any) -> Any:
    """Remove the null and empty-string values from property bags, one per row."""

    def without_empty(bag: Any) -> Any:
        if not isinstance(bag, dict):
            return bag
        return {key: value for key, value in bag.items() if value is not None and value != ""}

    if not isinstance(bags, pd.Series):
        return without_empty(bags)
    return pd.Series([without_empty(bag) for bag in bags.to_numpy(dtype=object)], dtype=object)


# Not registered: only `pack_all(true)` produces calls of it.
DROP_NULL_AND_EMPTY = ScalarFunction(
    name="pack_all",
    params=(P("bag", DYNAMIC),),
    returns=DYNAMIC,
    implementation=_drop_null_and_empty,
    doc="Remove the null and empty values from a property bag.",
)


def bind_pack_all(binder: ExpressionBinder, call: nodes.Call, scope: Scope) -> b.BoundExpr:
    """Bind ``pack_all([ignore_null_empty])`` into a property bag of the row's columns.

    Kusto.Language takes only a literal for `ignore_null_empty` (KS131), of any type.

    NOTE: in ``extend a = ..., p = pack_all()`` the bag also holds `a`, because kqlite's
    scope for an extend item has the items before it; Kusto packs only the input columns.
    """
    if len(call.args) > 1 or any(isinstance(arg, nodes.NamedArg) for arg in call.args):
        return binder.error("KS119", "the function 'pack_all' expects at most 1 argument", call.span)

    ignore_null_empty = False
    if call.args:
        flag = binder.bind(call.args[0], scope)
        if not isinstance(flag, b.BoundLiteral):
            return binder.error("KS130", "the argument 'ignore_null_empty' of 'pack_all' must be a literal", call.args[0].span)
        ignore_null_empty = bool(flag.value)

    pairs: list[b.BoundExpr] = []
    for name, kql_type in scope.columns:
        pairs.append(b.BoundLiteral(value=name, kql_type=STRING, span=call.span))
        pairs.append(b.BoundColumn(kql_type=kql_type, name=name, span=call.span))
    bag: b.BoundExpr = b.BoundCall(kql_type=DYNAMIC, span=call.span, function=SCALARS["bag_pack"], args=tuple(pairs))
    if not pairs:
        bag = b.BoundLiteral(value={}, kql_type=DYNAMIC, span=call.span)

    if ignore_null_empty:
        return b.BoundCall(kql_type=DYNAMIC, span=call.span, function=DROP_NULL_AND_EMPTY, args=(bag,))
    return bag


def bind_column_ifexists(
    binder: ExpressionBinder, call: nodes.Call, scope: Scope, aggregates: Any
) -> b.BoundExpr:
    """Bind ``column_ifexists(columnName, defaultValue)`` to the column, or else to the default.

    The result has the default's type, as in Kusto.Language: an existing column of another
    type is converted to it.
    """
    if len(call.args) != 2 or any(isinstance(arg, (nodes.NamedArg, nodes.Pipeline)) for arg in call.args):
        return binder.error("KS119", f"the function '{call.name}' expects 2 arguments", call.span)

    name_arg = binder.bind(call.args[0], scope, aggregates)
    default = binder.bind(call.args[1], scope, aggregates)
    if name_arg.kql_type is not STRING:
        return binder.error("KS141", "the column name must be of type string", call.args[0].span)
    if not arguments.is_constant(name_arg):
        return binder.error("KS130", "the column name of 'column_ifexists' must be a constant", call.args[0].span)

    name = arguments.fold_constant(name_arg)
    column_type = scope.column_type(name.value) if isinstance(name, b.BoundLiteral) else None
    if column_type is None:
        return default

    column = b.BoundColumn(kql_type=column_type, name=name.value, span=call.span)
    if column_type is default.kql_type:
        return column
    return _converted(column, default.kql_type)


def _converted(column: b.BoundColumn, kql_type: KqlType) -> b.BoundExpr:
    # NOTE: Kusto.Language types the call by its default value; whether the service also
    # converts an existing column of another type is not documented.
    conversion = SCALARS[_CONVERSIONS[kql_type]]
    return b.BoundCall(kql_type=kql_type, span=column.span, function=conversion, args=(column,))
