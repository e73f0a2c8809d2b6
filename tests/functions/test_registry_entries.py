"""Every scalar function of these families is registered with a documented example."""

from __future__ import annotations

import pytest
from conftest import load_all_available

from kqlite.functions.registry import SCALARS

FAMILY_MODULES = {
    "kqlite.functions.conversion",
    "kqlite.functions.conversion_functions",
    "kqlite.functions.datetime_functions",
    "kqlite.functions.datetime_construction",
    "kqlite.functions.datetime_format",
    "kqlite.functions.strings",
    "kqlite.functions.math",
    "kqlite.functions.conditional",
    "kqlite.functions.dynamic",
}

EXPECTED = (
    "tolong toint todouble toreal tostring todatetime totimespan tobool toboolean todynamic parse_json toguid todecimal "
    "bin floor bin_at datetime_diff datetime_add datetime_part startofday startofweek startofmonth startofyear endofday "
    "endofweek endofmonth endofyear dayofweek dayofmonth dayofyear getyear getmonth hourofday format_datetime "
    "format_timespan now ago unixtime_seconds_todatetime unixtime_milliseconds_todatetime "
    "unixtime_microseconds_todatetime unixtime_nanoseconds_todatetime make_datetime make_timespan "
    "strlen substring strcat strcat_delim tolower toupper trim trim_start trim_end split replace_string replace_regex "
    "extract extract_all indexof countof reverse strrep has_any_index url_decode url_encode base64_encode_tostring "
    "base64_decode_tostring abs round ceiling log log2 log10 exp exp2 exp10 pow sqrt sign isnan isinf isfinite rand pi "
    "iff iif case coalesce isnull isnotnull isempty isnotempty min_of max_of not hash hash_sha256 hash_md5 new_guid "
    "array_length pack_array bag_pack pack array_concat array_slice array_sort_asc array_sort_desc set_has_element "
    "set_union set_intersect set_difference bag_keys bag_merge array_index_of array_sum range zip gettype"
).split()


@pytest.fixture(scope="module", autouse=True)
def registry() -> None:
    load_all_available()


@pytest.mark.parametrize("name", EXPECTED)
def test_function_registered(name):
    assert name in SCALARS


def test_docstrings_have_examples():
    ours = {entry.name: entry for entry in SCALARS.values() if entry.implementation.__module__ in FAMILY_MODULES}
    missing = sorted(name for name, entry in ours.items() if "Example:" not in entry.doc)
    assert missing == []
