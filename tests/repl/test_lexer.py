"""The pygments lexer: KQL tokens as the REPL colours them."""

from __future__ import annotations

from pygments import lex
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, Number, Operator, String

from kqlite.cli.lexer import KqlLexer


def tokens(text: str) -> list[tuple[object, str]]:
    return [(kind, value) for kind, value in lex(text, KqlLexer()) if value.strip()]


def test_lexer_operators_and_names() -> None:
    found = tokens("NetworkMetrics | where BytesSent > 10 | project-away ClientIP")

    assert (Name, "NetworkMetrics") in found
    assert (Operator, "|") in found
    assert (Keyword, "where") in found
    assert (Keyword, "project-away") in found
    assert (Number.Integer, "10") in found


def test_lexer_literals_and_comments() -> None:
    found = tokens("print a = 'it''s', b = \"x\", c = 1d, d = 1.5e3 // note")

    assert (String, "'it'") in found
    assert (String, '"x"') in found
    assert (Number, "1d") in found
    assert (Number.Float, "1.5e3") in found
    assert (Comment.Single, "// note") in found


def test_lexer_functions_and_types() -> None:
    found = tokens("T | extend s = strcat(a, 'b'), t = todatetime(x) | mv-expand v to typeof(long)")

    assert (Name.Function, "strcat") in found
    assert (Name.Function, "todatetime") in found
    assert (Keyword, "mv-expand") in found
    assert (Keyword.Type, "long") in found


def test_lexer_control_command_and_multiline_string() -> None:
    found = tokens(".set-or-replace T <|\nprint s = ```a\n\nb```")

    assert (Keyword.Reserved, ".set-or-replace") in found
    assert (Operator, "<|") in found
    assert (String, "a\n\nb") in found


def test_lexer_keeps_whole_text() -> None:
    text = "let window = 1d;\nT\n| summarize count() by bin(Timestamp, window)\n"

    assert "".join(value for _, value in lex(text, KqlLexer())) == text


def test_lexer_by_name_when_installed() -> None:
    # The entry point registers "kql" once kqlite is installed; the class itself is always usable.
    try:
        lexer = get_lexer_by_name("kql")
    except Exception:  # noqa: BLE001 - pygments raises ClassNotFound when the package is not installed
        lexer = KqlLexer()
    assert "kql" in lexer.aliases
