"""Kusto's default column names for unnamed expressions.

Rules (from Kusto.Language's binder): a column reference keeps its name; ``d.a`` and
``d['a']`` become ``d_a``; an aggregate is named ``<prefix>_<first argument's name>``
(``count_``, ``sum_BytesSent``, ``list_x`` for make_list); functions such as ``bin``
take their first argument's name; anything else is ``Column1``, ``Column2``, ...
skipping names already in scope, or ``print_<position>`` in `print`.
"""

from __future__ import annotations

import re

from kqlite.functions.registry import AGGREGATES, SCALARS
from kqlite.semantics import bound as b
from kqlite.semantics.column_functions import COLUMN_IFEXISTS_NAMES
from kqlite.syntax import nodes


def bound_expression_name(expr: nodes.Expr, bound: b.BoundExpr) -> str | None:
    """Return the name Kusto derives for an unnamed expression, knowing what it bound to.

    ``column_ifexists('c', default)`` is named ``c`` when the column exists, and like any
    other call when it does not. The binder gives the found column the call's own span
    (converted or not), which distinguishes it from a default that reads a column.
    """
    if isinstance(expr, nodes.Call) and expr.name in COLUMN_IFEXISTS_NAMES:
        found = bound.args[0] if isinstance(bound, b.BoundCall) and len(bound.args) == 1 else bound
        if isinstance(found, b.BoundColumn) and found.span == expr.span:
            return found.name
    return expression_name(expr)


def expression_name(expr: nodes.Expr | nodes.Pipeline | nodes.NamedArg) -> str | None:
    """Return the name Kusto derives for an unnamed expression, or None if it has none."""
    if isinstance(expr, nodes.NameRef):
        return expr.name
    if isinstance(expr, nodes.Member):
        base = expression_name(expr.target)
        return f"{base}_{expr.member}" if base else None
    if isinstance(expr, nodes.Index):
        base = expression_name(expr.target)
        if base and isinstance(expr.index, nodes.Literal) and isinstance(expr.index.value, (str, int)):
            return f"{base}_{expr.index.value}"
        return None
    if isinstance(expr, nodes.Call):
        return _call_name(expr)
    return None


# Scalar functions whose unnamed result takes a name derived from the first argument,
# as Kusto.Language 12.4.1 declares them (its function catalogue's result-name kind).
# Every other scalar function gives no name, so its column becomes ColumnN.
_NAMED_AFTER_FIRST_ARGUMENT = frozenset(
    """abs acos asin atan atan2 bin bin_at bin_auto binary_and binary_not binary_or
    binary_shift_left binary_shift_right binary_xor bitset_count_ones ceiling cos erf erfc
    exp exp10 exp2 floor format_bytes format_datetime format_timespan gamma log log10 log2
    loggamma parse_csv parse_json parse_xml parsejson pow rand round series_fill_backward
    series_fill_const series_fill_forward series_fill_linear series_fir series_iir
    series_outliers sin split sqrt startofday tan tobool toboolean todatetime todecimal
    todouble todynamic toguid tohex toint tolong toobject toreal tostring totime
    totimespan""".split()
)

# Functions named "<prefix>_<first argument>"; strlen's prefix is its own name.
_PREFIX_AND_FIRST_ARGUMENT = {"strlen": "strlen", "string_size": "string_size", "gettype": "type", "repeat": "repeat"}

# Functions named after their argument when they are given exactly one.
_ONLY_ARGUMENT = frozenset({"make_datetime", "make_timespan"})


def _call_name(call: nodes.Call) -> str | None:
    name = call.name
    first = call.args[0] if call.args else None
    first_name = expression_name(first) if isinstance(first, nodes.Expr) else None

    if name in AGGREGATES and name not in SCALARS:
        entry = AGGREGATES[name]
        # take_any(x) keeps x's name, as Kusto.Language names it.
        if entry.selects_rows or name in ("take_any", "take_anyif"):
            return first_name
        prefix = entry.column_prefix or entry.name
        return f"{prefix}_{first_name or ''}"
    if name in _PREFIX_AND_FIRST_ARGUMENT:
        return f"{_PREFIX_AND_FIRST_ARGUMENT[name]}_{first_name}" if first_name else None
    if name in _ONLY_ARGUMENT:
        return first_name if len(call.args) == 1 else None
    if name in _NAMED_AFTER_FIRST_ARGUMENT or (name in SCALARS and SCALARS[name].named_after_first_arg):
        return first_name
    return None


def percentile_name(argument: str | None, percent: object) -> str:
    """``percentile(x, 99.9)`` is named ``percentile_x_99_9``."""
    text = re.sub(r"[^0-9A-Za-z]", "_", _format_number(percent))
    return f"percentile_{argument or ''}_{text}"


def _format_number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ColumnNamer:
    """Hands out ``Column1``, ``Column2``, ... for one operator, skipping taken names."""

    def __init__(self, taken: set[str], prefix: str = "Column") -> None:
        self.taken = taken
        self.prefix = prefix
        self.counter = 0

    def next(self) -> str:
        while True:
            self.counter += 1
            candidate = f"{self.prefix}{self.counter}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


class DeclaredNames:
    """The output names of one operator as they are declared, left to right.

    Kusto rejects a name written twice (``project x, x``, ``extend r=1, r=2``), but
    makes a derived name unique (``project bin(t, 1d), bin(t, 1h)`` gives ``t``, ``t1``).
    """

    def __init__(self, reserved: set[str] | None = None) -> None:
        self.names: list[str] = []
        self.reserved = set(reserved or ())

    def add(self, name: str, explicit: bool) -> str | None:
        """Declare `name`; return the name to use, or None if it is a duplicate explicit name."""
        if name not in self.names:
            self.names.append(name)
            return name
        if explicit:
            return None
        taken = set(self.names) | self.reserved
        suffix = 1
        while f"{name}{suffix}" in taken:
            suffix += 1
        unique = f"{name}{suffix}"
        self.names.append(unique)
        return unique


def is_explicit(item: nodes.ColumnExpr) -> bool:
    """True when the item names its column itself: ``Name = expr`` or a plain column."""
    return bool(item.names) or isinstance(item.expr, nodes.NameRef)
