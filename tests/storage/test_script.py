"""`.execute database script`, the conformance set-ups and the case's own set-up script."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.storage.catalog import Catalog
from kqlite.storage.commands import execute_command
from kqlite.storage.script import command_ranges
from kqlite.table import Table
from kqlite.types import DATETIME, INT, LONG, STRING

from .conftest import StubQueries, long_result, write_gzip

Run = Callable[[str], Table]
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def results_of(table: Table) -> list[str]:
    return table.frame["Result"].tolist()


def test_script_with_comments_and_blank_lines(run: Run, catalog: Catalog) -> None:
    run.queries.results["datatable(a:string, b:string)['x', 'y']"] = (  # type: ignore[attr-defined]
        (("a", STRING), ("b", STRING)), pd.DataFrame({"a": ["x"], "b": ["y"]}, dtype="str"))
    result = run(
        ".execute database script <|\n//\n// Create tables\n.create-merge table T9 (a:string, b:string)\n\n"
        "//\n// Add data\n.set-or-append T9 <| datatable(a:string, b:string)['x', 'y']"
    )
    assert [name for name, _ in result.columns] == ["OperationId", "CommandType", "CommandText", "Result", "Reason"]
    assert result.frame["CommandText"].tolist() == [
        ".create-merge table T9 (a:string, b:string)",
        ".set-or-append T9 <| datatable(a:string, b:string)['x', 'y']",
    ]
    assert result.frame["CommandType"].tolist() == ["TableCreateMerge", "TableSetOrAppend"]
    assert results_of(result) == ["Completed", "Completed"]
    assert catalog.row_count("T9") == 1


def test_script_stops_at_first_failure_by_default(run: Run, catalog: Catalog) -> None:
    result = run(".execute database script <|\n.create table A (x:long)\n.drop table Nope\n.create table B (x:long)")
    assert results_of(result) == ["Completed", "Failed", "Skipped"]
    assert "Nope" in result.frame["Reason"][1]
    assert catalog.names() == ["A"]


def test_script_continue_on_errors(run: Run, catalog: Catalog) -> None:
    result = run(
        ".execute database script with (ContinueOnErrors=true) <|\n.drop table Nope\n.create table B (x:long)"
    )
    assert results_of(result) == ["Failed", "Completed"]
    assert catalog.names() == ["B"]


def test_script_throw_on_errors(run: Run) -> None:
    text = ".execute database script with (ThrowOnErrors=true) <|\n.create table A (x:long)\n.drop table Nope"
    with pytest.raises(KqlRuntimeError) as raised:
        run(text)
    error = raised.value
    assert error.code == "KL103"
    assert error.source == text
    assert error.line == 3


def test_script_syntax_error_points_into_script() -> None:
    text = ".execute database script with (ThrowOnErrors=true) <|\n.create table A (x:lng)"
    with pytest.raises(Exception) as raised:
        execute_command(text, Catalog(), StubQueries())
    error = raised.value
    assert text[error.span.start : error.span.end] == "lng"  # type: ignore[attr-defined]


def test_script_skips_show_commands(run: Run) -> None:
    result = run(".execute database script <|\n.create table A (x:long)\n.show tables")
    assert results_of(result) == ["Completed", "Skipped"]


def test_script_query_error_offset(catalog: Catalog) -> None:
    from kqlite.errors import KqlSemanticError, Span

    def failing(query: str) -> tuple[object, object]:
        start = query.index("Oops")
        raise KqlSemanticError("KS142", "unknown name 'Oops'", Span(start, start + 4))

    text = ".execute database script with (ThrowOnErrors=true) <|\n.set T <| Oops"
    with pytest.raises(KqlSemanticError) as raised:
        execute_command(text, catalog, failing)  # type: ignore[arg-type]
    error = raised.value
    assert text[error.span.start : error.span.end] == "Oops"


def test_command_ranges_trim_trailing_comments() -> None:
    text = "// head\n.create table A (x:long)\n// next\n\n  .drop table A\n"
    pieces = [text[start:end] for start, end in command_ranges(text, 0, len(text))]
    assert pieces == [".create table A (x:long)", ".drop table A"]


def _case_setup_script(folder: Path) -> str:
    return (
        ".execute database script <|\n"
        ".create-merge table IpInfo (IpCidr:string, Info:string)\n"
        "//clear any previously ingested data if such exists\n"
        ".clear table IpInfo data\n"
        f".ingest into table IpInfo (@'{folder}/ip-lookup.csv.gz')\n"
        ".create-merge table NetworkMetrics (Timestamp:datetime, ClientIP:string, TargetIP:string, BytesSent:long, "
        "BytesReceived:long, NewConnections:int)\n"
        ".clear table NetworkMetrics data\n"
        f".ingest async into table NetworkMetrics (@'{folder}/log_00000.csv.gz')\n"
        f".ingest async into table NetworkMetrics (@'{folder}/log_00001.csv.gz')\n"
        "// Last command is running sync, so when it finishes the data is already ingested.\n"
        f".ingest into table NetworkMetrics (@'{folder}/log_00002.csv.gz')\n"
    )


def test_case_setup_script_runs_and_reruns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_gzip(data / "ip-lookup.csv.gz", "1.0.48.0/20,TROSE-LTD\n178.248.55.0/24,DIGITOWN\n")
    for day in range(3):
        write_gzip(
            data / f"log_0000{day}.csv.gz",
            f"2023-06-0{day + 1}T00:00:00Z,1.0.48.{day},178.248.55.249,{100 + day},200,3\n"
            f"2023-06-0{day + 1}T00:01:00Z,1.0.48.9,178.248.55.22,7,8,1\n",
        )
    script = _case_setup_script(data)

    with Catalog(tmp_path / "db") as catalog:
        first = execute_command(script, catalog, StubQueries())
        assert results_of(first) == ["Completed"] * 8
        # The script clears before ingesting, so running it again gives the same tables.
        execute_command(script, catalog, StubQueries())

    with Catalog(tmp_path / "db") as reopened:
        assert reopened.row_count("IpInfo") == 2
        metrics = reopened.get("NetworkMetrics")
        assert metrics.columns == (
            ("Timestamp", DATETIME), ("ClientIP", STRING), ("TargetIP", STRING),
            ("BytesSent", LONG), ("BytesReceived", LONG), ("NewConnections", INT),
        )
        assert len(metrics.frame) == 6
        assert metrics.frame["BytesSent"].tolist() == [100, 7, 101, 7, 102, 7]
        assert metrics.frame["Timestamp"].max() == pd.Timestamp("2023-06-03T00:01:00")


def _conformance_setup_cases() -> list[dict[str, object]]:
    path = SHARED / "conformance" / "doc-examples.jsonl"
    if not path.exists():
        return []
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [case for case in cases if "setup" in case or str(case["query"]).lstrip().startswith(".")]


CONFORMANCE_CASES = _conformance_setup_cases()


def _datatable_stub(query: str) -> tuple[object, object]:
    # The set-ups only use one-column datatables of longs or a row of two strings.
    body = query.strip()
    if body.startswith("datatable(a:long)"):
        values = [int(value) for value in body.split("[", 1)[1].rstrip("]").split(",")]
        return long_result(*values)
    if body.startswith("datatable(a:string, b:string)"):
        return (("a", STRING), ("b", STRING)), pd.DataFrame({"a": ["x"], "b": ["y"]}, dtype="str")
    raise AssertionError(f"no stub result for {query!r}")


@pytest.mark.skipif(not CONFORMANCE_CASES, reason="the shared conformance cases are not present")
@pytest.mark.parametrize("case", CONFORMANCE_CASES, ids=lambda case: str(case["name"]))
def test_conformance_setups_run(case: dict[str, object]) -> None:
    catalog = Catalog()
    for command in case.get("setup", []):  # type: ignore[union-attr]
        execute_command(str(command), catalog, _datatable_stub)  # type: ignore[arg-type]
    query = str(case["query"])
    if not query.lstrip().startswith("."):
        return
    if case.get("expect_error"):
        with pytest.raises(KqlRuntimeError):
            execute_command(query, catalog, _datatable_stub)  # type: ignore[arg-type]
    else:
        execute_command(query, catalog, _datatable_stub)  # type: ignore[arg-type]
