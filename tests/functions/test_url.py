"""parse_url and parse_path, checked against Kusto's documented examples and by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from kqlite.errors import KqlSemanticError

EMPTY_URL = {
    "Scheme": "",
    "Host": "",
    "Port": "",
    "Path": "",
    "Username": "",
    "Password": "",
    "Query Parameters": {},
    "Fragment": "",
}


def value(db: Any, query: str) -> Any:
    frame = db.query(query)
    assert frame.shape == (1, 1)
    return frame.iloc[0, 0]


def test_parse_url_documented_example(db):
    result = value(db, 'print Result = parse_url("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment")')
    assert result == {
        "Scheme": "scheme",
        "Host": "host",
        "Port": "1234",
        # The documented output prints "this/is/a/path"; the service keeps the leading slash.
        "Path": "/this/is/a/path",
        "Username": "username",
        "Password": "password",
        "Query Parameters": {"k1": "v1", "k2": "v2"},
        "Fragment": "fragment",
    }


def test_parse_url_parts_are_reachable(db):
    frame = db.query("print u = parse_url('https://bing.com/search?q=kusto') | project h = tostring(u.Host), q = tostring(u['Query Parameters'].q)")
    assert frame.iloc[0].tolist() == ["bing.com", "kusto"]


def test_parse_url_without_port_user_or_query(db):
    result = value(db, "print parse_url('http://example.com')")
    assert result == {**EMPTY_URL, "Scheme": "http", "Host": "example.com"}


def test_parse_url_decodes_query_values(db):
    result = value(db, "print parse_url('https://h/p?a=1%202&b=&a=3')")
    assert result["Query Parameters"] == {"a": "3", "b": ""}


@pytest.mark.parametrize("text", ["", "bing.com", "not a url"])
def test_parse_url_relative_text_empty_parts(db, text):
    assert value(db, f"print parse_url('{text}')") == EMPTY_URL


def test_parse_url_over_a_column_parses_each_row(db):
    frame = db.query("datatable(u:string)['https://a.com/x', 'https://b.com/y', 'https://a.com/x'] | extend h = tostring(parse_url(u).Host)")
    assert frame["h"].tolist() == ["a.com", "b.com", "a.com"]


def test_parse_url_rows_do_not_share_a_bag(db):
    frame = db.query("datatable(u:string)['https://a.com', 'https://a.com'] | extend p = parse_url(u)")
    assert frame["p"][0] is not frame["p"][1]


PATH_EXAMPLES = [
    (r"C:\temp\file.txt", {"Scheme": "", "RootPath": "C:", "DirectoryPath": r"C:\temp", "DirectoryName": "temp", "Filename": "file.txt", "Extension": "txt", "AlternateDataStreamName": ""}),
    (r"temp\file.txt", {"Scheme": "", "RootPath": "", "DirectoryPath": "temp", "DirectoryName": "temp", "Filename": "file.txt", "Extension": "txt", "AlternateDataStreamName": ""}),
    ("file://C:/temp/file.txt:some.exe", {"Scheme": "file", "RootPath": "C:", "DirectoryPath": "C:/temp", "DirectoryName": "temp", "Filename": "file.txt", "Extension": "txt", "AlternateDataStreamName": "some.exe"}),
    (r"\\shared\users\temp\file.txt.gz", {"Scheme": "", "RootPath": "", "DirectoryPath": r"\\shared\users\temp", "DirectoryName": "temp", "Filename": "file.txt.gz", "Extension": "gz", "AlternateDataStreamName": ""}),
    ("/usr/lib/temp/file.txt", {"Scheme": "", "RootPath": "", "DirectoryPath": "/usr/lib/temp", "DirectoryName": "temp", "Filename": "file.txt", "Extension": "txt", "AlternateDataStreamName": ""}),
]


def test_parse_path_documented_examples(db):
    db.register("Paths", pd.DataFrame({"p": [path for path, _ in PATH_EXAMPLES]}))
    frame = db.query("Paths | extend path_parts = parse_path(p)")
    for row, (_, expected) in zip(frame["path_parts"], PATH_EXAMPLES, strict=True):
        assert row == expected


def test_parse_path_file_name_only_and_empty(db):
    assert value(db, "print parse_path('file.txt')")["Filename"] == "file.txt"
    assert value(db, "print parse_path('file.txt')")["DirectoryPath"] == ""
    empty = value(db, "print parse_path('')")
    assert set(empty.values()) == {""}


def test_parse_path_long_path_prefix(db):
    result = value(db, r"print parse_path(@'\\?\C:\dir\a.b.c')")
    assert (result["RootPath"], result["DirectoryPath"], result["Filename"], result["Extension"]) == ("C:", r"C:\dir", "a.b.c", "c")


@pytest.mark.parametrize("query", ["print parse_url(1)", "print parse_path(now())"])
def test_non_string_argument_rejected(db, query):
    with pytest.raises(KqlSemanticError) as error:
        db.execute(query)
    assert error.value.code == "KS141"


def test_url_functions_on_empty_table(db):
    frame = db.query("datatable(s:string)[] | extend u = parse_url(s), p = parse_path(s)")
    assert len(frame) == 0


@pytest.mark.parametrize("query", ["print parse_url(long(null))", "print parse_path(real(null))"])
def test_null_literal_of_another_type_is_rejected(db, query):
    # Kusto.Language keeps a typed null's type: a number null does not fit the string parameter.
    with pytest.raises(KqlSemanticError):
        db.execute(query)
