"""series_fit_line() edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from series_helpers import assert_close, call, column


def test_exact_line() -> None:
    rsquare, slope, variance, rvariance, interception, line = call("series_fit_line", [3, 5, 7, 9])
    assert rsquare[0] == pytest.approx(1.0)
    assert slope[0] == pytest.approx(2.0)
    assert interception[0] == pytest.approx(1.0)
    assert rvariance[0] == pytest.approx(0.0)
    assert variance[0] == pytest.approx(np.var([3, 5, 7, 9], ddof=1))
    assert_close(line[0], [3, 5, 7, 9])


def test_nulls_are_left_out_of_the_fit() -> None:
    _, slope, _, _, interception, line = call("series_fit_line", [3, None, 7, 9])
    assert slope[0] == pytest.approx(2.0)
    assert interception[0] == pytest.approx(1.0)
    assert_close(line[0], [3, 5, 7, 9])


def test_constant_single_empty_and_null_rows() -> None:
    rsquare, slope, variance, _, interception, line = call("series_fit_line", column([4, 4, 4], [7], [], None))
    assert np.isnan(rsquare[0])
    assert slope[0] == 0.0
    assert variance[0] == 0.0
    assert interception[1] == pytest.approx(7.0)
    assert np.isnan(variance[1])
    assert list(line[2]) == []
    assert np.isnan(slope[3])
    assert line[3] is None
