"""The ``kqlite`` command's options, formats, scripts, databases and exit codes, run in-process."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The `cli` fixture of this folder's conftest.py: run main(ARGS) and capture its output.
Cli = Callable[..., Any]
ScriptFile = Callable[[str, str], Path]

PRINT_ALL_KINDS = (
    "print n=42, r=4.0, h=0.5, s='abc', d=datetime(2023-06-01), t=1d, b=true, y=dynamic({\"a\":[1,2]}), z=long(null)"
)


def table_cells(output: str) -> list[list[str]]:
    """Split an aligned table into stripped cells, without the rule and the row count."""
    lines = [line for line in output.splitlines() if line and not line.startswith("(")]
    return [[cell.strip() for cell in re.split(r" \| ?", line)] for line in lines if set(line) - set("-+")]


# ---------------------------------------------------------------- help and usage


def test_run_help_lists_keep_going(cli: Cli) -> None:
    finished = cli("run", "--help")

    assert finished.returncode == 0
    assert "--keep-going" in finished.stdout
    assert "blank line" in finished.stdout


def test_bad_format_exit_2(cli: Cli) -> None:
    finished = cli("--format", "xml", "-c", "print 1")

    assert finished.returncode == 2
    assert "invalid choice: 'xml'" in finished.stderr


def test_db_and_memory_exclusive(cli: Cli, tmp_path: Path) -> None:
    finished = cli("--db", str(tmp_path / "db"), "--memory", "-c", "print 1")

    assert finished.returncode == 2
    assert "not allowed with argument" in finished.stderr


def test_command_with_run_exit_2(cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "a.kql"
    script.write_text("print 1\n")
    finished = cli("-c", "print 1", "run", str(script))

    assert finished.returncode == 2
    assert "-c cannot be combined with 'run'" in finished.stderr


def test_missing_script_exit_2(cli: Cli, tmp_path: Path) -> None:
    finished = cli("--memory", "run", str(tmp_path / "absent.kql"))

    assert finished.returncode == 2
    assert "cannot read script" in finished.stderr
    assert "absent.kql" in finished.stderr
    assert "Traceback" not in finished.stderr


# ---------------------------------------------------------------- queries and formats


def test_table_spells_values_as_kusto(cli: Cli) -> None:
    finished = cli("--memory", "-c", PRINT_ALL_KINDS)

    assert finished.returncode == 0, finished.stderr
    header, row = table_cells(finished.stdout)
    assert header == ["n", "r", "h", "s", "d", "t", "b", "y", "z"]
    assert row == ["42", "4", "0.5", "abc", "2023-06-01T00:00:00Z", "1.00:00:00", "true", '{"a":[1,2]}', ""]


def test_csv_format(cli: Cli) -> None:
    finished = cli("--memory", "--format", "csv", "-c", PRINT_ALL_KINDS)

    assert finished.returncode == 0, finished.stderr
    rows = list(csv.reader(io.StringIO(finished.stdout)))
    assert rows == [
        ["n", "r", "h", "s", "d", "t", "b", "y", "z"],
        ["42", "4", "0.5", "abc", "2023-06-01T00:00:00Z", "1.00:00:00", "true", '{"a":[1,2]}', ""],
    ]


def test_json_format(cli: Cli) -> None:
    finished = cli("--memory", "--format", "json", "-c", PRINT_ALL_KINDS)

    assert finished.returncode == 0, finished.stderr
    document = json.loads(finished.stdout)
    assert document["columns"][:3] == [
        {"name": "n", "type": "long"},
        {"name": "r", "type": "real"},
        {"name": "h", "type": "real"},
    ]
    assert document["rows"] == [[42, 4.0, 0.5, "abc", "2023-06-01T00:00:00Z", "1.00:00:00", True, {"a": [1, 2]}, None]]


def test_output_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    finished = cli("--memory", "--format", "csv", "--output", str(target), "-c", "range x from 1 to 3 step 1")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == ""
    assert target.read_text(encoding="utf-8") == "x\n1\n2\n3\n"


def test_output_folder_missing_exit_2(cli: Cli, tmp_path: Path) -> None:
    finished = cli("--memory", "--output", str(tmp_path / "no" / "such" / "out.txt"), "-c", "print 1")

    assert finished.returncode == 2
    assert "cannot write" in finished.stderr


def test_empty_result_shows_header(cli: Cli) -> None:
    finished = cli("--memory", "-c", "range x from 1 to 3 step 1 | where x > 5")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "x\n-\n(0 rows)\n"


def test_statements_print_each_result(cli: Cli) -> None:
    finished = cli("--memory", "--format", "csv", "-c", "print a=1;\nprint b=2")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "a\n1\n\nb\n2\n"


# ---------------------------------------------------------------- errors


def test_debug_shows_traceback(cli: Cli) -> None:
    finished = cli("--memory", "--debug", "-c", "print x = 1 | where y > 1")

    assert finished.returncode == 1
    assert "Traceback" in finished.stderr
    assert "where y > 1" in finished.stderr


def test_debug_logs_stages_then_stops(cli: Cli) -> None:
    with_debug = cli("--memory", "--debug", "-c", "print 1")
    without_debug = cli("--memory", "-c", "print 1")

    assert with_debug.returncode == 0, with_debug.stderr
    assert "kqlite: " in with_debug.stderr
    assert without_debug.stderr == ""


def test_syntax_error_exit_1(cli: Cli) -> None:
    finished = cli("--memory", "-c", "print 1 +")

    assert finished.returncode == 1
    assert finished.stderr.startswith("syntax error[")
    assert "Traceback" not in finished.stderr


# ---------------------------------------------------------------- scripts


def test_script_error_names_file_line_column(cli: Cli, shop_script: Path) -> None:
    script = shop_script
    finished = cli("--memory", "--format", "csv", "run", str(script))

    assert finished.returncode == 1
    assert "Total\n8\n" in finished.stdout
    assert f"{script}:11:9" in finished.stderr
    assert "11 | | where Cost > 1" in finished.stderr
    assert "done" not in finished.stdout
    assert "Traceback" not in finished.stderr


def test_script_from_stdin(cli: Cli) -> None:
    finished = cli("--memory", "--format", "csv", "run", "-", stdin="print a = 'x'\n")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "a\nx\n"


def test_several_scripts_share_database(cli: Cli, script_file: ScriptFile) -> None:
    setup = script_file(".set Numbers <| range n from 1 to 4 step 1\n", "setup.kql")
    query = script_file("Numbers | count\n", "query.kql")
    finished = cli("--memory", "--format", "csv", "run", str(setup), str(query))

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.endswith("Count\n4\n")


def test_options_after_subcommand(cli: Cli, script_file: ScriptFile) -> None:
    script = script_file("print a = 1\n", "one.kql")
    finished = cli("run", str(script), "--memory", "--format", "json")

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["rows"] == [[1]]


# ---------------------------------------------------------------- databases


def test_db_folder_persists(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "db"
    created = cli("--db", str(folder), "-c", ".set Numbers <| range n from 1 to 3 step 1")
    counted = cli("--db", str(folder), "--format", "csv", "-c", "Numbers | count")

    assert created.returncode == 0, created.stderr
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout == "Count\n3\n"


def test_default_database_is_kqlite_home(cli: Cli, kqlite_home: Path) -> None:
    created = cli("-c", ".set Numbers <| range n from 1 to 2 step 1")
    counted = cli("--format", "csv", "-c", "Numbers | count")

    assert created.returncode == 0, created.stderr
    assert counted.stdout == "Count\n2\n"
    assert kqlite_home.is_dir()


def test_memory_database_is_discarded(cli: Cli, kqlite_home: Path) -> None:
    cli("--memory", "-c", ".set Numbers <| range n from 1 to 2 step 1")
    finished = cli("--memory", "-c", "Numbers | count")

    assert finished.returncode == 1
    assert "Numbers" in finished.stderr


# ---------------------------------------------------------------- samples


def test_sample_rejects_bad_scale(cli: Cli, tmp_path: Path) -> None:
    finished = cli("sample", "kda-case4", "--scale", "0", "--out", str(tmp_path / "data"))

    assert finished.returncode == 2
    assert "must be greater than 0" in finished.stderr


def test_sample_requires_out(cli: Cli) -> None:
    finished = cli("sample", "kda-case4")

    assert finished.returncode == 2
    assert "--out" in finished.stderr

# ---------------------------------------------------------------- the investigation end to end


CASE4_SCRIPT = """\
.execute database script <|
.create-merge table IpInfo (IpCidr:string, Info:string)
.clear table IpInfo data
.ingest into table IpInfo (@'{data}/ip-lookup.csv.gz')
.create-merge table NetworkMetrics (Timestamp:datetime, ClientIP:string, TargetIP:string, BytesSent:long, BytesReceived:long, NewConnections:int)
.clear table NetworkMetrics data
.ingest async into table NetworkMetrics (@'{data}/log_00000.csv.gz')
.ingest async into table NetworkMetrics (@'{data}/log_00001.csv.gz')
.ingest into table NetworkMetrics (@'{data}/log_00002.csv.gz')

.set-or-replace IpInfoEx <|
    NetworkMetrics
    | distinct ClientIP
    | evaluate  ipv4_lookup(IpInfo, ClientIP, IpCidr)

let window = 1d;
NetworkMetrics
| lookup IpInfoEx on ClientIP
| make-series BytesSent=sum(BytesSent) on Timestamp step window by Info
| extend  (BytesSentAnomaly, BytesSentAnomalyScore, BytesSentExpected) = series_decompose_anomalies(BytesSent)
| mv-expand
    Timestamp to typeof(datetime),
    BytesSent to typeof(long),
    BytesSentAnomalyScore to typeof(double),
    BytesSentExpected to typeof(long)
| top 1 by BytesSentAnomalyScore
| project Info, Timestamp, BytesSent, BytesSentExpected, BytesSentAnomalyScore
"""


def test_investigation_from_sample(cli: Cli, script_file: ScriptFile, tmp_path: Path) -> None:
    data = tmp_path / "data"
    generated = cli("sample", "kda-case4", "--scale", "0.0002", "--out", str(data))
    script = script_file(CASE4_SCRIPT.format(data=data.as_posix()), "case4.kql")
    finished = cli("--db", str(tmp_path / "db"), "--format", "csv", "run", str(script))

    assert generated.returncode == 0, generated.stderr
    assert finished.returncode == 0, finished.stderr
    last_result = finished.stdout.strip().split("\n\n")[-1]
    header, answer = last_result.splitlines()
    assert header == "Info,Timestamp,BytesSent,BytesSentExpected,BytesSentAnomalyScore"
    assert answer.startswith("KUANDA.ORG,2023-06-29T00:00:00Z,")
