"""The documented series_* examples of the conformance file, run on the registered functions.

The queries themselves need the parser and operators, so each case's input and
arguments are restated here and only the expected values are read from the shared
conformance file. The tests skip when that file is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kqlite.errors import KqlRuntimeError
from series_helpers import as_list, assert_close, call

CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "doc-examples.jsonl"

OUTLIER_INPUT = [-3, 2.4, 15, 3.9, 5, 6, 4.5, 5.2, 3, 4, 5, 16, 7, 5, 5, 4]
TRAFFIC = [
    80, 139, 87, 110, 68, 54, 50, 51, 53, 133, 86, 141, 97, 156, 94, 149, 95, 140, 77, 61,
    50, 54, 47, 133, 72, 152, 94, 148, 105, 162, 101, 160, 87, 63, 53, 55, 54, 151, 103, 189,
    108, 183, 113, 175, 113, 178, 90, 71, 62, 62, 65, 165, 109, 181, 115, 182, 121, 178, 114, 170,
]  # fmt: skip


def _cases() -> dict[str, dict[str, Any]]:
    if not CONFORMANCE.exists():
        pytest.skip("the shared conformance file is not next to the repository")
    lines = CONFORMANCE.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    return {case["name"]: case for case in cases if "series" in case["name"]}


def _expected(name: str) -> tuple[list[Any], float]:
    case = _cases()[name]
    return case["expected"]["rows"], case.get("abs_tol", 1e-9)


def test_outliers_ctukey_default() -> None:
    rows, tolerance = _expected("series_outliers_ctukey_default")
    assert_close(call("series_outliers", OUTLIER_INPUT)[0], rows[0][0], tolerance)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("series_decompose_anomalies_no_season_no_trend", (1.5, 0, "none")),
        ("series_decompose_anomalies_no_season_avg_trend", (1.5, 0)),
    ],
)
def test_decompose_anomalies_examples(name: str, args: tuple[Any, ...]) -> None:
    rows, tolerance = _expected(name)
    flags, scores, baseline = call("series_decompose_anomalies", OUTLIER_INPUT, *args)
    assert as_list(flags[0]) == rows[0][0]
    assert flags[0].dtype == np.int64
    assert_close(scores[0], rows[0][1], tolerance)
    assert_close(baseline[0], rows[0][2], tolerance)


def test_decompose_anomalies_threshold_1() -> None:
    rows, _ = _expected("series_decompose_anomalies_threshold_1")
    flags, _, _ = call("series_decompose_anomalies", OUTLIER_INPUT, 1.0, 0, "none")
    assert as_list(flags[0]) == rows[0][0]


def test_decompose_no_season_avg() -> None:
    rows, tolerance = _expected("series_decompose_no_season_avg")
    parts = call("series_decompose", OUTLIER_INPUT, 0, "avg")
    for part, expected in zip(parts, rows[0]):
        assert_close(part[0], expected, tolerance)


def test_seasonal_auto_detect() -> None:
    rows, tolerance = _expected("series_seasonal_auto_detect")
    for series, expected in rows:
        assert_close(call("series_seasonal", series)[0], expected, tolerance)


def test_seasonal_forced_period() -> None:
    rows, tolerance = _expected("series_seasonal_forced_period")
    for series, expected in rows:
        assert_close(call("series_seasonal", series, 3)[0], expected, tolerance)


def test_periods_detect_weekly() -> None:
    rows, tolerance = _expected("series_periods_detect_weekly")
    periods, scores = call("series_periods_detect", TRAFFIC, 0.0, 50.0, 2)
    assert_close(periods[0], rows[0][0], tolerance)
    assert_close(scores[0], rows[0][1], tolerance)


def test_periods_validate() -> None:
    rows, tolerance = _expected("series_periods_validate")
    periods, scores = call("series_periods_validate", TRAFFIC, 14.0, 10.0)
    assert_close(periods[0], rows[0][0], tolerance)
    assert_close(scores[0], rows[0][1], tolerance)


def test_fit_line_example() -> None:
    rows, tolerance = _expected("series_fit_line_example")
    result = call("series_fit_line", [2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])
    for got, expected in zip(result[:5], rows[0][:5]):
        assert got[0] == pytest.approx(expected, abs=tolerance)
    assert_close(result[5][0], rows[0][5], tolerance)


def test_outliers_percentile_out_of_range() -> None:
    assert _cases()["series_outliers_percentile_out_of_range_error"]["expect_error"]
    with pytest.raises(KqlRuntimeError):
        call("series_outliers", [1, 2, 3, 4, 50], "ctukey", None, 1.0, 90.0)
