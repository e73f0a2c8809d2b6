"""iff, case, coalesce, null and emptiness tests, min_of, max_of, not."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import call, result_type

from kqlite.types import BOOL, DATETIME, DYNAMIC, INT, LONG, REAL, STRING


def test_iff_types_and_values():
    assert call("iff", True, "yes", "no", types=[BOOL, STRING, STRING]) == "yes"
    assert call("iif", False, 1, 2, types=[BOOL, LONG, LONG]) == 2
    assert result_type("iff", BOOL, LONG, REAL) is REAL
    assert result_type("iff", BOOL, STRING, STRING) is STRING


def test_iff_null_condition_takes_else():
    conditions = pd.Series([True, None, False], dtype="boolean")
    assert call("iff", conditions, 1, 2.5, types=[BOOL, LONG, REAL]).tolist() == [1.0, 2.5, 2.5]


def test_iff_string_columns():
    conditions = pd.Series([True, False], dtype="boolean")
    others = pd.Series(["a", "b"], dtype="category")
    assert call("iff", conditions, "y", others, types=[BOOL, STRING, STRING]).tolist() == ["y", "b"]


def test_iff_null_branch():
    conditions = pd.Series([True, False], dtype="boolean")
    assert call("iff", conditions, None, 5, types=[BOOL, LONG, LONG]).tolist() == [pd.NA, 5]


def test_case():
    assert call("case", False, "a", True, "b", "c", types=[BOOL, STRING, BOOL, STRING, STRING]) == "b"
    assert call("case", False, "a", False, "b", "c", types=[BOOL, STRING, BOOL, STRING, STRING]) == "c"
    sizes = pd.Series([1, 50, 500], dtype="Int64")
    small = sizes < 10
    medium = sizes < 100
    result = call("case", small, "small", medium, "medium", "large", types=[BOOL, STRING, BOOL, STRING, STRING])
    assert result.tolist() == ["small", "medium", "large"]


def test_coalesce():
    assert call("coalesce", None, 5, 7, types=[LONG, LONG, LONG]) == 5
    assert call("coalesce", "", "x", types=[STRING, STRING]) == "x"
    assert call("coalesce", pd.Series([1, None], dtype="Int64"), 9, types=[LONG, LONG]).tolist() == [1, 9]
    assert call("coalesce", None, None, types=[LONG, LONG]) is None


@pytest.mark.parametrize("name", ["coalesce", "iff", "max_of"])
def test_no_common_type_rejected(name: str):
    types = [DATETIME, STRING] if name != "iff" else [BOOL, DATETIME, STRING]

    with pytest.raises(ValueError, match="no common type"):
        result_type(name, *types)


def test_numeric_common_type_widest():
    assert result_type("coalesce", INT, LONG, REAL) is REAL
    assert result_type("coalesce", DYNAMIC, LONG) is LONG


def test_null_and_empty_tests():
    assert call("isnull", None, types=[LONG]) is True
    assert call("isnull", "", types=[STRING]) is False
    assert call("isnotnull", 5, types=[LONG]) is True
    assert call("isempty", "", types=[STRING]) is True
    assert call("isempty", None, types=[LONG]) is True
    assert call("isnotempty", pd.Series(["a", ""], dtype="category"), types=[STRING]).tolist() == [True, False]
    assert call("isnull", pd.Series([{"a": 1}, None], dtype=object), types=[DYNAMIC]).tolist() == [False, True]


def test_not():
    assert call("not", pd.Series([True, None, False], dtype="boolean"), types=[BOOL]).tolist() == [False, pd.NA, True]
    assert call("not", None, types=[BOOL]) is None


def test_min_of_max_of():
    assert call("max_of", 10, 1, -3, 17, types=[LONG] * 4) == 17
    assert call("min_of", 10, 1, -3, 17, types=[LONG] * 4) == -3
    assert call("max_of", None, 2, types=[LONG, LONG]) == 2
    assert call("max_of", 1, 2.5, types=[LONG, REAL]) == 2.5
    assert call("min_of", "b", "a", types=[STRING, STRING]) == "a"
    assert call("max_of", None, None, types=[LONG, LONG]) is None
    column = pd.Series([1, None, 9], dtype="Int64")
    assert call("max_of", column, 5, types=[LONG, LONG]).tolist() == [5, 5, 9]
