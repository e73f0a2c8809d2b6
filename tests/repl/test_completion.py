"""Completion candidates at the cursor: operators, tables, columns in scope, functions, `let` names."""

from __future__ import annotations

from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from kqlite.cli.repl_completion import KqlCompleter, candidates_at


@pytest.fixture
def database(db: Any) -> Any:
    db.execute(".set Metrics <| datatable(Timestamp:datetime, ClientIP:string, BytesSent:long) [datetime(2023-06-01), '1.2.3.4', 5]")
    db.execute(".set ['Odd Table'] <| datatable(['Column With Space']:long) [1]")
    return db


def texts(before: str, database: Any) -> list[str]:
    return [candidate.text for candidate in candidates_at(before, database)]


def test_completion_after_pipe_offers_operators(database: Any) -> None:
    found = texts("Metrics | ", database)

    assert "where" in found
    assert "summarize" in found
    assert "mv-expand" in found
    assert "Metrics" not in found


def test_completion_after_where_offers_columns(database: Any) -> None:
    candidates = candidates_at("Metrics | where ", database)
    by_text = {candidate.text: candidate for candidate in candidates}

    assert by_text["BytesSent"].meta == "column: long"
    assert by_text["Timestamp"].meta == "column: datetime"
    assert "strlen" in by_text
    assert "sum" not in by_text, "aggregates only inside summarize"


def test_completion_columns_of_the_stage_input(database: Any) -> None:
    found = texts("Metrics\n| summarize Total=sum(BytesSent) by ClientIP\n| where ", database)

    assert "Total" in found
    assert "ClientIP" in found
    assert "BytesSent" not in found


def test_completion_summarize_offers_aggregates_with_signatures(database: Any) -> None:
    candidates = {candidate.text: candidate for candidate in candidates_at("Metrics | summarize ", database)}

    assert "dcount" in candidates
    assert candidates["dcount"].display is not None
    assert candidates["dcount"].display.startswith("dcount(")
    assert "BytesSent" in candidates


def test_completion_let_names_and_lets_bind(database: Any) -> None:
    before = "let window = 1d;\nlet Small = Metrics | project ClientIP;\nSmall | where "
    found = texts(before, database)

    assert "window" in found
    assert "Small" in found
    assert "ClientIP" in found
    assert "BytesSent" not in found


def test_completion_sources_at_statement_start(database: Any) -> None:
    found = texts("let window = 1d;\n", database)

    assert "Metrics" in found
    assert "window" in found
    assert "print" in found


def test_completion_quotes_odd_column_names(database: Any) -> None:
    assert "['Column With Space']" in texts("['Odd Table'] | where ", database)


def test_completion_falls_back_on_bad_text(database: Any) -> None:
    found = texts("Metrics | where Nope > 1 | where ", database)

    assert "Metrics" in found
    assert "strlen" in found
    assert "BytesSent" not in found


def test_completion_inside_command(database: Any) -> None:
    assert "BytesSent" in texts(".set-or-replace Out <|\n    Metrics\n    | where ", database)


def test_completion_render_charts_and_properties(database: Any) -> None:
    assert "anomalychart" in texts("Metrics | render ", database)
    assert "anomalycolumns" in texts("Metrics | render anomalychart with (", database)


def test_completion_without_engine() -> None:
    assert "where" in texts("T | ", None)
    assert texts("T | where ", None) == []


def test_completer_filters_by_word(database: Any) -> None:
    completer = KqlCompleter(lambda: database, [".help", ".show tables"])
    completions = list(completer.get_completions(Document("Metrics | where Byt"), CompleteEvent()))

    assert [completion.text for completion in completions] == ["BytesSent"]
    assert completions[0].start_position == -3


def test_completer_repl_commands() -> None:
    completer = KqlCompleter(lambda: None, [".help", ".show tables"])
    completions = list(completer.get_completions(Document(".sh"), CompleteEvent()))

    assert [completion.text for completion in completions] == ["show tables"]
