"""Serialized row sets: which operators produce one, and the check that window functions get one.

Window functions (`ScalarFunction.window`: ``prev``, ``row_number``, ``row_cumsum``...)
read other rows, so their result depends on the row order; Kusto accepts them only
where the operator's input is serialized. The rules, from Microsoft's documentation of
the serialize operator and of window functions:

- ``serialize``, ``sort``/``order by``, ``top``, ``range`` and ``getschema`` produce a
  serialized row set;
- ``summarize``, ``distinct``, ``count``, ``join``, ``make-series``, ``mv-expand``,
  ``evaluate``, ``sample``, ``sample-distinct``, ``top-nested`` (and ``facet``,
  ``reduce``) produce a nonserialized one;
- every other operator (``where``, ``extend``, ``project``, ``take``, ``lookup``...)
  keeps the serialization of its input.

A stored table or a ``datatable`` is not serialized. Kusto.Language 12.4.1 does not
check this rule: its analyzer accepts ``T | summarize ... | extend row_number()``. The
Kusto service rejects such a query ("Function 'row_number' cannot be invoked in current
context"), and kqlite rejects it when it binds the query.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from kqlite.semantics import bound as b
from kqlite.syntax import nodes
from kqlite.syntax.nodes import DataclassMethods

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder

WINDOW_ON_UNSERIALIZED = "KL150"


class Effect(enum.Enum):
    """The change an operator makes to the serialization of its rows."""

    SERIALIZES = "serializes"
    KEEPS = "keeps"
    CLEARS = "clears"


def _join_effect(node: b.BoundTabular) -> Effect:
    # lookup is not among the operators the documentation lists as nonserializing; join is.
    return Effect.KEEPS if isinstance(node, b.JoinRows) and node.is_lookup else Effect.CLEARS


# The rule per bound operator. A bound class missing here keeps its input's
# serialization, as the documentation says of every operator it does not list.
# NOTE: facet and reduce clear it; their bound classes belong here once kqlite has them.
EFFECTS: dict[type[b.BoundTabular], Effect | Callable[[b.BoundTabular], Effect]] = {
    # Sources.
    b.TableScan: Effect.CLEARS,
    b.DatatableSource: Effect.CLEARS,
    b.RangeSource: Effect.SERIALIZES,
    # One row has one order (kqlite's choice, because the documentation does not list print).
    b.PrintSource: Effect.SERIALIZES,
    # Operators.
    b.Order: Effect.SERIALIZES,
    b.SchemaOf: Effect.SERIALIZES,
    b.Aggregate: Effect.CLEARS,
    b.CountRows: Effect.CLEARS,
    b.MakeSeriesRows: Effect.CLEARS,
    b.Expand: Effect.CLEARS,
    b.PluginCall: Effect.CLEARS,
    b.SampleRows: Effect.CLEARS,
    b.SampleDistinctRows: Effect.CLEARS,
    # kqlite returns top-nested's rows in tree order, but the documentation lists
    # top-nested among the operators whose output is not serialized.
    b.TopNestedRows: Effect.CLEARS,
    b.JoinRows: _join_effect,
    # The legs of a union run independently, so their rows interleave in no fixed order
    # (kqlite's choice, because the documentation does not list union).
    b.UnionRows: Effect.CLEARS,
    b.Filter: Effect.KEEPS,
    b.Limit: Effect.KEEPS,
    b.Compute: Effect.KEEPS,
    b.Select: Effect.KEEPS,
    b.RenderHint: Effect.KEEPS,
    b.Shared: Effect.KEEPS,
    # mv-apply is not among the operators the documentation lists as nonserializing. Its
    # subquery reads each record's expanded rows in array order ("order is preserved").
    b.ApplyRows: Effect.KEEPS,
    b.ApplySubtable: Effect.SERIALIZES,
}


class SerializedNodes:
    """The bound nodes a ``serialize`` operator marked as serialized.

    ``T | summarize ... | serialize`` binds to the summarize node itself (serialize
    without assignments adds no node), so the mark is kept beside the tree. The nodes
    are held, so their ids stay unique while the binder lives.

    NOTE: ``let A = ...; A | serialize`` marks the node of `A` itself, so every later use
    of `A` in the script counts as serialized too.
    """

    def __init__(self) -> None:
        self._nodes: dict[int, b.BoundTabular] = {}

    def add(self, node: b.BoundTabular) -> None:
        self._nodes[id(node)] = node

    def __contains__(self, node: object) -> bool:
        return id(node) in self._nodes


def is_serialized(node: b.BoundTabular, marked: SerializedNodes | None = None) -> bool:
    """Return whether the rows of `node` are serialized, following the rules in `EFFECTS`."""
    current: b.BoundTabular | None = node
    while current is not None:
        if marked is not None and current in marked:
            return True
        rule = EFFECTS.get(type(current), Effect.KEEPS)
        effect = rule(current) if callable(rule) else rule
        if effect is Effect.SERIALIZES:
            return True
        if effect is Effect.CLEARS:
            return False
        current = _main_input(current)
    return False


def _main_input(node: b.BoundTabular) -> b.BoundTabular | None:
    for name in ("input", "left"):
        child = getattr(node, name, None)
        if isinstance(child, b.BoundTabular):
            return child
    return None


def check_window_calls(
    binder: Binder, operator: nodes.Operator, input: b.BoundTabular, output: b.BoundTabular
) -> None:
    """Report every window function that `operator` (bound as `output`) runs on unserialized rows.

    A ``serialize`` operator marks its output, and its own assignments may already use
    window functions (``serialize rn = row_number()``).
    """
    if isinstance(operator, nodes.Serialize):
        binder.serialized_nodes.add(output)
        return
    if is_serialized(input, binder.serialized_nodes):
        return

    seen: set[int] = set()
    for call in window_calls(output, input):
        if id(call) in seen:
            continue
        seen.add(id(call))
        binder.error(
            WINDOW_ON_UNSERIALIZED,
            f"the function '{call.function.name}' cannot be invoked in the current context: "
            "the rows of its input are not serialized",
            call.span,
            hint="add '| serialize' or '| order by ...' before this operator",
        )


def window_calls(output: b.BoundTabular, input: b.BoundTabular) -> Iterator[b.BoundCall]:
    """Yield the window function calls of an operator's own expressions.

    The walk covers `output` and the nodes the operator built above `input` (mv-expand
    computes its items in a node of its own). Subqueries and the right side of a join
    are bound as pipelines of their own and checked there.
    """
    pending = [output]
    while pending:
        node = pending.pop()
        for field in fields(node):
            value = getattr(node, field.name)
            if isinstance(value, b.BoundTabular):
                if field.name in ("input", "left") and value is not input:
                    pending.append(value)
                continue
            yield from _calls_in(value)


def _calls_in(value: Any) -> Iterator[b.BoundCall]:
    # An explicit stack, because a chain `a or b or ...` of any length nests one level per operator.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (tuple, list)):
            pending.extend(reversed(item))
            continue
        if not isinstance(item, DataclassMethods) or isinstance(item, b.BoundTabular):
            continue
        if isinstance(item, b.BoundCall) and item.function.window:
            yield item
        pending.extend(getattr(item, field.name) for field in reversed(fields(item)))
