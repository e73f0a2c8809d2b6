"""Tests of make-series and group numbering when the rows are read in small chunks.

The chunk sizes are patched down to a few rows, so that every pass over the rows
crosses many chunk boundaries. Results are compared with a row-by-row reference
written in plain Python, and with the same call at the default chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kqlite
from kqlite.functions import aggregates  # noqa: F401  (registers the aggregates)
from kqlite.functions.registry import AGGREGATES
from kqlite.operators import grouping, make_series_cells
from kqlite.operators.grouping import RowGroups, group_codes, number_groups
from kqlite.operators.make_series import SeriesAggregate, SeriesBins, make_series
from kqlite.operators.make_series_cells import CellSlots
from kqlite.types import BOOL, DATETIME, LONG, REAL, KqlType

DAY = pd.Timedelta(days=1)
DAY_NS = DAY.value
START = pd.Timestamp("2024-03-01")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(make_series_cells, "_CHUNK", 7)
    monkeypatch.setattr(grouping, "_CHUNK", 5)
    yield


def test_small_chunks_reach_cell_slots(small_chunks: None) -> None:
    # 2 groups x 2 bins give 4 cells, fewer than the patched 7 rows per chunk.
    axis = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], dtype=np.int64)
    groups = RowGroups.of_codes(np.array([0, 1] * 10, dtype=np.int64), 2)
    bins = SeriesBins(first=0, step=2, count=2, low=None, high=None, high_inclusive=False)

    cells = CellSlots(axis, None, groups, 2, bins)
    chunks = list(cells.chunks())

    assert cells.rows_per_chunk == 7
    assert [(rows.start, rows.stop) for rows, _ in chunks] == [(0, 7), (7, 14), (14, 20)]
    assert cells.all_cells().tolist() == [0, 2, 1, 3] * 5


def random_frame(seed: int, rows: int) -> pd.DataFrame:
    """Return rows of every key type, with nulls in the keys, the axis and the values."""
    rng = np.random.default_rng(seed)
    nulls = lambda share: rng.random(rows) < share  # noqa: E731

    categories = ["red", "green", "blue", "unused", "amber"]
    category_codes = rng.integers(0, 3, rows)
    category_codes[rng.random(rows) < 0.1] = 4
    category_codes[nulls(0.05)] = -1
    times = START.value + rng.integers(-2 * DAY_NS, 9 * DAY_NS, rows)
    times[nulls(0.05)] = np.iinfo(np.int64).min

    frame = pd.DataFrame(
        {
            "Key": pd.Categorical.from_codes(category_codes, categories=categories),
            "Name": pd.array(rng.choice(["x", "y", "z"], rows), dtype="str"),
            "Number": pd.array(rng.integers(0, 3, rows), dtype="Int64"),
            "Flag": pd.array(rng.random(rows) < 0.5, dtype="boolean"),
            "Time": times.view("datetime64[ns]"),
            "Value": pd.array(rng.integers(-1000, 1000, rows), dtype="Int64"),
            "Real": rng.normal(size=rows),
        }
    )
    frame.loc[nulls(0.05), "Name"] = None
    frame.loc[nulls(0.05), "Number"] = None
    frame.loc[nulls(0.05), "Flag"] = None
    frame.loc[nulls(0.1), "Value"] = None
    frame.loc[nulls(0.1), "Real"] = np.nan
    return frame


def aggregate(name: str, *args: Any, types: tuple[KqlType, ...] = (), default: Any = 0) -> SeriesAggregate:
    function = AGGREGATES[name]
    return SeriesAggregate(function, list(args), list(types), default, function.result_type(types) if types else LONG)


def plain(value: Any) -> Any:
    return None if pd.isna(value) else value


def reference(frame: pd.DataFrame, keys: list[str], first: pd.Timestamp, bins: int) -> dict[tuple[Any, ...], dict[str, list[Any]]]:
    """Compute sum(Value), count() and avg(Real) per group and daily bin, one row at a time.

    Groups are listed in order of first appearance over all rows, including the
    rows that a null axis drops. Empty cells hold the default 0.
    """
    cells: dict[tuple[Any, ...], list[list[Any]]] = {}
    for row in frame.itertuples(index=False):
        group = tuple(plain(getattr(row, key)) for key in keys)
        cells.setdefault(group, [[] for _ in range(bins)])
        if pd.isna(row.Time):
            continue
        position = (row.Time - first) // DAY
        if 0 <= position < bins:
            cells[group][position].append(row)

    expected = {}
    for group, group_cells in cells.items():
        sums, counts, averages = [], [], []
        for members in group_cells:
            values = [row.Value for row in members if not pd.isna(row.Value)]
            reals = [row.Real for row in members if not math.isnan(row.Real)]
            sums.append(sum(values))
            counts.append(len(members))
            if not members:
                averages.append(0.0)
            elif reals:
                averages.append(sum(reals) / len(reals))
            else:
                averages.append(math.nan)
        expected[group] = {"sum": sums, "count": counts, "avg": averages}
    return expected


# ------------------------------------------------------------ against the reference


@pytest.mark.parametrize("null_times", [True, False])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("keys", [["Key"], ["Name"], ["Number"], ["Key", "Flag"], ["Flag", "Name", "Number"]])
def test_chunked_sums_match_reference(small_chunks: None, seed: int, keys: list[str], null_times: bool) -> None:
    frame = random_frame(seed, 1500)
    if not null_times:
        frame = frame[frame["Time"].notna()].reset_index(drop=True)
    groups, key_values = number_groups([frame[key] for key in keys])
    specs = [aggregate("sum", frame["Value"], types=(LONG,)), aggregate("count"), aggregate("avg", frame["Real"], types=(REAL,))]

    (sums, counts, averages), axis = make_series(frame["Time"], DATETIME, groups, groups.count, None, None, DAY, False, specs)

    expected = reference(frame, keys, pd.Timestamp(axis[0]), len(axis))
    found_groups = [tuple(plain(values.iloc[group]) for values in key_values) for group in range(groups.count)]
    assert found_groups == list(expected)
    for group, cells in enumerate(expected.values()):
        assert sums[group].dtype == np.int64
        assert sums[group].tolist() == cells["sum"]
        assert counts[group].tolist() == cells["count"]
        np.testing.assert_allclose(averages[group], cells["avg"], rtol=1e-12)


def test_first_bin_starts_at_earliest_day(small_chunks: None) -> None:
    frame = random_frame(5, 600)

    groups, _ = number_groups([frame["Key"]])
    _, axis = make_series(frame["Time"], DATETIME, groups, groups.count, None, None, DAY, False, [aggregate("count")])

    earliest = frame["Time"].min()
    assert pd.Timestamp(axis[0]) == earliest.floor("D")
    assert pd.Timestamp(axis[-1]) == frame["Time"].max().floor("D")


# ------------------------------------------------------------ chunk size invariance


SPECS = [
    ("sum", "Value", LONG),
    ("avg", "Value", LONG),
    ("sum", "Real", REAL),
    ("avg", "Real", REAL),
    ("count", None, None),
    ("max", "Value", LONG),
    ("min", "Time", DATETIME),
    ("dcount", "Name", None),
    ("countif", "Flag", BOOL),
]


def series_specs(frame: pd.DataFrame, default: Any) -> list[SeriesAggregate]:
    specs = []
    for name, column, kql_type in SPECS:
        if column is None:
            specs.append(aggregate(name, default=default))
        elif kql_type is None:
            specs.append(SeriesAggregate(AGGREGATES[name], [frame[column]], [LONG], default, LONG))
        else:
            specs.append(aggregate(name, frame[column], types=(kql_type,), default=default))
    return specs


def run_all(frame: pd.DataFrame, codes: np.ndarray | RowGroups, ngroups: int, bounds: tuple[Any, Any, bool], default: Any) -> tuple[list[pd.Series], np.ndarray]:
    start, end, in_range = bounds
    return make_series(frame["Time"], DATETIME, codes, ngroups, start, end, DAY, in_range, series_specs(frame, default))


def assert_same_series(found: tuple[list[pd.Series], np.ndarray], expected: tuple[list[pd.Series], np.ndarray]) -> None:
    np.testing.assert_array_equal(found[1], expected[1])
    assert len(found[0]) == len(expected[0])
    for found_column, expected_column in zip(found[0], expected[0], strict=True):
        assert len(found_column) == len(expected_column)
        for found_row, expected_row in zip(found_column, expected_column, strict=True):
            assert found_row.dtype == expected_row.dtype
            assert_same_values(found_row, expected_row)


def assert_same_values(found: np.ndarray, expected: np.ndarray) -> None:
    # Partial sums of reals are added in another order when the chunks change, so
    # float results may differ in the last bits. Everything else must be equal.
    if found.dtype.kind == "f":
        np.testing.assert_allclose(found, expected, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(found, expected)


BOUNDS = [
    (None, None, False),
    (START, START + 4 * DAY, False),
    (START + pd.Timedelta(hours=5), None, False),
    (None, START + 3 * DAY, False),
    (START - DAY, START + 5 * DAY, True),
]


@pytest.mark.parametrize("null_times", [True, False])
@pytest.mark.parametrize("bounds", BOUNDS)
@pytest.mark.parametrize("keys", [["Key"], ["Name", "Flag"], []])
def test_chunk_size_keeps_results(
    monkeypatch: pytest.MonkeyPatch, bounds: tuple[Any, Any, bool], keys: list[str], null_times: bool
) -> None:
    frame = random_frame(7, 800)
    if not null_times:
        frame = frame[frame["Time"].notna()].reset_index(drop=True)
    groups, _ = number_groups([frame[key] for key in keys], len(frame))
    expected = run_all(frame, groups, groups.count, bounds, default=None)

    monkeypatch.setattr(make_series_cells, "_CHUNK", 3)
    found = run_all(frame, groups, groups.count, bounds, default=None)

    assert_same_series(found, expected)


@pytest.mark.parametrize("default", [0, None, -7])
def test_row_groups_match_plain_codes(small_chunks: None, default: Any) -> None:
    frame = random_frame(8, 700)
    keys = [frame["Key"], frame["Number"]]
    groups, _ = number_groups(keys)
    codes, ngroups, _ = group_codes(keys)

    found = run_all(frame, groups, groups.count, (None, None, False), default)
    expected = run_all(frame, codes, ngroups, (None, None, False), default)

    assert_same_series(found, expected)


def test_rows_in_no_group_are_dropped(small_chunks: None) -> None:
    frame = random_frame(9, 500)
    codes, ngroups, _ = group_codes([frame["Name"]])
    outside = codes == 0
    codes = np.where(outside, -1, codes - 1)

    found = run_all(frame, codes, ngroups - 1, (None, None, False), 0)
    expected = run_all(frame[~outside].reset_index(drop=True), codes[~outside], ngroups - 1, (None, None, False), 0)

    # The bins follow the rows that are in a group, so both calls share one axis.
    assert_same_series(found, expected)


def test_integer_sum_past_float_range(small_chunks: None) -> None:
    # Sums that float64 cannot hold exactly take the general sum kernel.
    values = pd.Series(pd.array([2**60, 3, 2**60, 5, None, 7], dtype="Int64"))
    stamps = pd.Series(pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-02", "2024-03-02", "2024-03-02", "2024-03-03"]))
    groups, _ = number_groups([pd.Series(["a", "a", "a", "b", "b", "a"], dtype="str")])

    (sums,), _ = make_series(stamps, DATETIME, groups, groups.count, None, None, DAY, False, [aggregate("sum", values, types=(LONG,))])

    assert sums[0].tolist() == [2**60 + 3, 2**60, 7]
    assert sums[1].tolist() == [0, 5, 0]


# ------------------------------------------------------------ group numbering


@pytest.mark.parametrize("keys", [["Key"], ["Name"], ["Key", "Number"], ["Flag", "Key"]])
def test_group_codes_in_small_chunks(small_chunks: None, keys: list[str]) -> None:
    frame = random_frame(3, 400)
    columns = [frame[key] for key in keys]
    groups_in_order: dict[tuple[Any, ...], int] = {}
    for row in zip(*columns, strict=True):
        groups_in_order.setdefault(tuple(plain(value) for value in row), len(groups_in_order))
    expected = [groups_in_order[tuple(plain(value) for value in row)] for row in zip(*columns, strict=True)]

    codes, ngroups, key_values = group_codes(columns)
    groups, _ = number_groups(columns)

    assert codes.dtype == np.int64
    assert codes.tolist() == expected
    assert groups.codes().tolist() == expected
    assert ngroups == groups.count == len(groups_in_order)
    assert [tuple(plain(values.iloc[group]) for values in key_values) for group in range(ngroups)] == list(groups_in_order)


def test_category_key_keeps_its_codes() -> None:
    key = pd.Series(pd.Categorical.from_codes([2, 0, -1, 2, 0], categories=["a", "b", "c"]))

    groups, key_values = number_groups([key])

    assert groups.source.dtype == np.int8
    assert groups.count == 3
    assert groups.codes().tolist() == [0, 1, 2, 0, 1]
    assert key_values[0].tolist()[:2] == ["c", "a"]
    assert pd.isna(key_values[0].iloc[2])
    assert list(key_values[0].cat.categories) == ["a", "c"]


def test_category_key_without_nulls(small_chunks: None) -> None:
    # Both categories appear in the first chunk of 5 rows, so the scan stops there.
    key = pd.Series(pd.Categorical.from_codes([1, 0, 1, 1, 0, 0, 1], categories=["a", "b"]))

    codes, ngroups, key_values = group_codes([key])

    assert codes.tolist() == [0, 1, 0, 0, 1, 1, 0]
    assert ngroups == 2
    assert key_values[0].tolist() == ["b", "a"]


def test_no_keys_and_empty_input() -> None:
    groups, values = number_groups([], 4)
    assert groups.codes().tolist() == [0, 0, 0, 0]
    assert (groups.count, values) == (1, [])

    empty, values = number_groups([pd.Series([], dtype="str")])
    assert empty.codes().tolist() == []
    assert empty.count == 0
    assert len(values[0]) == 0


# ------------------------------------------------------------ through a query


QUERIES = [
    "T | make-series s=sum(Value), c=count(), a=avg(Real) on Time step 1d by Key",
    "T | make-series s=sum(Value) default=-1, m=max(Real) on Time from datetime(2024-03-02) to datetime(2024-03-06) step 1d by Key, Name",
    "T | make-series c=count() on Time in range(datetime(2024-02-28), datetime(2024-03-04), 1d) by Number",
    "T | make-series s=sum(Value) on Time step 2d",
    "T | where Value > 100000 | make-series kind=nonempty s=sum(Value) default=3 on Time step 1d",
    "T | where Value > 100000 | make-series s=sum(Value) on Time step 1d by Key",
    "T | where isnotnull(Time) | make-series s=sum(Value), a=avg(Value) on Time step 1d by Key, Flag",
    "T | where isnotnull(Time) | make-series s=sum(Real) on Time from datetime(2024-03-03) step 12h by Name",
    "T | make-series s=sum(Value) on Number step 1 by Key",
]


@pytest.mark.parametrize("query", QUERIES)
def test_query_results_keep_with_small_chunks(monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    database = kqlite.connect()
    database.register("T", random_frame(4, 900))
    expected = database.execute(query)

    monkeypatch.setattr(make_series_cells, "_CHUNK", 7)
    monkeypatch.setattr(grouping, "_CHUNK", 5)
    found = database.execute(query)

    assert found.columns == expected.columns
    assert len(found.rows()) == len(expected.rows())
    for found_row, expected_row in zip(found.rows(), expected.rows(), strict=True):
        for found_value, expected_value in zip(found_row, expected_row, strict=True):
            if isinstance(expected_value, list):
                assert len(found_value) == len(expected_value)
                for found_item, expected_item in zip(found_value, expected_value, strict=True):
                    assert_same_item(found_item, expected_item)
            else:
                assert found_value == expected_value


def assert_same_item(found: Any, expected: Any) -> None:
    if isinstance(expected, float):
        assert found == pytest.approx(expected, rel=1e-12, abs=1e-12)
    else:
        assert found == expected


@pytest.mark.parametrize(("default", "expected"), [(0, [0, 5, 0]), (None, [None, 5.0, None]), (-1, [-1, 5, -1])])
def test_sum_fills_empty_cells(small_chunks: None, default: Any, expected: list[Any]) -> None:
    # A sum that defaults to 0 skips the row count, because an empty cell's sum is 0.
    values = pd.Series(pd.array([4, 6, 5, 3], dtype="Int64"))
    stamps = pd.Series(pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-02", "2024-03-03"]))
    groups, _ = number_groups([pd.Series(["a", "a", "b", "a"], dtype="str")])

    (sums,), _ = make_series(stamps, DATETIME, groups, groups.count, None, None, DAY, False, [aggregate("sum", values, types=(LONG,), default=default)])

    assert sums[0].tolist() == [4, 6, 3]
    assert [None if math.isnan(value) else value for value in sums[1].tolist()] == expected
