"""`pack_all` and `column_ifexists`, bound over the columns in scope."""

from __future__ import annotations

from typing import Any

import pytest

import kqlite

# The table of the pack_all documentation example.
NUMBERS = (
    "datatable(SourceNumber:string, TargetNumber:string, CharsCount:long)"
    "['555-555-1234', '555-555-1212', 46, '555-555-1234', '555-555-1213', 50,"
    " '555-555-1313', '', 42, '', '555-555-3456', 74]"
)


@pytest.fixture(scope="module")
def db() -> Any:
    return kqlite.connect()


def column_types(db: Any, query: str) -> list[tuple[str, str]]:
    return [(name, str(kql_type)) for name, kql_type in db.execute(query).columns]


def rejection(db: Any, query: str) -> str:
    with pytest.raises(kqlite.KqlSemanticError) as raised:
        db.schema_of(query)
    return str(raised.value)


# ------------------------------------------------------------------ pack_all


def test_pack_all_documented_example(db: Any) -> None:
    rows = db.execute(f"{NUMBERS} | project Packed = pack_all()").rows()

    assert rows[0] == ({"SourceNumber": "555-555-1234", "TargetNumber": "555-555-1212", "CharsCount": 46},)
    assert rows[2] == ({"SourceNumber": "555-555-1313", "TargetNumber": "", "CharsCount": 42},)
    assert rows[3] == ({"SourceNumber": "", "TargetNumber": "555-555-3456", "CharsCount": 74},)


def test_pack_all_ignore_null_empty(db: Any) -> None:
    rows = db.execute(f"{NUMBERS} | project Packed = pack_all(true)").rows()

    assert rows[0] == ({"SourceNumber": "555-555-1234", "TargetNumber": "555-555-1212", "CharsCount": 46},)
    assert rows[2] == ({"SourceNumber": "555-555-1313", "CharsCount": 42},)
    assert rows[3] == ({"TargetNumber": "555-555-3456", "CharsCount": 74},)


def test_pack_all_drops_nulls(db: Any) -> None:
    row = db.execute("print x = 1, y = long(null), z = '' | project p = pack_all(true), q = pack_all(false)").rows()[0]

    assert row[0] == {"x": 1}
    assert row[1] == {"x": 1, "y": None, "z": ""}


def test_pack_all_type_and_name(db: Any) -> None:
    assert column_types(db, "print a = 1 | project pack_all(), b = 2") == [("Column1", "dynamic"), ("b", "long")]


def test_pack_all_empty_input(db: Any) -> None:
    result = db.execute(f"{NUMBERS} | where CharsCount > 100 | extend p = pack_all()")

    assert result.rows() == []
    assert column_types(db, f"{NUMBERS} | take 0 | extend p = pack_all()")[-1] == ("p", "dynamic")


def test_pack_all_in_aggregate(db: Any) -> None:
    row = db.execute("print a = 1, b = 'x' | summarize make_list(pack_all())").rows()[0]

    assert row == ([{"a": 1, "b": "x"}],)


def test_pack_all_flag_must_be_literal(db: Any) -> None:
    assert "literal" in rejection(db, f"{NUMBERS} | extend p = pack_all(CharsCount > 0)")
    assert "at most 1 argument" in rejection(db, f"{NUMBERS} | extend p = pack_all(true, false)")


# ------------------------------------------------------------------ column_ifexists


def test_column_ifexists_missing_gives_default(db: Any) -> None:
    result = db.execute(f"{NUMBERS} | project a = column_ifexists('Capital', SourceNumber), b = column_ifexists('Nope', 7)")

    assert column_types(db, f"{NUMBERS} | project a = column_ifexists('Capital', SourceNumber), b = column_ifexists('Nope', 7)") == [("a", "string"), ("b", "long")]
    assert result.rows()[0] == ("555-555-1234", 7)


def test_column_ifexists_present_gives_column(db: Any) -> None:
    result = db.execute(f"{NUMBERS} | project c = column_ifexists('CharsCount', 0), d = columnifexists('TargetNumber', '')")

    assert [row[0] for row in result.rows()] == [46, 50, 42, 74]
    assert result.rows()[0][1] == "555-555-1212"


def test_column_ifexists_takes_default_type(db: Any) -> None:
    query = f"{NUMBERS} | project c = column_ifexists('CharsCount', 'none')"

    assert column_types(db, query) == [("c", "string")]
    assert db.execute(query).rows()[0] == ("46",)


def test_column_ifexists_name_is_case_sensitive(db: Any) -> None:
    assert db.execute(f"{NUMBERS} | project c = column_ifexists('charscount', -1)").rows()[0] == (-1,)


def test_column_ifexists_constant_name(db: Any) -> None:
    assert db.execute(f"{NUMBERS} | project c = column_ifexists(strcat('Chars', 'Count'), 0)").rows()[0] == (46,)


def test_column_ifexists_in_where_and_by(db: Any) -> None:
    result = db.execute(f"{NUMBERS} | where column_ifexists('Missing', true) | summarize n = count() by s = column_ifexists('SourceNumber', '')")

    assert sorted(result.rows()) == [("", 1), ("555-555-1234", 2), ("555-555-1313", 1)]


def test_column_ifexists_invalid_calls(db: Any) -> None:
    assert "constant" in rejection(db, f"{NUMBERS} | project column_ifexists(SourceNumber, 1)")
    assert "string" in rejection(db, f"{NUMBERS} | project column_ifexists(1, 1)")
    assert "2 arguments" in rejection(db, f"{NUMBERS} | project column_ifexists('CharsCount')")
