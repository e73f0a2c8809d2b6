"""Queries over tables kept in a database folder: shortcuts must return the full result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import kqlite


def make_database(folder: Path) -> kqlite.Database:
    db = kqlite.connect(folder)
    db.execute(".create table T (a:long, s:string)")
    for start in (0, 5, 10):
        rows = "\n".join(f"{value},x{value}" for value in range(start, start + 5))
        db.execute(f".ingest inline into table T <|\n{rows}")
    return db


def test_take_reads_first_rows_across_extents(tmp_path: Path) -> None:
    make_database(tmp_path).close()

    with kqlite.connect(tmp_path) as db:
        taken = db.execute("T | take 7").rows()
        projected = db.execute("T | project s | take 3").rows()

    assert taken == [(value, f"x{value}") for value in range(7)]
    assert projected == [("x0",), ("x1",), ("x2",)]


def test_take_after_loading_matches(tmp_path: Path) -> None:
    with make_database(tmp_path) as db:
        db.execute("T | summarize count()")
        assert db.execute("T | take 2").rows() == [(0, "x0"), (1, "x1")]
        assert db.execute("T | take 0").rows() == []


def test_count_of_stored_table(tmp_path: Path) -> None:
    make_database(tmp_path).close()

    with kqlite.connect(tmp_path) as db:
        counted = db.execute("T | count").rows()
        filtered = db.execute("T | where a > 11 | count").rows()

    assert counted == [(15,)]
    assert filtered == [(3,)]


def test_registered_frame_take(tmp_path: Path) -> None:
    with kqlite.connect() as db:
        db.register("F", pd.DataFrame({"x": [3, 1, 2]}))
        assert db.execute("F | take 2").rows() == [(3,), (1,)]


def test_first_full_load_merges_extents(tmp_path: Path) -> None:
    make_database(tmp_path).close()
    assert len(list(tmp_path.glob("T.*.arrow"))) == 3

    with kqlite.connect(tmp_path) as db:
        first = db.execute("T | summarize sum(a), count()").rows()
    assert len(list(tmp_path.glob("T.*.arrow"))) == 1

    with kqlite.connect(tmp_path) as db:
        again = db.execute("T | summarize sum(a), count()").rows()
        strings = db.execute("T | where s == 'x12' | project a").rows()
    assert first == again == [(105, 15)]
    assert strings == [(12,)]
