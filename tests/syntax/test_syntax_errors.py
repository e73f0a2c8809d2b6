"""Syntax errors: codes, positions, messages, hints and how they render."""

from __future__ import annotations

import pytest

from kqlite.errors import KqlError, KqlNotSupportedError, KqlSyntaxError, Span
from kqlite.syntax.parser import parse


def error_of(text: str) -> KqlError:
    with pytest.raises(KqlError) as caught:
        parse(text)
    return caught.value.with_source(text)


def test_unexpected_word_message_and_span() -> None:
    error = error_of("T | summarize count() bye x")

    assert isinstance(error, KqlSyntaxError)
    assert error.code == "KS005"
    assert error.span == Span(22, 25)
    assert error.message == "expected one of: '|', ',', 'by', '=', an operator, ';' - found 'bye'"


def test_error_at_end_points_past_last_character() -> None:
    text = "T | take 10 |"
    error = error_of(text)

    assert error.code == "KS176"
    assert error.span == Span(len(text), len(text))
    assert error.message == "expected a query operator after '|' - found end of text"


def test_expected_expression() -> None:
    error = error_of("T | where")

    assert error.message == "expected an expression - found end of text"
    assert error.span == Span(9, 9)


def test_unexpected_character() -> None:
    error = error_of("print a && b")

    assert error.code == "KS002"
    assert error.span == Span(8, 9)
    assert error.hint == "use 'and' to combine conditions; '&&' is not KQL"


def test_unclosed_string() -> None:
    error = error_of("print 'abc")

    assert error.code == "KS002"
    assert error.span == Span(6, 7)
    assert error.hint is not None and "not closed" in error.hint


def test_error_line_and_column() -> None:
    text = "T\n| where a > 1\n| extend b = a +\n| take 5"
    error = error_of(text)

    assert (error.line, error.column) == (4, 1)


def test_rendering() -> None:
    error = error_of("T | summarize count() bye x")

    assert str(error) == "\n".join(
        [
            "syntax error[KS005]: expected one of: '|', ',', 'by', '=', an operator, ';' - found 'bye'",
            " --> line 1, column 23",
            "  |",
            "1 | T | summarize count() bye x",
            "  |                       ^^^",
        ]
    )


def test_rendering_with_hint() -> None:
    error = error_of("T\n| where State = 'TEXAS'")

    assert str(error) == "\n".join(
        [
            "syntax error[KS005]: expected one of: '|', ';', end of text - found '='",
            " --> line 2, column 15",
            "  |",
            "2 | | where State = 'TEXAS'",
            "  |               ^",
            "   = hint: use '==' to compare two values; '=' gives a name to a column",
        ]
    )


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("T where a > 1", "add '|' before 'where': each query operator follows a '|'"),
        ("T | take 5 extend b = 1", "add '|' before 'extend': each query operator follows a '|'"),
        ("T | where a = 1", "use '==' to compare two values; '=' gives a name to a column"),
        ("T | project a,", "remove the trailing ','"),
        ("T | project a, b, | take 1", "remove the trailing ','"),
        ("T | summarize count(), by k", "remove the trailing ',' before 'by'"),
        ("let x = 1\nprint x", "end the let statement with ';' before the next statement"),
        ("let T2 = T | take 1\nT2 | count", "end the let statement with ';' before the next statement"),
        ("print 1.5w", "KQL has no week unit: write 7d for one week"),
        ("T | where t > ago(1.5weeks)", "KQL has no week unit: write 7d for one week"),
        ("T | where a > 1 || b", "use 'or' to combine conditions; '||' is not KQL"),
        ("T | where not x", "not is a function in KQL: write not(condition)"),
    ],
)
def test_slip_hints(text: str, hint: str) -> None:
    error = error_of(text)

    assert isinstance(error, KqlSyntaxError)
    assert error.hint == hint


def test_missing_semicolon_span() -> None:
    text = "let x = 1\nprint x"
    error = error_of(text)

    assert error.span == Span(10, 15)


def test_unknown_operator() -> None:
    error = error_of("T | wher a > 1")

    assert error.code == "KS176"
    assert error.message == "unknown query operator 'wher'"
    assert error.span == Span(4, 8)
    assert error.hint == "did you mean 'where'?"


def test_unknown_operator_alone() -> None:
    error = error_of("T | take 10 | foo")

    assert error.code == "KS176"
    assert error.span == Span(14, 17)


@pytest.mark.parametrize(
    ("text", "operator"),
    [("T | parse-kv x as (a:long) with (pair_delimiter=',')", "parse-kv"), ("T | scan with (step s: true;)", "scan"), ("T | facet by x", "facet")],
)
def test_kql_operator_not_supported(text: str, operator: str) -> None:
    error = error_of(text)

    assert isinstance(error, KqlNotSupportedError)
    assert error.message == f"the '{operator}' operator is not supported by kqlite yet"
    assert error.span is not None and text[error.span.start : error.span.end] == operator


def test_malformed_literal_points_at_literal() -> None:
    text = "T | where t > datetime(2023-02-30)"
    error = error_of(text)

    assert error.code == "KS004"
    assert text[error.span.start : error.span.end] == "datetime(2023-02-30)"  # type: ignore[union-attr]


def test_errors_do_not_carry_source_until_attached() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse("T |")

    assert caught.value.source is None
    assert caught.value.span == Span(3, 3)


def test_control_command_hint() -> None:
    error = error_of(".show tables")

    assert error.span == Span(0, 1)
    assert error.hint == "control commands (text starting with '.') run as commands, not inside a query"


DEEP_QUERIES = {
    "parentheses": "print " + "(" * 600 + "1" + ")" * 600,
    "calls": "print " + "abs(" * 600 + "1" + ")" * 600,
    "dynamic_arrays": "print dynamic(" + "[" * 600 + "]" * 600 + ")",
    "or_chain": "print x = 1 | where " + " or ".join(f"x == {i}" for i in range(600)),
    "pipeline": "print x = 1" + " | extend x = x + 1" * 600,
}


@pytest.mark.parametrize("text", list(DEEP_QUERIES.values()), ids=list(DEEP_QUERIES))
def test_deep_nesting_rejected(text: str) -> None:
    error = error_of(text)

    assert isinstance(error, KqlSyntaxError)
    assert error.code == "KS245"
    assert "nested too deeply" in error.message
    assert 0 <= error.span.start < error.span.end <= len(text)


def test_nesting_below_limit_parses() -> None:
    # 250 parentheses are within the limit, and the builder does not recurse per level.
    script = parse("print " + "(" * 250 + "1" + ")" * 250)

    assert len(script.statements) == 1


@pytest.mark.parametrize("text", ["print 1 between (0 .. 2) + 1h", "print 1 in (1, 2) + 3"])
def test_range_list_as_operand(text: str) -> None:
    error = error_of(text)

    assert isinstance(error, KqlSyntaxError)
    assert error.code == "KS005"
    assert "cannot be an operand of '+'" in error.message
    assert text[error.span.start] == "("
