"""Dynamic arguments to typed parameters are converted first, as Kusto does at run time."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import call

from kqlite.errors import KqlRuntimeError
from kqlite.types import DATETIME, DYNAMIC, LONG, REAL, STRING


def test_string_function_on_dynamic():
    values = pd.Series(["abc", 12, None], dtype=object)
    assert call("strlen", values, types=[DYNAMIC]).tolist() == [3, 2, 0]
    assert call("toupper", "abc", types=[DYNAMIC]) == "ABC"
    assert call("strlen", None, types=[DYNAMIC]) == 0


def test_datetime_function_on_dynamic():
    stamps = pd.Series(["2020-01-03", None], dtype=object)
    result = call("datetime_diff", "day", stamps, pd.Timestamp("2020-01-01"), types=[STRING, DYNAMIC, DATETIME])
    assert result.tolist() == [2, pd.NA]


def test_dynamic_result_stays_dynamic():
    # abs() of a dynamic value is typed dynamic by the binder, so the column contains Python objects.
    result = call("abs", pd.Series([-2, None], dtype=object), types=[DYNAMIC])
    assert result.dtype == object
    assert result.tolist() == [2.0, None]


def test_bin_on_dynamic_numbers():
    assert call("bin", 7.5, 2, types=[DYNAMIC, LONG]) == 6.0


def test_skipped_optional_arguments_use_defaults():
    # `indexof(s, "c", occurrence=2)` binds the skipped parameters as null literals.
    assert call("indexof", "abcabc", "c", None, None, 2, types=[STRING, STRING, DYNAMIC, DYNAMIC, LONG]) == 5
    assert call("round", 2.5, None, types=[REAL, DYNAMIC]) == 3.0
    assert call("startofday", pd.Timestamp("2020-01-01 10:00"), None, types=[DATETIME, DYNAMIC]) == pd.Timestamp("2020-01-01")


def test_series_count_argument_not_a_number():
    with pytest.raises(KqlRuntimeError) as raised:
        call("series_decompose_forecast", [1, 2, 3, 4, 5, 6, 7, 8], {"a": 1}, types=[DYNAMIC, DYNAMIC])

    assert raised.value.code == "KL503"
    assert "{'a': 1}" in raised.value.message
