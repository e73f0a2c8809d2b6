"""Functions over dynamic arrays and property bags."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import call

from kqlite.types import BOOL, DATETIME, DYNAMIC, LONG, REAL, STRING, TIMESPAN

D = DYNAMIC


def test_array_length():
    assert call("array_length", [1, 2, 3], types=[D]) == 3
    assert call("array_length", [], types=[D]) == 0
    assert call("array_length", "x", types=[D]) is None
    arrays = pd.Series([[1], None, np.array([1.0, 2.0])], dtype=object)
    assert call("array_length", arrays, types=[D]).tolist() == [1, pd.NA, 2]


def test_pack_array_and_bag_pack():
    assert call("pack_array", 1, "a", types=[LONG, STRING]) == [1, "a"]
    packed = call("pack_array", pd.Series([1, None], dtype="Int64"), "a", types=[LONG, STRING])
    assert packed.tolist() == [[1, "a"], [None, "a"]]
    assert call("bag_pack", "a", 1, "b", "x", types=[STRING, LONG, STRING, STRING]) == {"a": 1, "b": "x"}
    assert call("pack", "k", 2.5, types=[STRING, REAL]) == {"k": 2.5}


def test_array_concat_and_slice():
    assert call("array_concat", [1], [2, 3], types=[D, D]) == [1, 2, 3]
    assert call("array_concat", [1], "x", types=[D, D]) is None
    assert call("array_slice", [1, 2, 3], 1, 2, types=[D, LONG, LONG]) == [2, 3]
    assert call("array_slice", [1, 2, 3, 4, 5], -3, -2, types=[D, LONG, LONG]) == [3, 4]
    assert call("array_slice", [1, 2, 3], 2, 10, types=[D, LONG, LONG]) == [3]


def test_array_sort():
    assert call("array_sort_asc", [3, None, 1, 2], types=[D]) == [1, 2, 3, None]
    assert call("array_sort_desc", ["b", "c", "a"], types=[D]) == ["c", "b", "a"]
    assert call("array_sort_asc", [3, None, 1], False, types=[D, BOOL]) == [None, 1, 3]


def test_sets():
    assert call("set_has_element", ["a", "b"], "b", types=[D, STRING]) is True
    assert call("set_has_element", [1, 2], 4, types=[D, LONG]) is False
    assert call("set_union", [1, 2], [2, 3], types=[D, D]) == [1, 2, 3]
    assert call("set_intersect", [1, 2, 2], [2, 3], types=[D, D]) == [2]
    assert call("set_difference", [1, 2, 3], [2], [3], types=[D, D, D]) == [1]


def test_bags():
    assert call("bag_keys", {"a": 1, "b": 2}, types=[D]) == ["a", "b"]
    assert call("bag_keys", [1], types=[D]) is None
    assert call("bag_merge", {"a": 1}, {"a": 2, "b": 3}, types=[D, D]) == {"a": 1, "b": 3}


def test_array_index_of_and_sum():
    assert call("array_index_of", ["a", "b", "a"], "a", types=[D, STRING]) == 0
    assert call("array_index_of", ["a", "b", "a"], "a", 0, -1, 2, types=[D, STRING, LONG, LONG, LONG]) == 2
    assert call("array_index_of", ["a"], "z", types=[D, STRING]) == -1
    assert call("array_sum", [1, 2.5], types=[D]) == 3.5
    assert call("array_sum", "x", types=[D]) is None


def test_range_function():
    assert call("range", 1, 8, 3, types=[LONG, LONG, LONG]) == [1, 4, 7]
    assert call("range", 1, 3, types=[LONG, LONG]) == [1, 2, 3]
    days = call("range", pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-03"), pd.Timedelta(days=1), types=[DATETIME, DATETIME, TIMESPAN])
    assert days == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-03")]
    assert call("range", 5, 1, 1, types=[LONG, LONG, LONG]) == []


def test_range_function_timespans():
    hours = [pd.Timedelta(hours=1), pd.Timedelta(hours=2), pd.Timedelta(hours=3)]
    assert call("range", pd.Timedelta(hours=1), pd.Timedelta(hours=3), types=[TIMESPAN, TIMESPAN]) == hours


def test_range_function_mixed_kinds_null():
    assert call("range", pd.Timedelta(seconds=1.5), 3, types=[TIMESPAN, LONG]) is None
    assert call("range", 1, pd.Timestamp("2023-06-01"), 1, types=[LONG, DATETIME, LONG]) is None
    assert call("range", 1, 3, pd.Timedelta(hours=1), types=[LONG, LONG, TIMESPAN]) is None


def test_range_function_not_finite_null():
    assert call("range", float("nan"), 3.0, types=[REAL, REAL]) is None
    assert call("range", 1.0, float("inf"), 1.0, types=[REAL, REAL, REAL]) is None


def test_zip():
    assert call("zip", [1, 2], ["a"], types=[D, D]) == [[1, "a"], [2, None]]


def test_gettype():
    assert call("gettype", [1], types=[D]) == "array"
    assert call("gettype", 1, types=[LONG]) == "long"
    assert call("gettype", 1.5, types=[REAL]) == "real"
    values = pd.Series([{"a": 1}, "x", None, 1.5], dtype=object)
    assert call("gettype", values, types=[D]).tolist() == ["dictionary", "string", "null", "real"]
