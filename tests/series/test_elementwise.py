"""Element-wise series arithmetic and comparisons: documented examples and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from series_helpers import as_list, assert_close, call, column


def test_add_documented() -> None:
    left = column([1, 2, 4], [2, 4, 8], [3, 6, 12])
    right = column([4, 2, 1], [8, 4, 2], [12, 6, 3])
    result = call("series_add", left, right)
    assert [r.tolist() for r in result] == [[5, 4, 5], [10, 8, 10], [15, 12, 15]]
    assert result[0].dtype == np.int64


def test_divide_documented_is_real() -> None:
    result = call("series_divide", column([1, 2, 4]), column([4, 2, 1]))[0]
    assert result.dtype == np.float64
    assert result.tolist() == [0.25, 1.0, 4.0]
    assert call("series_divide", [2, -2, 0], [0, 0, 0])[0].tolist()[:2] == [np.inf, -np.inf]


def test_greater_and_less_documented() -> None:
    assert as_list(call("series_greater", [1, 2, 4], [4, 2, 1])[0]) == [False, False, True]
    assert as_list(call("series_less", [1, 2, 4], [4, 2, 1])[0]) == [True, False, False]


def test_abs_documented() -> None:
    assert_close(call("series_abs", [-6.5, 0, 8.2])[0], [6.5, 0, 8.2])
    assert call("series_abs", [-3, 2])[0].tolist() == [3, 2]


def test_different_lengths_give_nulls() -> None:
    assert call("series_subtract", [5, 6, 7], [1, 1])[0] == [4, 5, None]
    assert call("series_greater", [5, 6], [1, None, 3])[0] == [True, None, None]


def test_scalar_operands() -> None:
    assert call("series_multiply", [1, 2, 3], 2)[0].tolist() == [2, 4, 6]
    assert_close(call("series_add", [1, 2], 0.5)[0], [1.5, 2.5])
    per_row = pd.Series([10.0, 20.0])
    result = call("series_subtract", column([1, 2], [3]), per_row)
    assert_close(result[0], [-9, -8])
    assert_close(result[1], [-17])


def test_null_and_non_numeric_elements() -> None:
    result = call("series_add", column([1, None, "x"], None), column([1, 1, 1], [1]))
    assert result[0] == [2, None, None]
    assert result[1] is None
