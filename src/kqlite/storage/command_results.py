"""The result tables of control commands, with Kusto's column names and types."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kqlite.table import Columns, Table
from kqlite.types import BOOL, CLR_NAMES, GUID, LONG, PANDAS_DTYPES, STRING, TIMESPAN, coerce_series, empty_series

ZERO_GUID = uuid.UUID(int=0)

SCHEMA_COLUMNS: Columns = (
    ("TableName", STRING), ("Schema", STRING), ("DatabaseName", STRING), ("Folder", STRING), ("DocString", STRING),
)
TABLE_LIST_COLUMNS: Columns = (("TableName", STRING), ("DatabaseName", STRING))
SHOW_TABLES_COLUMNS: Columns = (
    ("TableName", STRING), ("DatabaseName", STRING), ("Folder", STRING), ("DocString", STRING),
)
DATABASE_SCHEMA_COLUMNS: Columns = (
    ("DatabaseName", STRING), ("TableName", STRING), ("ColumnName", STRING), ("ColumnType", STRING),
    ("IsDefaultTable", BOOL), ("IsDefaultColumn", BOOL), ("PrettyName", STRING), ("Version", STRING),
)
EXTENT_COLUMNS: Columns = (
    ("ExtentId", GUID), ("OriginalSize", LONG), ("ExtentSize", LONG), ("ColumnSize", LONG),
    ("IndexSize", LONG), ("RowCount", LONG),
)
INLINE_EXTENT_COLUMNS: Columns = (("ExtentId", GUID),)
INGEST_COLUMNS: Columns = (
    ("ExtentId", GUID), ("ItemLoaded", STRING), ("Duration", TIMESPAN), ("HasErrors", BOOL), ("OperationId", GUID),
)
OPERATION_COLUMNS: Columns = (("OperationId", GUID),)

# Kusto.Language (12.4.1) gives `.clear table ... data` this one-column result.
CLEAR_COLUMNS: Columns = (("Status", STRING),)


def clear_result() -> Table:
    """Build the result of `.clear table ... data`: one row with Status ``Success``."""
    return Table("", CLEAR_COLUMNS, pd.DataFrame({"Status": pd.Series(["Success"], dtype=PANDAS_DTYPES[STRING])}))
SCRIPT_COLUMNS: Columns = (
    ("OperationId", GUID), ("CommandType", STRING), ("CommandText", STRING), ("Result", STRING), ("Reason", STRING),
)

# NOTE: Kusto's documentation shows no real value of this column; "v.1.1" is the one its example prints.
DATABASE_SCHEMA_VERSION = "v.1.1"


def result_table(columns: Columns, rows: Sequence[Sequence[Any]], extra: dict[str, str] | None = None) -> Table:
    """Build a command's result table from Python values, one tuple per row."""
    data = {}
    for index, (name, kql_type) in enumerate(columns):
        values = [row[index] for row in rows]
        series = pd.Series(values, dtype=object) if values else empty_series(kql_type)
        data[name] = coerce_series(series, kql_type) if values else series
    return Table("", columns, pd.DataFrame(data, index=pd.RangeIndex(len(rows))), extra=extra or {})


def schema_json(table: Table) -> str:
    """Return a table's schema as the JSON text of `.show table T schema as json`."""
    # The shape follows the documented output of `.show external table T schema as json`.
    document = {
        "Name": table.name,
        "Folder": table.folder,
        "DocString": table.docstring,
        "OrderedColumns": [
            {"Name": name, "Type": CLR_NAMES[kql_type], "CslType": str(kql_type)} for name, kql_type in table.columns
        ],
    }
    return json.dumps(document, separators=(",", ":"))


def schema_result(table: Table, database: str, as_json: bool = True) -> Table:
    """Build the one-row result of `.create table`, `.show table T schema as json` and `.show table T cslschema`."""
    schema = schema_json(table) if as_json else table.cslschema()
    return result_table(SCHEMA_COLUMNS, [(table.name, schema, database, table.folder, table.docstring)])


def table_list_result(names: Sequence[str], database: str) -> Table:
    """Build the result of `.drop table`: the tables that remain."""
    return result_table(TABLE_LIST_COLUMNS, [(name, database) for name in names])


def show_tables_result(tables: Sequence[Table], database: str) -> Table:
    """Build the result of `.show tables`."""
    return result_table(SHOW_TABLES_COLUMNS, [(table.name, database, table.folder, table.docstring) for table in tables])


def database_schema_result(tables: Sequence[tuple[str, Columns]], database: str) -> Table:
    """Build the result of `.show database schema`: a database row, then per table a table row and its column rows."""
    rows: list[tuple[Any, ...]] = [(database, "", "", "", False, False, "", DATABASE_SCHEMA_VERSION)]
    for name, columns in tables:
        rows.append((database, name, "", "", True, False, "", ""))
        rows.extend((database, name, column, CLR_NAMES[kql_type], True, False, "", "") for column, kql_type in columns)
    return result_table(DATABASE_SCHEMA_COLUMNS, rows)


def extent_result(frame: pd.DataFrame) -> Table:
    """Build the result of an ingestion from a query: one row for the one extent it creates.

    NOTE: the sizes are the frame's in-memory size, an estimate of Kusto's figures, and
    IndexSize is 0.
    """
    if not len(frame):
        return result_table(EXTENT_COLUMNS, [])
    size = int(frame.memory_usage(index=False, deep=False).sum())
    return result_table(EXTENT_COLUMNS, [(uuid.uuid4(), size, size, size, 0, len(frame))])


def operation_result() -> Table:
    """Build the result of an `async` command: the id of its operation."""
    return result_table(OPERATION_COLUMNS, [(uuid.uuid4(),)])
