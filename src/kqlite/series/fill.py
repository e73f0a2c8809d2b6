"""Missing-value fills over a block: series_fill_forward, _backward, _const and _linear.

A missing element is a null (NaN in the block) or, when a placeholder is given, an
element equal to it. Kusto keeps the element type: for arrays of integers the caller
converts the result back to integers, and series_fill_linear truncates interpolated
values toward zero (the documentation's example turns 73.5 into 73 and 32.667 into 32).
"""

from __future__ import annotations

import numpy as np


def missing_mask(block: np.ndarray, placeholder: float | None) -> np.ndarray:
    """Mark the missing elements: nulls, or elements equal to `placeholder`."""
    if placeholder is None or np.isnan(placeholder):
        return np.isnan(block)
    return block == placeholder


def fill_forward(block: np.ndarray, placeholder: float | None = None) -> np.ndarray:
    """Replace each missing element with the nearest present element on its left.

    Missing elements before the first present one are kept as they are.
    """
    missing = missing_mask(block, placeholder)
    source = _last_present_index(missing)
    filled = np.take_along_axis(block, np.maximum(source, 0), axis=1)
    return np.where(missing & (source >= 0), filled, block)


def fill_backward(block: np.ndarray, placeholder: float | None = None) -> np.ndarray:
    """Replace each missing element with the nearest present element on its right.

    Missing elements after the last present one are kept as they are.
    """
    return fill_forward(block[:, ::-1], placeholder)[:, ::-1]


def fill_const(block: np.ndarray, constant: float, placeholder: float | None = None) -> np.ndarray:
    """Replace every missing element with `constant`."""
    return np.where(missing_mask(block, placeholder), constant, block)


def fill_linear(
    block: np.ndarray,
    lengths: np.ndarray,
    placeholder: float | None = None,
    fill_edges: bool = True,
    constant: float | None = 0.0,
    integer_rows: np.ndarray | None = None,
) -> np.ndarray:
    """Interpolate missing elements linearly between their present neighbours.

    With `fill_edges`, missing elements before the first or after the last present
    element take that element's value; otherwise they are kept. A row with no present
    element is filled with `constant` (None keeps it as it is). Rows flagged in
    `integer_rows` have their interpolated values truncated toward zero.
    """
    columns = np.arange(block.shape[1])
    inside = columns < lengths[:, None]
    missing = missing_mask(block, placeholder) & inside
    present = inside & ~missing

    # Index of the nearest present element on each side (-1 when there is none).
    left = _last_present_index(~present)
    right = _first_present_index_from_right(~present)
    left_value = np.take_along_axis(block, np.maximum(left, 0), axis=1)
    right_value = np.take_along_axis(block, np.maximum(right, 0), axis=1)

    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = (columns - left) / (right - left)
        between = left_value + (right_value - left_value) * fraction
    if integer_rows is not None:
        between = np.where(integer_rows[:, None], np.trunc(between), between)

    interior = missing & (left >= 0) & (right >= 0)
    result = np.where(interior, between, block)
    if fill_edges:
        result = np.where(missing & (left < 0) & (right >= 0), right_value, result)
        result = np.where(missing & (right < 0) & (left >= 0), left_value, result)

    empty_rows = ~present.any(axis=1)
    if constant is not None:
        result = np.where(empty_rows[:, None] & missing, constant, result)
    return result


def _last_present_index(missing: np.ndarray) -> np.ndarray:
    # Running maximum of the indices of present elements; -1 before the first one.
    columns = np.arange(missing.shape[1])
    return np.maximum.accumulate(np.where(missing, -1, columns), axis=1)


def _first_present_index_from_right(missing: np.ndarray) -> np.ndarray:
    width = missing.shape[1]
    reversed_index = _last_present_index(missing[:, ::-1])[:, ::-1]
    return np.where(reversed_index >= 0, width - 1 - reversed_index, -1)
