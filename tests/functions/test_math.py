"""Math functions and hashes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import call, result_type

from kqlite.functions.math import xxhash64_of_bytes, xxhash64_of_words
from kqlite.types import DATETIME, INT, LONG, REAL, STRING, TIMESPAN


def test_abs_sign_ceiling():
    assert call("abs", -5, types=[LONG]) == 5
    assert call("abs", pd.Timedelta(hours=-1), types=[TIMESPAN]) == pd.Timedelta(hours=1)
    assert call("sign", -42, types=[LONG]) == -1
    assert call("sign", 0.0, types=[REAL]) == 0.0
    assert call("ceiling", -1.1, types=[REAL]) == -1.0
    assert call("ceiling", 1.1, types=[REAL]) == 2.0
    assert result_type("abs", INT) is LONG
    assert result_type("sign", LONG) is REAL


def test_round_documented():
    assert call("round", 2.98765, 3, types=[REAL, LONG]) == 2.988
    assert call("round", 2.15, 1, types=[REAL, LONG]) == 2.2
    assert call("round", 2.9876, types=[REAL]) == 3.0
    assert call("round", -50.55, -2, types=[REAL, LONG]) == -100.0
    assert call("round", 21.5, -1, types=[REAL, LONG]) == 20.0
    assert call("round", None, types=[REAL]) is None


def test_logarithms_and_powers():
    assert call("log", math.e, types=[REAL]) == pytest.approx(1.0)
    assert call("log", -1.0, types=[REAL]) is None
    assert call("log2", 8, types=[LONG]) == 3.0
    assert call("log10", 1000, types=[LONG]) == pytest.approx(3.0)
    assert call("exp", 0, types=[LONG]) == 1.0
    assert call("exp2", 3, types=[LONG]) == 8.0
    assert call("exp10", 2, types=[LONG]) == 100.0
    assert call("pow", 2, 3, types=[LONG, LONG]) == 8.0
    assert call("sqrt", 16, types=[LONG]) == 4.0
    assert call("sqrt", -1.0, types=[REAL]) is None
    assert result_type("sqrt", LONG) is REAL


def test_real_tests():
    assert call("isnan", float("nan"), types=[REAL]) is True
    assert call("isnan", 1.0, types=[REAL]) is False
    assert call("isinf", float("-inf"), types=[REAL]) is True
    assert call("isfinite", 1.0, types=[REAL]) is True
    assert call("isfinite", float("inf"), types=[REAL]) is False
    assert call("isnan", None, types=[LONG]) is None


def test_rand_and_pi():
    values = call("rand", types=[], length=100)
    assert len(values) == 100
    assert ((values >= 0) & (values < 1)).all()
    integers = call("rand", 10, types=[LONG], length=50)
    assert set(integers.tolist()) <= set(range(10))
    assert call("pi", types=[]) == math.pi
    assert result_type("rand") is REAL
    assert result_type("rand", LONG) is REAL


def test_xxhash64_reference_vectors():
    assert xxhash64_of_bytes(b"") == 0xEF46DB3751D8E999
    word = (12345).to_bytes(8, "little")
    assert int(xxhash64_of_words(np.array([12345], dtype=np.uint64))[0]) == xxhash64_of_bytes(word)


def test_hash_documented():
    assert call("hash", "World", types=[STRING]) == 1846988464401551951
    assert call("hash", "World", 100, types=[STRING, LONG]) == 51
    assert call("hash_xxhash64", pd.Timestamp("2015-01-01"), types=[DATETIME]) == 1380966698541616202


def test_hash_columns():
    words = pd.Series(["World", "x", "World"], dtype="category")
    assert call("hash", words, types=[STRING]).tolist()[0] == 1846988464401551951
    numbers = call("hash", pd.Series([1, None], dtype="Int64"), 10, types=[LONG, LONG])
    assert 0 <= numbers.iloc[0] < 10
    assert pd.isna(numbers.iloc[1])


def test_digests_and_guid():
    assert call("hash_md5", "World", types=[STRING]) == "f5a7924e621e84c9280a9a27e1bcb7f6"
    assert call("hash_sha256", "World", types=[STRING]) == "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524"
    guids = call("new_guid", types=[], length=3)
    assert len(set(guids)) == 3
