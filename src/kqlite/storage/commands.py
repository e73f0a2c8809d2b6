"""Run kqlite's control commands against a `Catalog`.

`execute_command` parses one command (see `kqlite.storage.command_parser` for the
grammar), runs it and returns Kusto's result table for it. A failed command changes no
table: every new table is built completely before `Catalog.put` stores it.

Error codes of the storage layer:

- KL101: the database folder is already open for writing in another process.
- KL102: a table file is missing, corrupt or cannot be written.
- KL103: a table does not exist.
- KL104: `.set` names a table that already exists.
- KL105: `.create-merge` or `.alter-merge` gives an existing column another type.
- KL106: the command's syntax is invalid.
- KL108: a property has an invalid value.
- KL110: an ingestion source cannot be opened or downloaded.
- KL111: the ingestion format is unknown.
- KL112: a record has the wrong number of fields, or a JSON record is invalid.
- KL113: ingested data is not valid UTF-8.
- KL114: ingested data cannot be read (truncated or corrupt compression, bad Parquet).
- KL115: a new column name contains ``$``.
- KL116: a query result does not fit the table's schema.
- KL118: a column is listed twice.
- KL119: a change was requested on a catalogue opened read-only.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pyarrow as pa

from kqlite.errors import KqlError, KqlRuntimeError, Span
from kqlite.storage import command_results as results
from kqlite.storage.catalog import Catalog, TableInfo
from kqlite.storage.command_parser import (
    ClearTableData,
    Command,
    DropTables,
    ExecuteScript,
    IngestFromQuery,
    IngestFromStorage,
    IngestInline,
    ShowDatabaseSchema,
    ShowTables,
    ShowTableSchema,
    TableSchemaCommand,
    parse_command,
)
from kqlite.storage.command_syntax import skip_blanks
from kqlite.storage.formats.common import ProgressCallback, ReadResult, no_progress
from kqlite.storage.frames import concat_frames, empty_frame
from kqlite.storage.ingest import PropertyValue, read_inline, read_source
from kqlite.storage.sources import open_raw
from kqlite.storage.query_ingest import QueryResult, ingest_query_result
from kqlite.storage.script import run_script
from kqlite.table import Columns, Table
from kqlite.types import empty_series

logger = logging.getLogger("kqlite.storage")

# Reads the sources of `.ingest async` commands while later commands run. Two workers
# let two gzip streams decompress at once; Arrow's own thread pool parses them.
_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kqlite-ingest")

RunQuery = Callable[[str], QueryResult]
# Makes the progress reporter of one ingestion source, given the source's location.
ProgressFactory = Callable[[str], ProgressCallback]


def is_command(text: str) -> bool:
    """Tell whether `text` is a control command: its first token after comments starts with '.'."""
    position = skip_blanks(text, 0, len(text))
    return text.startswith(".", position)


def execute_command(
    text: str, catalog: Catalog, run_query: RunQuery, progress: ProgressFactory | None = None
) -> Table:
    """Parse and run one control command; return its result table."""
    try:
        command = parse_command(text)
        return _Runner(text, catalog, run_query, progress).run(command)
    except KqlError as error:
        raise error.with_source(text) from None


class _Runner:
    def __init__(self, text: str, catalog: Catalog, run_query: RunQuery, progress: ProgressFactory | None) -> None:
        self.text = text
        self.catalog = catalog
        self.run_query = run_query
        self.progress = progress

    def run(self, command: Command) -> Table:
        handlers: dict[type, Callable[[Any], Table]] = {
            TableSchemaCommand: self._table_schema,
            DropTables: self._drop,
            ClearTableData: self._clear,
            IngestFromQuery: self._ingest_from_query,
            IngestInline: self._ingest_inline,
            IngestFromStorage: self._ingest_from_storage,
            ExecuteScript: lambda script: run_script(self.text, script, self.run),
            ShowTables: self._show_tables,
            ShowTableSchema: self._show_table_schema,
            ShowDatabaseSchema: self._show_database_schema,
        }
        return handlers[type(command)](command)

    @property
    def database(self) -> str:
        return self.catalog.database_name

    def _existing(self, name: str, span: Span) -> Table:
        return self.catalog.get(self._existing_info(name, span).name)

    def _existing_info(self, name: str, span: Span) -> TableInfo:
        # Schema and metadata only: ingestion and `.clear` need no rows loaded.
        if name not in self.catalog:
            raise KqlRuntimeError("KL103", f"table '{name}' was not found", span, hint=_names_hint(self.catalog))
        return self.catalog.info(name)

    def _table_schema(self, command: TableSchemaCommand) -> Table:
        folder = str(command.properties.get("folder", ""))
        docstring = str(command.properties.get("docstring", ""))
        if command.table not in self.catalog:
            if command.verb == ".alter-merge":
                self._existing(command.table, command.span)
            table = Table(command.table, command.columns, empty_frame(command.columns), folder, docstring)
            self.catalog.put(table)
            return results.schema_result(table, self.database)

        existing = self.catalog.get(command.table)
        if command.verb == ".create":
            # Kusto: creating an existing table succeeds and changes nothing, whatever the schema.
            return results.schema_result(existing, self.database)
        merged = _merged_columns(existing, command.columns, command.span)
        frame = existing.frame
        for name, kql_type in merged[len(existing.columns):]:
            frame = frame.assign(**{name: empty_series(kql_type, len(frame))})
        table = Table(existing.name, merged, frame, folder or existing.folder, docstring or existing.docstring)
        if (table.columns, table.folder, table.docstring) != (existing.columns, existing.folder, existing.docstring):
            self.catalog.put(table)
        return results.schema_result(table, self.database)

    def _drop(self, command: DropTables) -> Table:
        missing = [name for name in command.tables if name not in self.catalog]
        if missing and not command.if_exists:
            raise KqlRuntimeError("KL103", f"table '{missing[0]}' was not found", command.span,
                                  hint="add 'ifexists' to ignore tables that do not exist")
        for name in command.tables:
            if name in self.catalog:
                self.catalog.drop(name)
        return results.table_list_result(self.catalog.names(), self.database)

    def _clear(self, command: ClearTableData) -> Table:
        existing = self._existing_info(command.table, command.span)
        cleared = Table(existing.name, existing.columns, empty_frame(existing.columns), existing.folder, existing.docstring)
        self.catalog.put(cleared)
        # NOTE: Kusto documents no result for `.clear table data`; kqlite returns the one
        # Status column that Kusto.Language declares for it, with the value "Success".
        return results.clear_result()

    def _ingest_from_query(self, command: IngestFromQuery) -> Table:
        try:
            query_result = self.run_query(command.query)
        except KqlError as error:
            raise error.with_source(self.text, offset=command.query_offset) from None
        change = ingest_query_result(command.verb, command.table, query_result, self.catalog, command.properties,
                                     command.span)
        if change.appended is not None:
            self.catalog.append(command.table, change.appended)
        elif change.table is not None:
            self.catalog.put(change.table)
        if command.is_async:
            return results.operation_result()
        return results.extent_result(query_result[1])

    def _ingest_inline(self, command: IngestInline) -> Table:
        existing = self._existing_info(command.table, command.span)
        read = read_inline(command.data, existing.columns, command.properties)
        self._append(existing, [read])
        extent = uuid.uuid4() if read.row_count else results.ZERO_GUID
        return results.result_table(results.INLINE_EXTENT_COLUMNS, [(extent,)], _invalid_extra(read.invalid_values))

    def _ingest_from_storage(self, command: IngestFromStorage) -> Table:
        existing = self._existing_info(command.table, command.span)
        if command.is_async:
            return self._ingest_later(existing, command)
        operation = uuid.uuid4()
        reads: list[ReadResult] = []
        rows: list[tuple[Any, ...]] = []
        for location in command.sources:
            started = time.monotonic()
            reporter = self.progress(location) if self.progress is not None else no_progress
            reads.append(read_source(location, existing.columns, command.properties, reporter))
            _finish_reporter(reporter)
            duration = pd.Timedelta(seconds=time.monotonic() - started)
            rows.append((uuid.uuid4(), location, duration, False, operation))

        self._append(existing, reads)
        invalid = sum(read.invalid_values for read in reads)
        return results.result_table(results.INGEST_COLUMNS, rows, _invalid_extra(invalid))

    def _ingest_later(self, existing: TableInfo, command: IngestFromStorage) -> Table:
        # A missing local file fails the command at once. Other failures are logged when the
        # rows are appended, because Kusto reports queued ingestion failures only on request.
        # NOTE: rows still being read are lost if the process exits without Catalog.close().
        for location in command.sources:
            if urllib.parse.urlparse(location).scheme not in ("http", "https"):
                open_raw(location).close()
        job = _BACKGROUND.submit(_read_sources, existing, command.sources, command.properties)
        self.catalog.append_later(existing.name, job)
        return results.operation_result()

    def _append(self, existing: TableInfo, reads: list[ReadResult]) -> None:
        invalid = sum(read.invalid_values for read in reads)
        if invalid:
            logger.warning("ingestion into '%s': %d values did not parse as their column's type and are null",
                           existing.name, invalid)
        self.catalog.append(existing.name, _combined_rows(existing.columns, reads))

    def _show_tables(self, command: ShowTables) -> Table:
        names = [name for name in self.catalog.names() if not command.tables or name in command.tables]
        tables = []
        for name in names:
            try:
                info = self.catalog.info(name)
            except KqlRuntimeError as error:
                # One damaged manifest must not hide the other tables, so the damaged table
                # is listed by name, with the error as its docstring, and the error is logged.
                logger.warning(".show tables: table '%s' cannot be read: %s", name, error.message)
                tables.append(Table(name, (), pd.DataFrame(), "", f"damaged: {error.message}"))
                continue
            tables.append(Table(info.name, info.columns, pd.DataFrame(), info.folder, info.docstring))
        return results.show_tables_result(tables, self.database)

    def _show_table_schema(self, command: ShowTableSchema) -> Table:
        if command.table not in self.catalog:
            self._existing(command.table, command.span)
        info = self.catalog.info(command.table)
        table = Table(info.name, info.columns, pd.DataFrame(), info.folder, info.docstring)
        return results.schema_result(table, self.database, as_json=command.as_json)

    def _show_database_schema(self, command: ShowDatabaseSchema) -> Table:
        tables = []
        for name in self.catalog.names():
            try:
                columns = self.catalog.schema(name)
            except KqlRuntimeError as error:
                # As in .show tables: the damaged table is listed without columns, and logged.
                logger.warning(".show database schema: table '%s' cannot be read: %s", name, error.message)
                columns = ()
            tables.append((name, columns))
        return results.database_schema_result(tables, self.database)


def _read_sources(
    existing: TableInfo, sources: Sequence[str], properties: Mapping[str, PropertyValue]
) -> pd.DataFrame | pa.Table:
    reads = [read_source(location, existing.columns, properties) for location in sources]
    invalid = sum(read.invalid_values for read in reads)
    if invalid:
        logger.warning("ingestion into '%s': %d values did not parse as their column's type and are null",
                       existing.name, invalid)
    return _combined_rows(existing.columns, reads)


def _combined_rows(columns: Columns, reads: list[ReadResult]) -> pd.DataFrame | pa.Table:
    # Arrow tables from the fast path go to disk as they are; anything else goes through pandas.
    tables = [read.rows for read in reads if isinstance(read.rows, pa.Table)]
    if tables and len(tables) == len(reads) and all(table.schema == tables[0].schema for table in tables):
        return pa.concat_tables(tables)
    return concat_frames(columns, [read.frame for read in reads])


def _merged_columns(existing: Table, listed: Columns, span: Span) -> Columns:
    current = dict(existing.columns)
    added: list[tuple[str, Any]] = []
    for name, kql_type in listed:
        if name in current and current[name] is not kql_type:
            raise KqlRuntimeError(
                "KL105",
                f"column '{name}' of table '{existing.name}' is {current[name]}, not {kql_type}",
                span, hint="a merge cannot change a column's type; drop and recreate the table to change it",
            )
        if name not in current:
            added.append((name, kql_type))
    return existing.columns + tuple(added)


def _invalid_extra(invalid: int) -> dict[str, str]:
    return {"InvalidValues": str(invalid)} if invalid else {}


def _finish_reporter(reporter: ProgressCallback) -> None:
    finish = getattr(reporter, "finish", None)
    if callable(finish):
        finish()


def _names_hint(catalog: Catalog) -> str:
    names = catalog.names()
    if not names:
        return "the database has no tables"
    return "tables: " + ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")

