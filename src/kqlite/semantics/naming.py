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
from kqlite.syntax import nodes


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


def _call_name(call: nodes.Call) -> str | None:
    name = call.name
    first = call.args[0] if call.args else None
    first_name = expression_name(first) if isinstance(first, nodes.Expr) else None

    if name in AGGREGATES:
        entry = AGGREGATES[name]
        if entry.selects_rows:
            return first_name
        prefix = entry.column_prefix or entry.name
        return f"{prefix}_{first_name or ''}"
    if name in SCALARS and SCALARS[name].named_after_first_arg:
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
