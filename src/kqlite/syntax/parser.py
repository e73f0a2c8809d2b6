"""Parse KQL query text into a `kqlite.syntax.nodes.Script`.

The LALR parser is built from `grammar/kql.lark` and loaded when this module is imported,
so importing the engine includes it. Building it takes ~0.2 s, so the built parser is
pickled into the temporary folder and later processes load it from there (see
`_load_parser`). Control commands (text starting with '.') are parsed by
`kqlite.storage.commands`, not here.
"""

from __future__ import annotations

import getpass
import hashlib
import importlib
import importlib.resources
import logging
import os
import pickle
import re
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import lark
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_analysis import Reduce, Shift

from kqlite.errors import KqlError, KqlInternalError, KqlSyntaxError, Span
from kqlite.syntax import hints, nodes
from kqlite.syntax.builder import Builder, unknown_operator_error
from kqlite.syntax.depth import check_depth

logger = logging.getLogger("kqlite.syntax")

# At most this many expected tokens are listed in a syntax error.
MAX_EXPECTED = 6

# Part of the pickled parser's file name: change it when the pickled form changes.
_CACHE_FORMAT = "1"
# Lark's parse table marks each action as a shift or a reduction with one of these two
# objects and compares them by identity. The pickle refers to them (and to modules) by
# name, so that loading it does not create copies.
_SHARED_OBJECTS: dict[str, object] = {"lark:Shift": Shift, "lark:Reduce": Reduce}

# Names of regular-expression terminals in "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "BRACKET_NAME": "a name",
    "WILDCARD": "a column name pattern",
    "HINT_NAME": "hint.<name>",
    "DOLLAR_SIDE": "$left or $right",
    "LONG": "a number",
    "REAL": "a number",
    "TIMESPAN": "a timespan",
    "STRING": "a string",
    "DATETIME_CALL": "datetime(...)",
    "TIMESPAN_CALL": "timespan(...)",
    "GUID_CALL": "guid(...)",
    "TYPED_CALL": "a typed literal",
    "_MV_EXPAND": "'mv-expand'",
    "_MV_APPLY": "'mv-apply'",
    "$END": "end of text",
}
# Spellings of the tokens that can start a scalar expression. When a name and a number
# are both expected, the message lists "an expression" in their place.
_EXPRESSION_STARTS = frozenset(
    {"a name", "a number", "a string", "a timespan", "datetime(...)", "timespan(...)", "guid(...)",
     "a typed literal", "$left or $right", "'true'", "'True'", "'TRUE'", "'false'", "'False'", "'FALSE'",
     "'dynamic'", "'typeof'", "'range'", "'('", "'['", "'-'", "'+'"}
)
# Spellings of binary operators. When several are expected, the message lists "an operator".
_OPERATORS = frozenset(
    {"'or'", "'and'", "'=='", "'!='", "'<>'", "'=~'", "'!~'", "'<'", "'<='", "'>'", "'>='", "'+'", "'-'",
     "'*'", "'/'", "'%'", "'in'", "'!in'", "'in~'", "'!in~'", "'has_any'", "'has_all'", "'between'",
     "'!between'", "'matches'", "'.'", "'['"}
    | {f"'{negation}{word}{suffix}'" for negation in ("", "!") for suffix in ("", "_cs")
       for word in ("contains", "has", "hasprefix", "hassuffix", "startswith", "endswith")}
)
# Spellings listed first, in this order: they end or continue a clause.
_FIRST_SPELLINGS = ("'|'", "','", "')'", "']'", "'}'", "'by'", "'on'", "'step'", "'='", "'with'", "'default'")
_LAST_SPELLINGS = ("an operator", "';'", "end of text")


def parse(text: str) -> nodes.Script:
    """Parse a KQL query text (one or more statements separated by ';').

    Raises:
        KqlSyntaxError: the text is not valid KQL; the error's span marks the token
            where parsing stopped (the end of the text when it ended too early). The
            caller attaches the text with `KqlError.with_source` before showing it.
        KqlNotSupportedError: a KQL operator that kqlite does not parse.
    """
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None

    check_depth(tree, text)
    try:
        return Builder(text).build(tree)
    except KqlError:
        raise
    except Exception as error:
        raise KqlInternalError("KL900", f"building the syntax tree failed: {error!r}") from error


def _parser() -> Lark:
    return _PARSER


def compile_lexer() -> None:
    """Compile the lexer's scanners for every parser state now rather than on first use.

    lark's contextual lexer compiles one regular expression per set of tokens a parser
    state accepts, the first time a text reaches that state: a new kind of query pays
    a few milliseconds. `kqlite.preload.load_engine` compiles them all at once (about
    0.04 s). The lexer objects are lark internals; if their layout changes, this does
    nothing and the scanners are compiled lazily as before.
    """
    contextual = getattr(getattr(getattr(_PARSER, "parser", None), "lexer", None), "lexer", None)
    lexers = getattr(contextual, "lexers", None)
    if not isinstance(lexers, dict):
        return
    for lexer in {id(lexer): lexer for lexer in lexers.values()}.values():
        getattr(lexer, "scanner", None)


def _load_parser() -> Lark:
    """Load the parser that an earlier process pickled for this grammar, else build and pickle it.

    Unpickling the whole `Lark` object takes ~0.007 s, against ~0.022 s for lark's own
    cache, which rebuilds the parse table's objects from a serialized form (measured on
    a 2-core machine, lark 1.3.1). The file name contains a hash of the grammar text and of
    the lark and Python versions, so a changed grammar or an upgrade builds a new parser.
    """
    grammar = _grammar_path().read_text(encoding="utf-8")
    path = _cache_path(grammar)
    try:
        with open(path, "rb") as file:
            return _read_pickle(file)
    except FileNotFoundError:
        pass
    except Exception as error:  # noqa: BLE001 - any damaged or foreign file is rebuilt, never trusted.
        logger.debug("rebuilding the parser: cannot load %s: %r", path, error)

    parser = Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        postlex=_KeywordsAsWords(),
        propagate_positions=True,
        maybe_placeholders=True,
    )
    _write_pickle(parser, path)
    return parser


def _cache_path(grammar: str) -> Path:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises OSError or KeyError without a user name; any name will do.
        user = "unknown"
    versions = f"{_CACHE_FORMAT} {lark.__version__} {sys.version}"
    digest = hashlib.sha256(f"{versions}\n{grammar}".encode()).hexdigest()[:32]
    return Path(tempfile.gettempdir()) / f".kqlite_parser_{user}_{digest}.pickle"


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: object) -> str | None:
        if isinstance(obj, types.ModuleType):
            return f"module:{obj.__name__}"
        for name, shared in _SHARED_OBJECTS.items():
            if obj is shared:
                return name
        return None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> object:
        if pid in _SHARED_OBJECTS:
            return _SHARED_OBJECTS[pid]
        if isinstance(pid, str) and pid.startswith("module:"):
            return importlib.import_module(pid.removeprefix("module:"))
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def _read_pickle(file: IO[bytes]) -> Lark:
    # The temporary folder is shared: only a file of this user that nobody else can write is
    # unpickled, because unpickling runs code named in the file.
    status = os.fstat(file.fileno())
    if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
        raise PermissionError(f"owned by user id {status.st_uid} with mode {status.st_mode:o}")
    parser = _Unpickler(file).load()
    if not isinstance(parser, Lark):
        raise TypeError(f"holds a {type(parser).__name__}, not a Lark parser")
    return parser


def _write_pickle(parser: Lark, path: Path) -> None:
    # Written to a private temporary file and renamed, so a process that starts meanwhile
    # never reads half a file.
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
        try:
            with os.fdopen(descriptor, "wb") as file:
                _Pickler(file, protocol=pickle.HIGHEST_PROTOCOL).dump(parser)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception as error:  # noqa: BLE001 - an OSError, or an object a later lark makes unpicklable.
        # Every process then builds the parser again, which is slower but correct.
        logger.debug("the parser is not cached: cannot write %s: %r", path, error)


def _grammar_path() -> Path:
    """Find the grammar: package data in an installed wheel, else the repository's file."""
    packaged = importlib.resources.files("kqlite") / "grammar" / "kql.lark"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "grammar" / "kql.lark"


class _KeywordsAsWords:
    """Let the lexer read a whole word in every parser state.

    The contextual lexer only tries the terminals of the current state. Where NAME is
    not among them, the keyword `by` would match the start of `bye`. Because NAME is
    accepted everywhere, the lexer reads `bye` as one word and the parser reports it.
    """

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


def _syntax_error(text: str, error: UnexpectedInput) -> KqlError:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        character = text[position]
        return KqlSyntaxError(
            "KS002",
            f"unexpected character '{character}'",
            Span(position, position + 1),
            hint=hints.character_hint(character),
        )

    assert isinstance(error, UnexpectedToken)
    token = error.token
    at_end = token.type == "$END"
    span = Span(len(text), len(text)) if at_end else Span(token.start_pos or 0, token.end_pos or 0)
    found = "" if at_end else str(token.value)

    unknown = _unknown_operator(text, span.start)
    if unknown is not None:
        return unknown

    expected_terminals = set(error.accepts or error.expected)
    expected = _spellings(expected_terminals)
    found_text = "end of text" if at_end else f"'{found}'"
    hint = hints.slip_hint(text, span.start, found, frozenset(expected))

    if text[: span.start].rstrip().endswith("|") and not text[: span.start].rstrip().endswith("||"):
        return KqlSyntaxError("KS176", f"expected a query operator after '|' - found {found_text}", span, hint=hint)
    listed = expected[0] if len(expected) == 1 else f"one of: {', '.join(expected[:MAX_EXPECTED])}"
    return KqlSyntaxError("KS005", f"expected {listed} - found {found_text}", span, hint=hint)


def _unknown_operator(text: str, offset: int) -> KqlError | None:
    """Report the operator of the current pipe segment if kqlite does not parse it.

    The grammar reads any word after '|' as an operator name, so that the error can
    name it. The parse then fails on a later token of that segment.
    """
    pipe = text.rfind("|", 0, offset)
    operator = _OPERATOR_WORD.match(text, pipe + 1) if pipe >= 0 else None
    if operator is None or operator.group(1) in hints.PARSED_OPERATORS:
        return None
    return unknown_operator_error(operator.group(1), Span(operator.start(1), operator.end(1)))


_OPERATOR_WORD = re.compile(r"\s*([A-Za-z_][\w-]*)")


def _spellings(terminals: set[str]) -> list[str]:
    """Turn terminal names into the spellings a user types, most useful first."""
    words = {_spelling(name) for name in terminals}
    if {"a name", "a number"} <= words:
        words = (words - _EXPRESSION_STARTS) | {"an expression"}
    if len(words & _OPERATORS) > 2:
        words = (words - _OPERATORS) | {"an operator"}

    def rank(spelling: str) -> tuple[int, str]:
        if spelling in _FIRST_SPELLINGS:
            return 0, f"{_FIRST_SPELLINGS.index(spelling):02}"
        if spelling in _LAST_SPELLINGS:
            return 3, f"{_LAST_SPELLINGS.index(spelling):02}"
        if spelling[1:2].isalpha() or not spelling.startswith("'"):
            return 1, spelling
        return 2, spelling

    return sorted(words, key=rank)


def _spelling(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    pattern: Any = _parser().get_terminal(terminal).pattern
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return terminal.lower()


# Loaded at import, so that importing the engine includes the parser. The loader's classes
# and `_KeywordsAsWords`, which the pickle names, are defined above.
_PARSER = _load_parser()
