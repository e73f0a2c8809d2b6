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
from typing import TYPE_CHECKING

import pandas as pd

from kqlite.errors import KqlError, KqlInternalError, KqlRuntimeError, Span
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
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, progress: ProgressFactory | None = None) -> None:
        from kqlite.storage.catalog import Catalog

        self.catalog = Catalog(path)
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
        """
        columns: list[tuple[str, KqlType]] = []
        data: dict[str, pd.Series] = {}
        for column in frame.columns:
            series = frame[column].reset_index(drop=True)
            declared = parse_type_name(schema[column]) if schema and column in schema else None
            kql_type = declared or infer_kql_type(series)
            columns.append((str(column), kql_type))
            data[str(column)] = coerce_series(series, kql_type)
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
            internal = KqlInternalError("KL999", f"this is a kqlite bug: {type(error).__name__}: {error}")
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


def connect(path: str | os.PathLike[str] | None = None, *, progress: ProgressFactory | None = None) -> Database:
    """Open a database: in memory, or kept in the folder `path` between runs.

    `progress`, when given, makes a progress bar for each file an `.ingest` reads
    (`kqlite.storage.progress.progress_bar_for` draws one on a terminal).
    """
    return Database(path, progress=progress)
