"""Tests of the aggregate kernels, called directly with group codes.

The conformance cases are reproduced by building their input by hand and
computing the aggregates of their query. The expected rows come from the shared
conformance file when it is present.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.functions import aggregates  # noqa: F401  (registers the aggregates)
from kqlite.functions.registry import AGGREGATES, CallContext
from kqlite.operators.grouping import group_codes
from kqlite.types import (
    BOOL,
    DATETIME,
    DECIMAL,
    DYNAMIC,
    GUID,
    INT,
    LONG,
    REAL,
    STRING,
    TIMESPAN,
    KqlType,
)

CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "doc-examples.jsonl"


def conformance_rows(name: str) -> list[list[Any]]:
    if not CONFORMANCE.exists():
        pytest.skip("the shared conformance cases are not available")
    for line in CONFORMANCE.read_text().splitlines():
        case = json.loads(line)
        if case["name"] == name:
            return case["expected"]["rows"]
    pytest.skip(f"conformance case {name} not found")


def call(name: str, codes: np.ndarray, ngroups: int, *args: Any, types: tuple[KqlType, ...] = ()) -> Any:
    function = AGGREGATES[name]
    result_type = function.result_type(types) if types or not function.params else LONG
    ctx = CallContext(length=len(codes), arg_types=types, result_type=result_type, now=pd.Timestamp("2024-01-01"))
    return function.implementation(ctx, codes, ngroups, *args)


def one_group(length: int) -> np.ndarray:
    return np.zeros(length, dtype=np.int64)


def values_of(series: pd.Series) -> list[Any]:
    return [None if not isinstance(value, (list, dict)) and pd.isna(value) else value for value in series.tolist()]


LONGS = pd.Series([1, 2, 2, 3, None], dtype="Int64")
TWO_GROUPS = np.array([0, 1, 0, 1, 0], dtype=np.int64)


# ------------------------------------------------------------------ conformance


def test_dcount_small_exact_ignores_null() -> None:
    result = call("dcount", one_group(5), 1, LONGS, types=(LONG,))

    assert result.dtype == "Int64"
    assert values_of(result) == [row[0] for row in conformance_rows("dcount_small_exact_ignores_null")]


def test_summarize_empty_lists() -> None:
    empty = pd.Series([], dtype="Int64")
    codes = one_group(0)

    row = [call("make_set", codes, 1, empty, types=(LONG,))[0], call("make_list", codes, 1, empty, types=(LONG,))[0]]

    assert [row] == conformance_rows("summarize_empty_lists")


def test_summarize_empty_other_defaults() -> None:
    empty = pd.Series([], dtype="Int64")
    codes = one_group(0)
    predicate = pd.Series([], dtype="boolean")

    results = [
        call("max", codes, 1, empty, types=(LONG,)),
        call("min", codes, 1, empty, types=(LONG,)),
        call("sum", codes, 1, empty, types=(LONG,)),
        call("sumif", codes, 1, empty, predicate, types=(LONG, BOOL)),
        call("stdev", codes, 1, empty, types=(LONG,)),
        call("variance", codes, 1, empty, types=(LONG,)),
        call("percentile", codes, 1, empty, 55, types=(LONG, LONG)),
    ]

    assert [[values_of(result)[0] for result in results]] == conformance_rows("summarize_empty_other_defaults")
    assert [str(result.dtype) for result in results] == ["Int64", "Int64", "Int64", "Int64", "float64", "float64", "Int64"]


def test_avg_of_empty_input_is_nan() -> None:
    result = call("avg", one_group(0), 1, pd.Series([], dtype="Int64"), types=(LONG,))

    assert result.dtype == "float64"
    assert np.isnan(result[0])
    assert np.isnan(AGGREGATES["avg"].default)


def test_summarize_nulls_ignored_sum_avg() -> None:
    y = pd.Series([np.nan, 5.0, 5.0, 5.0])
    codes = one_group(4)

    row = [call("sum", codes, 1, y, types=(REAL,))[0], call("avg", codes, 1, y, types=(REAL,))[0]]

    assert [row] == conformance_rows("summarize_nulls_ignored_sum_avg")


def test_summarize_make_set_skips_null() -> None:
    y = pd.Series([np.nan, 5.0])

    result = call("make_set", one_group(2), 1, y, types=(REAL,))

    assert [[result[0], result[0]]] == conformance_rows("summarize_duplicate_names_suffix")


BEATLES = pd.DataFrame(
    {"name": ["John", "Paul", "George", "Ringo"], "day_of_birth": pd.Series([9, 18, 25, 7], dtype="Int64")}
)


def test_summarize_countif() -> None:
    long_names = pd.Series(BEATLES["name"].str.len() > 4, dtype="boolean")

    result = call("countif", one_group(4), 1, long_names, types=(BOOL,))

    assert [values_of(result)] == conformance_rows("summarize_countif_name")


def test_summarize_sumif() -> None:
    long_names = pd.Series(BEATLES["name"].str.len() > 4, dtype="boolean")

    result = call("sumif", one_group(4), 1, BEATLES["day_of_birth"], long_names, types=(LONG, BOOL))

    assert [values_of(result)] == conformance_rows("summarize_sumif_name")


FRUITS = pd.DataFrame(
    {
        "Fruit": ["Apple", "Apple", "Banana", "Banana", "Pear", "Pear"],
        "Color": ["Red", "Green", "Yellow", "Green", "Brown", "Green"],
        "Version": pd.Series([1, None, None, None, 1, 2], dtype="Int32"),
    }
)


@pytest.mark.parametrize("name", ["arg_max", "arg_min"])
def test_arg_extreme_null_handling(name: str) -> None:
    codes, ngroups, keys = group_codes([FRUITS["Fruit"]])

    rows = call(name, codes, ngroups, FRUITS["Version"], types=(INT,))

    picked = FRUITS.iloc[rows.to_numpy()]
    got = [[fruit, None if pd.isna(version) else version, color] for fruit, version, color in zip(keys[0], picked["Version"], picked["Color"])]
    assert got == conformance_rows(f"summarize_{name}_null_handling")


def test_summarize_stdev_and_variance() -> None:
    x = pd.Series([1, 2, 3, 4, 5], dtype="Int64")
    codes = one_group(5)

    listed = call("make_list", codes, 1, x, types=(LONG,))[0]
    stdev = call("stdev", codes, 1, x, types=(LONG,))[0]
    variance = call("variance", codes, 1, x, types=(LONG,))[0]

    [[expected_list, expected_stdev]] = conformance_rows("summarize_stdev")
    assert listed == expected_list
    assert stdev == pytest.approx(expected_stdev, abs=1e-9)
    assert variance == pytest.approx(conformance_rows("summarize_variance")[0][1])


def test_summarize_make_list_by() -> None:
    names = pd.Series(["triangle", "square", "rectangle", "pentagon", "hexagon", "heptagon", "octagon", "nonagon", "decagon"])
    sides = pd.Series([3, 4, 4, 5, 6, 7, 8, 9, 10])
    codes, ngroups, keys = group_codes([pd.Series(sides % 2 == 0, dtype="boolean")])

    result = call("make_list", codes, ngroups, names, types=(STRING,))

    got = sorted([[bool(key), value] for key, value in zip(keys[0], result)])
    assert got == sorted(conformance_rows("summarize_make_list_by"))


def test_summarize_scalar_over_aggregates_parts() -> None:
    stamps = pd.Series(pd.to_datetime(["2023-01-01T00:00", "2023-01-15T12:00", "2023-01-30T23:59"]).astype("datetime64[ns]"))
    ips = pd.Series(["1.1.1.1", "2.2.2.2", "1.1.1.1"], dtype="str")
    codes = one_group(3)

    assert call("max", codes, 1, stamps, types=(DATETIME,))[0] == pd.Timestamp("2023-01-30T23:59")
    assert call("min", codes, 1, stamps, types=(DATETIME,))[0] == pd.Timestamp("2023-01-01")
    entries = call("count", codes, 1)[0]
    clients = call("dcount", codes, 1, ips, types=(STRING,))[0]
    assert [entries, clients] == conformance_rows("summarize_scalar_over_aggregates")[0][1:]


# ------------------------------------------------------------------ counts


def test_count_counts_null_rows() -> None:
    assert values_of(call("count", TWO_GROUPS, 2, LONGS, types=(LONG,))) == [3, 2]


def test_count_ignores_rows_outside_groups() -> None:
    codes = np.array([0, -1, 1, -1], dtype=np.int64)

    assert values_of(call("count", codes, 2)) == [1, 1]


def test_countif_null_predicate_is_false() -> None:
    predicate = pd.Series([True, None, False, True, True], dtype="boolean")

    assert values_of(call("countif", TWO_GROUPS, 2, predicate, types=(BOOL,))) == [2, 1]


def test_countif_constant_predicate() -> None:
    assert values_of(call("countif", TWO_GROUPS, 2, True, types=(BOOL,))) == [3, 2]
    assert values_of(call("countif", TWO_GROUPS, 2, False, types=(BOOL,))) == [0, 0]
    assert values_of(call("countif", TWO_GROUPS, 2, np.bool_(True), types=(BOOL,))) == [3, 2]
    assert values_of(call("countif", TWO_GROUPS, 2, None, types=(BOOL,))) == [0, 0]


def test_dcount_per_group_and_category_input() -> None:
    values = pd.Series(["a", "b", "a", "b", "c"], dtype="category")

    assert values_of(call("dcount", TWO_GROUPS, 2, values, types=(STRING,))) == [2, 1]
    assert values_of(call("count_distinct", TWO_GROUPS, 2, values, types=(STRING,))) == [2, 1]


def test_dcount_accuracy_checked() -> None:
    assert values_of(call("dcount", TWO_GROUPS, 2, LONGS, 4, types=(LONG, LONG))) == [2, 2]
    with pytest.raises(KqlRuntimeError):
        call("dcount", TWO_GROUPS, 2, LONGS, 5, types=(LONG, LONG))


def test_dcountif_and_count_distinctif() -> None:
    predicate = pd.Series([True, True, False, True, True], dtype="boolean")

    assert values_of(call("dcountif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))) == [1, 2]
    assert values_of(call("count_distinctif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))) == [1, 2]


def test_dcount_of_dynamic_values() -> None:
    values = pd.Series([[1, 2], [1, 2], {"a": 1}, None, [2, 1]], dtype=object)

    assert values_of(call("dcount", one_group(5), 1, values, types=(DYNAMIC,))) == [3]


# ------------------------------------------------------------------ sums


def test_sum_of_int_is_long() -> None:
    values = pd.Series([1, None, 3, 4, 5], dtype="Int32")

    result = call("sum", TWO_GROUPS, 2, values, types=(INT,))

    assert result.dtype == "Int64"
    assert values_of(result) == [9, 4]
    assert AGGREGATES["sum"].result_type([INT]) is LONG


def test_sum_of_large_longs_is_exact() -> None:
    big = 2**62
    values = pd.Series([big, 1, -big, 3], dtype="Int64")

    assert values_of(call("sum", one_group(4), 1, values, types=(LONG,))) == [4]


def test_sum_of_timespan_and_decimal() -> None:
    spans = pd.Series(pd.to_timedelta(["1h", None, "30m"]))
    decimals = pd.Series([Decimal("1.1"), None, Decimal("2.2")], dtype=object)

    assert call("sum", one_group(3), 1, spans, types=(TIMESPAN,))[0] == pd.Timedelta("90m")
    assert call("sum", one_group(3), 1, decimals, types=(DECIMAL,))[0] == Decimal("3.3")


def test_sum_of_constant() -> None:
    assert values_of(call("sum", TWO_GROUPS, 2, 2, types=(LONG,))) == [6, 4]


def test_sum_rejects_strings() -> None:
    with pytest.raises(KqlRuntimeError):
        call("sum", one_group(1), 1, pd.Series(["a"]), types=(STRING,))


def test_avg_types() -> None:
    times = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-03", None]).astype("datetime64[ns]"))
    spans = pd.Series(pd.to_timedelta(["1h", "2h", None]))

    assert values_of(call("avg", TWO_GROUPS, 2, LONGS, types=(LONG,))) == [1.5, 2.5]
    assert call("avg", one_group(3), 1, times, types=(DATETIME,))[0] == pd.Timestamp("2020-01-02")
    assert call("avg", one_group(3), 1, spans, types=(TIMESPAN,))[0] == pd.Timedelta("90m")
    assert AGGREGATES["avg"].result_type([INT]) is REAL


def test_avgif_group_without_rows_is_null() -> None:
    predicate = pd.Series([False, True, False, True, False], dtype="boolean")

    result = call("avgif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))

    assert np.isnan(result[0])
    assert result[1] == 2.5


# ------------------------------------------------------------------ extremes


def test_min_max_long_per_group() -> None:
    assert values_of(call("min", TWO_GROUPS, 2, LONGS, types=(LONG,))) == [1, 2]
    assert values_of(call("max", TWO_GROUPS, 2, LONGS, types=(LONG,))) == [2, 3]


def test_min_max_group_of_nulls_is_null() -> None:
    values = pd.Series([None, 1], dtype="Int64")

    assert values_of(call("max", np.array([0, 1]), 2, values, types=(LONG,))) == [None, 1]


def test_min_max_strings_and_categories() -> None:
    for values in (pd.Series(["pear", "apple", "fig"], dtype="str"), pd.Series(["pear", "apple", "fig"], dtype="category")):
        assert call("min", one_group(3), 1, values, types=(STRING,)).tolist() == ["apple"]
        assert call("max", one_group(3), 1, values, types=(STRING,)).tolist() == ["pear"]


def test_min_of_empty_string_group_is_empty_string() -> None:
    values = pd.Series([], dtype="str")

    assert call("min", one_group(0), 1, values, types=(STRING,)).tolist() == [""]


def test_max_of_guids_and_bools() -> None:
    guids = pd.Series([uuid.UUID(int=2), None, uuid.UUID(int=5)], dtype=object)
    flags = pd.Series([False, None, True], dtype="boolean")

    assert call("max", one_group(3), 1, guids, types=(GUID,))[0] == uuid.UUID(int=5)
    assert values_of(call("max", one_group(3), 1, flags, types=(BOOL,))) == [True]


def test_minif_maxif() -> None:
    predicate = pd.Series([False, True, True, True, True], dtype="boolean")

    assert values_of(call("minif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))) == [2, 2]
    assert values_of(call("maxif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))) == [2, 3]


def test_min_of_dynamic_rejected() -> None:
    with pytest.raises(KqlRuntimeError):
        call("min", one_group(1), 1, pd.Series([[1]], dtype=object), types=(DYNAMIC,))


# ------------------------------------------------------------------ spread


def test_stdev_variance_family() -> None:
    values = pd.Series([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, np.nan])
    codes = one_group(9)

    assert call("variancep", codes, 1, values, types=(REAL,))[0] == pytest.approx(4.0)
    assert call("stdevp", codes, 1, values, types=(REAL,))[0] == pytest.approx(2.0)
    assert call("variance", codes, 1, values, types=(REAL,))[0] == pytest.approx(32 / 7)
    assert call("stdev", codes, 1, values, types=(REAL,))[0] == pytest.approx((32 / 7) ** 0.5)


def test_spread_of_single_value_is_zero() -> None:
    values = pd.Series([3.0])

    assert call("stdev", one_group(1), 1, values, types=(REAL,))[0] == 0.0
    assert call("variancep", one_group(1), 1, values, types=(REAL,))[0] == 0.0


def test_population_spread_of_empty_group_is_null() -> None:
    assert np.isnan(call("variancep", one_group(0), 1, pd.Series([], dtype="float64"), types=(REAL,))[0])
    assert AGGREGATES["variancep"].default is None
    assert AGGREGATES["variance"].default == 0


def test_stdevif_varianceif() -> None:
    predicate = pd.Series([True, True, True, True, False], dtype="boolean")

    assert values_of(call("varianceif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))) == [0.5, 0.5]
    assert call("stdevif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))[0] == pytest.approx(0.5**0.5)


def test_variance_of_large_values_is_stable() -> None:
    values = pd.Series([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16])

    assert call("variance", one_group(4), 1, values, types=(REAL,))[0] == pytest.approx(30.0)


# ------------------------------------------------------------------ rows


def test_arg_max_ties_take_first_row() -> None:
    values = pd.Series([5, 1, 5, 1], dtype="Int64")

    assert call("arg_max", one_group(4), 1, values, types=(LONG,)).tolist() == [0]
    assert call("arg_min", one_group(4), 1, values, types=(LONG,)).tolist() == [1]


def test_arg_max_without_rows_is_minus_one() -> None:
    assert call("arg_max", one_group(0), 1, pd.Series([], dtype="float64"), types=(REAL,)).tolist() == [-1]


def test_arg_max_of_strings() -> None:
    values = pd.Series(["b", "c", "a"], dtype="str")

    assert call("arg_max", one_group(3), 1, values, types=(STRING,)).tolist() == [1]


def test_take_any_prefers_non_empty() -> None:
    values = pd.Series(["", "x", "y", "", ""], dtype="str")

    result = call("take_any", TWO_GROUPS, 2, values, types=(STRING,))

    assert result.tolist() == ["y", "x"]


def test_take_any_several_columns_from_one_row() -> None:
    first = pd.Series([None, 7], dtype="Int64")
    second = pd.Series(["a", "b"], dtype="str")

    taken = call("take_any", one_group(2), 1, first, second, types=(LONG, STRING))

    assert isinstance(taken, tuple)
    assert [values_of(column) for column in taken] == [[7], ["b"]]


def test_take_anyif_and_empty_group() -> None:
    predicate = pd.Series([False, False, False, True, False], dtype="boolean")

    result = call("take_anyif", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL))

    assert values_of(result) == [None, 3]


# ------------------------------------------------------------------ percentiles


def test_percentile_nearest_rank() -> None:
    values = pd.Series(range(1, 11), dtype="Int64")
    codes = one_group(10)

    low, median, high, top = call("percentiles", codes, 1, values, 0, 50, 95, 100, types=(LONG, LONG, LONG, LONG, LONG))

    assert [low[0], median[0], high[0], top[0]] == [1, 5, 10, 10]
    assert call("percentile", codes, 1, values, 55, types=(LONG, LONG))[0] == 6
    assert median.dtype == "Int64"


def test_percentile_per_group_and_real_type() -> None:
    values = pd.Series([4.0, 10.0, 2.0, 20.0, np.nan])

    result = call("percentile", TWO_GROUPS, 2, values, 50, types=(REAL, LONG))

    assert result.dtype == "float64"
    assert result.tolist() == [2.0, 10.0]


def test_percentile_of_datetime_keeps_type() -> None:
    times = pd.Series(pd.to_datetime(["2020-01-03", "2020-01-01", "2020-01-02"]).astype("datetime64[ns]"))

    assert call("percentile", one_group(3), 1, times, 50, types=(DATETIME, LONG))[0] == pd.Timestamp("2020-01-02")


def test_percentile_out_of_range_rejected() -> None:
    with pytest.raises(KqlRuntimeError):
        call("percentile", one_group(1), 1, LONGS.iloc[:1], 101, types=(LONG, LONG))


def test_percentiles_array() -> None:
    values = pd.Series(range(1, 11), dtype="Int64")

    result = call("percentiles_array", one_group(10), 1, values, [10, 90], types=(LONG, DYNAMIC))

    assert result[0] == [1, 9]


# ------------------------------------------------------------------ dynamic


def test_make_list_keeps_order_and_skips_nulls() -> None:
    result = call("make_list", TWO_GROUPS, 2, LONGS, types=(LONG,))

    assert result.tolist() == [[1, 2], [2, 3]]
    assert all(type(value) is int for value in result[0])


def test_make_list_max_size_and_if() -> None:
    predicate = pd.Series([True, True, False, True, True], dtype="boolean")

    assert call("make_list", TWO_GROUPS, 2, LONGS, 1, types=(LONG, LONG)).tolist() == [[1], [2]]
    assert call("make_list_if", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL)).tolist() == [[1], [2, 3]]


def test_make_list_with_nulls() -> None:
    assert call("make_list_with_nulls", TWO_GROUPS, 2, LONGS, types=(LONG,)).tolist() == [[1, 2, None], [2, 3]]


def test_make_list_of_datetimes_gives_timestamps() -> None:
    times = pd.Series(pd.to_datetime(["2020-01-01"]).astype("datetime64[ns]"))

    assert call("make_list", one_group(1), 1, times, types=(DATETIME,))[0] == [pd.Timestamp("2020-01-01")]


def test_make_list_keeps_arrays_whole() -> None:
    values = pd.Series([[1, 2], [3]], dtype=object)

    assert call("make_list", one_group(2), 1, values, types=(DYNAMIC,))[0] == [[1, 2], [3]]


def test_make_set_distinct_in_order() -> None:
    values = pd.Series(["b", "a", "b", "c"], dtype="category")

    assert call("make_set", one_group(4), 1, values, types=(STRING,))[0] == ["b", "a", "c"]


def test_make_set_flattens_arrays() -> None:
    values = pd.Series([[1, 2], [2, 3], 4, None, np.array([4.0, 5.0])], dtype=object)

    assert call("make_set", one_group(5), 1, values, types=(DYNAMIC,))[0] == [1, 2, 3, 4, 5.0]


def test_make_set_if_and_max_size() -> None:
    predicate = pd.Series([True, True, True, True, False], dtype="boolean")

    assert call("make_set_if", TWO_GROUPS, 2, LONGS, predicate, types=(LONG, BOOL)).tolist() == [[1, 2], [2, 3]]
    assert call("make_set", TWO_GROUPS, 2, LONGS, 1, types=(LONG, LONG)).tolist() == [[1], [2]]


def test_make_bag_merges_first_key_wins() -> None:
    bags = pd.Series([{"a": 1}, {"a": 2, "b": 3}, "not a bag", None], dtype=object)

    assert call("make_bag", one_group(4), 1, bags, types=(DYNAMIC,))[0] == {"a": 1, "b": 3}
    assert call("make_bag", one_group(0), 1, bags.iloc[:0], types=(DYNAMIC,))[0] == []


def test_make_list_rejects_bad_max_size() -> None:
    with pytest.raises(KqlRuntimeError):
        call("make_list", one_group(1), 1, LONGS.iloc[:1], 0, types=(LONG, LONG))


# ------------------------------------------------------------------ registry


def test_registry_declarations() -> None:
    assert AGGREGATES["make_list"].column_prefix == "list"
    assert AGGREGATES["make_set"].column_prefix == "set"
    assert AGGREGATES["arg_max"].selects_rows
    assert AGGREGATES["any"] is AGGREGATES["take_any"]
    allowed = {name for name, function in AGGREGATES.items() if function.allowed_in_make_series}
    assert {"avg", "count", "countif", "dcount", "max", "min", "percentile", "sum", "sumif", "stdev", "variance"} <= allowed
    assert not {"make_list", "make_set", "arg_max", "percentiles"} & allowed
    assert AGGREGATES["percentile"].result_type([REAL]) is REAL
    assert AGGREGATES["percentile"].result_type([INT]) is LONG
