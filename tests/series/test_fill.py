"""series_fill_* functions: the documented examples and edge cases."""

from __future__ import annotations

import numpy as np

from series_helpers import as_list, assert_close, call, column

DOUBLES = [None, 111.0, None, 36.0, 41.0, None, None, 16.0, 61.0, 33.0, None, None]
INTEGERS = [None, 111, None, 36, 41, None, None, 16, 61, 33, None, None]
FILLED = [111.0, 111.0, 73.5, 36.0, 41.0, 32.667, 24.333, 16.0, 61.0, 33.0, 33.0, 33.0]


def test_fill_linear_documented_doubles() -> None:
    assert_close(call("series_fill_linear", DOUBLES)[0], FILLED, 1e-3)
    assert_close(call("series_fill_linear", DOUBLES, None, True)[0], FILLED, 1e-3)
    without_edges = [None, *FILLED[1:10], None, None]
    assert_close(call("series_fill_linear", DOUBLES, None, False)[0], without_edges, 1e-3)
    assert_close(call("series_fill_linear", DOUBLES, None, True, 3.14159)[0], FILLED, 1e-3)


def test_fill_linear_documented_integers_truncate() -> None:
    result = call("series_fill_linear", INTEGERS)[0]
    assert result.dtype == np.int64
    assert result.tolist() == [111, 111, 73, 36, 41, 32, 24, 16, 61, 33, 33, 33]
    without_edges = call("series_fill_linear", INTEGERS, None, False)[0]
    assert without_edges == [None, 111, 73, 36, 41, 32, 24, 16, 61, 33, None, None]


def test_fill_linear_all_null_row_uses_constant() -> None:
    assert_close(call("series_fill_linear", [None] * 4)[0], [0.0] * 4)
    assert_close(call("series_fill_linear", [None] * 4, None, False)[0], [0.0] * 4)
    assert_close(call("series_fill_linear", [None] * 4, None, True, 3.14159)[0], [3.14159] * 4)


def test_fill_linear_placeholder_and_rows_of_different_lengths() -> None:
    result = call("series_fill_linear", column([1, 0, 3], [0, 5], None), 0)
    assert as_list(result[0]) == [1, 2, 3]
    assert as_list(result[1]) == [5, 5]
    assert result[2] is None


def test_fill_forward_documented() -> None:
    result = call("series_fill_forward", [None, None, 36, 41, None, None, 16, 61, 33, None, None])[0]
    assert result == [None, None, 36, 41, 41, 41, 16, 61, 33, 33, 33]


def test_fill_backward() -> None:
    result = call("series_fill_backward", column([None, 1.5, None, 4.0, None], []))
    assert_close(result[0], [1.5, 1.5, 4.0, 4.0, None])
    assert as_list(result[1]) == []


def test_fill_const_documented() -> None:
    arr = [111, None, 36, 41, 23, None, 16, 61, 33, None, None]
    zeros = call("series_fill_const", arr, 0.0)[0]
    assert_close(zeros, [111, 0, 36, 41, 23, 0, 16, 61, 33, 0, 0])
    minus_one = call("series_fill_const", arr, -1)[0]
    assert minus_one.dtype == np.int64
    assert minus_one.tolist() == [111, -1, 36, 41, 23, -1, 16, 61, 33, -1, -1]


def test_fill_forward_with_placeholder_keeps_leading_ones() -> None:
    assert as_list(call("series_fill_forward", [0, 2, 0, 0, 5], 0)[0]) == [0, 2, 2, 2, 5]
