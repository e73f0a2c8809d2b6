"""Conversion functions: null on failure, tostring forms, dynamic conversions."""

from __future__ import annotations

import uuid
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from conftest import call

from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN

T = pd.Timestamp
D = pd.Timedelta


def test_tolong():
    assert call("tolong", "123", types=[STRING]) == 123
    assert call("tolong", " -5 ", types=[STRING]) == -5
    assert call("tolong", "1.5", types=[STRING]) is None
    assert call("tolong", "abc", types=[STRING]) is None
    assert call("tolong", 2.9, types=[REAL]) == 2
    assert call("tolong", -2.9, types=[REAL]) == -2
    assert call("tolong", True, types=[BOOL]) == 1
    assert call("tolong", None, types=[LONG]) is None


def test_tolong_ticks():
    assert call("tolong", T("1970-01-01"), types=[DATETIME]) == 621355968000000000
    assert call("tolong", D(seconds=1), types=[TIMESPAN]) == 10_000_000


@pytest.mark.parametrize("dtype", ["str", "category"])
def test_tolong_column(dtype):
    result = call("tolong", pd.Series(["1", "x", "", "42"], dtype=dtype), types=[STRING])
    assert result.tolist() == [1, pd.NA, pd.NA, 42]
    assert result.dtype == "Int64"


def test_toint():
    assert call("toint", "42", types=[STRING]) == 42
    assert call("toint", 2**40, types=[LONG]) is None
    assert call("toint", pd.Series([1.7, np.nan]), types=[REAL]).tolist() == [1, pd.NA]


def test_todouble():
    assert call("todouble", "1.5", types=[STRING]) == 1.5
    assert call("toreal", "x", types=[STRING]) is None
    assert call("todouble", 3, types=[LONG]) == 3.0
    assert call("todouble", pd.Series([1, None], dtype="Int64"), types=[LONG]).isna().tolist() == [False, True]


def test_tostring():
    assert call("tostring", 123, types=[LONG]) == "123"
    assert call("tostring", None, types=[LONG]) == ""
    assert call("tostring", 1.0, types=[REAL]) == "1"
    assert call("tostring", 0.1, types=[REAL]) == "0.1"
    assert call("tostring", True, types=[BOOL]) == "true"
    assert call("tostring", T("2017-01-01"), types=[DATETIME]) == "2017-01-01T00:00:00Z"
    assert call("tostring", T("2017-01-01 10:20:30.5"), types=[DATETIME]) == "2017-01-01T10:20:30.5Z"
    assert call("tostring", D(days=1, hours=2), types=[TIMESPAN]) == "1.02:00:00"
    assert call("tostring", -D(hours=12), types=[TIMESPAN]) == "-12:00:00"
    assert call("tostring", {"a": [1, "x"]}, types=[DYNAMIC]) == '{"a":[1,"x"]}'
    assert call("tostring", "text", types=[DYNAMIC]) == "text"


def test_tostring_columns():
    assert call("tostring", pd.Series([1, None], dtype="Int64"), types=[LONG]).tolist() == ["1", ""]
    stamps = pd.Series([T("2020-01-01"), None], dtype="datetime64[ns]")
    assert call("tostring", stamps, types=[DATETIME]).tolist() == ["2020-01-01T00:00:00Z", ""]
    assert call("tostring", pd.Series([True, None], dtype="boolean"), types=[BOOL]).tolist() == ["true", ""]


def test_tostring_empty_datetime_column():
    empty = pd.Series([], dtype="datetime64[ns]")

    assert call("tostring", empty, types=[DATETIME], length=0).tolist() == []


def test_todatetime():
    assert call("todatetime", "2015-12-24", types=[STRING]) == T("2015-12-24")
    assert call("todatetime", "2014-05-25T08:20:03.123456Z", types=[STRING]) == T("2014-05-25 08:20:03.123456")
    assert call("todatetime", "Sat, 8 Nov 14 15:05:02 GMT", types=[STRING]) == T("2014-11-08 15:05:02")
    assert call("todatetime", "2014-11-08 15:55:55+02:00", types=[STRING]) == T("2014-11-08 13:55:55")
    assert call("todatetime", "not a date", types=[STRING]) is None
    assert call("todatetime", "", types=[STRING]) is None


def test_todatetime_ticks():
    assert call("todatetime", 621355968000000000, types=[LONG]) == T("1970-01-01")
    assert call("todatetime", 637500000000000000, types=[LONG]) == T("2021-02-27 05:20:00")
    # Ticks outside the years that int64 nanoseconds can hold (1677 to 2262) give null.
    assert call("todatetime", 2**63 - 1, types=[LONG]) is None
    assert call("todatetime", 5, types=[INT]) is None


def test_todatetime_column():
    texts = pd.Series(["2020-01-01", "bad", "2020-01-02 03:00"], dtype="category")
    result = call("todatetime", texts, types=[STRING])
    assert result.iloc[0] == T("2020-01-01")
    assert pd.isna(result.iloc[1])
    assert result.iloc[2] == T("2020-01-02 03:00")


def test_totimespan():
    assert call("totimespan", "0.00:01:00", types=[STRING]) == D(minutes=1)
    assert call("totimespan", "1.02:03:04.5", types=[STRING]) == D(days=1, hours=2, minutes=3, seconds=4.5)
    assert call("totimespan", "-12:00:00", types=[STRING]) == D(hours=-12)
    assert call("totimespan", "abc", types=[STRING]) is None
    assert call("totimespan", 10_000_000, types=[LONG]) == D(seconds=1)


def test_tobool():
    assert call("tobool", "true", types=[STRING]) is True
    assert call("toboolean", "FALSE", types=[STRING]) is False
    assert call("tobool", "yes", types=[STRING]) is None
    assert call("tobool", 0, types=[LONG]) is False
    assert call("tobool", 5, types=[LONG]) is True


def test_parse_json():
    assert call("parse_json", '{"a":1}', types=[STRING]) == {"a": 1}
    assert call("todynamic", "[1,2]", types=[STRING]) == [1, 2]
    assert call("parse_json", "hello", types=[STRING]) == "hello"
    assert call("parse_json", {"a": 1}, types=[DYNAMIC]) == {"a": 1}
    texts = pd.Series(['{"k":1}', "x", '{"k":1}'], dtype="category")
    assert call("parse_json", texts, types=[STRING]).tolist() == [{"k": 1}, "x", {"k": 1}]


def test_toguid_and_todecimal():
    text = "74be27de-1e4e-49d9-b579-fe0b331d3642"
    assert call("toguid", text, types=[STRING]) == uuid.UUID(text)
    assert call("toguid", "nope", types=[STRING]) is None
    assert call("todecimal", "123.45678", types=[STRING]) == Decimal("123.45678")
    assert call("todecimal", 2, types=[INT]) == Decimal(2)
    assert call("todecimal", "x", types=[STRING]) is None


def test_dynamic_conversions():
    values = pd.Series([1, "2", 2.7, None, [1], True], dtype=object)
    assert call("tolong", values, types=[DYNAMIC]).tolist() == [1, 2, 2, pd.NA, pd.NA, 1]
    assert call("tostring", values, types=[DYNAMIC]).tolist() == ["1", "2", "2.7", "", "[1]", "true"]
    stamps = call("todatetime", pd.Series(["2020-01-01", None], dtype=object), types=[DYNAMIC])
    assert stamps.iloc[0] == T("2020-01-01")
    assert pd.isna(stamps.iloc[1])
    assert call("toguid", None, types=[GUID]) is None
    assert call("todecimal", None, types=[DECIMAL]) is None
