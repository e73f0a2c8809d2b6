"""Element-wise series arithmetic and comparisons over blocks.

series_add, series_subtract, series_multiply, series_divide, series_greater,
series_less and series_abs. Each operand is a block of arrays or one number per row.
KQL rules:

* an element that is null or not numeric gives a null result element;
* the result is as long as the longer array, and the missing elements of the shorter
  one give null;
* add, subtract and multiply of two integer operands give integers;
* divide always gives reals (x / 0 is +-inf), and the comparisons give booleans.

NOTE: integer results are computed in float64, so values beyond 2**53 lose precision
where Kusto's long arithmetic is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kqlite.series.blocks import NOT_AN_ARRAY

ARITHMETIC: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
}
COMPARISONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "greater": np.greater,
    "less": np.less,
}
INTEGER_PRESERVING = ("add", "subtract", "multiply")


@dataclass(frozen=True, slots=True)
class Operand:
    """One argument: a block of arrays (`lengths` set) or one number per row."""

    values: np.ndarray
    lengths: np.ndarray | None
    integer: np.ndarray

    @property
    def is_array(self) -> bool:
        return self.lengths is not None


@dataclass(frozen=True, slots=True)
class ElementwiseResult:
    """A result block, its row lengths (-1 for null) and which rows hold integers."""

    block: np.ndarray
    lengths: np.ndarray
    integer: np.ndarray


def combine(operation: str, left: Operand, right: Operand) -> ElementwiseResult:
    """Apply an arithmetic operation or comparison element by element."""
    lengths = _result_lengths(left, right)
    width = int(lengths.max(initial=0))
    left_values = _widen(left, width)
    right_values = _widen(right, width)

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if operation in COMPARISONS:
            truth = COMPARISONS[operation](left_values, right_values)
            null = np.isnan(left_values) | np.isnan(right_values)
            block = np.where(null, np.nan, truth.astype(np.float64))
            integer = np.zeros(len(lengths), dtype=bool)
        else:
            block = ARITHMETIC[operation](left_values, right_values)
            preserve = operation in INTEGER_PRESERVING
            integer = (left.integer & right.integer) if preserve else np.zeros(len(lengths), dtype=bool)
    return ElementwiseResult(block, lengths, integer)


def absolute(operand: Operand) -> ElementwiseResult:
    """Return the absolute value of every element; integers stay integers."""
    lengths = operand.lengths if operand.lengths is not None else np.ones(len(operand.values), dtype=np.int64)
    values = operand.values if operand.is_array else operand.values[:, None]
    return ElementwiseResult(np.abs(values), lengths, operand.integer)


def _result_lengths(left: Operand, right: Operand) -> np.ndarray:
    if left.lengths is not None and right.lengths is not None:
        longest = np.maximum(left.lengths, right.lengths)
        either_null = (left.lengths == NOT_AN_ARRAY) | (right.lengths == NOT_AN_ARRAY)
        return np.where(either_null, NOT_AN_ARRAY, longest)
    if left.lengths is not None:
        return left.lengths
    if right.lengths is not None:
        return right.lengths
    # Two numbers: a one-element result per row.
    return np.ones(len(left.values), dtype=np.int64)


def _widen(operand: Operand, width: int) -> np.ndarray:
    # Arrays are padded with NaN up to the result width; numbers repeat along the row.
    if operand.lengths is None:
        return np.repeat(operand.values.astype(np.float64)[:, None], width, axis=1)
    values = operand.values
    if values.shape[1] >= width:
        return values[:, :width]
    padded = np.full((values.shape[0], width), np.nan)
    padded[:, : values.shape[1]] = values
    return padded
