"""Scopes: what a name means at one point of a query.

A name in an expression is looked up among the columns of the operator's input
first, then among `let` names from the innermost to the outermost statement list,
then among stored tables. `let` values are already bound, so using one inlines it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kqlite.semantics.bound import BoundExpr, BoundTabular
from kqlite.syntax.nodes import FunctionDef
from kqlite.table import Columns
from kqlite.types import KqlType


@dataclass(frozen=True, slots=True)
class UserFunction:
    """A `let`-defined function with the scope it was defined in (its closure)."""

    name: str
    definition: FunctionDef
    scope: Scope


# The value a `let` name is bound to.
Binding = BoundExpr | BoundTabular | UserFunction


@dataclass(slots=True)
class Scope:
    """Names visible at one point: columns of the current row and `let` bindings."""

    columns: Columns = ()
    lets: dict[str, Binding] = field(default_factory=dict)
    parent: Scope | None = None
    table_schema: Callable[[str], Columns | None] | None = None

    def child(self) -> Scope:
        """A nested statement list (a function body) whose lets shadow this one's."""
        return Scope(columns=self.columns, parent=self, table_schema=self.table_schema)

    def with_columns(self, columns: Columns) -> Scope:
        """Return a scope with the same lets, for the rows of an input with `columns`."""
        return Scope(columns=columns, lets=self.lets, parent=self.parent, table_schema=self.table_schema)

    def column_type(self, name: str) -> KqlType | None:
        for column, kql_type in self.columns:
            if column == name:
                return kql_type
        return None

    def lookup(self, name: str) -> Binding | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.lets:
                return scope.lets[name]
            scope = scope.parent
        return None

    def stored_table(self, name: str) -> Columns | None:
        return self.table_schema(name) if self.table_schema else None

    def visible_names(self) -> list[str]:
        """List every name a hint may suggest: columns, then lets from the innermost out."""
        names = [column for column, _ in self.columns]
        scope: Scope | None = self
        while scope is not None:
            names.extend(scope.lets)
            scope = scope.parent
        return names
