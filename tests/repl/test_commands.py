"""The REPL's dot-commands and the rule that decides when Enter runs a block."""

from __future__ import annotations

from typing import Any

import pytest

from kqlite.cli.repl_commands import COMMANDS, QuitRequest, ReplCommandError, Settings, find_command
from kqlite.cli.repl_explain import explain
from kqlite.cli.repl_keys import block_is_ready


def run(text: str, database: Any = None, settings: Settings | None = None) -> str:
    found = find_command(text)
    assert found is not None, text
    entry, argument = found
    return entry.run(argument, database, settings or Settings())


def test_find_command_splits_argument() -> None:
    found = find_command(".explain T | take 1")

    assert found is not None
    assert found[0].name == ".explain"
    assert found[1] == "T | take 1"


def test_find_command_leaves_control_commands() -> None:
    assert find_command(".create table T (A:long)") is None
    assert find_command(".set-or-replace T <| print 1") is None
    assert find_command(".showtables") is None
    assert find_command("T | take 1") is None


def test_help_lists_every_command() -> None:
    text = run(".help")

    for name in COMMANDS:
        assert name in text


def test_help_describes_a_function() -> None:
    text = run(".help series_decompose_anomalies")

    assert text.startswith("series_decompose_anomalies(")
    assert "scalar function" in text
    assert "(aggregate)" in run(".help dcount")


def test_help_unknown_topic_suggests() -> None:
    with pytest.raises(ReplCommandError, match="did you mean .*strlen"):
        run(".help strlem")


def test_timing_and_format_change_settings() -> None:
    settings = Settings()

    assert run(".timing off", settings=settings) == "timing is off"
    assert settings.timing is False
    assert run(".format json", settings=settings) == "results are printed as json"
    assert settings.output_format == "json"
    with pytest.raises(ReplCommandError, match="usage: .timing on|off"):
        run(".timing maybe", settings=settings)
    with pytest.raises(ReplCommandError, match="usage: .format table|csv|json"):
        run(".format xml", settings=settings)


def test_quit_and_exit() -> None:
    with pytest.raises(QuitRequest):
        run(".quit")
    with pytest.raises(QuitRequest):
        run(".exit")


def test_show_tables(db: Any) -> None:
    assert run(".show tables", db).startswith("(no tables")
    db.execute(".set T <| datatable(A:long, B:string) [1, 'x']")

    assert run(".show tables", db) == "T  (1 row)  A:long, B:string"


def test_explain_shows_each_operator_schema(db: Any) -> None:
    db.execute(".set T <| datatable(A:long, B:string) [1, 'x']")

    lines = explain("T | where A > 0 | summarize n=count() by B", db).split("\n")

    assert lines[0] == "Aggregate [summarize]"
    assert lines[1] == "    -> (B:string, n:long)"
    assert lines[2] == "└─ Filter [where]"
    assert lines[3] == "       -> (A:long, B:string)"
    assert lines[4] == "   └─ TableScan [table T]"


def test_explain_reports_errors_with_caret(db: Any) -> None:
    from kqlite.errors import KqlError

    with pytest.raises(KqlError) as caught:
        explain("Missing | take 1", db)
    assert "^^^^^^^" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "cursor_line", "ready"),
    [
        ("", "", True),
        ("T | take 1", "T | take 1", False),
        ("T\n| take 1\n", "", True),
        (".help", ".help", True),
        (".show tables", ".show tables", True),
        (".create table T (A:long)", ".create table T (A:long)", False),
        (".set-or-replace T <|\n  print 1\n", "", True),
        (".explain T\n| take 1", "| take 1", False),
    ],
)
def test_enter_runs_block_only_when_complete(text: str, cursor_line: str, ready: bool) -> None:
    assert block_is_ready(text, cursor_line) is ready
