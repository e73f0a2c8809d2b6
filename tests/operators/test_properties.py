"""Property tests: join_indices and sort_positions against slow row-at-a-time references."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kqlite.operators.join import JOIN_KINDS, join_indices, lookup_indices
from kqlite.operators.sort import sort_positions, top_positions
from kqlite.types import LONG, REAL, STRING, KqlType

# Small value pools, so that keys repeat, with nulls (None) and empty strings.
LONG_VALUES = st.one_of(st.none(), st.integers(-3, 3))
STRING_VALUES = st.sampled_from(["", "a", "b", "B", "ä", "ab"])
REAL_VALUES = st.one_of(st.none(), st.sampled_from([-1.5, 0.0, 2.0, float("inf"), float("-inf")]))


def column(values: list[Any], kql_type: KqlType, categorical: bool = False) -> pd.Series:
    if kql_type is LONG:
        return pd.Series(pd.array(values, dtype="Int64"))
    if kql_type is REAL:
        return pd.Series([np.nan if value is None else value for value in values], dtype=np.float64)
    return pd.Series(values, dtype="category" if categorical else "str")


@st.composite
def key_columns(draw: st.DrawFn, length: int, types: list[KqlType]) -> list[list[Any]]:
    pools = {LONG: LONG_VALUES, STRING: STRING_VALUES, REAL: REAL_VALUES}
    return [draw(st.lists(pools[kql_type], min_size=length, max_size=length)) for kql_type in types]


@st.composite
def join_inputs(draw: st.DrawFn) -> tuple[list[KqlType], list[list[Any]], list[list[Any]], bool]:
    types = draw(st.lists(st.sampled_from([LONG, STRING]), min_size=1, max_size=2))
    left = draw(key_columns(draw(st.integers(0, 12)), types))
    right = draw(key_columns(draw(st.integers(0, 12)), types))
    return types, left, right, draw(st.booleans())


def reference_join(left: list[tuple[Any, ...]], right: list[tuple[Any, ...]], kind: str) -> list[tuple[int, int]]:
    def matches(i: int, j: int) -> bool:
        return None not in left[i] and left[i] == right[j]

    left_rows = range(len(left))
    if kind == "innerunique":
        firsts: dict[tuple[Any, ...], int] = {}
        for i in left_rows:
            if None not in left[i]:
                firsts.setdefault(left[i], i)
        left_rows = sorted(firsts.values())

    pairs = [(i, j) for i in left_rows for j in range(len(right)) if matches(i, j)]
    left_matched = {i for i, _ in pairs}
    right_matched = {j for _, j in pairs}
    unmatched_left = [(i, -1) for i in range(len(left)) if i not in left_matched]
    unmatched_right = [(-1, j) for j in range(len(right)) if j not in right_matched]
    return {
        "innerunique": pairs,
        "inner": pairs,
        "leftouter": pairs + unmatched_left,
        "rightouter": pairs + unmatched_right,
        "fullouter": pairs + unmatched_left + unmatched_right,
        "leftsemi": sorted({(i, -1) for i, _ in pairs}),
        "leftanti": unmatched_left,
        "rightsemi": sorted({(-1, j) for _, j in pairs}),
        "rightanti": unmatched_right,
    }[kind]


@settings(max_examples=60, deadline=None)
@given(join_inputs())
def test_join_indices_match_reference(inputs: tuple[list[KqlType], list[list[Any]], list[list[Any]], bool]) -> None:
    types, left_values, right_values, categorical = inputs
    left_keys = [column(values, kql_type, categorical) for values, kql_type in zip(left_values, types)]
    right_keys = [column(values, kql_type) for values, kql_type in zip(right_values, types)]
    left_rows = list(zip(*left_values)) if left_values[0] else []
    right_rows = list(zip(*right_values)) if right_values[0] else []

    for kind in sorted(set(JOIN_KINDS.values())):
        left, right = join_indices(left_keys, right_keys, kind)
        assert sorted(zip(left.tolist(), right.tolist())) == sorted(reference_join(left_rows, right_rows, kind)), kind
        if kind in ("inner", "innerunique", "leftouter", "leftsemi", "leftanti"):
            assert left.tolist() == sorted(left.tolist()), kind

    left, right = lookup_indices(left_keys, right_keys, "leftouter")
    assert list(zip(left.tolist(), right.tolist())) == sorted(reference_join(left_rows, right_rows, "leftouter"))


@st.composite
def sort_inputs(draw: st.DrawFn) -> tuple[list[tuple[list[Any], KqlType, bool, bool]], bool]:
    length = draw(st.integers(0, 15))
    keys = []
    for kql_type in draw(st.lists(st.sampled_from([LONG, STRING, REAL]), min_size=1, max_size=3)):
        values = draw(key_columns(length, [kql_type]))[0]
        keys.append((values, kql_type, draw(st.booleans()), draw(st.booleans())))
    return keys, draw(st.booleans())


def reference_sort(keys: list[tuple[list[Any], KqlType, bool, bool]]) -> list[int]:
    def compare_one(a: Any, b: Any, ascending: bool, nulls_first: bool) -> int:
        if a is None or b is None:
            if a is None and b is None:
                return 0
            return (-1 if a is None else 1) * (1 if nulls_first else -1)
        order = (a > b) - (a < b)
        return order if ascending else -order

    def compare(i: int, j: int) -> int:
        for values, _, ascending, nulls_first in keys:
            order = compare_one(values[i], values[j], ascending, nulls_first)
            if order:
                return order
        return 0

    length = len(keys[0][0])
    return sorted(range(length), key=functools.cmp_to_key(compare))


@settings(max_examples=80, deadline=None)
@given(sort_inputs())
def test_sort_positions_match_reference(inputs: tuple[list[tuple[list[Any], KqlType, bool, bool]], bool]) -> None:
    keys, categorical = inputs
    series_keys = [(column(values, kql_type, categorical), kql_type, asc, first) for values, kql_type, asc, first in keys]
    expected = reference_sort(keys)
    assert sort_positions(series_keys).tolist() == expected

    series, kql_type, ascending, nulls_first = series_keys[0]
    single = reference_sort(keys[:1])
    for count in (0, 1, 3):
        assert top_positions(series, kql_type, count, ascending, nulls_first).tolist() == single[:count]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([LONG, STRING, REAL]),
    st.integers(40, 120),
    st.booleans(),
    st.booleans(),
    st.integers(1, 4),
    st.data(),
)
def test_top_positions_partial_selection_matches_reference(
    kql_type: KqlType, length: int, ascending: bool, nulls_first: bool, count: int, data: st.DataObject
) -> None:
    # Long inputs with a small count take the np.partition path of top_positions.
    values = data.draw(key_columns(length, [kql_type]))[0]
    expected = reference_sort([(values, kql_type, ascending, nulls_first)])[:count]
    assert top_positions(column(values, kql_type), kql_type, count, ascending, nulls_first).tolist() == expected
