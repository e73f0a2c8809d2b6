"""Tests of the make-series kernel, including the documented make-series examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.functions import aggregates  # noqa: F401  (registers the aggregates)
from kqlite.functions.registry import AGGREGATES
from kqlite.operators.grouping import group_codes
from kqlite.operators.make_series import MAX_BINS, SeriesAggregate, make_series
from kqlite.types import BOOL, DATETIME, DYNAMIC, LONG, REAL, TIMESPAN, KqlType

CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "doc-examples.jsonl"
DAY = pd.Timedelta(days=1)


def conformance_rows(name: str) -> list[list[Any]]:
    if not CONFORMANCE.exists():
        pytest.skip("the shared conformance cases are not available")
    for line in CONFORMANCE.read_text().splitlines():
        case = json.loads(line)
        if case["name"] == name:
            return case["expected"]["rows"]
    pytest.skip(f"conformance case {name} not found")


def times(*texts: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(texts), format="ISO8601").astype("datetime64[ns]"))


def aggregate(name: str, *args: Any, types: tuple[KqlType, ...] = (), default: Any = 0) -> SeriesAggregate:
    function = AGGREGATES[name]
    return SeriesAggregate(function, list(args), list(types), default, function.result_type(types) if types else LONG)


def iso_days(axis: np.ndarray) -> list[str]:
    return [pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S") for value in axis]


def expected_days(values: list[str]) -> list[str]:
    return [value[:19] for value in values]


# The data of the make-series reference examples.
EXAMPLE_TIMES = times(
    "2016-12-31T06:00", "2017-01-01", "2017-01-02", "2017-01-03", "2017-01-03T03:00", "2017-01-05",
    "2017-01-05T13:40", "2017-01-06", "2017-01-07", "2017-01-08", "2017-01-08T21:00", "2017-01-09",
    "2017-01-09T12:00", "2017-01-10T05:00",
)
EXAMPLE_METRIC = pd.Series([50, 4, 3, 4, 6, 8, 13, 4, 3, 8, 8, 2, 11, 5], dtype="float64")


# ------------------------------------------------------------------ conformance


def test_make_series_avg_from_to() -> None:
    codes = np.zeros(len(EXAMPLE_TIMES), dtype=np.int64)

    (averages,), axis = make_series(
        EXAMPLE_TIMES, DATETIME, codes, 1, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-10"), DAY, False,
        [aggregate("avg", EXAMPLE_METRIC, types=(REAL,))],
    )

    [[expected_values, expected_axis]] = conformance_rows("make_series_avg_from_to")
    assert averages[0].tolist() == pytest.approx(expected_values)
    assert iso_days(axis) == expected_days(expected_axis)
    assert axis.dtype == "datetime64[ns]"


def test_make_series_empty_input_no_rows() -> None:
    # Without kind=nonempty the caller groups the empty input into zero groups.
    empty_times = EXAMPLE_TIMES.iloc[:0]
    codes, ngroups, _ = group_codes([pd.Series([], dtype="str")])

    (averages,), _ = make_series(
        empty_times, DATETIME, codes, ngroups, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-10"), DAY, False,
        [aggregate("avg", EXAMPLE_METRIC.iloc[:0], types=(REAL,), default=1.0)],
    )

    assert [[len(averages)]] == conformance_rows("make_series_empty_input_no_rows")


def test_make_series_kind_nonempty() -> None:
    # kind=nonempty: the caller passes one group and no by keys.
    empty_times = EXAMPLE_TIMES.iloc[:0]

    (averages,), axis = make_series(
        empty_times, DATETIME, np.zeros(0, dtype=np.int64), 1, pd.Timestamp("2017-01-01"),
        pd.Timestamp("2017-01-10"), DAY, False,
        [aggregate("avg", EXAMPLE_METRIC.iloc[:0], types=(REAL,), default=1.0)],
    )

    [[expected_values, expected_axis]] = conformance_rows("make_series_kind_nonempty")
    assert averages[0].tolist() == expected_values
    assert iso_days(axis) == expected_days(expected_axis)


def test_make_series_fill_with_step_7d() -> None:
    stamps = times("2025-01-07", "2025-01-16", "2025-02-01")
    values = pd.Series([10, 20, 30], dtype="Int32")

    (sums,), axis = make_series(
        stamps, DATETIME, np.zeros(3, dtype=np.int64), 1, pd.Timestamp("2025-01-06"), pd.Timestamp("2025-02-09"),
        pd.Timedelta(days=7), False, [aggregate("sum", values, types=(LONG,))],
    )

    expected = conformance_rows("make_series_mv_expand_fill")
    assert sums[0].tolist() == [row[1] for row in expected]
    assert iso_days(axis) == expected_days([row[0] for row in expected])
    assert sums[0].dtype == np.int64


def test_constant_series_with_default() -> None:
    # `other=-1 default=-2`: cells with rows get the constant, empty cells the default.
    stamps = times("2025-01-07", "2025-01-16", "2025-02-01")

    (others,), _ = make_series(
        stamps, DATETIME, np.zeros(3, dtype=np.int64), 1, pd.Timestamp("2025-01-06"), pd.Timestamp("2025-02-09"),
        pd.Timedelta(days=7), False, [aggregate("take_any", -1, types=(LONG,), default=-2)],
    )

    expected = conformance_rows("make_series_mv_expand_fill")
    assert others[0].tolist() == [row[2] for row in expected]


def test_make_series_to_exclusive_count() -> None:
    stamps = times("2017-01-01", "2017-01-02", "2017-01-02T12:00", "2017-01-03")

    (counts,), axis = make_series(
        stamps, DATETIME, np.zeros(4, dtype=np.int64), 1, pd.Timestamp("2017-01-01"), pd.Timestamp("2017-01-03"), DAY,
        False, [aggregate("count")],
    )

    [[expected_counts, expected_axis]] = conformance_rows("make_series_to_exclusive_count")
    assert counts[0].tolist() == expected_counts
    assert iso_days(axis) == expected_days(expected_axis)


def test_make_series_by_groups() -> None:
    stamps = times("2020-01-01", "2020-01-02", "2020-01-02", "2020-01-02T06:00")
    keys = pd.Series(["a", "a", "b", "b"], dtype="str")
    values = pd.Series([1, 2, 5, 5], dtype="Int64")
    codes, ngroups, key_values = group_codes([keys])

    (totals,), axis = make_series(
        stamps, DATETIME, codes, ngroups, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-03"), DAY, False,
        [aggregate("sum", values, types=(LONG,))],
    )

    got = sorted([key, total.tolist(), iso_days(axis)] for key, total in zip(key_values[0], totals))
    expected = sorted([key, total, expected_days(axis_values)] for key, total, axis_values in conformance_rows("make_series_by_groups"))
    assert got == expected


def test_make_series_non_numeric_aggregate_error() -> None:
    stamps = times("2020-01-01")
    listed = aggregate("make_list", pd.Series([1], dtype="Int64"), types=(LONG,))

    assert listed.result_type is DYNAMIC
    assert not AGGREGATES["make_list"].allowed_in_make_series
    with pytest.raises(KqlRuntimeError, match="numeric results"):
        make_series(
            stamps, DATETIME, np.zeros(1, dtype=np.int64), 1, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-02"),
            DAY, False, [listed],
        )


# ------------------------------------------------------------------ binning


def test_from_omitted_aligns_7d_bins_on_mondays() -> None:
    # 0001-01-01 was a Monday, so bin(datetime, 7d) starts weeks on Mondays.
    stamps = times("2017-05-17", "2017-05-30")

    (counts,), axis = make_series(
        stamps, DATETIME, np.zeros(2, dtype=np.int64), 1, None, None, pd.Timedelta(days=7), False, [aggregate("count")]
    )

    assert iso_days(axis) == ["2017-05-15T00:00:00", "2017-05-22T00:00:00", "2017-05-29T00:00:00"]
    assert counts[0].tolist() == [1, 0, 1]


def test_range_spans_whole_input_across_groups() -> None:
    stamps = times("2020-01-01", "2020-01-03")
    codes = np.array([0, 1], dtype=np.int64)

    (counts,), axis = make_series(stamps, DATETIME, codes, 2, None, None, DAY, False, [aggregate("count")])

    assert len(axis) == 3
    assert [row.tolist() for row in counts] == [[1, 0, 0], [0, 0, 1]]


def test_from_given_to_omitted() -> None:
    stamps = times("2020-01-01T12:00", "2020-01-03T01:00")

    (counts,), axis = make_series(
        stamps, DATETIME, np.zeros(2, dtype=np.int64), 1, pd.Timestamp("2020-01-01T06:00"), None, DAY, False,
        [aggregate("count")],
    )

    assert iso_days(axis) == ["2020-01-01T06:00:00", "2020-01-02T06:00:00"]
    assert counts[0].tolist() == [1, 1]


def test_in_range_stop_inclusive_plain_bin() -> None:
    values = pd.Series([1.0, 2.5, 9.0, 10.0, 11.0])

    (counts,), axis = make_series(
        values, REAL, np.zeros(5, dtype=np.int64), 1, 1.5, 10, 2, True, [aggregate("count")]
    )

    # bin(1.5, 2) = 0 and bin(10, 2) = 10; only rows with 1.5 <= x <= 10 count.
    assert axis.tolist() == [0, 2, 4, 6, 8, 10]
    assert counts[0].tolist() == [0, 1, 0, 0, 1, 1]


def test_numeric_long_axis() -> None:
    values = pd.Series([0, 5, 12, None], dtype="Int64")

    (sums,), axis = make_series(
        values, LONG, np.zeros(4, dtype=np.int64), 1, None, None, 5, False, [aggregate("sum", values, types=(LONG,))]
    )

    assert axis.tolist() == [0, 5, 10]
    assert axis.dtype == np.int64
    assert sums[0].tolist() == [0, 5, 12]


def test_timespan_axis() -> None:
    spans = pd.Series(pd.to_timedelta(["1h", "90m", "3h"]))

    (counts,), axis = make_series(
        spans, TIMESPAN, np.zeros(3, dtype=np.int64), 1, None, None, pd.Timedelta(hours=1), False, [aggregate("count")]
    )

    assert axis.dtype == "timedelta64[ns]"
    assert [pd.Timedelta(value) for value in axis] == [pd.Timedelta(hours=hour) for hour in (1, 2, 3)]
    assert counts[0].tolist() == [2, 0, 1]


def test_null_axis_and_ungrouped_rows_dropped() -> None:
    stamps = times("2020-01-01", "2020-01-01", "2020-01-02")
    stamps[1] = pd.NaT
    codes = np.array([0, 0, -1], dtype=np.int64)

    (counts,), axis = make_series(stamps, DATETIME, codes, 1, None, None, DAY, False, [aggregate("count")])

    assert len(axis) == 1
    assert counts[0].tolist() == [1]


def test_real_axis_null_dropped() -> None:
    values = pd.Series([1.0, np.nan, 7.5])

    (counts,), axis = make_series(
        values, REAL, np.zeros(3, dtype=np.int64), 1, None, None, 2.5, False, [aggregate("count")]
    )

    assert axis.tolist() == [0.0, 2.5, 5.0, 7.5]
    assert counts[0].tolist() == [1, 0, 0, 1]


def test_to_given_from_omitted() -> None:
    stamps = times("2020-01-01T10:00", "2020-01-02", "2020-01-04")

    (counts,), axis = make_series(
        stamps, DATETIME, np.zeros(3, dtype=np.int64), 1, None, pd.Timestamp("2020-01-03"), DAY, False,
        [aggregate("count")],
    )

    assert iso_days(axis) == ["2020-01-01T00:00:00", "2020-01-02T00:00:00"]
    assert counts[0].tolist() == [1, 1]


def test_bin_limit() -> None:
    stamps = times("2020-01-01")

    with pytest.raises(KqlRuntimeError, match="limit"):
        make_series(
            stamps, DATETIME, np.zeros(1, dtype=np.int64), 1, pd.Timestamp("2020-01-01"),
            pd.Timestamp("2020-01-01") + pd.Timedelta(seconds=MAX_BINS + 1), pd.Timedelta(seconds=1), False,
            [aggregate("count")],
        )


def test_non_positive_step_rejected() -> None:
    with pytest.raises(KqlRuntimeError, match="positive"):
        make_series(times("2020-01-01"), DATETIME, np.zeros(1, dtype=np.int64), 1, None, None, pd.Timedelta(0), False, [])


def test_empty_input_without_from_has_no_bins() -> None:
    (counts,), axis = make_series(
        EXAMPLE_TIMES.iloc[:0], DATETIME, np.zeros(0, dtype=np.int64), 1, None, None, DAY, False, [aggregate("count")]
    )

    assert len(axis) == 0
    assert counts[0].tolist() == []


# ------------------------------------------------------------------ aggregates and defaults


def test_default_null_gives_nan() -> None:
    stamps = times("2020-01-01", "2020-01-03")
    values = pd.Series([1, 2], dtype="Int64")

    (sums,), _ = make_series(
        stamps, DATETIME, np.zeros(2, dtype=np.int64), 1, None, None, DAY, False,
        [aggregate("sum", values, types=(LONG,), default=None)],
    )

    assert sums[0].dtype == np.float64
    assert sums[0][0] == 1
    assert np.isnan(sums[0][1])
    assert sums[0][2] == 2


def test_general_path_aggregates() -> None:
    stamps = times("2020-01-01", "2020-01-01T05:00", "2020-01-03")
    values = pd.Series([4.0, 1.0, 7.0])
    flags = pd.Series([True, False, True], dtype="boolean")

    (maxima, counted, distinct), _ = make_series(
        stamps, DATETIME, np.zeros(3, dtype=np.int64), 1, None, None, DAY, False,
        [
            aggregate("max", values, types=(REAL,), default=-1.0),
            aggregate("countif", flags, types=(BOOL,)),
            aggregate("dcount", values, types=(REAL,)),
        ],
    )

    assert maxima[0].tolist() == [4.0, -1.0, 7.0]
    assert counted[0].tolist() == [1, 0, 1]
    assert distinct[0].tolist() == [2, 0, 1]


def test_min_of_datetime_result_array() -> None:
    stamps = times("2020-01-01T03:00", "2020-01-01T01:00", "2020-01-03")

    (earliest,), _ = make_series(
        stamps, DATETIME, np.zeros(3, dtype=np.int64), 1, None, None, DAY, False,
        [aggregate("min", stamps, types=(DATETIME,), default=None)],
    )

    assert earliest[0].dtype == "datetime64[ns]"
    assert pd.Timestamp(earliest[0][0]) == pd.Timestamp("2020-01-01T01:00")
    assert pd.isna(earliest[0][1])


def test_avg_with_null_values_in_cell() -> None:
    stamps = times("2020-01-01", "2020-01-01", "2020-01-02")
    values = pd.Series([2, None, None], dtype="Int64")

    (averages, sums), _ = make_series(
        stamps, DATETIME, np.zeros(3, dtype=np.int64), 1, None, None, DAY, False,
        [aggregate("avg", values, types=(LONG,)), aggregate("sum", values, types=(LONG,))],
    )

    # The second cell has a row whose value is null: avg over no values is null.
    assert averages[0][0] == 2.0
    assert np.isnan(averages[0][1])
    assert sums[0].tolist() == [2, 0]


def test_rows_are_views_of_one_block() -> None:
    stamps = times("2020-01-01", "2020-01-02")
    codes = np.array([0, 1], dtype=np.int64)

    (counts,), _ = make_series(stamps, DATETIME, codes, 2, None, None, DAY, False, [aggregate("count")])

    assert counts[0].base is not None
    assert counts[0].base is counts[1].base


def test_tuple_entries_accepted() -> None:
    stamps = times("2020-01-01")
    entry = (AGGREGATES["count"], [], [], 0, LONG)

    (counts,), _ = make_series(stamps, DATETIME, np.zeros(1, dtype=np.int64), 1, None, None, DAY, False, [entry])

    assert counts[0].tolist() == [1]
