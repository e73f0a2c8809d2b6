"""Parse one control command into a command object (see `kqlite.storage.commands` for running it).

Grammar, in Kusto's syntax conventions (names are case-sensitive, keywords are not)::

    .create table T (c:type, ...) [with (k=v, ...)]        and .create-merge, .alter-merge
    .drop table T [ifexists]      .drop tables (T1, ...) [ifexists]
    .clear table T data
    .set | .append | .set-or-append | .set-or-replace [async] T [with (...)] <| query
    .ingest inline into table T [with (...)] <| data       or  ... [record] [record] ...
    .ingest [async] into table T (uri, ...) [with (...)]
    .execute database script [with (...)] <| script
    .show tables [(T1, ...)]      .show table T cslschema | schema [as json]
    .show database [name] schema
"""

from __future__ import annotations

from dataclasses import dataclass

from kqlite.errors import KqlNotSupportedError, KqlSyntaxError, Span
from kqlite.storage.command_syntax import Kind, Token, tokenize
from kqlite.table import Columns
from kqlite.types import TYPE_NAMES, parse_type_name

PropertyValue = str | bool | int | float
Properties = dict[str, PropertyValue]


@dataclass(frozen=True, slots=True)
class Command:
    """Fields every command has: its verb (`.create-merge`) and its span in the text."""

    verb: str
    span: Span


@dataclass(frozen=True, slots=True)
class TableSchemaCommand(Command):
    """`.create table`, `.create-merge table` or `.alter-merge table`."""

    table: str
    columns: Columns
    properties: Properties


@dataclass(frozen=True, slots=True)
class DropTables(Command):
    """`.drop table T` or `.drop tables (...)`."""

    tables: tuple[str, ...]
    if_exists: bool


@dataclass(frozen=True, slots=True)
class ClearTableData(Command):
    """`.clear table T data`."""

    table: str


@dataclass(frozen=True, slots=True)
class IngestFromQuery(Command):
    """`.set`, `.append`, `.set-or-append` and `.set-or-replace`."""

    table: str
    is_async: bool
    properties: Properties
    query: str
    query_offset: int


@dataclass(frozen=True, slots=True)
class IngestInline(Command):
    """`.ingest inline into table T <| data`; the bracket form is turned into CSV records."""

    table: str
    properties: Properties
    data: str


@dataclass(frozen=True, slots=True)
class IngestFromStorage(Command):
    """`.ingest [async] into table T (uri, ...)`."""

    table: str
    is_async: bool
    sources: tuple[str, ...]
    properties: Properties


@dataclass(frozen=True, slots=True)
class ExecuteScript(Command):
    """`.execute database script <| script`."""

    properties: Properties
    script_start: int
    script_end: int


@dataclass(frozen=True, slots=True)
class ShowTables(Command):
    """`.show tables [(T1, ...)]`."""

    tables: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShowTableSchema(Command):
    """`.show table T cslschema` or `.show table T schema as json`."""

    table: str
    as_json: bool


@dataclass(frozen=True, slots=True)
class ShowDatabaseSchema(Command):
    """`.show database schema`."""


INGEST_FROM_QUERY_VERBS = (".set", ".append", ".set-or-append", ".set-or-replace")


def parse_command(text: str, start: int = 0, end: int | None = None) -> Command:
    """Parse the command in ``text[start:end]``; spans are offsets in the whole `text`."""
    end = len(text) if end is None else end
    parser = _Parser(text, tokenize(text, start, end), end)
    return parser.command()


class _Parser:
    def __init__(self, text: str, tokens: list[Token], end: int) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.end = end

    def command(self) -> Command:
        head = self.tokens[0]
        if head.kind is not Kind.COMMAND:
            raise KqlSyntaxError("KL106", "a control command must start with '.' and a command name", head.span)
        self.index = 1
        verb = head.value
        if verb in (".create", ".create-merge", ".alter-merge"):
            return self._table_schema(verb, head)
        if verb == ".drop":
            return self._drop(head)
        if verb == ".clear":
            self._keyword("table")
            table = self._name("table name")
            self._keyword("data")
            return self._finish(ClearTableData(verb, self._span(head), table))
        if verb in INGEST_FROM_QUERY_VERBS:
            return self._ingest_from_query(verb, head)
        if verb == ".ingest":
            return self._ingest(head)
        if verb == ".execute":
            return self._execute(head)
        if verb == ".show":
            return self._show(head)
        raise KqlNotSupportedError(f"the control command '{verb}'", head.span)

    def _table_schema(self, verb: str, head: Token) -> Command:
        self._keyword("table")
        table = self._name("table name")
        self._punctuation("(")
        columns: list[tuple[str, object]] = []
        while True:
            column = self._name("column name")
            self._punctuation(":")
            type_token = self._expect(Kind.NAME, "a type name")
            kql_type = parse_type_name(type_token.value)
            if kql_type is None:
                raise KqlSyntaxError("KL106", f"unknown type '{type_token.value}'", type_token.span,
                                     hint=f"types: {', '.join(sorted(set(TYPE_NAMES)))}")
            if any(name == column for name, _ in columns):
                raise KqlSyntaxError("KL118", f"column '{column}' is listed twice", type_token.span)
            columns.append((column, kql_type))
            if not self._accept_punctuation(","):
                break
        self._punctuation(")")
        properties = self._with_properties()
        return self._finish(TableSchemaCommand(verb, self._span(head), table, tuple(columns), properties))  # type: ignore[arg-type]

    def _drop(self, head: Token) -> Command:
        keyword = self._expect(Kind.NAME, "'table' or 'tables'")
        if keyword.value.lower() == "table":
            tables: tuple[str, ...] = (self._name("table name"),)
        elif keyword.value.lower() == "tables":
            tables = self._name_list()
        else:
            raise KqlSyntaxError("KL106", f"expected 'table' or 'tables', found '{keyword.value}'", keyword.span)
        if_exists = self._accept_keyword("ifexists")
        return self._finish(DropTables(".drop", self._span(head), tables, if_exists))

    def _ingest_from_query(self, verb: str, head: Token) -> Command:
        is_async = self._accept_keyword("async")
        table = self._name("table name")
        properties = self._with_properties()
        pipe = self._expect(Kind.PIPE_INPUT, "'<|' and a query")
        query = self.text[pipe.span.end : self.end]
        return IngestFromQuery(verb, self._span(head, self.end), table, is_async, properties, query, pipe.span.end)

    def _ingest(self, head: Token) -> Command:
        if self._accept_keyword("inline"):
            self._keyword("into")
            self._keyword("table")
            table = self._name("table name")
            properties = self._with_properties()
            token = self._peek()
            if token.kind is Kind.PIPE_INPUT:
                data = self.text[token.span.end : self.end]
                # The data starts on the line after '<|' when nothing else is on that line.
                if data.startswith("\n"):
                    data = data[1:]
                elif data.startswith("\r\n"):
                    data = data[2:]
                return IngestInline(".ingest", self._span(head, self.end), table, properties, data)
            return IngestInline(".ingest", self._span(head, self.end), table, properties,
                                _bracket_records(self.text, token.span.start, self.end))
        is_async = self._accept_keyword("async")
        self._keyword("into")
        self._keyword("table")
        table = self._name("table name")
        self._punctuation("(")
        sources = [self._expect(Kind.STRING, "a source URI in quotes").value]
        while self._accept_punctuation(","):
            sources.append(self._expect(Kind.STRING, "a source URI in quotes").value)
        self._punctuation(")")
        properties = self._with_properties()
        return self._finish(IngestFromStorage(".ingest", self._span(head), table, is_async, tuple(sources), properties))

    def _execute(self, head: Token) -> Command:
        self._keyword("database")
        self._keyword("script")
        properties = self._with_properties()
        pipe = self._expect(Kind.PIPE_INPUT, "'<|' and a script")
        return ExecuteScript(".execute", self._span(head, self.end), properties, pipe.span.end, self.end)

    def _show(self, head: Token) -> Command:
        subject = self._expect(Kind.NAME, "'tables', 'table' or 'database'")
        word = subject.value.lower()
        if word == "tables":
            tables = self._name_list() if self._peek().value == "(" else ()
            return self._finish(ShowTables(".show", self._span(head), tables))
        if word == "table":
            table = self._name("table name")
            form = self._expect(Kind.NAME, "'cslschema' or 'schema'")
            if form.value.lower() == "cslschema":
                return self._finish(ShowTableSchema(".show", self._span(head), table, as_json=False))
            if form.value.lower() != "schema":
                raise KqlSyntaxError("KL106", f"expected 'cslschema' or 'schema', found '{form.value}'", form.span)
            if self._accept_keyword("as"):
                self._keyword("json")
            return self._finish(ShowTableSchema(".show", self._span(head), table, as_json=True))
        if word == "database":
            if self._peek().kind is Kind.NAME and self._peek().value.lower() != "schema":
                self.index += 1  # kqlite has one database, so its name is not checked
            self._keyword("schema")
            return self._finish(ShowDatabaseSchema(".show", self._span(head)))
        raise KqlNotSupportedError(f"'.show {subject.value}'", subject.span)

    def _with_properties(self) -> Properties:
        properties: Properties = {}
        if not self._accept_keyword("with"):
            return properties
        self._punctuation("(")
        while True:
            key = self._expect(Kind.NAME, "a property name")
            self._punctuation("=")
            value = self._next()
            if value.kind is Kind.NUMBER:
                properties[key.value] = float(value.value) if "." in value.value or "e" in value.value.lower() else int(value.value)
            elif value.kind is Kind.NAME and value.value.lower() in ("true", "false"):
                properties[key.value] = value.value.lower() == "true"
            elif value.kind in (Kind.NAME, Kind.STRING):
                properties[key.value] = value.value
            else:
                raise KqlSyntaxError("KL106", f"expected a value for property '{key.value}'", value.span)
            if not self._accept_punctuation(","):
                break
        self._punctuation(")")
        return properties

    def _name_list(self) -> tuple[str, ...]:
        self._punctuation("(")
        names = [self._name("table name")]
        while self._accept_punctuation(","):
            names.append(self._name("table name"))
        self._punctuation(")")
        return tuple(names)

    def _name(self, what: str) -> str:
        return self._expect(Kind.NAME, f"a {what}").value

    def _keyword(self, word: str) -> None:
        token = self._next()
        if token.kind is not Kind.NAME or token.value.lower() != word:
            raise KqlSyntaxError("KL106", f"expected '{word}', found {_describe(token)}", token.span)

    def _accept_keyword(self, word: str) -> bool:
        token = self._peek()
        if token.kind is Kind.NAME and token.value.lower() == word:
            self.index += 1
            return True
        return False

    def _punctuation(self, mark: str) -> None:
        token = self._next()
        if token.kind is not Kind.PUNCTUATION or token.value != mark:
            raise KqlSyntaxError("KL106", f"expected '{mark}', found {_describe(token)}", token.span)

    def _accept_punctuation(self, mark: str) -> bool:
        token = self._peek()
        if token.kind is Kind.PUNCTUATION and token.value == mark:
            self.index += 1
            return True
        return False

    def _expect(self, kind: Kind, what: str) -> Token:
        token = self._next()
        if token.kind is not kind:
            raise KqlSyntaxError("KL106", f"expected {what}, found {_describe(token)}", token.span)
        return token

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _next(self) -> Token:
        token = self.tokens[self.index]
        if token.error is not None:
            raise token.error
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def _span(self, head: Token, end: int | None = None) -> Span:
        return Span(head.span.start, end if end is not None else self.tokens[self.index - 1].span.end)

    def _finish(self, command: Command) -> Command:
        token = self._peek()
        if token.error is not None:
            raise token.error
        if token.kind is not Kind.END:
            raise KqlSyntaxError("KL106", f"unexpected {_describe(token)} after the command", token.span)
        return command


def _describe(token: Token) -> str:
    return "the end of the command" if token.kind is Kind.END else f"'{token.value}'"


def _bracket_records(text: str, start: int, end: int) -> str:
    # Each `[ ... ]` is one CSV record, and brackets inside double quotes belong to the data.
    records: list[str] = []
    position = start
    while position < end:
        if text[position].isspace():
            position += 1
            continue
        if text[position] != "[":
            raise KqlSyntaxError("KL106", "expected '[' to start an inline record or '<|' before the data",
                                 Span(position, position + 1))
        close = _closing_bracket(text, position + 1, end)
        records.append(text[position + 1 : close])
        position = close + 1
    return "\n".join(records)


def _closing_bracket(text: str, position: int, end: int) -> int:
    quoted = False
    for index in range(position, end):
        character = text[index]
        if character == '"':
            quoted = not quoted
        elif character == "]" and not quoted:
            return index
    raise KqlSyntaxError("KL106", "inline record is missing its closing ']'", Span(position - 1, end))
