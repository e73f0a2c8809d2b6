"""String functions, on constants, plain string columns and category columns."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import call, result_type

from kqlite.errors import KqlRuntimeError
from kqlite.types import BOOL, DYNAMIC, LONG, REAL, STRING

S = STRING


@pytest.fixture(params=["str", "category"])
def words(request) -> pd.Series:
    return pd.Series(["Hello World", "abc", "Hello World", ""], dtype=request.param)


def test_strlen():
    assert call("strlen", "Hello, world!", types=[S]) == 13
    assert call("strlen", "", types=[S]) == 0
    assert result_type("strlen", S) is LONG


def test_strlen_column(words):
    result = call("strlen", words, types=[S])
    assert result.tolist() == [11, 3, 11, 0]
    assert result.dtype == "Int64"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [(("123456", 1), "23456"), (("123456", 2, 2), "34"), (("ABCD", 0, 2), "AB"), (("123456", -2, 2), "56"), (("ab", 5), "")],
)
def test_substring_documented(arguments, expected):
    assert call("substring", *arguments, types=[S, LONG, LONG][: len(arguments)]) == expected


def test_substring_column(words):
    assert call("substring", words, 0, 3, types=[S, LONG, LONG]).tolist() == ["Hel", "abc", "Hel", ""]


def test_substring_start_column():
    starts = pd.Series([0, 1, None], dtype="Int64")
    assert call("substring", "abcd", starts, 2, types=[S, LONG, LONG], length=3).tolist() == ["ab", "bc", ""]


def test_strcat_converts_values(words):
    assert call("strcat", "hello", " ", "world", types=[S, S, S]) == "hello world"
    assert call("strcat", "a", 1, 2.5, True, types=[S, LONG, REAL, BOOL]) == "a12.5true"
    result = call("strcat", words, "-", 1, types=[S, S, LONG])
    assert result.tolist() == ["Hello World-1", "abc-1", "Hello World-1", "-1"]


def test_strcat_null_is_empty():
    assert call("strcat", "a", None, types=[S, LONG]) == "a"


def test_strcat_delim():
    assert call("strcat_delim", "-", 1, "2", "A", 1.5, types=[S, LONG, S, S, REAL]) == "1-2-A-1.5"


def test_case_conversion(words):
    assert call("tolower", "Hello", types=[S]) == "hello"
    assert call("toupper", words, types=[S]).tolist() == ["HELLO WORLD", "ABC", "HELLO WORLD", ""]


def test_category_result_stays_category():
    values = pd.Series(["A", "a", "B"], dtype="category")
    result = call("tolower", values, types=[S])
    assert isinstance(result.dtype, pd.CategoricalDtype)
    assert result.tolist() == ["a", "a", "b"]


def test_trim_family():
    assert call("trim", "--", "--https://bing.com--", types=[S, S]) == "https://bing.com"
    assert call("trim_start", "[^\\w]+", "(https://bing.com", types=[S, S]) == "https://bing.com"
    assert call("trim_end", "[^\\w]+", "bing.com)", types=[S, S]) == "bing.com"
    assert call("trim", "\\s", "  a b  ", types=[S, S]) == "a b"


def test_split():
    assert call("split", "aa_bb", "_", types=[S, S]) == ["aa", "bb"]
    assert call("split", "aaa_bbb_ccc", "_", 1, types=[S, S, LONG]) == ["bbb"]
    assert call("split", "", "_", types=[S, S]) == [""]
    assert call("split", "a__b", "_", types=[S, S]) == ["a", "", "b"]
    assert call("split", "abc", "_", 5, types=[S, S, LONG]) == []
    assert result_type("split", S, S) is DYNAMIC


def test_split_category_column():
    values = pd.Series(["a b", "c", "a b"], dtype="category")
    assert call("split", values, " ", types=[S, S]).tolist() == [["a", "b"], ["c"], ["a", "b"]]


def test_replace_string_and_regex():
    assert call("replace_string", "A magic trick can turn a cat into a dog", "cat", "hamster", types=[S] * 3) == "A magic trick can turn a hamster into a dog"
    assert call("replace_regex", "Number is 4", "is ([0-9]+)", "was: \\1", types=[S] * 3) == "Number was: 4"
    with pytest.raises(KqlRuntimeError):
        call("replace_regex", "x", "(", "y", types=[S] * 3)


def test_extract():
    assert call("extract", "x=([0-9.]+)", 1, "hello x=45.6|wo", types=[S, LONG, S]) == "45.6"
    assert call("extract", "x=([0-9.]+)", 0, "hello x=45.6|wo", types=[S, LONG, S]) == "x=45.6"
    assert call("extract", "zz", 0, "abc", types=[S, LONG, S]) == ""
    with pytest.raises(KqlRuntimeError):
        call("extract", "a", 2, "abc", types=[S, LONG, S])


def test_extract_all():
    text = "My phone number is 1-800-555-0199"
    assert call("extract_all", "(\\d+)", text, types=[S, S]) == ["1", "800", "555", "0199"]
    assert call("extract_all", "(\\w)(\\d)", "a1b2", types=[S, S]) == [["a", "1"], ["b", "2"]]
    assert call("extract_all", "\\d+", "none", types=[S, S]) is None


def test_indexof_real_start():
    # The binder lets a real through for the long start index: it is truncated, and NaN gives null.
    assert call("indexof", "xy", "y", 1e3, types=[S, S, REAL]) == -1
    assert call("indexof", "abcdefg", "cde", 1.9, types=[S, S, REAL]) == 2
    assert call("indexof", "abc", "c", float("nan"), types=[S, S, REAL]) is None


def test_indexof_documented():
    assert call("indexof", "abcdefg", "cde", types=[S, S]) == 2
    assert call("indexof", "abcdefg", "cde", 1, 4, types=[S, S, LONG, LONG]) == 2
    assert call("indexof", "abcdefg", "cde", 1, 2, types=[S, S, LONG, LONG]) == -1
    assert call("indexof", "abcdefg", "cde", 3, 4, types=[S, S, LONG, LONG]) == -1
    assert call("indexof", "abcdefg", "cde", -1, types=[S, S, LONG]) is None
    assert call("indexof", "abcdefgabcdefg", "cde", 1, -1, 2, types=[S, S, LONG, LONG, LONG]) == 9
    assert call("indexof", "abcdefg", "", types=[S, S]) == 0


def test_countof():
    # Plain search counts overlapping matches; a regex counts non-overlapping ones.
    assert call("countof", "aaa", "a", types=[S, S]) == 3
    assert call("countof", "aaaa", "aa", types=[S, S]) == 3
    assert call("countof", "ababa", "ab", "normal", types=[S, S, S]) == 2
    assert call("countof", "ababa", "aba", types=[S, S]) == 2
    assert call("countof", "ababa", "aba", "regex", types=[S, S, S]) == 1
    assert call("countof", "abcabc", "a.c", "regex", types=[S, S, S]) == 2


def test_reverse_and_strrep():
    assert call("reverse", "ABCDEF", types=[S]) == "FEDCBA"
    assert call("reverse", 123, types=[LONG]) == "321"
    assert call("strrep", "ABC", 2, types=[S, LONG]) == "ABCABC"
    assert call("strrep", "ABC", 2, ",", types=[S, LONG, S]) == "ABC,ABC"
    assert call("strrep", 1.5, 3, " ", types=[REAL, LONG, S]) == "1.5 1.5 1.5"


def test_has_any_index():
    assert call("has_any_index", "this is an example", ["this", "example"], types=[S, DYNAMIC]) == 0
    assert call("has_any_index", "this is an example", ["not", "example"], types=[S, DYNAMIC]) == 1
    assert call("has_any_index", "KUANDA.ORG", 1.5, types=[S, DYNAMIC]) == -1
    assert call("has_any_index", "this is an example", ["not", "found"], types=[S, DYNAMIC]) == -1


def test_url_encoding():
    assert call("url_encode", "https://www.bing.com/", types=[S]) == "https%3a%2f%2fwww.bing.com%2f"
    assert call("url_decode", "https%3a%2f%2fwww.bing.com%2f", types=[S]) == "https://www.bing.com/"


def test_base64():
    assert call("base64_encode_tostring", "Kusto1", types=[S]) == "S3VzdG8x"
    assert call("base64_decode_tostring", "S3VzdG8=", types=[S]) == "Kusto"
    assert call("base64_decode_tostring", "not base64!", types=[S]) == ""
    assert call("base64_decode_tostring", "caf\u00e9", types=[S]) == ""
