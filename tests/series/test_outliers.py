"""series_outliers(): Tukey scores, kinds, custom percentiles, nulls and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.series.outliers import CTUKEY_FACTOR, outlier_scores, tukey_factors
from series_helpers import as_list, assert_close, call, column

SAMPLE = [-3, 2.4, 15, 3.9, 5, 6, 4.5, 5.2, 3, 4, 5, 16, 7, 5, 5, 4]


def test_tukey_kind_is_plain_iqr_score() -> None:
    values = np.array(SAMPLE, dtype=float)
    q1, q3 = np.percentile(values, [25, 75])
    expected = np.where(values > q3, (values - q3) / (q3 - q1), np.where(values < q1, (values - q1) / (q3 - q1), 0))
    assert_close(call("series_outliers", SAMPLE, "tukey")[0], expected.tolist())


def test_nulls_and_ignore_value_score_zero() -> None:
    with_nulls = call("series_outliers", [*SAMPLE, None])[0]
    assert_close(with_nulls, [*as_list(call("series_outliers", SAMPLE)[0]), 0.0])
    ignored = call("series_outliers", [*SAMPLE, -999], "ctukey", -999)[0]
    assert_close(ignored, [*as_list(call("series_outliers", SAMPLE)[0]), 0.0])


def test_constant_series_scores_zero() -> None:
    assert_close(call("series_outliers", [5, 5, 5, 5, 5])[0], [0.0] * 5)


def test_empty_single_and_null_rows() -> None:
    result = call("series_outliers", column([], [7], None))
    assert as_list(result[0]) == []
    assert_close(result[1], [0.0])
    assert result[2] is None


def test_custom_percentiles_default_pair_matches_ctukey() -> None:
    default = call("series_outliers", SAMPLE)[0]
    explicit = call("series_outliers", SAMPLE, "ctukey", None, 10.0, 90.0)[0]
    assert_close(explicit, as_list(default))


def test_custom_percentile_factor_scales_normal_theory() -> None:
    upper, lower = tukey_factors("ctukey", 5.0, 95.0)
    assert upper == pytest.approx(lower)
    assert upper > CTUKEY_FACTOR
    assert tukey_factors("ctukey", 10.0, 90.0) == (CTUKEY_FACTOR, CTUKEY_FACTOR)


@pytest.mark.parametrize(("low", "high"), [(1.0, 90.0), (10.0, 99.0), (60.0, 40.0)])
def test_invalid_percentiles_raise(low: float, high: float) -> None:
    with pytest.raises(KqlRuntimeError):
        outlier_scores(np.array([[1.0, 2.0, 3.0]]), "ctukey", None, low, high)


def test_unknown_kind_raises() -> None:
    with pytest.raises(KqlRuntimeError):
        call("series_outliers", SAMPLE, "zscore")


def test_rows_are_scored_independently() -> None:
    block = np.array([SAMPLE, [value * 10 + 3 for value in SAMPLE]], dtype=float)
    scores = outlier_scores(block)
    np.testing.assert_allclose(scores[0], scores[1])
