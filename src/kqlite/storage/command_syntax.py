"""Tokenize control commands (``.create table ...``): a small hand-written lexer.

Only the command's head is tokenized. After ``<|`` the rest of the text is a query, a
script or inline data, which the parser takes whole. Every token keeps its span in
the full text, so errors point at the right place even inside a script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from kqlite.errors import KqlSyntaxError, Span


class Kind(Enum):
    """Token kinds of the command head."""

    COMMAND = "command"  # `.create-merge`, the dot included
    NAME = "name"  # an identifier or a bracketed name (`['my table']`)
    STRING = "string"
    NUMBER = "number"
    PUNCTUATION = "punctuation"
    PIPE_INPUT = "<|"
    INVALID = "invalid"  # text that is no token; the parser raises `error` only if it reads it
    END = "end of command"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its value (quotes and escapes resolved) and its place."""

    kind: Kind
    value: str
    span: Span
    error: KqlSyntaxError | None = None


_COMMAND = re.compile(r"\.[A-Za-z][A-Za-z0-9_-]*")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")
_BRACKETED = re.compile(r"""\[\s*(@?)(['"])((?:\\.|(?!\2).)*)\2\s*\]""", re.DOTALL)
_STRING = re.compile(r"""[hH]?(@?)(['"])((?:\\.|(?!\2)[^\n])*)\2""")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0"}
_PUNCTUATION = "(),:=[];"


def tokenize(text: str, start: int, end: int) -> list[Token]:
    """Split ``text[start:end]`` into tokens up to ``<|`` (kept as one token) or the end."""
    tokens: list[Token] = []
    position = start
    while True:
        position = skip_blanks(text, position, end)
        if position >= end:
            tokens.append(Token(Kind.END, "", Span(end, end)))
            return tokens
        try:
            token = _next_token(text, position, end, first=not tokens)
        except KqlSyntaxError as error:
            # Inline data in the bracket form need not be tokens, so the error waits for the parser.
            tokens.append(Token(Kind.INVALID, text[position], Span(position, position + 1), error))
            tokens.append(Token(Kind.END, "", Span(end, end)))
            return tokens
        tokens.append(token)
        position = token.span.end
        if token.kind is Kind.PIPE_INPUT:
            return tokens


def skip_blanks(text: str, position: int, end: int) -> int:
    """Return the position after whitespace and ``//`` comments."""
    while position < end:
        if text[position].isspace():
            position += 1
        elif text.startswith("//", position):
            newline = text.find("\n", position, end)
            position = end if newline < 0 else newline + 1
        else:
            break
    return position


def _next_token(text: str, position: int, end: int, first: bool) -> Token:
    window = text[:end]
    if text.startswith("<|", position):
        return Token(Kind.PIPE_INPUT, "<|", Span(position, position + 2))
    if first and (match := _COMMAND.match(window, position)):
        return Token(Kind.COMMAND, match.group().lower(), Span(position, match.end()))
    if match := _BRACKETED.match(window, position):
        return Token(Kind.NAME, _unquote(match.group(3), verbatim=bool(match.group(1)), quote=match.group(2)),
                     Span(position, match.end()))
    if match := _STRING.match(window, position):
        return Token(Kind.STRING, _unquote(match.group(3), verbatim=bool(match.group(1)), quote=match.group(2)),
                     Span(position, match.end()))
    if match := _NUMBER.match(window, position):
        return Token(Kind.NUMBER, match.group(), Span(position, match.end()))
    if match := _NAME.match(window, position):
        return Token(Kind.NAME, match.group(), Span(position, match.end()))
    if text[position] in _PUNCTUATION:
        return Token(Kind.PUNCTUATION, text[position], Span(position, position + 1))
    if text[position] in "'\"":
        raise KqlSyntaxError("KL106", "unterminated string literal", Span(position, end),
                             hint="close the string with the same quote on the same line")
    raise KqlSyntaxError("KL106", f"unexpected character {text[position]!r} in the command", Span(position, position + 1))


def _unquote(body: str, verbatim: bool, quote: str) -> str:
    if verbatim:
        # In a verbatim string (@'...') a backslash is literal and a doubled quote is one quote.
        return body.replace(quote * 2, quote)
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(1)), body)
