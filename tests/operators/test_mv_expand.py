"""mv_expand on small frames: the documented examples, typed expansion and the numpy fast path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError
from kqlite.operators.mv_expand import mv_expand
from kqlite.types import BOOL, DATETIME, DECIMAL, GUID, INT, LONG, REAL, STRING, TIMESPAN


def dynamic(*values: object) -> pd.Series:
    data = np.empty(len(values), dtype=object)
    data[:] = list(values)
    return pd.Series(data, dtype=object)


def ints(*values: int) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="Int32"))


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(None if value is pd.NA else value for value in row) for row in frame.itertuples(index=False)]


def test_single_array_documented_example() -> None:
    frame = pd.DataFrame({"a": ints(1, 2), "b": dynamic([10, 20], ["a", "b"])})
    result = mv_expand(frame, [("b", "b", None)])
    assert rows(result) == [(1, 10), (1, 20), (2, "a"), (2, "b")]
    assert result["a"].dtype == "Int32"
    assert result["b"].dtype == object


def test_property_bag_kind_bag() -> None:
    frame = pd.DataFrame({"a": ints(1), "b": dynamic({"prop1": "a1", "prop2": "b1"})})
    assert rows(mv_expand(frame, [("b", "b", None)])) == [(1, {"prop1": "a1"}), (1, {"prop2": "b1"})]


def test_property_bag_kind_array() -> None:
    frame = pd.DataFrame({"a": ints(1), "b": dynamic({"prop1": "a1", "prop2": "b1"})})
    assert rows(mv_expand(frame, [("b", "b", None)], kind="array")) == [(1, ["prop1", "a1"]), (1, ["prop2", "b1"])]


def test_parallel_columns_pad_shorter_with_null() -> None:
    frame = pd.DataFrame({"a": ints(1), "b": dynamic({"prop1": "a", "prop2": "b"}), "c": dynamic([5, 4, 3])})
    result = mv_expand(frame, [("b", "b", None), ("c", "c", None)])
    assert rows(result) == [(1, {"prop1": "a"}, 5), (1, {"prop2": "b"}, 4), (1, None, 3)]


def test_chained_expansion_is_cartesian() -> None:
    frame = pd.DataFrame({"a": ints(1), "b": dynamic({"prop1": "a", "prop2": "b"}), "c": dynamic([5, 6])})
    result = mv_expand(mv_expand(frame, [("b", "b", None)]), [("c", "c", None)])
    assert rows(result) == [
        (1, {"prop1": "a"}, 5),
        (1, {"prop1": "a"}, 6),
        (1, {"prop2": "b"}, 5),
        (1, {"prop2": "b"}, 6),
    ]


def test_with_itemindex_appended_last() -> None:
    frame = pd.DataFrame({"x": dynamic([1, 2, 3, 4])})
    result = mv_expand(frame, [("x", "x", None)], with_itemindex="Index")
    assert list(result.columns) == ["x", "Index"]
    assert rows(result) == [(1, 0), (2, 1), (3, 2), (4, 3)]
    assert result["Index"].dtype == "Int64"


def test_null_gives_one_row_and_empty_array_none() -> None:
    frame = pd.DataFrame({"a": ints(1, 2, 3), "b": dynamic(None, [], [7])})
    assert rows(mv_expand(frame, [("b", "b", None)])) == [(1, None), (3, 7)]


def test_scalar_value_gives_one_row() -> None:
    frame = pd.DataFrame({"b": dynamic(5, "text")})
    assert rows(mv_expand(frame, [("b", "b", None)])) == [(5,), ("text",)]


def test_limit_caps_rows_per_input_row() -> None:
    frame = pd.DataFrame({"a": ints(1, 2), "b": dynamic([1, 2, 3, 4], [5])})
    assert rows(mv_expand(frame, [("b", "b", None)], limit=2)) == [(1, 1), (1, 2), (2, 5)]


def test_to_typeof_datetime_and_long() -> None:
    frame = pd.DataFrame(
        {"ts": dynamic([pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-02")]), "v": dynamic([10, 20])}
    )
    result = mv_expand(frame, [("ts", "ts", DATETIME), ("v", "v", LONG)])
    assert result["ts"].dtype == "datetime64[ns]"
    assert result["v"].dtype == "Int64"
    assert rows(result) == [(pd.Timestamp("2020-01-01"), 10), (pd.Timestamp("2020-01-02"), 20)]


def test_to_typeof_is_cast_only() -> None:
    frame = pd.DataFrame({"v": dynamic([1.9, -1.9, "123", True, None, 2**40])})
    as_long = mv_expand(frame, [("v", "v", LONG)])["v"]
    assert as_long.tolist()[:2] == [1, -1]
    assert as_long.isna().tolist() == [False, False, True, True, True, False]
    assert as_long.iloc[5] == 2**40
    as_int = mv_expand(frame, [("v", "v", INT)])["v"]
    assert as_int.dtype == "Int32"
    assert as_int.isna().tolist()[5]
    as_string = mv_expand(frame, [("v", "v", STRING)])["v"]
    assert as_string.tolist() == ["", "", "123", "", "", ""]
    as_real = mv_expand(frame, [("v", "v", REAL)])["v"]
    assert as_real.tolist()[:2] == [1.9, -1.9]
    assert as_real.isna().tolist()[2:5] == [True, True, True]
    as_bool = mv_expand(frame, [("v", "v", BOOL)])["v"]
    assert as_bool.isna().tolist() == [True, True, True, False, True, True]


def test_to_typeof_other_types() -> None:
    frame = pd.DataFrame({"v": dynamic([pd.Timedelta("1h"), 3])})
    spans = mv_expand(frame, [("v", "v", TIMESPAN)])["v"]
    assert spans.dtype == "timedelta64[ns]"
    assert spans.iloc[0] == pd.Timedelta("1h")
    assert pd.isna(spans.iloc[1])
    assert mv_expand(frame, [("v", "v", GUID)])["v"].tolist() == [None, None]
    assert [str(value) for value in mv_expand(frame, [("v", "v", DECIMAL)])["v"]] == ["None", "3"]


def test_new_output_name_appends_and_keeps_source() -> None:
    frame = pd.DataFrame({"a": dynamic([1, 2]), "z": ints(9)})
    result = mv_expand(frame, [("a", "y", None)])
    assert list(result.columns) == ["a", "z", "y"]
    assert result["y"].tolist() == [1, 2]
    assert result["a"].tolist() == [[1, 2], [1, 2]]


def test_numpy_block_fast_path() -> None:
    axis = np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[ns]")
    frame = pd.DataFrame(
        {
            "k": pd.Series(["x", "y"], dtype="category"),
            "t": dynamic(axis, axis),
            "s": dynamic(np.array([1.5, np.nan, 3.0]), np.array([4.0, 5.0, 6.0])),
            "n": dynamic(np.array([1, 2, 3]), np.array([4, 5, 6])),
        }
    )
    typed = mv_expand(frame, [("t", "t", DATETIME), ("s", "s", REAL), ("n", "n", LONG)], limit=2)
    assert typed["k"].tolist() == ["x", "x", "y", "y"]
    assert typed["t"].dtype == "datetime64[ns]"
    assert typed["s"].dtype == np.float64
    assert typed["s"].isna().tolist() == [False, True, False, False]
    assert typed["n"].tolist() == [1, 2, 4, 5]

    untyped = mv_expand(frame, [("s", "s", None), ("t", "t", None)])
    assert untyped["s"].tolist() == [1.5, None, 3.0, 4.0, 5.0, 6.0]
    assert untyped["t"].iloc[0] == pd.Timestamp("2020-01-01")


def test_numpy_blocks_of_unequal_length_pad() -> None:
    frame = pd.DataFrame({"a": dynamic(np.array([1.0, 2.0])), "b": dynamic(np.array([3.0]))})
    result = mv_expand(frame, [("a", "a", REAL), ("b", "b", REAL)])
    assert result["a"].tolist() == [1.0, 2.0]
    assert result["b"].isna().tolist() == [False, True]


def test_empty_frame() -> None:
    frame = pd.DataFrame({"a": ints(), "b": dynamic()})
    result = mv_expand(frame, [("b", "b", LONG)], with_itemindex="i")
    assert len(result) == 0
    assert list(result.columns) == ["a", "b", "i"]


def test_unknown_kind_raises() -> None:
    with pytest.raises(KqlSemanticError):
        mv_expand(pd.DataFrame({"b": dynamic([1])}), [("b", "b", None)], kind="list")
