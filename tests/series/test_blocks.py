"""Conversion between dynamic columns and blocks."""

from __future__ import annotations

import numpy as np

from kqlite.series.blocks import from_block, from_boolean_block, integer_rows, to_block
from series_helpers import column


def test_to_block_equal_numpy_rows() -> None:
    block, lengths = to_block(column(np.array([1, 2, 3]), np.array([4.0, np.nan, 6.0])))
    assert block.dtype == np.float64
    assert lengths.tolist() == [3, 3]
    np.testing.assert_array_equal(block, [[1, 2, 3], [4, np.nan, 6]])


def test_to_block_ragged_lists_pad_with_nan() -> None:
    block, lengths = to_block(column([1, None, 3], [], [5.5]))
    assert lengths.tolist() == [3, 0, 1]
    assert block.shape == (3, 3)
    np.testing.assert_array_equal(block[0], [1, np.nan, 3])
    assert np.isnan(block[1]).all()
    np.testing.assert_array_equal(block[2], [5.5, np.nan, np.nan])


def test_to_block_non_arrays_are_null_rows() -> None:
    block, lengths = to_block(column(None, 5, "text", {"a": 1}, [1, 2]))
    assert lengths.tolist() == [-1, -1, -1, -1, 2]
    assert np.isnan(block[:4]).all()


def test_to_block_non_numeric_elements_are_null() -> None:
    block, _ = to_block(column([1, "x", True, None, 2.5]))
    np.testing.assert_array_equal(block[0], [1, np.nan, np.nan, np.nan, 2.5])


def test_to_block_datetime_elements_are_null() -> None:
    block, lengths = to_block(column(np.array(["2020-01-01"], dtype="datetime64[ns]")))
    assert lengths.tolist() == [1]
    assert np.isnan(block[0, 0])


def test_to_block_empty_column() -> None:
    block, lengths = to_block(column())
    assert block.shape == (0, 0)
    assert lengths.tolist() == []


def test_from_block_views_and_nulls() -> None:
    block = np.array([[1.0, 2.0, 3.0], [4.0, np.nan, np.nan]])
    result = from_block(block, np.array([3, -1]))
    assert result.dtype == object
    np.testing.assert_array_equal(result[0], [1, 2, 3])
    assert np.shares_memory(result[0], block)
    assert result[1] is None


def test_from_block_integer_rows() -> None:
    block = np.array([[1.0, 2.0], [3.0, np.nan]])
    result = from_block(block, np.array([2, 2]), integer_rows=np.array([True, True]))
    assert result[0].dtype == np.int64
    assert result[0].tolist() == [1, 2]
    assert result[1] == [3, None]


def test_from_boolean_block() -> None:
    result = from_boolean_block(np.array([[1.0, 0.0], [np.nan, 1.0]]), np.array([2, 2]))
    assert result[0].dtype == bool
    assert result[0].tolist() == [True, False]
    assert result[1] == [None, True]


def test_integer_rows() -> None:
    flags = integer_rows(column(np.array([1, 2]), [1, None, 3], [1.5], [None], [True], None, np.array([1.0])))
    assert flags.tolist() == [True, True, False, False, False, False, False]
