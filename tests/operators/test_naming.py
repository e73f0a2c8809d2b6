"""merge_names and unique_names: KQL's numeric suffixes for clashing column names."""

from __future__ import annotations

from kqlite.operators.naming import merge_names, unique_names


def test_unique_names_suffixes_later_duplicates() -> None:
    assert unique_names(["set_y", "set_y"]) == ["set_y", "set_y1"]
    assert unique_names(["a", "a", "a"]) == ["a", "a1", "a2"]


def test_unique_names_reserves_existing_names() -> None:
    assert unique_names(["c", "c", "c1"]) == ["c", "c2", "c1"]


def test_unique_names_without_duplicates_is_unchanged() -> None:
    assert unique_names(["x", "y"]) == ["x", "y"]
    assert unique_names([]) == []


def test_merge_names_join_schema() -> None:
    assert merge_names(["Key", "Value1"], ["Key", "Value2"]) == ["Key", "Value1", "Key1", "Value2"]
    assert merge_names(["key", "value"], ["key", "value"]) == ["key", "value", "key1", "value1"]


def test_merge_names_reserves_right_names() -> None:
    assert merge_names(["c"], ["c", "c1"]) == ["c", "c2", "c1"]


def test_merge_names_with_empty_side() -> None:
    assert merge_names([], ["a"]) == ["a"]
    assert merge_names(["a"], []) == ["a"]
