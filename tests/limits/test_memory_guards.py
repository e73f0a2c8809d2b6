"""Memory guards: no query may allocate past the memory budget before it is checked.

Each test runs a query whose full result would take gigabytes or more, under a small
budget, and checks the error code, its place and that the process allocated little
(tracemalloc follows numpy's allocations).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kqlite
from kqlite.errors import KqlRuntimeError
from kqlite.executor.tabular import Executor
from kqlite.limits import MEMORY_BUDGET_VARIABLE, POSITION_BYTES, QueryLimits, describe_bytes
from kqlite.operators.join import JOIN_KINDS, join_indices, lookup_indices
from kqlite.operators.make_series import make_series
from kqlite.types import DATETIME, LONG

# A peak far below what any of the big queries here would build if unchecked.
SMALL_PEAK = 16 * 1024 * 1024

# 2,000 rows that share one key: a self-join pairs 4,000,000 rows (64 MB of positions).
SHARED_KEY = "range x from 1 to 2000 step 1 | extend k = 1"


@contextmanager
def peak_allocation() -> Iterator[list[int]]:
    """Measure the peak bytes allocated inside the block; the list gets one entry."""
    measured: list[int] = []
    tracemalloc.start()
    try:
        yield measured
    finally:
        measured.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def run_error(db: kqlite.Database, query: str) -> KqlRuntimeError:
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute(query)
    return raised.value


def covered_text(query: str, error: KqlRuntimeError) -> str:
    assert error.span is not None
    return query[error.span.start : error.span.end]


# ---------------------------------------------------------------- range


@pytest.mark.parametrize("operator", ["take", "limit"])
def test_range_take_builds_only_taken_rows(db: kqlite.Database, operator: str) -> None:
    with peak_allocation() as peak:
        result = db.execute(f"range x from 1 to 3000000000 step 1 | {operator} 3")

    assert result.frame["x"].tolist() == [1, 2, 3]
    assert str(result.frame["x"].dtype) == "Int64"
    assert peak[0] < SMALL_PEAK


def test_range_take_datetime_ticks(db: kqlite.Database) -> None:
    result = db.execute("range x from datetime(2020-01-01) to datetime(2021-01-01) step 1tick | take 2")

    assert result.frame["x"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-01 00:00:00.0000001")]


def test_range_take_more_than_range(db: kqlite.Database) -> None:
    result = db.execute("range x from 1 to 5 step 2 | take 10")

    assert result.frame["x"].tolist() == [1, 3, 5]


def test_range_take_zero(db: kqlite.Database) -> None:
    result = db.execute("range x from 1 to 3000000000 step 1 | take 0")

    assert len(result.frame) == 0
    assert list(result.frame.columns) == ["x"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("range x from 1 to 3000000000 step 1", 3_000_000_000),
        ("range x from datetime(2020-01-01) to datetime(2021-01-01) step 1tick", 316_224_000_000_001),
        ("range x from 1h to 3h step 1h", 3),
        ("range x from 10 to 1 step -3", 4),
        ("range x from 10 to 1 step 3", 0),
        ("range x from 1 to 10 step 0", 0),
        ("range x from 1.0 to 2.0 step 0.25", 5),
        ("range x from 1 to long(null) step 1", 0),
    ],
)
def test_range_count_without_rows(db: kqlite.Database, query: str, expected: int) -> None:
    with peak_allocation() as peak:
        result = db.execute(f"{query} | count")

    assert result.frame["Count"].tolist() == [expected]
    assert peak[0] < SMALL_PEAK


@pytest.mark.parametrize(
    "query",
    ["range x from 10 to 1 step -3", "range x from 1.0 to 2.0 step 0.25", "range x from 0 to 0 step 5"],
)
def test_range_count_matches_built_rows(db: kqlite.Database, query: str) -> None:
    counted = db.execute(f"{query} | count").frame["Count"].tolist()
    built = len(db.execute(query).frame)

    assert counted == [built]


def test_range_over_budget_fails_before_allocating(db: kqlite.Database) -> None:
    query = "range x from datetime(2020-01-01) to datetime(2021-01-01) step 1tick | where x > datetime(2020-06-01)"

    with peak_allocation() as peak:
        error = run_error(db, query)

    assert error.code == "KL402"
    assert "range" in error.message
    assert "PB" in error.message
    assert covered_text(query, error) == "range x from datetime(2020-01-01) to datetime(2021-01-01) step 1tick"
    assert error.hint is not None and "larger step" in error.hint
    assert peak[0] < SMALL_PEAK


def test_range_small_budget(db: kqlite.Database) -> None:
    # 100 longs take 800 bytes; 101 take 808.
    assert len(db.execute("set maxmemoryconsumptionperiterator=800;\nrange x from 1 to 100 step 1").frame) == 100

    error = run_error(db, "set maxmemoryconsumptionperiterator=800;\nrange x from 1 to 101 step 1 | where x > 0")

    assert error.code == "KL402"


def test_range_take_within_budget(db: kqlite.Database) -> None:
    result = db.execute("set maxmemoryconsumptionperiterator=800;\nrange x from 1 to 1000000 step 1 | take 5")

    assert result.frame["x"].tolist() == [1, 2, 3, 4, 5]


# ---------------------------------------------------------------- join and lookup


@pytest.mark.parametrize(
    "tail",
    ["summarize count()", "count", "take 3", "project x"],
)
def test_join_budget_counts_positions(db: kqlite.Database, tail: str) -> None:
    query = (
        "set maxmemoryconsumptionperiterator=1000000;\n"
        f"{SHARED_KEY} | join kind=inner ({SHARED_KEY}) on k | {tail}"
    )

    with peak_allocation() as peak:
        error = run_error(db, query)

    assert error.code == "KL402"
    assert "4,000,000 rows" in error.message
    assert covered_text(query, error).startswith("join kind=inner")
    assert peak[0] < SMALL_PEAK


@pytest.mark.parametrize("kind", ["inner", "leftouter", "rightouter", "fullouter"])
def test_join_kinds_check_before_allocating(db: kqlite.Database, kind: str) -> None:
    query = f"set maxmemoryconsumptionperiterator=1000000;\n{SHARED_KEY} | join kind={kind} ({SHARED_KEY}) on k | count"

    with peak_allocation() as peak:
        error = run_error(db, query)

    assert error.code == "KL402"
    assert peak[0] < SMALL_PEAK


def test_lookup_checks_before_allocating(db: kqlite.Database) -> None:
    query = f"set maxmemoryconsumptionperiterator=1000000;\n{SHARED_KEY} | lookup ({SHARED_KEY}) on k | count"

    with peak_allocation() as peak:
        error = run_error(db, query)

    assert error.code == "KL402"
    assert "lookup" in error.message
    assert peak[0] < SMALL_PEAK


def test_join_count_within_budget(db: kqlite.Database) -> None:
    # Keys x % 3 over 1..20 occur 6, 7 and 7 times: 36 + 49 + 49 pairs.
    side = "range x from 1 to 20 step 1 | extend k = x % 3"
    query = f"set maxmemoryconsumptionperiterator=10000;\n{side} | join kind=inner ({side}) on k | count"

    assert db.execute(query).frame["Count"].tolist() == [134]


def test_join_zero_columns_charge_positions(db: kqlite.Database) -> None:
    # 134 pairs of no columns still take 134 * 16 = 2,144 bytes of positions.
    side = "range x from 1 to 20 step 1 | extend k = x % 3"
    query = f"set maxmemoryconsumptionperiterator=2000;\n{side} | join kind=inner ({side}) on k | count"

    assert run_error(db, query).code == "KL402"


def recording_check(limit: int) -> tuple[list[int], Callable[[int], None]]:
    seen: list[int] = []

    def check(rows: int) -> None:
        seen.append(rows)
        if rows > limit:
            raise KqlRuntimeError("KL402", f"{rows} rows")

    return seen, check


KEYS = [pd.Series([1, 1, 2, None, 5], dtype="Int64"), pd.Series([1, 1, 1, 3, None, 2], dtype="Int64")]


@pytest.mark.parametrize("kind", sorted(set(JOIN_KINDS.values())))
def test_join_indices_report_exact_rows(kind: str) -> None:
    expected = len(join_indices([KEYS[0]], [KEYS[1]], kind)[0])
    seen, check = recording_check(limit=expected)

    left, right = join_indices([KEYS[0]], [KEYS[1]], kind, check)

    assert seen == [expected]
    assert len(left) == len(right) == expected


@pytest.mark.parametrize("kind", ["inner", "leftouter", "fullouter", "rightouter"])
def test_join_indices_stop_before_building(kind: str) -> None:
    keys = pd.Series(np.zeros(3000, dtype=np.int64))
    seen, check = recording_check(limit=1000)

    with peak_allocation() as peak, pytest.raises(KqlRuntimeError):
        join_indices([keys], [keys], kind, check)

    assert seen == [9_000_000]
    assert peak[0] < 9_000_000 * POSITION_BYTES // 4


def test_join_indices_categorical_left_key() -> None:
    left = pd.Series(pd.Categorical(["a"] * 3000))
    right = pd.Series(["a"] * 3000)
    seen, check = recording_check(limit=1000)

    with peak_allocation() as peak, pytest.raises(KqlRuntimeError):
        join_indices([left], [right], "inner", check)

    assert seen == [9_000_000]
    assert peak[0] < 9_000_000 * POSITION_BYTES // 4


@pytest.mark.parametrize("kind", ["inner", "leftouter"])
def test_lookup_indices_report_exact_rows(kind: str) -> None:
    expected = len(lookup_indices([KEYS[0]], [KEYS[1]], kind)[0])
    seen, check = recording_check(limit=expected)

    lookup_indices([KEYS[0]], [KEYS[1]], kind, check)

    assert seen == [expected]


def test_join_indices_empty_sides() -> None:
    empty = pd.Series([], dtype="Int64")
    seen, check = recording_check(limit=0)

    left, _ = join_indices([empty], [empty], "fullouter", check)

    assert seen == [0]
    assert len(left) == 0


# ---------------------------------------------------------------- mv-expand


def test_mv_expand_charges_positions(db: kqlite.Database) -> None:
    # 100 dynamic values take 6,400 bytes; with two int64 positions a row, 8,000.
    query = "print a = range(1, 100) | mv-expand a | count"

    assert db.execute(f"set maxmemoryconsumptionperiterator=8000;\n{query}").frame["Count"].tolist() == [100]
    error = run_error(db, f"set maxmemoryconsumptionperiterator=7999;\n{query}")

    assert error.code == "KL402"
    assert "mv-expand" in error.message


# ---------------------------------------------------------------- make-series


def test_make_series_cells_over_budget() -> None:
    axis = pd.Series(pd.to_datetime(["2000-01-01", "2000-01-02"]))
    codes = np.array([0, 1])
    aggregates = [("count", [], [], 0, LONG)]

    with pytest.raises(KqlRuntimeError) as raised:
        make_series(
            axis,
            DATETIME,
            codes,
            2,
            pd.Timestamp("2000-01-01"),
            pd.Timestamp("2000-01-02"),
            pd.Timedelta(minutes=1),
            False,
            aggregates,
            limits=QueryLimits(memory_budget=1000),
        )

    assert raised.value.code == "KL402"
    assert "2,880 cells" in raised.value.message
    assert raised.value.hint is not None and "larger step" in raised.value.hint


def test_make_series_many_groups_fails_before_allocating(db: kqlite.Database, monkeypatch: Any) -> None:
    # 20,000 groups of 525,600 one-minute bins would take over 100 GB.
    monkeypatch.setenv(MEMORY_BUDGET_VARIABLE, "64M")
    query = (
        "range i from 1 to 20000 step 1 | extend T = datetime(2000-01-01) + i * 1s, v = 1\n"
        "| make-series sum(v) on T from datetime(2000-01-01) to datetime(2001-01-01) step 1min by i"
    )

    error = run_error(db, query)

    assert error.code == "KL402"
    assert "make-series" in error.message


def test_make_series_within_budget(db: kqlite.Database, monkeypatch: Any) -> None:
    monkeypatch.setenv(MEMORY_BUDGET_VARIABLE, "64M")
    query = (
        "range i from 1 to 3 step 1 | extend T = datetime(2000-01-01) + i * 1h, v = 1\n"
        "| make-series sum(v) on T from datetime(2000-01-01) to datetime(2000-01-01 04:00) step 1h"
    )

    result = db.execute(query)

    assert list(result.frame["sum_v"][0]) == [0, 1, 1, 1]


# ---------------------------------------------------------------- MemoryError


def test_memory_error_becomes_limit_error(db: kqlite.Database, monkeypatch: Any) -> None:
    def exhausted(self: Executor, node: Any) -> pd.DataFrame:
        raise MemoryError("Unable to allocate 2.25 PiB for an array")

    monkeypatch.setattr(Executor, "_count", exhausted)
    query = "set notruncation;\nprint 1;\nrange x from 1 to 3 step 1\n| count"

    error = run_error(db, query)

    assert error.code == "KL404"
    assert error.kind == "runtime error"
    assert covered_text(query, error) == "range x from 1 to 3 step 1\n| count"
    assert error.hint is not None
    assert "KL404" in error.render()


def test_memory_error_in_command_query(db: kqlite.Database, monkeypatch: Any) -> None:
    def exhausted(self: Executor, node: Any) -> pd.DataFrame:
        raise MemoryError

    monkeypatch.setattr(Executor, "_range", exhausted)

    error = run_error(db, ".set T <| range x from 1 to 3 step 1")

    assert error.code == "KL404"


# ---------------------------------------------------------------- describe_bytes


def test_describe_bytes_petabytes() -> None:
    assert describe_bytes(5 * 1024**5 // 2) == "2.5 PB"


def test_make_series_follows_the_set_budget() -> None:
    import kqlite

    query = (
        "set maxmemoryconsumptionperiterator=100000;"
        " range x from 1 to 2000 step 1 | extend t = datetime(2024-01-01) + x * 1m"
        " | make-series c = count() on t step 1m by x"
    )

    with pytest.raises(kqlite.KqlRuntimeError) as raised:
        kqlite.connect().execute(query)

    assert raised.value.code == "KL402"
