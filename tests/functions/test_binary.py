"""The binary functions, checked against Kusto's documented examples and by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError


def one_row(db: Any, query: str) -> dict[str, Any]:
    frame = db.query(query)
    assert len(frame) == 1
    return {name: (None if pd.isna(value) else value) for name, value in frame.iloc[0].items()}


def test_binary_shift_left_documented_example(db):
    assert one_row(db, "print r = binary_shift_left(1, 2)") == {"r": 4}


def test_bitset_count_ones_documented_example(db):
    assert one_row(db, "print ones = bitset_count_ones(42)") == {"ones": 3}


def test_bitwise_and_or_xor_not(db):
    row = one_row(db, "print a = binary_and(6, 3), o = binary_or(6, 3), x = binary_xor(6, 3), n = binary_not(100)")
    assert row == {"a": 2, "o": 7, "x": 5, "n": -101}


def test_shift_count_wraps_modulo_64(db):
    row = one_row(db, "print l = binary_shift_left(1, 65), r = binary_shift_right(256, 66), z = binary_shift_left(3, 64)")
    assert row == {"l": 2, "r": 64, "z": 3}


def test_shift_overflow_wraps_and_right_shift_keeps_sign(db):
    row = one_row(db, "print l = binary_shift_left(1, 63), r = binary_shift_right(-8, 1)")
    assert row == {"l": -(2**63), "r": -4}


def test_negative_shift_is_null(db):
    assert one_row(db, "print l = binary_shift_left(1, -1), r = binary_shift_right(8, -2)") == {"l": None, "r": None}


def test_bitset_count_ones_of_negative_counts_64_bits(db):
    assert one_row(db, "print a = bitset_count_ones(-1), b = bitset_count_ones(0)") == {"a": 64, "b": 0}


def test_null_argument_gives_null(db):
    row = one_row(db, "print a = binary_and(long(null), 1), n = binary_not(int(null)), c = bitset_count_ones(long(null))")
    assert row == {"a": None, "n": None, "c": None}


def test_columns_of_int_and_long(db):
    frame = db.query("datatable(i:int, l:long)[1, 3, 2, long(null), 7, 8] | extend a = binary_and(i, l), c = bitset_count_ones(l)")
    assert frame["a"].tolist() == [1, pd.NA, 0]
    assert frame["c"].tolist() == [2, pd.NA, 1]
    assert str(frame["a"].dtype) == "Int64"


@pytest.mark.parametrize(
    "query",
    [
        "print binary_and(1.5, 1)",
        "print bitset_count_ones(2.0)",
        "print binary_not('a')",
        "print binary_shift_left(dynamic(1), 1)",
        "print binary_xor(true, 1)",
    ],
)
def test_non_integer_argument_rejected(db, query):
    with pytest.raises(KqlSemanticError) as error:
        db.execute(query)
    assert error.value.code in {"KS141", "KS107"}


def test_wrong_argument_count_rejected(db):
    with pytest.raises(KqlSemanticError) as error:
        db.execute("print binary_and(1)")
    assert error.value.code == "KS119"


def test_binary_functions_on_empty_table(db):
    frame = db.query("datatable(i:long)[] | extend a = binary_and(i, i), c = bitset_count_ones(i), s = binary_shift_right(i, 1)")
    assert len(frame) == 0
