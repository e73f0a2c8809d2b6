"""Ingest from a query: `.set`, `.append`, `.set-or-append` and `.set-or-replace`.

| command         | table exists                | table missing        |
|-----------------|-----------------------------|----------------------|
| .set            | fails                       | created and filled   |
| .append         | rows appended               | fails                |
| .set-or-append  | rows appended               | created and filled   |
| .set-or-replace | rows replaced               | created and filled   |

Query columns map to an existing table's columns by position, not by name. The table
keeps its schema unless ``extend_schema=true`` (the query may add columns at the end)
or, for `.set-or-replace`, ``recreate_schema=true`` (the table takes the query's
schema). A new table takes the query's column names and types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kqlite.errors import KqlRuntimeError, Span
from kqlite.storage.catalog import Catalog, TableInfo
from kqlite.storage.frames import concat_frames
from kqlite.storage.ingest import PropertyValue, property_flag
from kqlite.table import Columns, Table
from kqlite.types import empty_series

# The KQL types of a query result, and its rows in kqlite's representation.
QueryResult = tuple[Columns, pd.DataFrame]


@dataclass(frozen=True, slots=True)
class QueryIngestion:
    """The change a query ingestion makes: a whole new `table`, or rows `appended` to the stored one."""

    table: Table | None = None
    appended: pd.DataFrame | None = None


def ingest_query_result(
    verb: str, name: str, result: QueryResult, catalog: Catalog, properties: Mapping[str, PropertyValue], span: Span
) -> QueryIngestion:
    """Work out the change a query ingestion makes (the caller stores it)."""
    options = {key.lower(): value for key, value in properties.items()}
    query_columns, frame = result
    exists = name in catalog

    if verb == ".set" and exists:
        raise KqlRuntimeError("KL104", f"table '{name}' already exists", span,
                              hint="use .append or .set-or-append to add rows, or .set-or-replace to replace them")
    if verb == ".append" and not exists:
        raise KqlRuntimeError("KL103", f"table '{name}' was not found", span,
                              hint="use .set or .set-or-append to create it from the query")

    folder = str(options.get("folder", ""))
    docstring = str(options.get("docstring", ""))
    if not exists or (verb == ".set-or-replace" and property_flag(options, "recreate_schema")):
        _check_new_names(query_columns, span)
        old = catalog.info(name) if exists else None
        table = Table(name, query_columns, _renamed(frame, query_columns), folder or (old.folder if old else ""),
                      docstring or (old.docstring if old else ""))
        return QueryIngestion(table=table)

    existing = catalog.info(name)
    columns = _target_columns(existing, query_columns, property_flag(options, "extend_schema"), span)
    rows = _renamed(frame, columns[: len(query_columns)])
    folder = folder or existing.folder
    docstring = docstring or existing.docstring
    if verb == ".set-or-replace":
        return QueryIngestion(table=Table(name, columns, concat_frames(columns, [rows]), folder, docstring))
    if columns == existing.columns and (folder, docstring) == (existing.folder, existing.docstring):
        # Same schema and metadata: only the new rows need storing.
        return QueryIngestion(appended=rows)
    old_rows = _padded(catalog.get(name).frame, columns)
    new_frame = concat_frames(columns, [old_rows, _padded(rows, columns)])
    return QueryIngestion(table=Table(name, columns, new_frame, folder, docstring))


def _check_new_names(columns: Columns, span: Span) -> None:
    for column, _ in columns:
        if "$" in column:
            raise KqlRuntimeError("KL115", f"column name '{column}' contains '$', which table column names cannot",
                                  span, hint="rename the column in the query with project-rename")


def _target_columns(existing: TableInfo, query_columns: Columns, extend: bool, span: Span) -> Columns:
    table_columns = existing.columns
    schema_text = ",".join(f"{column}:{kql_type}" for column, kql_type in table_columns)
    if len(query_columns) > len(table_columns) and not extend:
        raise KqlRuntimeError(
            "KL116",
            f"the query returns {len(query_columns)} columns but table '{existing.name}' has {len(table_columns)}",
            span, hint=f"table schema: {schema_text}; add with (extend_schema=true) to add columns",
        )
    if len(query_columns) < len(table_columns):
        raise KqlRuntimeError(
            "KL116",
            f"the query returns {len(query_columns)} columns but table '{existing.name}' has {len(table_columns)}",
            span, hint=f"table schema: {schema_text}",
        )
    for position, ((table_name, table_type), (query_name, query_type)) in enumerate(
        zip(table_columns, query_columns, strict=False)
    ):
        if table_type is not query_type:
            raise KqlRuntimeError(
                "KL116",
                f"query column {position + 1} '{query_name}' is {query_type} but table column '{table_name}' is {table_type}",
                span, hint="columns map by position; convert the value in the query (e.g. tolong(), tostring())",
            )
    extra = query_columns[len(table_columns):]
    _check_new_names(extra, span)
    return table_columns + extra


def _renamed(frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    renamed = frame.iloc[:, : len(columns)].copy(deep=False)
    renamed.columns = [name for name, _ in columns]
    return renamed.reset_index(drop=True)


def _padded(frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    # Rows from before an extend_schema get nulls (strings "") in the new columns.
    missing = {name: empty_series(kql_type, len(frame)) for name, kql_type in columns if name not in frame.columns}
    if not missing:
        return frame
    return pd.concat([frame.reset_index(drop=True), pd.DataFrame(missing)], axis=1)
