"""has_ipv4, has_ipv4_prefix, has_any_ipv4 and has_any_ipv4_prefix, checked against Kusto's documented examples."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError

LOG_LINE = "05:04:54 127.0.0.1 GET /favicon.ico 404"


def result(db: Any, query: str) -> bool:
    frame = db.query(query)
    assert frame.shape == (1, 1)
    assert str(frame.dtypes.iloc[0]) == "boolean"
    return bool(frame.iloc[0, 0])


@pytest.mark.parametrize(
    ("source", "address", "expected"),
    [
        (LOG_LINE, "127.0.0.1", True),
        ("05:04:54 127.0.0.256 GET /favicon.ico 404", "127.0.0.256", False),
        ("05:04:54127.0.0.1 GET /favicon.ico 404", "127.0.0.1", False),
        ("These requests came from: 192.168.1.1, 10.1.1.115 and 10.1.1.201", "10.1.1.115", True),
        ("10.1.1.1150", "10.1.1.115", False),
        ("x10.1.1.115", "10.1.1.115", False),
        ("10.1.1.115", "10.1.1.115", True),
        ("", "10.1.1.115", False),
        (LOG_LINE, "127.0.0", False),
    ],
)
def test_has_ipv4(db, source, address, expected):
    assert result(db, f"print r = has_ipv4('{source}', '{address}')") is expected


@pytest.mark.parametrize(
    ("source", "prefix", "expected"),
    [
        (LOG_LINE, "127.0.", True),
        (LOG_LINE, "127.0", False),
        ("05:04:54 127.0.0.256 GET /favicon.ico 404", "127.0.", False),
        ("05:04:54127.0.0.1 GET /favicon.ico 404", "127.0.", False),
        (LOG_LINE, "127.0.0.1", True),
        (LOG_LINE, "127.", True),
        (LOG_LINE, "27.0.", False),
        (LOG_LINE, "", False),
    ],
)
def test_has_ipv4_prefix(db, source, prefix, expected):
    assert result(db, f"print r = has_ipv4_prefix('{source}', '{prefix}')") is expected


def test_has_any_ipv4_prefix_documented_examples(db):
    assert result(db, f"print r = has_any_ipv4_prefix('{LOG_LINE}', '127.0.', '192.168.')") is True
    assert result(db, f"print r = has_any_ipv4_prefix('{LOG_LINE}', dynamic(['127.0.', '192.168.']))") is True
    assert result(db, f"print r = has_any_ipv4_prefix('{LOG_LINE}', '127.0')") is False
    assert result(db, "print r = has_any_ipv4_prefix('05:04:54127.0.0.1 GET /favicon.ico 404', '127.0.', '192.')") is False


def test_has_any_ipv4(db):
    assert result(db, f"print r = has_any_ipv4('{LOG_LINE}', '127.0.0.1', '127.0.0.2')") is True
    assert result(db, f"print r = has_any_ipv4('{LOG_LINE}', dynamic(['127.0.0.2', '127.0.0.1']))") is True
    assert result(db, f"print r = has_any_ipv4('{LOG_LINE}', dynamic([]))") is False
    assert result(db, f"print r = has_any_ipv4('{LOG_LINE}', 'bad', '127.0.0.256')") is False


def test_has_ipv4_over_columns(db):
    frame = db.query(
        "datatable(line:string, ip:string)['a 1.2.3.4 b', '1.2.3.4', 'a 1.2.3.4 b', '5.6.7.8', 'c 5.6.7.8', '5.6.7.8']"
        " | extend found = has_ipv4(line, ip), any = has_any_ipv4(line, ip, '9.9.9.9')"
    )
    assert frame["found"].tolist() == [True, False, True]
    assert frame["any"].tolist() == [True, False, True]


def test_has_ipv4_category_column(db):
    db.register("Lines", pd.DataFrame({"line": pd.Series(["ip 10.0.0.1", "ip 10.0.0.12", "ip 10.0.0.1"], dtype="category")}))
    frame = db.query("Lines | where has_ipv4(line, '10.0.0.1') | count")
    assert frame.iloc[0, 0] == 2


@pytest.mark.parametrize("query", ["print has_ipv4(1, '1.2.3.4')", "print has_ipv4_prefix('a', 1.5)"])
def test_wrong_typed_argument_rejected(db, query):
    with pytest.raises(KqlSemanticError) as error:
        db.execute(query)
    assert error.value.code == "KS141"


def test_ipv4_text_functions_on_empty_table(db):
    frame = db.query("datatable(s:string, d:dynamic)[] | extend h = has_ipv4(s, s), p = has_any_ipv4_prefix(s, d), a = has_any_ipv4(s, '1.2.3.4')")
    assert len(frame) == 0


def test_null_literal_of_another_type_is_rejected(db):
    # Kusto.Language keeps a typed null's type: a long null does not fit the string source.
    with pytest.raises(KqlSemanticError):
        db.execute("print has_ipv4(long(null), '1.2.3.4')")
