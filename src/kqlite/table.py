"""Table: a named, typed pandas DataFrame, the unit the catalogue stores and queries read."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kqlite.types import KqlType

# An ordered KQL schema: (column name, KQL type) pairs.
Columns = tuple[tuple[str, KqlType], ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table's name, KQL schema, data and the metadata `.show tables` lists.

    `frame` has exactly the columns of `columns`, in that order, each held in the
    representation `kqlite.types` gives for its KQL type.
    """

    name: str
    columns: Columns
    frame: pd.DataFrame
    folder: str = ""
    docstring: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def cslschema(self) -> str:
        """Return the schema as Kusto's cslschema text, e.g. ``IpCidr:string,Info:string``."""
        return ",".join(f"{name}:{kql_type}" for name, kql_type in self.columns)
