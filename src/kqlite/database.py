"""Database: the catalogue of tables and the pipeline that runs a text against it.

``execute`` splits a script into blocks at blank lines and runs each control command
through the storage layer. Each query text goes through four stages: parse (lark) to a
syntax tree, bind (names, types, schemas, all semantic errors), optimize, and run
(pandas). Each result is wrapped as a `Result`. Stage timings are logged at DEBUG on the ``kqlite`` logger.
"""

from __future__ import annotations

import atexit
from dataclasses import replace
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kqlite.errors import KqlError, KqlInternalError, KqlRuntimeError, KqlSemanticError, Span
from kqlite.result import Result
from kqlite.script import Block, split_blocks
from kqlite.table import Columns, Table
from kqlite.types import KqlType, coerce_series, infer_kql_type, parse_type_name

if TYPE_CHECKING:
    from kqlite.executor.tabular import Executor
    from kqlite.semantics.bound import BoundTabular
    from kqlite.storage.progress import ProgressBar

    # Makes the progress bar of one ingestion source from its location.
    ProgressFactory = Callable[[str], ProgressBar]

logger = logging.getLogger("kqlite")
logger.addHandler(logging.NullHandler())


class Database:
    """A KQL database: stored tables, plus queries and commands to run against them.

    Args:
        path: a folder that keeps every table on disk between runs, or None for a
            database that lives in memory only.
        read_only: open the folder without its write lock, so that it can be read
            while another process has it open; commands that change tables fail (KL119).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        progress: ProgressFactory | None = None,
        read_only: bool = False,
    ) -> None:
        from kqlite.storage.catalog import Catalog

        if read_only and path is not None and not Path(path).is_dir():
            raise KqlRuntimeError(
                "KL109",
                f"database folder {path} was not found",
                hint="check the path: a database opened read-only must exist, because it is not created",
            )
        try:
            self.catalog = Catalog(path, read_only=read_only)
        except KqlRuntimeError as error:
            if error.code != "KL101":
                raise
            hint = (
                "close the other kqlite session, or open the folder read-only: "
                f"kqlite --read-only --db {path}, or kqlite.connect({str(path)!r}, read_only=True) in Python"
            )
            raise KqlRuntimeError("KL101", error.message, hint=hint) from None
        self.progress = progress

        # `.ingest async` reads in the background; closing at exit waits for it, so that a
        # script ending with an async ingestion loses no rows.
        atexit.register(self.catalog.close)

    # -----------------------------------------------------------------------------------
    # Tables

    def register(self, name: str, frame: pd.DataFrame, schema: dict[str, str] | None = None) -> None:
        """Store a pandas DataFrame as table `name`, replacing any table of that name.

        Column types are inferred from the dtypes unless `schema` maps a column to a
        KQL type name.

        Raises:
            KqlError: two columns with the same name (KL126), a schema type name that
                KQL does not know (KS160), or values that do not fit their column's
                KQL type (KL125).
        """
        names = [str(column) for column in frame.columns]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise KqlRuntimeError(
                "KL126",
                f"the DataFrame for table '{name}' has more than one column named {', '.join(map(repr, repeated))}",
                hint="rename the columns so that each name is used once, for example with frame.set_axis([...], axis=1)",
            )

        columns: list[tuple[str, KqlType]] = []
        data: dict[str, pd.Series] = {}
        for position, column in enumerate(frame.columns):
            series = frame.iloc[:, position].reset_index(drop=True)
            kql_type = _declared_type(schema, column) or infer_kql_type(series)
            columns.append((str(column), kql_type))
            data[str(column)] = _column_of(series, str(column), kql_type)
        self.catalog.put(Table(name=name, columns=tuple(columns), frame=pd.DataFrame(data)))

    def table_names(self) -> list[str]:
        return self.catalog.names()

    def table(self, name: str) -> Table:
        return self.catalog.get(name)

    def _table_schema(self, name: str) -> Columns | None:
        return self.catalog.schema(name) if name in self.catalog else None

    # -----------------------------------------------------------------------------------
    # Running text

    def execute(self, text: str, *, origin: str | None = None) -> Result:
        """Run a query, a command or a whole script; return the last result.

        Raises:
            KqlError: a syntax, semantic or runtime error, rendered with its place.
        """
        results = self.execute_all(text, origin=origin)
        if not results:
            return Result(schema=(), frame=pd.DataFrame())
        return results[-1]

    def execute_all(self, text: str, *, origin: str | None = None) -> list[Result]:
        """Run every block of a script in order and return every result."""
        return list(self.iterate(text, origin=origin))

    def iterate(self, text: str, *, origin: str | None = None) -> Iterator[Result]:
        """Run a script block by block, yielding each result as soon as it is ready."""
        text = without_byte_order_mark(text)
        for block in split_blocks(text):
            yield from self._run_block(text, block, origin)

    def query(self, text: str) -> pd.DataFrame:
        """Run a query and return its last result as a DataFrame."""
        return self.execute(text).to_pandas()

    def schema_of(self, text: str, tables: dict[str, Columns] | None = None) -> list[tuple[str, str]]:
        """Return the result columns of a query's last statement without running it.

        `tables` adds table schemas (name -> ((column, KqlType), ...)) to the stored ones.
        """
        from kqlite.semantics.binder import Binder
        from kqlite.syntax.parser import parse

        text = without_byte_order_mark(text)
        extra = dict(tables or {})

        def schema(name: str) -> Columns | None:
            return extra[name] if name in extra else self._table_schema(name)

        try:
            bound = Binder(schema, lambda: [*extra, *self.catalog.names()]).bind_script(parse(text))
        except KqlError as error:
            raise error.with_source(text)
        if not bound.queries:
            return []
        return [(name, str(kql_type)) for name, kql_type in bound.queries[-1].columns]

    def close(self) -> None:
        self.catalog.close()
        atexit.unregister(self.catalog.close)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------

    def _run_block(self, text: str, block: Block, origin: str | None) -> Iterator[Result]:
        try:
            if block.is_command:
                yield self._run_command(block.text)
            else:
                yield from self._run_queries(block.text)
        except KqlError as error:
            if error.span is None:
                # An error with no place of its own (a missing file) points at its block.
                error.span = _first_line_span(error.source or block.text)
                error.diagnostics = tuple(replace(d, span=d.span or error.span) for d in error.diagnostics)
            raise error.with_source(text, origin, offset=block.offset) from None
        except RecursionError as error:
            # A query nested past Python's recursion limit (1,000 chained lets, say).
            deep = KqlRuntimeError("KS245", "the query is nested too deeply for kqlite to run", _first_line_span(block.text))
            raise deep.with_source(text, origin, offset=block.offset) from error
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001 - anything else is a kqlite bug
            # Placed at the block's first line: the block is the text to report.
            internal = KqlInternalError(
                "KL999",
                f"this is a kqlite bug: {type(error).__name__}: {error}",
                _first_line_span(block.text),
                hint="please report the query and this message",
            )
            raise internal.with_source(text, origin, offset=block.offset) from error

    def _run_command(self, text: str) -> Result:
        from kqlite.storage.commands import execute_command

        def run_query(query: str) -> tuple[Columns, pd.DataFrame]:
            # Kusto's result truncation limits apply to results returned to the user, not
            # to a query whose rows a command stores.
            result = list(self._run_queries(query, check_results=False))[-1]
            return result.schema, result.frame

        table = execute_command(text, self.catalog, run_query, self.progress)
        return Result(schema=table.columns, frame=table.frame)

    def _run_queries(self, text: str, *, check_results: bool = True) -> Iterator[Result]:
        from kqlite.executor.tabular import Executor
        from kqlite.limits import QueryLimits, out_of_memory
        from kqlite.optimizer import optimize
        from kqlite.semantics.binder import Binder
        from kqlite.syntax import nodes
        from kqlite.syntax.parser import parse

        started = time.perf_counter()
        script = parse(text)
        parsed = time.perf_counter()
        bound = Binder(self._table_schema, self.catalog.names).bind_script(script)
        bound_at = time.perf_counter()
        logger.debug("parsed in %.2f ms, bound in %.2f ms", (parsed - started) * 1e3, (bound_at - parsed) * 1e3)

        # One executor per text, so that every statement reads the same now() and a
        # shared `let` table is computed once.
        limits = QueryLimits.from_options(bound.options)
        executor = Executor(
            self.catalog.get,
            read_head=self.catalog.head,
            read_columns=self.catalog.columns,
            row_count=self.catalog.row_count,
            limits=limits,
        )
        # The binder makes one bound query per query statement, in order.
        statement_spans = [statement.span for statement in script.statements if isinstance(statement, nodes.Query)]
        for query, statement_span in zip(bound.queries, statement_spans, strict=True):
            executor.visualization = None
            run_started = time.perf_counter()
            frame = _run_within_memory(executor, optimize(query))
            if frame is None:
                raise out_of_memory(statement_span)
            if check_results:
                limits.check_result(frame, query.columns)
            logger.debug("ran a query in %.2f ms: %d rows", (time.perf_counter() - run_started) * 1e3, len(frame))
            yield Result(schema=query.columns, frame=frame, visualization=executor.visualization)


def _run_within_memory(executor: Executor, query: BoundTabular) -> pd.DataFrame | None:
    """Run a query, or return None when it runs out of memory.

    The caller raises its limit error outside this function: the MemoryError's
    traceback refers to the frames that hold the query's arrays, and they are freed
    only once that exception is gone.
    """
    try:
        return executor.run(query)
    except MemoryError:
        return None


def _first_line_span(text: str) -> Span:
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    return Span(start, len(text) if end < 0 else end)


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    progress: ProgressFactory | None = None,
    read_only: bool = False,
) -> Database:
    """Open a database: in memory, or kept in the folder `path` between runs.

    `progress`, when given, makes a progress bar for each file an `.ingest` reads
    (`kqlite.storage.progress.progress_bar_for` draws one on a terminal). With
    `read_only`, the existing folder `path` is opened for queries only, which works
    while another process has it open for writing.
    """
    return Database(path, progress=progress, read_only=read_only)


BYTE_ORDER_MARK = "\ufeff"


def without_byte_order_mark(text: str) -> str:
    """Return `text` without the UTF-8 byte-order mark that some editors write at its start."""
    return text.removeprefix(BYTE_ORDER_MARK)


def _declared_type(schema: dict[str, str] | None, column: object) -> KqlType | None:
    if not schema or column not in schema:
        return None
    declared = parse_type_name(schema[column])  # type: ignore[index]
    if declared is None:
        raise KqlSemanticError(
            "KS160",
            f"the schema gives column '{column}' the type '{schema[column]}', which KQL does not know",  # type: ignore[index]
            hint="use one of bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic",
        )
    return declared


def _column_of(series: pd.Series, column: str, kql_type: KqlType) -> pd.Series:
    """Convert one DataFrame column to kqlite's representation of `kql_type`."""
    if series.dtype.kind == "u" and series.dtype.itemsize == 8 and len(series) and series.max() > np.iinfo(np.int64).max:
        raise KqlRuntimeError(
            "KL125",
            f"column '{column}' holds uint64 values up to {series.max()}, above {np.iinfo(np.int64).max}, the maximum of a KQL long",
            hint=f"convert the column to float64 or to strings first, or pass schema={{'{column}': 'real'}}",
        )
    try:
        # A value that does not fit is reported below, so numpy's cast warnings are noise.
        with np.errstate(all="ignore"):
            return coerce_series(series, kql_type)
    except (TypeError, ValueError, OverflowError) as error:
        raise KqlRuntimeError(
            "KL125",
            f"column '{column}' of type {series.dtype} cannot be stored as KQL type {kql_type}: {error}",
            hint=f"convert the column first, or pass schema={{'{column}': '<type>'}} with a type that fits its values",
        ) from error
