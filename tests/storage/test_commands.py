"""Control commands: each command's effect and its documented result table."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kqlite.errors import KqlError, KqlRuntimeError, KqlSemanticError, KqlSyntaxError, Span
from kqlite.storage.catalog import Catalog
from kqlite.storage.commands import execute_command, is_command
from kqlite.table import Table
from kqlite.types import DYNAMIC, INT, LONG, STRING

from .conftest import StubQueries, long_result, write_gzip

Run = Callable[[str], Table]


def rows(table: Table) -> list[list[object]]:
    return table.frame.astype(object).where(table.frame.notna(), None).values.tolist()


def column_names(table: Table) -> list[str]:
    return [name for name, _ in table.columns]


def test_create_table_returns_schema(run: Run, catalog: Catalog) -> None:
    result = run('.create table MyLogs (Level:string, ProcessId:int32) with (docstring="logs", folder="Ops")')
    assert column_names(result) == ["TableName", "Schema", "DatabaseName", "Folder", "DocString"]
    name, schema, database, folder, docstring = rows(result)[0]
    assert (name, database, folder, docstring) == ("MyLogs", "kqlite", "Ops", "logs")
    assert json.loads(schema)["OrderedColumns"] == [
        {"Name": "Level", "Type": "System.String", "CslType": "string"},
        {"Name": "ProcessId", "Type": "System.Int32", "CslType": "int"},
    ]
    table = catalog.get("MyLogs")
    assert table.columns == (("Level", STRING), ("ProcessId", INT))
    assert len(table.frame) == 0


def test_create_existing_table_changes_nothing(run: Run, catalog: Catalog) -> None:
    run(".create table T7 (a:string)")
    result = run(".create table T7 (x:long, y:long)")
    assert catalog.schema("T7") == (("a", STRING),)
    assert json.loads(rows(result)[0][1])["OrderedColumns"][0]["Name"] == "a"


def test_create_merge_adds_columns_at_end(run: Run, catalog: Catalog) -> None:
    run(".create table T5 (a:string)")
    run(".ingest inline into table T5 <|\nx")
    run(".create-merge table T5 (b:long, a:string)")
    table = catalog.get("T5")
    assert table.columns == (("a", STRING), ("b", LONG))
    assert table.frame["a"].tolist() == ["x"]
    assert table.frame["b"].isna().all()


def test_create_merge_creates_missing_table(run: Run, catalog: Catalog) -> None:
    run(".create-merge table IpInfo (IpCidr:string, Info:string)")
    assert catalog.schema("IpInfo") == (("IpCidr", STRING), ("Info", STRING))


def test_create_merge_type_conflict_fails(run: Run, catalog: Catalog) -> None:
    run(".create table T6 (a:string)")
    with pytest.raises(KqlRuntimeError) as raised:
        run(".create-merge table T6 (a:long)")
    assert raised.value.code == "KL105"
    assert catalog.schema("T6") == (("a", STRING),)


def test_alter_merge_needs_existing_table(run: Run, catalog: Catalog) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        run(".alter-merge table Nope (a:long)")
    assert raised.value.code == "KL103"
    run(".create table T (a:long)")
    run(".alter-merge table T (b:dynamic)")
    assert catalog.schema("T") == (("a", LONG), ("b", DYNAMIC))


def test_drop_table_returns_remaining(run: Run, catalog: Catalog) -> None:
    for name in ("A", "B", "C"):
        run(f".create table {name} (x:long)")
    result = run(".drop table B")
    assert column_names(result) == ["TableName", "DatabaseName"]
    assert rows(result) == [["A", "kqlite"], ["C", "kqlite"]]
    assert rows(run(".drop tables (A, Missing) ifexists")) == [["C", "kqlite"]]


def test_drop_missing_table_fails_and_drops_nothing(run: Run, catalog: Catalog) -> None:
    run(".create table A (x:long)")
    with pytest.raises(KqlRuntimeError) as raised:
        run(".drop tables (A, NoSuchTable)")
    assert raised.value.code == "KL103"
    assert "A" in catalog
    assert rows(run(".drop table NoSuchTable ifexists")) == [["A", "kqlite"]]


def test_clear_table_data_keeps_schema(run: Run, catalog: Catalog) -> None:
    run.queries.results["datatable(a:long)[1, 2]"] = long_result(1, 2)  # type: ignore[attr-defined]
    run(".set T8 <| datatable(a:long)[1, 2]")
    result = run(".clear table T8 data")
    assert column_names(result) == ["Status"]
    assert rows(result) == [["Success"]]
    assert catalog.row_count("T8") == 0
    assert catalog.schema("T8") == (("a", LONG),)
    with pytest.raises(KqlRuntimeError):
        run(".clear table Missing data")


def test_set_or_replace_creates_then_replaces(run: Run, catalog: Catalog) -> None:
    queries = run.queries  # type: ignore[attr-defined]
    queries.results["first"] = long_result(1, 2, 3)
    queries.results["second"] = long_result(5, 6)
    result = run(".set-or-replace T2 <| first")
    assert column_names(result) == ["ExtentId", "OriginalSize", "ExtentSize", "ColumnSize", "IndexSize", "RowCount"]
    assert rows(result)[0][5] == 3
    assert isinstance(rows(result)[0][0], uuid.UUID)
    run(".set-or-replace T2 <| second")
    assert catalog.get("T2").frame["a"].tolist() == [5, 6]


def test_append_and_set_or_append(run: Run, catalog: Catalog) -> None:
    queries = run.queries  # type: ignore[attr-defined]
    queries.results["q"] = long_result(1, 2)
    run(".set T3 <| q")
    run(".append T3 <| q")
    run(".set-or-append T3 <| q")
    assert catalog.row_count("T3") == 6


def test_set_existing_table_fails(run: Run) -> None:
    run.queries.results["q"] = long_result(1)  # type: ignore[attr-defined]
    run(".set T4 <| q")
    with pytest.raises(KqlRuntimeError) as raised:
        run(".set T4 <| q")
    assert raised.value.code == "KL104"


def test_append_missing_table_fails(run: Run) -> None:
    run.queries.results["q"] = long_result(1)  # type: ignore[attr-defined]
    with pytest.raises(KqlRuntimeError) as raised:
        run(".append NoSuchTable <| q")
    assert raised.value.code == "KL103"


def test_append_maps_columns_by_position(run: Run, catalog: Catalog) -> None:
    run(".create table T (x:long)")
    run.queries.results["q"] = long_result(7, name="other")  # type: ignore[attr-defined]
    run(".append T <| q")
    assert catalog.get("T").frame["x"].tolist() == [7]


def test_append_type_mismatch_fails(run: Run, catalog: Catalog) -> None:
    run(".create table T (x:string)")
    run.queries.results["q"] = long_result(7)  # type: ignore[attr-defined]
    with pytest.raises(KqlRuntimeError) as raised:
        run(".append T <| q")
    assert raised.value.code == "KL116"
    assert catalog.row_count("T") == 0


def test_extend_schema_adds_trailing_columns(run: Run, catalog: Catalog) -> None:
    run.queries.results["one"] = long_result(1)  # type: ignore[attr-defined]
    frame = pd.DataFrame({"a": pd.array([2], dtype="Int64"), "b": pd.Series(["x"], dtype="str")})
    run.queries.results["two"] = ((("a", LONG), ("b", STRING)), frame)  # type: ignore[attr-defined]
    run(".set T <| one")
    with pytest.raises(KqlRuntimeError):
        run(".append T <| two")
    run(".append T with (extend_schema=true) <| two")
    table = catalog.get("T")
    assert table.columns == (("a", LONG), ("b", STRING))
    assert table.frame["b"].tolist() == ["", "x"]


def test_recreate_schema(run: Run, catalog: Catalog) -> None:
    run(".create table T (x:string)")
    run.queries.results["q"] = long_result(1)  # type: ignore[attr-defined]
    run(".set-or-replace T with (recreate_schema=true) <| q")
    assert catalog.schema("T") == (("a", LONG),)


def test_dollar_in_new_column_name_rejected(run: Run) -> None:
    run.queries.results["q"] = long_result(1, name="a$b")  # type: ignore[attr-defined]
    with pytest.raises(KqlRuntimeError) as raised:
        run(".set T <| q")
    assert raised.value.code == "KL115"


def test_async_returns_operation_id(run: Run, catalog: Catalog) -> None:
    run.queries.results["q"] = long_result(1)  # type: ignore[attr-defined]
    result = run(".set-or-append async T <| q")
    assert column_names(result) == ["OperationId"]
    assert catalog.row_count("T") == 1


def test_failing_query_leaves_table_unchanged(catalog: Catalog) -> None:
    execute_command(".set T <| q", catalog, StubQueries({"q": long_result(1, 2)}))

    def failing(query: str) -> tuple[object, object]:
        start = query.index("Nope")
        raise KqlSemanticError("KS142", "unknown name 'Nope'", Span(start, start + 4))

    text = ".set-or-replace T <|\nNope | take 1"
    with pytest.raises(KqlSemanticError) as raised:
        execute_command(text, catalog, failing)  # type: ignore[arg-type]
    assert catalog.get("T").frame["a"].tolist() == [1, 2]
    error = raised.value
    assert error.source == text
    assert text[error.span.start : error.span.end] == "Nope"
    assert (error.line, error.column) == (2, 1)


def test_ingest_inline_bracket_form(run: Run, catalog: Catalog) -> None:
    run(".create table T(a:string, b:int)")
    result = run(".ingest inline into table T\n[,]\n[ , ]\n[a,1]")
    assert column_names(result) == ["ExtentId"]
    frame = catalog.get("T").frame
    assert frame["a"].tolist() == ["", " ", "a"]
    assert frame["b"].tolist() == [pd.NA, pd.NA, 1]


def test_ingest_inline_pipe_form(run: Run, catalog: Catalog) -> None:
    run(".create table Purchases (SKU:string, Quantity:long)")
    run('.ingest inline into table Purchases <|\nShoes,1000\nWide Shoes,50\n"Coats black",20\n"Coats with ""quotes""",5')
    frame = catalog.get("Purchases").frame
    assert frame["SKU"].tolist() == ["Shoes", "Wide Shoes", "Coats black", 'Coats with "quotes"']
    assert frame["Quantity"].tolist() == [1000, 50, 20, 5]


def test_ingest_inline_nothing_returns_zero_guid(run: Run) -> None:
    run(".create table T (a:string)")
    assert rows(run(".ingest inline into table T <|\n")) == [[uuid.UUID(int=0)]]


def test_ingest_inline_with_format(run: Run, catalog: Catalog) -> None:
    run(".create table T (a:string, n:long)")
    run('.ingest inline into table T with (format="psv") <|\nx|1')
    assert catalog.get("T").frame["n"].tolist() == [1]


def test_ingest_inline_bad_row_changes_nothing(run: Run, catalog: Catalog) -> None:
    run(".create table T (a:string, n:long)")
    run(".ingest inline into table T <|\nx,1")
    with pytest.raises(KqlRuntimeError) as raised:
        run(".ingest inline into table T <|\ny,2\nz,3,4")
    assert raised.value.code == "KL112"
    assert catalog.get("T").frame["a"].tolist() == ["x"]


def test_ingest_into_from_files(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    first = write_gzip(tmp_path / "a.csv.gz", "x,1\ny,2\n")
    second = write_gzip(tmp_path / "b.csv.gz", "z,bad\n")
    run(".create table T (a:string, n:long)")
    result = run(f".ingest into table T (@'{first}', '{second}')")
    assert column_names(result) == ["ExtentId", "ItemLoaded", "Duration", "HasErrors", "OperationId"]
    assert [row[1] for row in rows(result)] == [str(first), str(second)]
    assert result.extra == {"InvalidValues": "1"}
    assert catalog.get("T").frame["a"].tolist() == ["x", "y", "z"]
    async_result = run(f".ingest async into table T (@'{first}') with (ignoreFirstRecord=true)")
    assert column_names(async_result) == ["OperationId"]
    assert catalog.row_count("T") == 4


def test_ingest_async_appends_in_order(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    run(".create table T (a:string, n:long)")
    for index in range(3):
        source = write_gzip(tmp_path / f"part{index}.csv.gz", f"p{index},{index}\n")
        kind = "async " if index < 2 else ""
        run(f".ingest {kind}into table T (@'{source}')")
    assert catalog.get("T").frame["a"].tolist() == ["p0", "p1", "p2"]


def test_ingest_async_missing_local_file_fails_at_once(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    run(".create table T (a:string, n:long)")
    with pytest.raises(KqlRuntimeError) as raised:
        run(f".ingest async into table T (@'{tmp_path / 'missing.csv'}')")
    assert raised.value.code == "KL110"


def test_ingest_async_bad_data_is_logged(run: Run, catalog: Catalog, tmp_path: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    run(".create table T (a:string, n:long)")
    source = write_gzip(tmp_path / "ragged.csv.gz", "x,1\ny,2,3\n")
    run(f".ingest async into table T (@'{source}')")
    assert catalog.row_count("T") == 0
    assert "queued ingestion into 'T' failed" in caplog.text


def test_close_finishes_queued_ingestion(tmp_path: Path) -> None:
    source = write_gzip(tmp_path / "rows.csv.gz", "x,1\ny,2\n")
    with Catalog(tmp_path / "db") as catalog:
        execute_command(".create table T (a:string, n:long)", catalog, StubQueries())
        execute_command(f".ingest async into table T (@'{source}')", catalog, StubQueries())
    with Catalog(tmp_path / "db") as reopened:
        assert reopened.row_count("T") == 2


def test_ingest_into_failure_changes_nothing(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    good = write_gzip(tmp_path / "good.csv.gz", "x,1\n")
    run(".create table T (a:string, n:long)")
    with pytest.raises(KqlRuntimeError) as raised:
        run(f".ingest into table T ('{good}', '{tmp_path / 'missing.csv.gz'}')")
    assert raised.value.code == "KL110"
    assert catalog.row_count("T") == 0


def test_ingest_into_missing_table(run: Run, tmp_path: Path) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        run(f".ingest into table Nope ('{tmp_path / 'x.csv'}')")
    assert raised.value.code == "KL103"


def test_show_tables(run: Run) -> None:
    run('.create table B (x:long) with (folder="F", docstring="D")')
    run(".create table A (x:long)")
    result = run(".show tables")
    assert column_names(result) == ["TableName", "DatabaseName", "Folder", "DocString"]
    assert rows(result) == [["A", "kqlite", "", ""], ["B", "kqlite", "F", "D"]]
    assert rows(run(".show tables (B)")) == [["B", "kqlite", "F", "D"]]


def test_show_table_cslschema_and_json(run: Run) -> None:
    run(".create table IpInfo (IpCidr:string, Info:string)")
    assert rows(run(".show table IpInfo cslschema")) == [["IpInfo", "IpCidr:string,Info:string", "kqlite", "", ""]]
    schema = json.loads(rows(run(".show table IpInfo schema as json"))[0][1])
    assert schema["Name"] == "IpInfo"
    assert [column["CslType"] for column in schema["OrderedColumns"]] == ["string", "string"]
    with pytest.raises(KqlRuntimeError):
        run(".show table Missing cslschema")


def test_show_database_schema(run: Run) -> None:
    run(".create table T (a:string, n:long)")
    result = run(".show database schema")
    assert column_names(result) == [
        "DatabaseName", "TableName", "ColumnName", "ColumnType", "IsDefaultTable", "IsDefaultColumn", "PrettyName",
        "Version",
    ]
    table_rows = rows(result)
    assert table_rows[1][:4] == ["kqlite", "T", "", ""]
    assert [row[2:4] for row in table_rows[2:]] == [["a", "System.String"], ["n", "System.Int64"]]


def test_syntax_error_points_at_token(run: Run) -> None:
    text = ".create table T (a:strnig)"
    with pytest.raises(KqlSyntaxError) as raised:
        run(text)
    error = raised.value
    assert error.code == "KL106"
    assert text[error.span.start : error.span.end] == "strnig"
    assert error.source == text
    assert "^^^^^^" in str(error)


@pytest.mark.parametrize(
    "text",
    [".create table", ".drop tabel T", ".show table T", ".clear table T", ".ingest into table T ()",
     ".create table T (a:string) extra", ".set T"],
)
def test_invalid_commands_raise_syntax_errors(run: Run, text: str) -> None:
    with pytest.raises(KqlSyntaxError):
        run(text)


def test_unknown_command_not_supported(run: Run) -> None:
    with pytest.raises(KqlError) as raised:
        run(".alter table T policy retention")
    assert raised.value.code == "KL001"


def test_is_command() -> None:
    assert is_command(".show tables")
    assert is_command("// set-up\n\n  .create table T (a:long)")
    assert not is_command("T | take 1")
    assert not is_command("// only a comment")


def test_commands_persist_across_reopen(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        execute_command(".create table T (a:string, n:long) with (folder='F')", catalog, StubQueries())
        execute_command(".ingest inline into table T <|\nx,1\ny,2", catalog, StubQueries())
    with Catalog(tmp_path) as reopened:
        table = reopened.get("T")
        assert table.folder == "F"
        assert table.frame["n"].tolist() == [1, 2]


def test_ingest_mixed_string_encodings(tmp_path: Path) -> None:
    # One file's strings repeat (dictionary-encoded), the other's are all distinct.
    repeated = write_gzip(tmp_path / "repeated.csv.gz", "".join(f"k{index % 2},{index}\n" for index in range(50)))
    distinct = write_gzip(tmp_path / "distinct.csv.gz", "".join(f"u{index},{index}\n" for index in range(50)))
    with Catalog(tmp_path / "db") as catalog:
        execute_command(".create table T (a:string, n:long)", catalog, StubQueries())
        execute_command(f".ingest into table T ('{repeated}', '{distinct}')", catalog, StubQueries())
        execute_command(f".ingest into table T ('{distinct}')", catalog, StubQueries())
        execute_command(f".ingest into table T ('{repeated}')", catalog, StubQueries())
        frame = catalog.get("T").frame
    assert len(frame) == 200
    assert frame["a"].tolist()[:3] == ["k0", "k1", "k0"]
    assert frame["a"].tolist()[50:52] == ["u0", "u1"]
    assert frame["n"].sum() == 4 * sum(range(50))


def test_append_from_query_adds_extent(tmp_path: Path) -> None:
    queries = StubQueries({"q": long_result(1, 2)})
    with Catalog(tmp_path) as catalog:
        execute_command(".set T <| q", catalog, queries)
        [first] = tmp_path.glob("T.*.arrow")
        execute_command(".append T <| q", catalog, queries)
        execute_command(".set-or-append T with (folder='F') <| q", catalog, queries)
        assert catalog.get("T").frame["a"].tolist() == [1, 2, 1, 2, 1, 2]
        assert catalog.info("T").folder == "F"
    assert not first.exists()
    with Catalog(tmp_path) as reopened:
        assert reopened.row_count("T") == 6


def test_append_from_query_keeps_first_extent(tmp_path: Path) -> None:
    queries = StubQueries({"q": long_result(1, 2)})
    with Catalog(tmp_path) as catalog:
        execute_command(".set T <| q", catalog, queries)
        [first] = tmp_path.glob("T.*.arrow")
        execute_command(".append T <| q", catalog, queries)
        assert first.exists()
        assert len(list(tmp_path.glob("T.*.arrow"))) == 2
