"""A database folder with two small tables, and a way to check that a fault left them unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kqlite

# Each table's rows after set-up, in ingestion order.
ORIGINAL_ROWS = {
    "T": [(1, "x"), (2, "y")],
    "Other": [(10,), (20,), (30,)],
}


def table_rows(db: Any, name: str) -> list[tuple[Any, ...]]:
    """Return a table's rows in stored order."""
    return [tuple(row) for row in db.execute(f"['{name}']").rows()]


def make_tables(folder: Path) -> None:
    """Create T(a:long, b:string) and Other(x:long) in `folder` with their original rows."""
    with kqlite.connect(folder) as db:
        db.execute(".create table T (a:long, b:string)")
        db.execute(".ingest inline into table T <| 1,x\n2,y")
        db.execute(".create table Other (x:long)")
        db.execute(".ingest inline into table Other <| 10\n20\n30")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A database folder holding T and Other, closed."""
    path = tmp_path / "db"
    make_tables(path)
    return path


@pytest.fixture
def database(folder: Path) -> Iterator[Any]:
    """The database of `folder`, open."""
    with kqlite.connect(folder) as db:
        yield db


def assert_unchanged(db: Any, *names: str) -> None:
    """Assert that each named table still has exactly its original rows."""
    for name in names:
        assert table_rows(db, name) == ORIGINAL_ROWS[name], f"table {name} changed"


def table_files(folder: Path, name: str) -> list[Path]:
    """Return the files that store table `name` in `folder` (its manifest and data files)."""
    return sorted(path for path in folder.iterdir() if path.name.startswith(f"{name}."))
