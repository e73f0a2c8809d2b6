"""union_schema and union_frames: column order, type clashes, inner kind and withsource."""

from __future__ import annotations

import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError
from kqlite.operators.union import union_frames, union_schema
from kqlite.types import INT, LONG, REAL, STRING


def test_type_mismatch_documented_example() -> None:
    first = pd.DataFrame({"x": pd.array([1], dtype="Int64")})
    second = pd.DataFrame({"x": pd.array([2], dtype="Int32")})
    frame, columns = union_frames(
        [(first, (("x", LONG),)), (second, (("x", INT),))], "outer", "TableName", ["View_1", "View_2"]
    )
    assert columns == (("TableName", STRING), ("x_long", LONG), ("x_int", INT))
    assert frame["TableName"].tolist() == ["View_1", "View_2"]
    assert frame["x_long"].tolist()[0] == 1
    assert frame["x_long"].isna().tolist() == [False, True]
    assert frame["x_int"].isna().tolist() == [True, False]
    assert frame["x_int"].dtype == "Int32"


def test_columns_by_first_appearance() -> None:
    legs = [(("a", LONG), ("b", STRING)), (("c", REAL), ("a", LONG))]
    assert union_schema(legs) == (("a", LONG), ("b", STRING), ("c", REAL))


def test_inner_keeps_common_columns() -> None:
    legs = [(("a", LONG), ("b", STRING)), (("b", STRING), ("c", REAL))]
    assert union_schema(legs, "inner") == (("b", STRING),)


def test_typed_name_deduplicated_against_existing() -> None:
    legs = [(("x", LONG), ("x_int", STRING)), (("x", INT),)]
    assert union_schema(legs) == (("x_long", LONG), ("x_int1", INT), ("x_int", STRING))


def test_missing_cells_are_null_or_empty() -> None:
    first = pd.DataFrame({"s": pd.Series(["a"], dtype="str")})
    second = pd.DataFrame({"v": [1.5]})
    frame, _ = union_frames([(first, (("s", STRING),)), (second, (("v", REAL),))])
    assert frame["s"].tolist() == ["a", ""]
    assert pd.isna(frame["v"].iloc[0])
    assert frame["v"].iloc[1] == 1.5


def test_categories_kept_when_every_leg_is_categorical() -> None:
    first = pd.DataFrame({"s": pd.Series(["a", "b"], dtype="category")})
    second = pd.DataFrame({"s": pd.Series(["c"], dtype="category")})
    frame, _ = union_frames([(first, (("s", STRING),)), (second, (("s", STRING),))])
    assert isinstance(frame["s"].dtype, pd.CategoricalDtype)
    assert frame["s"].tolist() == ["a", "b", "c"]


def test_empty_legs() -> None:
    empty = pd.DataFrame({"a": pd.array([], dtype="Int64")})
    frame, columns = union_frames([(empty, (("a", LONG),)), (empty, (("a", LONG),))], "outer", "T", ["x", "y"])
    assert columns == (("T", STRING), ("a", LONG))
    assert len(frame) == 0


def test_unknown_kind_raises() -> None:
    with pytest.raises(KqlSemanticError):
        union_schema([(("a", LONG),)], "left")
