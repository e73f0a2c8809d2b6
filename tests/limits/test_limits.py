"""Result truncation and the memory budget of `kqlite.limits`, directly and through ``execute``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kqlite
from kqlite.errors import KqlRuntimeError, Span
from kqlite.limits import (
    DEFAULT_MAX_RECORDS,
    DEFAULT_MAX_SIZE,
    MEMORY_BUDGET_VARIABLE,
    QueryLimits,
    available_memory,
    default_memory_budget,
    describe_bytes,
    estimate_result_size,
    estimate_row_bytes,
    parse_size,
)
from kqlite.types import KqlType

BUDGET = 1 << 30


def long_frame(rows: int) -> tuple[pd.DataFrame, tuple[tuple[str, KqlType], ...]]:
    frame = pd.DataFrame({"x": pd.array(range(rows), dtype="Int64")})
    return frame, (("x", KqlType.LONG),)


# ---------------------------------------------------------------- options


def test_defaults_are_kusto_limits() -> None:
    limits = QueryLimits.from_options({}, memory_budget=BUDGET)

    assert limits.max_records == 500_000
    assert limits.max_size == 67_108_864
    assert limits.memory_budget == BUDGET


def test_notruncation_lifts_both_limits() -> None:
    limits = QueryLimits.from_options({"notruncation": True}, memory_budget=BUDGET)

    assert limits.max_records is None
    assert limits.max_size is None


def test_notruncation_false_keeps_limits() -> None:
    limits = QueryLimits.from_options({"notruncation": False}, memory_budget=BUDGET)

    assert limits.max_records == DEFAULT_MAX_RECORDS
    assert limits.max_size == DEFAULT_MAX_SIZE


def test_truncation_options_set_limits() -> None:
    limits = QueryLimits.from_options({"truncationmaxrecords": 10, "truncationmaxsize": 2048}, memory_budget=BUDGET)

    assert limits.max_records == 10
    assert limits.max_size == 2048


def test_explicit_limit_applies_with_notruncation() -> None:
    limits = QueryLimits.from_options({"notruncation": True, "truncationmaxrecords": 5}, memory_budget=BUDGET)

    assert limits.max_records == 5
    assert limits.max_size is None


@pytest.mark.parametrize("value", ["10", -1, 2.5, True, None])
def test_invalid_option_value_rejected(value: object) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        QueryLimits.from_options({"truncationmaxrecords": value}, memory_budget=BUDGET)

    assert raised.value.code == "KL403"
    assert "truncationmaxrecords" in raised.value.message
    assert raised.value.hint == "for example: set truncationmaxrecords=1000000;"


# ---------------------------------------------------------------- check_result


def test_result_at_record_limit_passes() -> None:
    frame, schema = long_frame(10)

    QueryLimits(max_records=10, max_size=None).check_result(frame, schema)


def test_result_over_record_limit_fails() -> None:
    frame, schema = long_frame(11)

    with pytest.raises(KqlRuntimeError) as raised:
        QueryLimits(max_records=10, max_size=None).check_result(frame, schema)

    assert raised.value.code == "KL400"
    assert "11 records" in raised.value.message
    assert "limit of 10" in raised.value.message
    assert "E_QUERY_RESULT_SET_TOO_LARGE" in raised.value.message
    assert raised.value.hint is not None and "set notruncation;" in raised.value.hint


def test_default_record_limit_counts_500001() -> None:
    frame, schema = long_frame(500_001)
    limits = QueryLimits.from_options({}, memory_budget=BUDGET)

    with pytest.raises(KqlRuntimeError) as raised:
        limits.check_result(frame, schema)

    assert raised.value.code == "KL400"
    assert "500,001 records" in raised.value.message
    QueryLimits.from_options({"notruncation": True}, memory_budget=BUDGET).check_result(frame, schema)


def test_result_over_size_limit_fails() -> None:
    frame, schema = long_frame(100)  # 100 longs: 800 bytes.

    QueryLimits(max_records=None, max_size=800).check_result(frame, schema)
    with pytest.raises(KqlRuntimeError) as raised:
        QueryLimits(max_records=None, max_size=799).check_result(frame, schema)

    assert raised.value.code == "KL401"
    assert "800 bytes" in raised.value.message
    assert "limit of 799 bytes" in raised.value.message
    assert raised.value.hint is not None and "truncationmaxsize" in raised.value.hint


def test_empty_result_passes() -> None:
    frame, schema = long_frame(0)

    QueryLimits(max_records=0, max_size=0).check_result(frame, schema)


# ---------------------------------------------------------------- size estimate


def test_size_of_fixed_width_types() -> None:
    frame = pd.DataFrame(
        {
            "b": pd.array([True, None], dtype="boolean"),
            "i": pd.array([1, None], dtype="Int32"),
            "t": pd.to_datetime(["2023-06-01", None]),
            "g": [None, None],
        }
    )
    schema = (("b", KqlType.BOOL), ("i", KqlType.INT), ("t", KqlType.DATETIME), ("g", KqlType.GUID))

    # Nulls take their type's width: 2 * (1 + 4 + 8 + 16).
    assert estimate_result_size(frame, schema) == 58


def test_size_of_strings_plain_and_category() -> None:
    plain = pd.DataFrame({"s": ["ab", "", "cde", "ab"]})
    category = pd.DataFrame({"s": pd.Categorical(["ab", "", "cde", "ab"])})
    schema = (("s", KqlType.STRING),)

    assert estimate_result_size(plain, schema) == 7
    assert estimate_result_size(category, schema) == 7


def test_size_of_dynamic_values() -> None:
    frame = pd.DataFrame({"d": pd.Series([[1, 2], {"a": 1}, None], dtype=object)})

    # JSON text: "[1, 2]" (6), '{"a": 1}' (8), "null" (4).
    assert estimate_result_size(frame, (("d", KqlType.DYNAMIC),)) == 18


def test_size_of_large_dynamic_column_is_sampled() -> None:
    frame = pd.DataFrame({"d": pd.Series([[1, 2]] * 50_000, dtype=object)})

    assert estimate_result_size(frame, (("d", KqlType.DYNAMIC),)) == 6 * 50_000


def test_row_bytes_of_schema() -> None:
    columns = (("a", KqlType.LONG), ("b", KqlType.BOOL), ("s", KqlType.STRING), ("d", KqlType.DYNAMIC))

    assert estimate_row_bytes(columns) == 8 + 1 + 32 + 64
    assert estimate_row_bytes(()) == 0


# ---------------------------------------------------------------- check_rows


def test_check_rows_within_budget_passes() -> None:
    QueryLimits(memory_budget=1000).check_rows("join", 100, 10)


def test_check_rows_over_budget_fails() -> None:
    span = Span(4, 8)

    with pytest.raises(KqlRuntimeError) as raised:
        QueryLimits(memory_budget=1000).check_rows("mv-expand", 101, 10, span)

    error = raised.value
    assert error.code == "KL402"
    assert error.span == span
    assert error.message == "mv-expand would build about 101 rows (1010 bytes), more than the memory budget of 1000 bytes"
    assert error.hint is not None and "maxmemoryconsumptionperiterator" in error.hint


def test_check_rows_negative_estimate_passes() -> None:
    QueryLimits(memory_budget=0).check_rows("join", -5, 10)


# ---------------------------------------------------------------- memory budget


def test_budget_option_overrides_argument() -> None:
    limits = QueryLimits.from_options({"maxmemoryconsumptionperiterator": 4096}, memory_budget=BUDGET)

    assert limits.memory_budget == 4096


def test_budget_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_BUDGET_VARIABLE, "512M")

    assert default_memory_budget() == 512 * 1024**2
    assert QueryLimits.from_options({}).memory_budget == 512 * 1024**2


def test_budget_environment_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_BUDGET_VARIABLE, "lots")

    with pytest.raises(KqlRuntimeError) as raised:
        default_memory_budget()

    assert raised.value.code == "KL403"
    assert "'lots'" in raised.value.message


def test_budget_is_half_available_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_BUDGET_VARIABLE, raising=False)
    monkeypatch.setattr("kqlite.limits.available_memory", lambda: 8 * 1024**3)

    assert default_memory_budget() == 4 * 1024**3


def test_budget_fallback_without_memory_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_BUDGET_VARIABLE, raising=False)
    monkeypatch.setattr("kqlite.limits.available_memory", lambda: None)

    assert default_memory_budget() == 4 * 1024**3


def test_available_memory_reads_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       32000000 kB\nMemAvailable:   21504000 kB\n", encoding="ascii")

    assert available_memory(meminfo) == 21_504_000 * 1024


def test_available_memory_without_meminfo(tmp_path: Path) -> None:
    found = available_memory(tmp_path / "missing")

    assert found is None or found > 0


@pytest.mark.parametrize(
    ("text", "size"),
    [("1048576", 1 << 20), ("8G", 8 << 30), ("8g", 8 << 30), ("512MB", 512 << 20), ("2KiB", 2048), ("0", 0)],
)
def test_parse_size_units(text: str, size: int) -> None:
    assert parse_size(text, "size") == size


@pytest.mark.parametrize(("size", "text"), [(512, "512 bytes"), (1536, "1.5 KB"), (3 * 1024**3, "3.0 GB")])
def test_describe_bytes(size: int, text: str) -> None:
    assert describe_bytes(size) == text


# ---------------------------------------------------------------- through execute


def test_execute_notruncation_returns_all_rows(db: kqlite.Database) -> None:
    result = db.execute("set notruncation;\nrange x from 1 to 500001 step 1")

    assert len(result.frame) == 500_001


def test_execute_raised_record_limit_returns_all_rows(db: kqlite.Database) -> None:
    result = db.execute("set truncationmaxrecords=600000;\nrange x from 1 to 500001 step 1")

    assert len(result.frame) == 500_001


def test_execute_default_record_limit(db: kqlite.Database) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute("range x from 1 to 500001 step 1")

    assert raised.value.code == "KL400"


def test_execute_truncationmaxrecords(db: kqlite.Database) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute("set truncationmaxrecords=10;\nrange x from 1 to 11 step 1")

    assert raised.value.code == "KL400"
    assert "limit of 10" in raised.value.message


def test_execute_truncationmaxsize(db: kqlite.Database) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute("set truncationmaxsize=100;\nrange x from 1 to 20 step 1")

    assert raised.value.code == "KL401"


def test_execute_mv_expand_memory_budget(db: kqlite.Database) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute("set maxmemoryconsumptionperiterator=1000;\nprint a = range(1, 10000) | mv-expand a")

    assert raised.value.code == "KL402"
    assert "mv-expand" in raised.value.message


def test_execute_join_memory_budget(db: kqlite.Database) -> None:
    query = (
        "set maxmemoryconsumptionperiterator=1000;\n"
        "range x from 1 to 100 step 1 | extend k = 1\n"
        "| join kind=inner (range y from 1 to 100 step 1 | extend k = 1) on k"
    )
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute(query)

    assert raised.value.code == "KL402"
    assert "join" in raised.value.message


def test_execute_small_result_unaffected(db: kqlite.Database) -> None:
    result = db.execute("set truncationmaxrecords=10;\nrange x from 1 to 10 step 1")

    assert len(result.frame) == 10
