"""The REPL driven through a pseudo-terminal: pasted article queries, completion, errors and Ctrl-C."""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pexpect = pytest.importorskip("pexpect")

REPOSITORY = Path(__file__).resolve().parents[2]
SETUP_SCRIPT = REPOSITORY / "examples" / "kda-case4" / "setup.kql"
# The REPL session fixture of conftest.py: a pexpect child with helpers to type and paste.
ReplSession = Any

# prompt_toolkit turns bracketed paste off when it hands the block over to run.
BRACKETED_PASTE_OFF = "\x1b[?2004l"
# About 2 s per 100,000 rows on a 2-core machine: the row-by-row mv-expand of pack_array.
LONG_QUERY = (
    "range x from 1 to 1000000 step 1 | extend d = pack_array(x, x) | mv-expand d"
    " | summarize count() by tostring(d) | count"
)


def without_guids(text: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<guid>", text)


def create_table(repl: ReplSession) -> None:
    repl.run(".set-or-replace T <| datatable(Name:string, Amount:long) ['a', 1, 'b', 2]")


def expected_table(case4_folder: Path, queries: list[str]) -> list[str]:
    """Run the queries in this process and lay out each result as the REPL does at 200 columns."""
    import os

    import kqlite
    from kqlite.cli.repl_table import layout_table

    database = kqlite.connect()
    previous = Path.cwd()
    os.chdir(case4_folder)
    try:
        database.execute(SETUP_SCRIPT.read_text(encoding="utf-8"))
        tables = []
        for query in queries:
            result = database.execute(query)
            tables.append(layout_table(result.columns, result.rows(), 200))
        return tables
    finally:
        os.chdir(previous)


def test_pasted_article_queries_show_tables(case_repl: ReplSession, case4_folder: Path, article_queries: list[str]) -> None:
    expected = expected_table(case4_folder, article_queries)

    for query, table in zip(article_queries, expected, strict=True):
        output = case_repl.paste(query)
        assert "error" not in output, output
        # Extent ids of `.set-or-replace` are new GUIDs on every run.
        table, output = without_guids(table), without_guids(output)
        assert table in output, f"query:\n{query}\n\nexpected:\n{table}\n\nscreen:\n{output}"


def test_article_counts_match_the_files(case_repl: ReplSession, case4_folder: Path, article_queries: list[str]) -> None:
    with gzip.open(case4_folder / "ip-lookup.csv.gz", "rt") as file:
        lookup = pd.read_csv(file, header=None, names=["IpCidr", "Info"], keep_default_na=False)

    output = case_repl.paste(article_queries[1])

    assert re.search(rf"\b{len(lookup)}\s*\|\s*{lookup['Info'].nunique()}\b", output), output
    assert "(1 row" in output


def test_anomaly_query_finds_the_burst(case_repl: ReplSession, article_queries: list[str]) -> None:
    case_repl.paste(article_queries[4])

    top_anomaly = case_repl.paste(article_queries[6])
    chart = case_repl.paste(article_queries[5], until=r"chart: \S+\.png")

    assert "KUANDA.ORG" in top_anomaly
    assert "2023-06-29T00:00:00Z" in top_anomaly
    assert "(1 row" in top_anomaly
    assert "anomalies at" in chart
    assert re.search(r"chart: .*anomalychart-.*\.png", chart), chart


def test_typed_block_runs_on_empty_line(case_repl: ReplSession) -> None:
    case_repl.type_line("print x = 1")
    case_repl.type_line("| extend y = x + 1")
    case_repl.child.expect(r"\.\.\.\. ")
    case_repl.child.send("\r")
    output = case_repl.output_until(r"\(1 row")

    assert re.search(r"x \| y\n", output), output
    assert "x\n-" not in output, "the first line ran on its own"
    assert "error" not in output


def test_alt_enter_runs_at_once(case_repl: ReplSession) -> None:
    case_repl.child.send("print z = 7\x1b\r")
    output = case_repl.output_until(r"\(1 row")

    assert "z" in output
    assert "(1 row" in output


def test_completion_after_pipe_and_where(case_repl: ReplSession) -> None:
    create_table(case_repl)

    case_repl.child.send("T | ")
    case_repl.child.send("\t")
    # The menu shows the first operators in alphabetical order.
    case_repl.child.expect("distinct")
    case_repl.child.expect("operator")
    case_repl.cancel_input()

    case_repl.child.send("T | where ")
    case_repl.child.send("\t")
    case_repl.child.expect("Amount")
    case_repl.child.expect("column: long")
    case_repl.cancel_input()


def test_typo_shows_caret_and_hint(case_repl: ReplSession) -> None:
    create_table(case_repl)

    output = case_repl.run("T | where Amonut > 0", until="hint: .*\n")

    assert "semantic error[KS142]" in output
    assert "T | where Amonut > 0" in output
    assert re.search(r"\|\s+\^{6}", output), output
    assert "did you mean 'Amount'?" in output
    assert "Traceback" not in output


def test_syntax_error_keeps_session(case_repl: ReplSession) -> None:
    output = case_repl.run("print 1 +", until=r"syntax error(.*\n){4}.*\^.*\n")

    assert "syntax error" in output
    assert "^" in output
    assert "(1 row" in case_repl.run("print 2")


def test_ctrl_c_cancels_long_query(case_repl: ReplSession) -> None:
    case_repl.run("print 1")
    for line in LONG_QUERY.split("\n"):
        case_repl.type_line(line)
    case_repl.child.send("\r")
    case_repl.child.expect_exact(BRACKETED_PASTE_OFF)
    time.sleep(0.3)

    case_repl.child.sendintr()
    output = case_repl.output_until("cancelled")

    assert "Traceback" not in output
    after = case_repl.run("print answer = 42")
    assert "42" in after
    assert "(1 row" in after


def test_repl_commands(repl: ReplSession) -> None:
    create_table(repl)

    assert ".explain QUERY" in repl.run(".help", until="Ctrl-D quits")
    assert "T  (2 rows)  Name:string, Amount:long" in repl.run(".show tables", until="Amount:long")
    explained = repl.run(".explain T | where Amount > 1", until="TableScan.*\n.*\n")
    assert "Filter [where]" in explained
    assert "TableScan [table T]" in explained
    assert "timing is off" in repl.run(".timing off", until="timing is off")
    assert "(2 rows)" in repl.run("T"), "the row count without the time"
    assert "results are printed as csv" in repl.run(".format csv", until="as csv")
    assert "Name,Amount\na,1\nb,2" in repl.run("T", until="b,2")
    assert "usage: .format" in repl.run(".format xml", until="usage.*\n")


def test_history_is_kept_between_sessions(repl: ReplSession, tmp_path: Path) -> None:
    repl.run("print remembered = 1")
    repl.child.send(".quit\r")
    repl.child.expect(pexpect.EOF)

    history = (tmp_path / "home" / "repl_history").read_text(encoding="utf-8")
    assert "+print remembered = 1" in history


@pytest.mark.parametrize("chart", ["timechart", "columnchart"])
def test_render_writes_chart_file(case_repl: ReplSession, chart: str) -> None:
    output = case_repl.run(f"range x from 1 to 10 step 1 | extend y = x * x | render {chart}", until=r"chart: \S+\.png")

    match = re.search(r"chart: (\S+\.png)", output)
    assert match, output
    assert Path(match.group(1)).stat().st_size > 1000
    assert Path(match.group(1)).parent.name == "charts"


def test_no_render_prints_table_only(repl_with_options: Any, tmp_path: Path) -> None:
    session = repl_with_options("--no-render")

    output = session.run("range x from 1 to 3 step 1 | render linechart")
    session.run("print done = 1")

    assert "(3 rows" in output
    assert "chart:" not in output
    assert not (tmp_path / "home" / "charts").exists()
