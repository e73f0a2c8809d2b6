"""sort_positions and top_positions: null placement, stability, strings and the documented examples."""

from __future__ import annotations

import decimal
import uuid

import numpy as np
import pandas as pd
import pytest

from kqlite.operators.sort import sort_positions, top_positions
from kqlite.types import BOOL, DATETIME, DECIMAL, GUID, INT, LONG, REAL, STRING, TIMESPAN


def longs(*values: int | None) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="Int64"))


def sorted_values(series: pd.Series, kql_type, ascending: bool, nulls_first: bool) -> list[object]:
    positions = sort_positions([(series, kql_type, ascending, nulls_first)])
    return [None if pd.isna(value) else value for value in series.take(positions)]


def test_sort_default_desc_nulls_last() -> None:
    assert sorted_values(longs(3, None, 5, 1), LONG, False, False) == [5, 3, 1, None]


def test_sort_asc_nulls_last() -> None:
    assert sorted_values(longs(3, None, 5, 1), LONG, True, False) == [1, 3, 5, None]


def test_sort_asc_nulls_first() -> None:
    assert sorted_values(longs(3, None, 5, 1), LONG, True, True) == [None, 1, 3, 5]


def test_sort_then_take_documented_example() -> None:
    positions = sort_positions([(longs(3, 1, 2), LONG, True, True)])
    assert positions[:2].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("ascending", "nulls_first", "expected"),
    [
        (True, True, [None, -np.inf, 0.5, np.inf]),
        (True, False, [-np.inf, 0.5, np.inf, None]),
        (False, True, [None, np.inf, 0.5, -np.inf]),
        (False, False, [np.inf, 0.5, -np.inf, None]),
    ],
)
def test_real_specials_placement(ascending: bool, nulls_first: bool, expected: list[object]) -> None:
    reals = pd.Series([0.5, np.nan, -np.inf, np.inf])
    assert sorted_values(reals, REAL, ascending, nulls_first) == expected


def test_strings_sort_ordinally() -> None:
    words = pd.Series(["b", "a", "B", "", " a", "ä"], dtype="str")
    assert sorted_values(words, STRING, True, True) == ["", " a", "B", "a", "b", "ä"]


def test_category_sorts_by_string_value() -> None:
    words = pd.Series(pd.Categorical(["b", "a", "c"], categories=["c", "b", "a"]))
    assert sorted_values(words, STRING, True, True) == ["a", "b", "c"]
    assert sorted_values(words, STRING, False, False) == ["c", "b", "a"]


def test_stable_for_equal_keys() -> None:
    keys = longs(1, 2, 1, 2, 1)
    assert sort_positions([(keys, LONG, True, True)]).tolist() == [0, 2, 4, 1, 3]
    assert sort_positions([(keys, LONG, False, False)]).tolist() == [1, 3, 0, 2, 4]


def test_second_key_breaks_ties() -> None:
    first = longs(1, 1, 2, 2)
    second = pd.Series(["b", "a", "d", "c"], dtype="str")
    positions = sort_positions([(first, LONG, False, False), (second, STRING, True, True)])
    assert positions.tolist() == [3, 2, 1, 0]


def test_other_types_sort() -> None:
    assert sorted_values(pd.Series(pd.array([True, None, False], dtype="boolean")), BOOL, True, True) == [None, False, True]
    assert sorted_values(pd.Series(pd.array([5, -2], dtype="Int32")), INT, True, True) == [-2, 5]
    times = pd.Series(pd.to_datetime(["2020-01-02", None, "2020-01-01"]))
    assert sorted_values(times, DATETIME, False, False)[:2] == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-01")]
    spans = pd.Series(pd.to_timedelta(["1h", "-1h"]))
    assert sorted_values(spans, TIMESPAN, True, True) == [pd.Timedelta("-1h"), pd.Timedelta("1h")]
    decimals = pd.Series([decimal.Decimal("2.5"), None, decimal.Decimal("-1")], dtype=object)
    assert sorted_values(decimals, DECIMAL, True, False) == [decimal.Decimal("-1"), decimal.Decimal("2.5"), None]
    guids = pd.Series([uuid.UUID(int=2), uuid.UUID(int=1)], dtype=object)
    assert sorted_values(guids, GUID, True, True) == [uuid.UUID(int=1), uuid.UUID(int=2)]


def test_extreme_longs_sort_desc() -> None:
    low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    assert sorted_values(longs(0, low, high), LONG, False, False) == [high, 0, low]


def test_empty_input() -> None:
    assert sort_positions([(longs(), LONG, True, True)]).tolist() == []
    assert top_positions(longs(), LONG, 3, False, False).tolist() == []


def test_top_desc_nulls_first_documented_example() -> None:
    keys = longs(3, None, 5, 1)
    assert top_positions(keys, LONG, 2, False, True).tolist() == [1, 2]


def test_top_all_null_returns_one_row() -> None:
    assert top_positions(longs(None, None), LONG, 1, False, False).tolist() == [0]


def test_top_matches_sort_then_take_on_ties() -> None:
    rng = np.random.default_rng(7)
    keys = pd.Series(pd.array(np.where(rng.random(500) < 0.1, None, rng.integers(0, 20, 500)).tolist(), dtype="Int64"))
    for ascending in (True, False):
        for nulls_first in (True, False):
            expected = sort_positions([(keys, LONG, ascending, nulls_first)])[:7]
            assert top_positions(keys, LONG, 7, ascending, nulls_first).tolist() == expected.tolist()


def test_top_with_n_larger_than_input() -> None:
    assert top_positions(longs(2, 1), LONG, 10, True, True).tolist() == [1, 0]
    assert top_positions(longs(2, 1), LONG, 0, True, True).tolist() == []
