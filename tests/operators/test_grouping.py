"""Tests of group_codes, alone and together with the sum/count/min/max kernels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqlite.errors import KqlRuntimeError
from kqlite.functions import aggregates  # noqa: F401  (registers the aggregates)
from kqlite.functions.registry import AGGREGATES, CallContext
from kqlite.operators.grouping import group_codes
from kqlite.types import LONG, REAL, KqlType


def context(*arg_types: KqlType, result_type: KqlType = LONG) -> CallContext:
    return CallContext(length=0, arg_types=arg_types, result_type=result_type, now=pd.Timestamp("2024-01-01"))


def test_single_key_first_appearance_order() -> None:
    key = pd.Series(["b", "a", "b", "c", "a"], dtype="str")

    codes, ngroups, values = group_codes([key])

    assert codes.tolist() == [0, 1, 0, 2, 1]
    assert codes.dtype == np.int64
    assert ngroups == 3
    assert values[0].tolist() == ["b", "a", "c"]
    assert values[0].dtype == key.dtype


def test_null_key_is_its_own_group() -> None:
    key = pd.Series([1, None, 1, None, 2], dtype="Int64")

    codes, ngroups, values = group_codes([key])

    assert codes.tolist() == [0, 1, 0, 1, 2]
    assert ngroups == 3
    assert values[0].dtype == "Int64"
    assert values[0][0] == 1
    assert values[0].isna().tolist() == [False, True, False]


def test_real_nan_and_datetime_nat_keys() -> None:
    reals = pd.Series([np.nan, 1.5, np.nan])
    times = pd.Series(pd.to_datetime(["2020-01-01", None, "2020-01-01"]).astype("datetime64[ns]"))

    codes, ngroups, values = group_codes([reals, times])

    assert codes.tolist() == [0, 1, 0]
    assert ngroups == 2
    assert values[0].isna().tolist() == [True, False]
    assert values[1].dtype == "datetime64[ns]"
    assert values[1].isna().tolist() == [False, True]


def test_category_key_drops_unused_categories() -> None:
    key = pd.Series(pd.Categorical(["x", "y", "x"], categories=["unused", "y", "x"]))

    codes, ngroups, values = group_codes([key])

    assert codes.tolist() == [0, 1, 0]
    assert ngroups == 2
    assert isinstance(values[0].dtype, pd.CategoricalDtype)
    assert values[0].tolist() == ["x", "y"]
    assert list(values[0].cat.categories) == ["y", "x"]


def test_category_key_with_missing_value() -> None:
    key = pd.Series(pd.Categorical(["x", None, "x", None]))

    codes, ngroups, _ = group_codes([key])

    assert codes.tolist() == [0, 1, 0, 1]
    assert ngroups == 2


def test_two_keys_combine() -> None:
    first = pd.Series(["a", "a", "b", "a"], dtype="str")
    second = pd.Series([1, 2, 1, 1], dtype="Int64")

    codes, ngroups, values = group_codes([first, second])

    assert codes.tolist() == [0, 1, 2, 0]
    assert ngroups == 3
    assert values[0].tolist() == ["a", "a", "b"]
    assert values[1].tolist() == [1, 2, 1]


def test_many_keys_past_int64_product() -> None:
    # Seven keys of 1000 distinct values: the product of cardinalities (1e21)
    # overflows int64, so the combination must compact on the way.
    rows = 1000
    rng = np.random.default_rng(7)
    keys = [pd.Series(rng.permutation(rows), dtype="Int64") for _ in range(7)]
    keys.append(pd.Series(np.arange(rows) % 3, dtype="Int64"))

    codes, ngroups, values = group_codes(keys)

    assert ngroups == rows
    assert codes.tolist() == list(range(rows))
    assert values[7].tolist() == (np.arange(rows) % 3).tolist()


def test_dynamic_key_rejected() -> None:
    key = pd.Series([[1], [2]], dtype=object)

    with pytest.raises(KqlRuntimeError, match="dynamic"):
        group_codes([key])


def test_empty_input_has_no_groups() -> None:
    key = pd.Series([], dtype="str")

    codes, ngroups, values = group_codes([key])

    assert len(codes) == 0
    assert ngroups == 0
    assert len(values[0]) == 0
    assert values[0].dtype == key.dtype


def test_no_keys_is_one_group() -> None:
    codes, ngroups, values = group_codes([], length=3)

    assert codes.tolist() == [0, 0, 0]
    assert ngroups == 1
    assert values == []


def test_no_keys_empty_input_still_one_group() -> None:
    codes, ngroups, _ = group_codes([], length=0)

    assert len(codes) == 0
    assert ngroups == 1


# --------------------------------------------------------- property test

_keys = st.one_of(st.none(), st.integers(-3, 3))
_longs = st.one_of(st.none(), st.integers(-(10**12), 10**12))
_reals = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))
_rows = st.lists(st.tuples(_keys, st.sampled_from(["p", "q", ""]), _longs, _reals), max_size=60)


def _reference(rows: list[tuple]) -> dict[tuple, dict[str, object]]:
    # Row-at-a-time summarize: count(), sum, min, max per (k, s), nulls ignored.
    groups: dict[tuple, dict[str, object]] = {}
    for key, text, long_value, real_value in rows:
        group = groups.setdefault((key, text), {"count": 0, "longs": [], "reals": []})
        group["count"] += 1
        if long_value is not None:
            group["longs"].append(long_value)
        if real_value is not None:
            group["reals"].append(real_value)
    return {
        key: {
            "count": group["count"],
            "sum_long": sum(group["longs"]),
            "sum_real": math.fsum(group["reals"]),
            "min_long": min(group["longs"], default=None),
            "max_long": max(group["longs"], default=None),
            "min_real": min(group["reals"], default=None),
            "max_real": max(group["reals"], default=None),
        }
        for key, group in groups.items()
    }


def _value(series: pd.Series, index: int) -> object:
    value = series[index]
    return None if pd.isna(value) else value


@settings(max_examples=80, deadline=None)
@given(_rows, st.booleans())
def test_grouped_kernels_match_reference(rows: list[tuple], text_as_category: bool) -> None:
    keys = pd.Series([row[0] for row in rows], dtype="Int64")
    texts = pd.Series([row[1] for row in rows], dtype="category" if text_as_category else "str")
    longs = pd.Series([row[2] for row in rows], dtype="Int64")
    reals = pd.Series([np.nan if row[3] is None else row[3] for row in rows], dtype="float64")

    codes, ngroups, values = group_codes([keys, texts])
    results = {
        "count": AGGREGATES["count"].implementation(context(), codes, ngroups),
        "sum_long": AGGREGATES["sum"].implementation(context(LONG), codes, ngroups, longs),
        "sum_real": AGGREGATES["sum"].implementation(context(REAL), codes, ngroups, reals),
        "min_long": AGGREGATES["min"].implementation(context(LONG), codes, ngroups, longs),
        "max_long": AGGREGATES["max"].implementation(context(LONG), codes, ngroups, longs),
        "min_real": AGGREGATES["min"].implementation(context(REAL), codes, ngroups, reals),
        "max_real": AGGREGATES["max"].implementation(context(REAL), codes, ngroups, reals),
    }

    expected = _reference(rows)
    assert ngroups == len(expected)
    assert list(expected) == [(_value(values[0], g), str(values[1][g])) for g in range(ngroups)]
    for group, key in enumerate(expected):
        for name, result in results.items():
            want = expected[key][name]
            got = _value(result, group)
            if isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-9, abs=1e-6), (key, name)
            else:
                assert got == want, (key, name)


def test_kernels_with_string_category_key_type() -> None:
    # A string key held as category gives the same groups as a plain str key.
    plain = pd.Series(["a", "b", "a"], dtype="str")
    category = plain.astype("category")

    assert group_codes([plain])[0].tolist() == group_codes([category])[0].tolist()
