"""strcat_array, translate and string_size, checked against Kusto's documented examples and by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError


def one_row(db: Any, query: str) -> dict[str, Any]:
    frame = db.query(query)
    assert len(frame) == 1
    return dict(frame.iloc[0].items())


def test_strcat_array_documented_examples(db):
    assert one_row(db, 'print str = strcat_array(dynamic([1, 2, 3]), "->")') == {"str": "1->2->3"}
    assert one_row(db, "print str = strcat_array(dynamic([1, 2, 3]), '\"')") == {"str": '1"2"3'}


def test_strcat_array_element_kinds(db):
    row = one_row(db, "print s = strcat_array(dynamic(['a', null, 1.5, true, {'k': 1}, [2]]), '|')")
    assert row == {"s": 'a||1.5|true|{"k":1}|[2]'}


def test_strcat_array_empty_and_not_an_array(db):
    row = one_row(db, "print e = strcat_array(dynamic([]), ','), n = strcat_array(dynamic(null), ',')")
    assert row == {"e": "", "n": ""}
    # Kusto.Language wants an array there: a dynamic scalar literal is rejected.
    with pytest.raises(KqlSemanticError):
        db.execute("print strcat_array(dynamic(7), ',')")


def test_strcat_array_over_a_column(db):
    frame = db.query("datatable(a:dynamic, d:string)[dynamic([1, 2]), '-', dynamic(['x']), '+', dynamic([3, 4]), '+'] | extend s = strcat_array(a, d)")
    assert frame["s"].tolist() == ["1-2", "x", "3+4"]


@pytest.mark.parametrize(
    ("search", "replacement", "source", "expected"),
    [
        ("abc", "x", "abc", "xxx"),
        ("abc", "", "ab", ""),
        ("krasp", "otsku", "spark", "kusto"),
        ("ab", "xyz", "abc", "xyc"),
        ("aa", "xy", "a", "x"),
        ("", "x", "abc", "abc"),
        ("abc", "x", "", ""),
    ],
)
def test_translate_documented_and_edge_cases(db, search, replacement, source, expected):
    row = one_row(db, f"print t = translate('{search}', '{replacement}', '{source}')")
    assert row == {"t": expected}


def test_translate_over_columns(db):
    frame = db.query("datatable(s:string, r:string, t:string)['a', 'b', 'aaa', 'xy', '', 'xyz'] | extend u = translate(s, r, t)")
    assert frame["u"].tolist() == ["bbb", "z"]


def test_translate_category_column(db):
    db.register("Words", pd.DataFrame({"w": pd.Series(["spark", "park", "spark"], dtype="category")}))
    frame = db.query("Words | extend t = translate('krasp', 'otsku', w)")
    assert frame["t"].tolist() == ["kusto", "usto", "kusto"]


def test_string_size_documented_examples(db):
    assert one_row(db, 'print size = string_size("hello")') == {"size": 5}
    assert one_row(db, 'print size = string_size("⒦⒰⒮⒯⒪")') == {"size": 15}


def test_string_size_empty_and_column(db):
    frame = db.query("datatable(s:string)['', 'é', 'ab'] | extend n = string_size(s)")
    assert frame["n"].tolist() == [0, 2, 2]
    assert str(frame["n"].dtype) == "Int64"


@pytest.mark.parametrize(
    "query",
    ["print string_size(1)", "print strcat_array('a', ',')", "print translate(1, 'a', 'b')"],
)
def test_wrong_typed_argument_rejected(db, query):
    with pytest.raises(KqlSemanticError) as error:
        db.execute(query)
    assert error.value.code == "KS141"


def test_text_functions_on_empty_table(db):
    frame = db.query("datatable(s:string, d:dynamic)[] | extend t = translate('a', 'b', s), z = string_size(s), j = strcat_array(d, s)")
    assert len(frame) == 0


@pytest.mark.parametrize("query", ["print string_size(long(null))", "print translate('a', 'b', long(null))"])
def test_null_literal_of_another_type_is_rejected(db, query):
    # Kusto.Language keeps a typed null's type: a long null does not fit a string parameter.
    with pytest.raises(KqlSemanticError):
        db.execute(query)


def test_strcat_array_takes_a_null_delimiter_of_any_type(db):
    # Kusto.Language accepts any type for the delimiter; a null one joins with nothing.
    assert one_row(db, "print j = strcat_array(dynamic([1, 2]), long(null))") == {"j": "12"}
