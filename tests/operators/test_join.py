"""join_indices, lookup_indices and take_rows on small frames, with the documented join examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError
from kqlite.operators.join import join_indices, lookup_indices, take_rows


def longs(*values: int | None) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="Int64"))


def strings(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


# The join pages' tables: X(Key, Value1) and Y(Key, Value2).
X = pd.DataFrame({"Key": strings("a", "b", "b", "c"), "Value1": longs(1, 2, 3, 4)})
Y = pd.DataFrame({"Key": strings("b", "c", "c", "d"), "Value2": longs(10, 20, 30, 40)})


LEFT_ONLY_KINDS = ("leftsemi", "leftanti", "anti", "leftantisemi")
RIGHT_ONLY_KINDS = ("rightsemi", "rightanti", "rightantisemi")


def joined_rows(kind: str) -> list[tuple[object, ...]]:
    left_positions, right_positions = join_indices([X["Key"]], [Y["Key"]], kind)
    parts = []
    if kind not in RIGHT_ONLY_KINDS:
        parts.append(take_rows(X, left_positions))
    if kind not in LEFT_ONLY_KINDS:
        parts.append(take_rows(Y, right_positions))
    frame = pd.concat(parts, axis=1)
    return [tuple(None if value is pd.NA else value for value in row) for row in frame.itertuples(index=False)]


def test_inner_matches_documented_rows() -> None:
    assert joined_rows("inner") == [("b", 2, "b", 10), ("b", 3, "b", 10), ("c", 4, "c", 20), ("c", 4, "c", 30)]


def test_innerunique_keeps_first_left_row_per_key() -> None:
    assert joined_rows("innerunique") == [("b", 2, "b", 10), ("c", 4, "c", 20), ("c", 4, "c", 30)]


def test_leftouter_pads_unmatched_left_row() -> None:
    rows = joined_rows("leftouter")
    assert rows[0] == ("a", 1, "", None)
    assert rows[1:] == [("b", 2, "b", 10), ("b", 3, "b", 10), ("c", 4, "c", 20), ("c", 4, "c", 30)]


def test_rightouter_keeps_right_order() -> None:
    assert joined_rows("rightouter") == [
        ("b", 2, "b", 10),
        ("b", 3, "b", 10),
        ("c", 4, "c", 20),
        ("c", 4, "c", 30),
        ("", None, "d", 40),
    ]


def test_fullouter_adds_both_unmatched_sides() -> None:
    rows = joined_rows("fullouter")
    assert sorted(rows, key=str) == sorted(
        [("a", 1, "", None), ("b", 2, "b", 10), ("b", 3, "b", 10), ("c", 4, "c", 20), ("c", 4, "c", 30), ("", None, "d", 40)],
        key=str,
    )


def test_semi_and_anti_kinds() -> None:
    assert joined_rows("leftsemi") == [("b", 2), ("b", 3), ("c", 4)]
    assert joined_rows("leftanti") == [("a", 1)]
    assert joined_rows("anti") == [("a", 1)]
    assert joined_rows("rightsemi") == [("b", 10), ("c", 20), ("c", 30)]
    assert joined_rows("rightanti") == [("d", 40)]
    assert joined_rows("rightantisemi") == [("d", 40)]


def test_semi_kinds_mark_other_side_absent() -> None:
    left, right = join_indices([X["Key"]], [Y["Key"]], "leftsemi")
    assert left.tolist() == [1, 2, 3]
    assert right.tolist() == [-1, -1, -1]
    left, right = join_indices([X["Key"]], [Y["Key"]], "rightanti")
    assert left.tolist() == [-1]
    assert right.tolist() == [3]


def test_null_keys_never_match() -> None:
    left, right = join_indices([longs(1, None)], [longs(None, 1)], "inner")
    assert list(zip(left, right)) == [(0, 1)]
    left, right = join_indices([longs(1, None)], [longs(None, 1)], "leftanti")
    assert left.tolist() == [1]


def test_empty_strings_match_each_other() -> None:
    left, right = join_indices([strings("", "a")], [strings("")], "inner")
    assert list(zip(left, right)) == [(0, 0)]


def test_multiple_keys_must_all_match() -> None:
    left, right = join_indices(
        [strings("a", "a", "b"), longs(1, 2, 1)], [strings("a", "b", "a"), longs(2, 1, None)], "inner"
    )
    assert sorted(zip(left.tolist(), right.tolist())) == [(1, 0), (2, 1)]


def test_int_and_long_keys_compare_by_value() -> None:
    ints = pd.Series(pd.array([1, 2], dtype="Int32"))
    left, right = join_indices([ints], [longs(2, 3)], "inner")
    assert list(zip(left, right)) == [(1, 0)]


def test_category_key_against_plain_strings() -> None:
    left_key = pd.Series(["b", "x", "b", "a"], dtype="category")
    left, right = join_indices([left_key], [strings("a", "b", "b")], "leftouter")
    assert list(zip(left.tolist(), right.tolist())) == [(0, 1), (0, 2), (1, -1), (2, 1), (2, 2), (3, 0)]


def test_empty_inputs_give_no_pairs() -> None:
    for kind in ("inner", "innerunique", "leftouter", "rightouter", "fullouter", "leftsemi", "rightanti"):
        left, right = join_indices([longs()], [longs()], kind)
        assert len(left) == 0
        assert len(right) == 0
    left, right = join_indices([longs(1, 2)], [longs()], "leftouter")
    assert left.tolist() == [0, 1]
    assert right.tolist() == [-1, -1]


def test_unknown_join_kind_raises() -> None:
    with pytest.raises(KqlSemanticError):
        join_indices([longs(1)], [longs(1)], "outer")


def test_lookup_leftouter_keeps_left_order() -> None:
    left, right = lookup_indices([strings("b", "a", "z", "b")], [strings("a", "b")])
    assert left.tolist() == [0, 1, 2, 3]
    assert right.tolist() == [1, 0, -1, 1]


def test_lookup_inner_drops_unmatched() -> None:
    left, right = lookup_indices([strings("b", "a", "z")], [strings("a", "b")], "inner")
    assert left.tolist() == [0, 1]
    assert right.tolist() == [1, 0]


def test_lookup_rejects_other_kinds() -> None:
    with pytest.raises(KqlSemanticError):
        lookup_indices([strings("a")], [strings("a")], "rightouter")


def test_lookup_two_keys_documented_example() -> None:
    personal = strings("Rowan", "Ellis", "Ellis", "Maya", "Quinn")
    family = strings("Murphy", "Turner", "Turner", "Robinson", "Campbell")
    dim_personal = strings("Rowan", "Ellis", "Maya", "Quinn")
    dim_family = strings("Murphy", "Turner", "Robinson", "Campbell")
    alias = pd.DataFrame({"Alias": strings("rowanm", "ellist", "mayar", "quinnc")})
    left, right = lookup_indices([personal, family], [dim_personal, dim_family])
    assert take_rows(alias, right)["Alias"].tolist() == ["rowanm", "ellist", "ellist", "mayar", "quinnc"]


def test_take_rows_fills_each_type_with_its_null() -> None:
    frame = pd.DataFrame(
        {
            "s": strings("a"),
            "c": pd.Series(["x"], dtype="category"),
            "l": longs(1),
            "i": pd.Series(pd.array([1], dtype="Int32")),
            "b": pd.Series(pd.array([True], dtype="boolean")),
            "r": pd.Series([1.5]),
            "t": pd.Series(pd.to_datetime(["2020-01-01"])),
            "d": pd.Series([{"a": 1}], dtype=object),
        }
    )
    taken = take_rows(frame, np.array([0, -1]))
    assert taken["s"].tolist() == ["a", ""]
    assert taken["c"].tolist() == ["x", ""]
    assert isinstance(taken["c"].dtype, pd.CategoricalDtype)
    assert taken["l"].dtype == "Int64"
    assert taken["l"].isna().tolist() == [False, True]
    assert taken["i"].dtype == "Int32"
    assert taken["b"].dtype == "boolean"
    assert np.isnan(taken["r"].iloc[1])
    assert pd.isna(taken["t"].iloc[1])
    assert taken["d"].tolist() == [{"a": 1}, None]


def test_take_rows_from_empty_frame() -> None:
    frame = pd.DataFrame({"s": strings(), "l": longs()})
    taken = take_rows(frame, np.array([-1, -1]))
    assert taken["s"].tolist() == ["", ""]
    assert taken["l"].isna().all()


def test_take_rows_keeps_duplicate_column_names() -> None:
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    taken = take_rows(frame, np.array([0, 0]))
    assert list(taken.columns) == ["a", "a"]
    assert taken.shape == (2, 2)


def test_take_rows_repeated_strings_become_categories() -> None:
    frame = pd.DataFrame({"s": strings("a", "b")})
    taken = take_rows(frame, np.array([1, 0, 1, 1, -1, 0]))
    assert isinstance(taken["s"].dtype, pd.CategoricalDtype)
    assert taken["s"].tolist() == ["b", "a", "b", "b", "", "a"]


def test_take_rows_identity_keeps_columns() -> None:
    taken = take_rows(X, np.arange(len(X)))
    assert taken["Key"].tolist() == ["a", "b", "b", "c"]
    assert taken["Value1"].dtype == "Int64"
