"""How query errors read: the code, line:column, the source line, a caret and a hint.

The first tests run real queries through kqlite. The last ones build errors by hand, so
they pin the layout of a rendering: tabs, several lines, a span past the line's end.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

import kqlite
from kqlite.errors import KqlRuntimeError, KqlSemanticError, KqlSyntaxError, Span

METRICS_QUERY = "NetworkMetrics\n| where ClinetIP == '10.0.0.1'\n| count"


@pytest.fixture
def metrics_db() -> Any:
    """A database with an empty NetworkMetrics table of the investigation's schema."""
    db = kqlite.connect()
    frame = pd.DataFrame(
        {
            "Timestamp": pd.Series([], dtype="datetime64[ns]"),
            "ClientIP": pd.Series([], dtype="str"),
            "TargetIP": pd.Series([], dtype="str"),
            "BytesSent": pd.Series([], dtype="Int64"),
            "BytesReceived": pd.Series([], dtype="Int64"),
            "NewConnections": pd.Series([], dtype="Int32"),
        }
    )
    db.register("NetworkMetrics", frame)
    return db


def error_of(db: Any, query: str) -> kqlite.KqlError:
    with pytest.raises(kqlite.KqlError) as raised:
        db.execute(query)
    return raised.value


def underlined(rendering: str, line_number: int) -> str:
    """Return the text the caret line underlines below source line `line_number`."""
    lines = rendering.splitlines()
    source_index = next(i for i, line in enumerate(lines) if re.match(rf"^{line_number} \| ", line))
    source = lines[source_index].split(" | ", 1)[1]
    carets = lines[source_index + 1].split(" | ", 1)[1]
    start = carets.index("^")
    width = len(carets[start:]) - len(carets[start:].lstrip("^"))
    return source[start : start + width]


def test_unknown_column_code_and_place(metrics_db: Any) -> None:
    error = error_of(metrics_db, METRICS_QUERY)

    assert isinstance(error, kqlite.KqlSemanticError)
    assert error.code == "KS142"
    assert (error.line, error.column) == (2, 9)
    assert error.span is not None
    assert METRICS_QUERY[error.span.start : error.span.end] == "ClinetIP"


def test_unknown_column_rendering(metrics_db: Any) -> None:
    rendering = str(error_of(metrics_db, METRICS_QUERY))

    assert rendering.startswith("semantic error[KS142]: ")
    assert "ClinetIP" in rendering.splitlines()[0]
    assert "line 2, column 9" in rendering
    assert "2 | | where ClinetIP == '10.0.0.1'" in rendering
    assert underlined(rendering, 2) == "ClinetIP"


def test_unknown_column_hint(metrics_db: Any) -> None:
    error = error_of(metrics_db, METRICS_QUERY)

    assert error.hint is not None
    assert "did you mean 'ClientIP'?" in error.hint
    assert "did you mean 'ClientIP'?" in str(error)


def test_unknown_function_hint(metrics_db: Any) -> None:
    query = "NetworkMetrics | extend n = strlenn(ClientIP)"
    error = error_of(metrics_db, query)

    assert isinstance(error, kqlite.KqlSemanticError)
    assert (error.line, error.column) == (1, query.index("strlenn") + 1)
    assert underlined(str(error), 1) == "strlenn"
    assert "did you mean 'strlen'?" in str(error)


def test_argument_count_error(metrics_db: Any) -> None:
    query = "print strlen('a', 'b')"
    error = error_of(metrics_db, query)

    assert isinstance(error, kqlite.KqlSemanticError)
    assert error.code == "KS119"
    assert f"[{error.code}]" in str(error)
    assert underlined(str(error), 1).startswith("strlen")


def test_missing_pipe_syntax_error(metrics_db: Any) -> None:
    query = "NetworkMetrics where BytesSent > 0"
    error = error_of(metrics_db, query)

    assert isinstance(error, kqlite.KqlSyntaxError)
    assert (error.line, error.column) == (1, 16)
    rendering = str(error)
    assert rendering.startswith("syntax error[")
    assert underlined(rendering, 1) == "where"


def test_end_of_input_syntax_error(metrics_db: Any) -> None:
    query = "NetworkMetrics\n| project Timestamp,"
    error = error_of(metrics_db, query)

    assert isinstance(error, kqlite.KqlSyntaxError)
    # At the end of the text the caret is just past the last character.
    assert (error.line, error.column) == (2, len("| project Timestamp,") + 1)
    caret_line = str(error).splitlines()[-1] if error.hint is None else str(error).splitlines()[-2]
    assert caret_line.endswith(" " * len("| project Timestamp,") + "^")


def test_unknown_table_hint(metrics_db: Any) -> None:
    error = error_of(metrics_db, "NetworkMetric | take 1")

    assert isinstance(error, kqlite.KqlSemanticError)
    assert (error.line, error.column) == (1, 1)
    assert underlined(str(error), 1) == "NetworkMetric"
    assert "did you mean 'NetworkMetrics'?" in str(error)


# ---------------------------------------------------------------- layout of a rendering


def test_rendering_layout_by_hand() -> None:
    source = "T\n| where Duraton > 10m"
    error = KqlSemanticError(
        "KS142", "unknown name 'Duraton'", Span(10, 17), hint="did you mean 'Duration'?"
    ).with_source(source, origin="storms.kql")

    assert str(error).splitlines() == [
        "semantic error[KS142]: unknown name 'Duraton'",
        " --> storms.kql:2:9",
        "  |",
        "2 | | where Duraton > 10m",
        "  |         ^^^^^^^",
        "   = hint: did you mean 'Duration'?",
    ]


def test_rendering_expands_tabs() -> None:
    source = "T\n|\twhere\tDuraton > 1"
    start = source.index("Duraton")
    error = KqlSemanticError("KS142", "unknown name", Span(start, start + 7)).with_source(source)

    assert error.column == 9
    assert underlined(str(error), 2) == "Duraton"


def test_rendering_of_span_over_lines() -> None:
    source = "print strcat('a',\n  'b', 1 +)"
    error = KqlSyntaxError("KL100", "bad call", Span(6, len(source))).with_source(source)

    caret_line = str(error).splitlines()[-1]
    assert caret_line.endswith("^" * len("strcat('a',") + " (...)")


def test_rendering_without_place() -> None:
    error = KqlRuntimeError("KL200", "file not found: data.csv")

    assert str(error) == "runtime error[KL200]: file not found: data.csv"
    assert error.line is None
    assert error.column is None


def test_offset_shifts_to_script_position() -> None:
    script = ".create table T (a:long)\n\nT | where b > 1"
    block_offset = script.index("T | where")
    error = KqlSemanticError("KS142", "unknown name 'b'", Span(10, 11)).with_source(
        script, origin="setup.kql", offset=block_offset
    )

    assert (error.line, error.column) == (3, 11)
    assert " --> setup.kql:3:11" in str(error)
