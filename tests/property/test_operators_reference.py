"""Tabular operators against a slow row-at-a-time reference, over random tables.

Each test builds a random table with nulls and empty strings, runs a query through
`kqlite`, and compares the rows with a plain-Python computation of the KQL rule over a
list of dicts. Orderless results are compared as sorted lists.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kqlite

SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

keys = st.sampled_from(["", "a", "b", "B", "c d"])
longs = st.one_of(st.none(), st.integers(min_value=-5, max_value=5))
reals = st.one_of(st.none(), st.floats(min_value=-4, max_value=4, allow_nan=False).map(lambda v: round(v, 2)))
rows = st.lists(st.fixed_dictionaries({"k": keys, "x": longs, "y": reals}), max_size=25)


def database(table: list[dict[str, Any]], other: list[dict[str, Any]] | None = None) -> kqlite.Database:
    db = kqlite.connect()
    db.register("T", frame_of(table), schema={"k": "string", "x": "long", "y": "real"})
    if other is not None:
        db.register("U", frame_of(other), schema={"k": "string", "x": "long", "y": "real"})
    return db


def frame_of(table: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": pd.Series([row["k"] for row in table], dtype="str"),
            "x": pd.array([row["x"] for row in table], dtype="Int64"),
            "y": pd.Series([math.nan if row["y"] is None else row["y"] for row in table], dtype="float64"),
        }
    )


def canonical(values: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # None sorts before everything; the text form keeps mixed types comparable.
    return sorted(values, key=lambda row: tuple((value is not None, str(value)) for value in row))


def as_tuples(table: list[dict[str, Any]], columns: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(row[column] for column in columns) for row in table]


@SETTINGS
@given(rows, st.integers(min_value=-3, max_value=3))
def test_where_matches_reference(table: list[dict[str, Any]], threshold: int) -> None:
    result = database(table).execute(f"T | where x > {threshold} or k == 'a'").rows()

    # KQL: null > c is null, and `null or false` is null, so such rows are dropped.
    expected = [row for row in table if (row["x"] is not None and row["x"] > threshold) or row["k"] == "a"]
    assert result == as_tuples(expected, ["k", "x", "y"])


@SETTINGS
@given(rows)
def test_extend_matches_reference(table: list[dict[str, Any]]) -> None:
    result = database(table).execute("T | extend z = x * 2 + 1, s = strcat(k, '!'), e = isempty(k)").rows()

    expected = [
        (row["k"], row["x"], row["y"], None if row["x"] is None else row["x"] * 2 + 1, row["k"] + "!", row["k"] == "")
        for row in table
    ]
    assert result == expected


@SETTINGS
@given(rows)
def test_summarize_matches_reference(table: list[dict[str, Any]]) -> None:
    result = database(table).execute("T | summarize n = count(), c = countif(x > 0), m = max(y), d = dcount(x) by k").rows()

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in table:
        groups[row["k"]].append(row)
    expected = []
    for key, members in groups.items():
        ys = [row["y"] for row in members if row["y"] is not None]
        xs = {row["x"] for row in members if row["x"] is not None}
        positives = sum(1 for row in members if row["x"] is not None and row["x"] > 0)
        expected.append((key, len(members), positives, max(ys) if ys else None, len(xs)))
    assert canonical(result) == canonical(expected)


@SETTINGS
@given(rows)
def test_summarize_sum_without_by(table: list[dict[str, Any]]) -> None:
    result = database(table).execute("T | summarize s = sum(x), n = count()").rows()

    # Without `by` there is always one row; sum ignores nulls and is 0 for no values.
    assert result == [(sum(row["x"] for row in table if row["x"] is not None), len(table))]


@SETTINGS
@given(rows, st.booleans(), st.booleans())
def test_sort_matches_reference(table: list[dict[str, Any]], ascending: bool, nulls_first: bool) -> None:
    direction = "asc" if ascending else "desc"
    placement = "first" if nulls_first else "last"
    result = database(table).execute(f"T | sort by x {direction} nulls {placement}").rows()

    present = [row for row in table if row["x"] is not None]
    missing = [row for row in table if row["x"] is None]
    # kqlite's sort is stable, as Python's is; descending order negates the key so that
    # ties keep their input order (reverse=True would reverse them).
    ordered = sorted(present, key=lambda row: row["x"] if ascending else -row["x"])
    expected = missing + ordered if nulls_first else ordered + missing
    assert [row[1] for row in result] == [row["x"] for row in expected]
    assert canonical(result) == canonical(as_tuples(table, ["k", "x", "y"]))


@SETTINGS
@given(rows, st.integers(min_value=0, max_value=6))
def test_top_matches_sort_then_take(table: list[dict[str, Any]], count: int) -> None:
    db = database(table)

    top = db.execute(f"T | top {count} by y").rows()
    sorted_then_taken = db.execute(f"T | sort by y desc nulls last | take {count}").rows()

    assert top == sorted_then_taken
    values = sorted((row["y"] for row in table if row["y"] is not None), reverse=True)
    nulls = [None] * sum(1 for row in table if row["y"] is None)
    assert [row[2] for row in top] == (values + nulls)[:count]


@SETTINGS
@given(rows)
def test_distinct_matches_reference(table: list[dict[str, Any]]) -> None:
    result = database(table).execute("T | distinct k, x").rows()

    expected = {(row["k"], row["x"]) for row in table}
    assert canonical(result) == canonical(list(expected))


@SETTINGS
@given(rows, rows, st.sampled_from(["inner", "leftouter", "innerunique", "leftanti", "rightsemi", "fullouter"]))
def test_join_matches_reference(left: list[dict[str, Any]], right: list[dict[str, Any]], kind: str) -> None:
    result = database(left, right).execute(f"T | join kind={kind} (U) on k").rows()

    assert canonical(result) == canonical(reference_join(left, right, kind))


def reference_join(left: list[dict[str, Any]], right: list[dict[str, Any]], kind: str) -> list[tuple[Any, ...]]:
    columns = ["k", "x", "y"]
    # The missing side of an outer join is null, except strings, which are "".
    nulls = ("", None, None)
    if kind == "innerunique":
        first: dict[str, dict[str, Any]] = {}
        for row in left:
            first.setdefault(row["k"], row)
        left = list(first.values())
        kind = "inner"

    pairs = [(l_row, r_row) for l_row in left for r_row in right if l_row["k"] == r_row["k"]]
    if kind == "inner":
        return [tuple(l_row[c] for c in columns) + tuple(r_row[c] for c in columns) for l_row, r_row in pairs]
    if kind == "leftanti":
        return [tuple(row[c] for c in columns) for row in left if all(row["k"] != other["k"] for other in right)]
    if kind == "rightsemi":
        return [tuple(row[c] for c in columns) for row in right if any(row["k"] == other["k"] for other in left)]

    matched = [tuple(l_row[c] for c in columns) + tuple(r_row[c] for c in columns) for l_row, r_row in pairs]
    unmatched_left = [
        tuple(row[c] for c in columns) + nulls for row in left if all(row["k"] != other["k"] for other in right)
    ]
    if kind == "leftouter":
        return matched + unmatched_left
    unmatched_right = [
        nulls + tuple(row[c] for c in columns)
        for row in right
        if all(row["k"] != other["k"] for other in left)
    ]
    return matched + unmatched_left + unmatched_right


@SETTINGS
@given(rows, rows)
def test_lookup_matches_reference(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> None:
    result = database(left, right).execute("T | lookup (U | project k, w = y) on k").rows()

    expected = []
    for row in left:
        matches = [other for other in right if other["k"] == row["k"]]
        for other in matches or [None]:
            expected.append((row["k"], row["x"], row["y"], None if other is None else other["y"]))
    assert canonical(result) == canonical(expected)
