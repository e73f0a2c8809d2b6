"""Fixtures of the storage tests: catalogues, a stub query runner and small data files."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kqlite.storage.catalog import Catalog
from kqlite.storage.commands import execute_command
from kqlite.table import Columns, Table
from kqlite.types import LONG

QueryResult = tuple[Columns, pd.DataFrame]


def long_result(*values: int | None, name: str = "a") -> QueryResult:
    """A query result of one long column."""
    return ((name, LONG),), pd.DataFrame({name: pd.array(list(values), dtype="Int64")})


class StubQueries:
    """A stand-in for the engine: returns fixed results by query text and records the queries run."""

    def __init__(self, results: dict[str, QueryResult] | None = None) -> None:
        self.results = dict(results or {})
        self.queries: list[str] = []

    def __call__(self, query: str) -> QueryResult:
        self.queries.append(query)
        return self.results[query.strip()]


@pytest.fixture
def catalog() -> Catalog:
    """A fresh in-memory catalogue."""
    return Catalog()


@pytest.fixture
def run(catalog: Catalog) -> Callable[..., Table]:
    """Run a command on the in-memory catalogue; queries come from `run.queries`."""
    queries = StubQueries()

    def run_command(text: str) -> Table:
        return execute_command(text, catalog, queries)

    run_command.queries = queries  # type: ignore[attr-defined]
    return run_command


def write_gzip(path: Path, text: str | bytes) -> Path:
    """Write `text` gzip-compressed to `path`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data))
    return path
