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


# ---------------------------------------------------------------- long lines and hidden characters


def long_line_error(source: str, token: str) -> str:
    start = source.index(token)
    return str(KqlSyntaxError("KS005", "unexpected token", Span(start, start + len(token))).with_source(source))


LONG_LINE = "print " + " + ".join(str(number) for number in range(1500))


def test_long_line_shows_window_around_caret() -> None:
    rendering = long_line_error(LONG_LINE, " 700 ")

    source_line = next(line for line in rendering.splitlines() if line.startswith("1 | "))
    assert len(LONG_LINE) > 5000
    assert max(len(line) for line in rendering.splitlines()) <= 110
    assert source_line.startswith("1 | …")
    assert source_line.endswith("…")
    assert underlined(rendering, 1) == " 700 "


def test_long_line_cut_on_one_side_only() -> None:
    at_start = long_line_error(LONG_LINE, "print")
    at_end = long_line_error(LONG_LINE, "1499")

    assert "1 | print 0 + 1" in at_start
    assert at_start.splitlines()[3].endswith("…")
    assert underlined(at_start, 1) == "print"
    assert at_end.splitlines()[3].startswith("1 | …")
    assert at_end.splitlines()[3].endswith("+ 1499")
    assert underlined(at_end, 1) == "1499"


def test_long_span_caret_is_cut_with_window() -> None:
    source = "print " + "x" * 5000
    error = KqlSyntaxError("KS005", "too long", Span(6, len(source))).with_source(source)

    caret_line = str(error).splitlines()[-1]
    assert caret_line.endswith("^ (...)")
    assert len(caret_line) <= 110


def test_control_characters_are_escaped() -> None:
    source = "print 1 \x1b]0;X\x07"
    error = KqlSyntaxError("KS002", "unexpected character '\x1b'", Span(8, 9)).with_source(source)
    rendering = str(error)

    assert "\x1b" not in rendering
    assert "\x07" not in rendering
    assert rendering.splitlines()[0] == "syntax error[KS002]: unexpected character '<U+001B>'"
    assert "1 | print 1 <U+001B>]0;X<U+0007>" in rendering
    assert underlined(rendering, 1) == "<U+001B>"


def test_undecodable_bytes_are_escaped() -> None:
    source = "print 1 \udcff\udcfe"
    error = KqlSyntaxError("KS002", "unexpected character '\udcff'", Span(8, 9)).with_source(source)
    rendering = str(error)

    assert "\udcff" not in rendering
    assert "1 | print 1 <0xFF><0xFE>" in rendering
    assert underlined(rendering, 1) == "<0xFF>"


def test_caret_after_escape_and_tab() -> None:
    source = "print\t\u200b x, y"
    start = source.index("y")
    error = KqlSemanticError("KS142", "unknown name 'y'", Span(start, start + 1)).with_source(source)

    assert underlined(str(error), 1) == "y"
    assert "1 | print   <U+200B> x, y" in str(error)


def test_windows_line_end_not_shown() -> None:
    source = "print 1\r\n| where x\r\n"
    start = source.index("x")
    error = KqlSemanticError("KS142", "unknown name 'x'", Span(start, start + 1)).with_source(source)

    assert "2 | | where x\n" in str(error) + "\n"
    assert "<U+000D>" not in str(error)


def test_query_with_escape_sequence_is_escaped(metrics_db: Any) -> None:
    error = error_of(metrics_db, "print 1 \x1b]0;X\x07")

    assert error.code == "KS002"
    assert "\x1b" not in str(error)
    assert "<U+001B>" in str(error)
