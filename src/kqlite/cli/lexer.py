"""A pygments lexer for the Kusto Query Language, used by the REPL and by pygments' plugin table.

Registered as the pygments lexer ``kql`` through the ``pygments.lexers`` entry point, so
``pygmentize -l kql`` and Sphinx code blocks can use it once kqlite is installed. It
imports nothing from the engine, because the REPL highlights input before pandas loads.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

# Tabular operators as they appear after `|` (and a few sources that start a pipeline).
TABULAR_OPERATORS = (
    "as", "consume", "count", "datatable", "distinct", "evaluate", "extend", "externaldata", "facet",
    "filter", "find", "fork", "getschema", "invoke", "join", "limit", "lookup", "make-series",
    "mv-apply", "mv-expand", "mvexpand", "order", "parse", "parse-where", "partition", "print",
    "project", "project-away", "project-keep", "project-rename", "project-reorder", "range",
    "reduce", "render", "sample", "sample-distinct", "scan", "search", "serialize", "sort",
    "summarize", "take", "top", "top-hitters", "top-nested", "union", "where",
)

# Words with a fixed meaning inside operators and statements.
CLAUSE_KEYWORDS = (
    "and", "asc", "between", "by", "contains", "contains_cs", "default", "desc", "endswith",
    "endswith_cs", "first", "from", "has", "has_all", "has_any", "has_cs", "hasprefix",
    "hasprefix_cs", "hassuffix", "hassuffix_cs", "in", "isfuzzy", "kind", "last", "let", "matches",
    "not", "nulls", "on", "or", "regex", "set", "startswith", "startswith_cs", "step", "to",
    "typeof", "with", "with_itemindex", "withsource",
)

# Scalar type names, as in `typeof(long)` or a table's schema `(Name:string)`.
TYPE_NAMES = (
    "bool", "boolean", "date", "datetime", "decimal", "double", "dynamic", "guid", "int", "int64",
    "long", "real", "string", "time", "timespan", "uniqueid",
)

# A timespan literal such as `1d`, `30m`, `1.5h`, `100ms`.
_TIMESPAN = r"\d+(\.\d+)?(days?|hours?|hrs?|h|minutes?|min|m|seconds?|sec|s|milliseconds?|ms|microseconds?|microsec|ticks?|tick|d)\b"


class KqlLexer(RegexLexer):
    """Highlights KQL queries and Kusto control commands."""

    name = "KQL"
    aliases: ClassVar[list[str]] = ["kql", "kusto"]
    filenames: ClassVar[list[str]] = ["*.kql", "*.csl"]
    mimetypes: ClassVar[list[str]] = ["text/x-kql"]

    tokens: ClassVar[dict[str, list]] = {  # type: ignore[type-arg]
        "root": [
            (r"\s+", Whitespace),
            (r"//.*?$", Comment.Single),
            # A control command starts a line with a dot: `.create table`, `.set-or-replace`.
            (r"(?m)^\.[a-zA-Z][\w-]*", Keyword.Reserved),
            (r"```", String, "multiline-string"),
            (r"[hH]?@'[^']*'", String),
            (r'[hH]?@"[^"]*"', String),
            (r"[hH]?'(\\\\|\\'|[^'\n])*'", String),
            (r'[hH]?"(\\\\|\\"|[^"\n])*"', String),
            (r"(datetime|timespan|guid|dynamic|bool|int|long|real|decimal)(\s*)(\()", bygroups(Keyword.Type, Whitespace, Punctuation)),
            (_TIMESPAN, Number),
            (r"0[xX][0-9a-fA-F]+", Number.Hex),
            (r"\d+\.\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|\d+[eE][+-]?\d+", Number.Float),
            (r"\d+", Number.Integer),
            (words(("true", "false", "null"), suffix=r"\b"), Keyword.Constant),
            (words(TABULAR_OPERATORS, prefix=r"(?<![\w-])", suffix=r"(?![\w-])"), Keyword),
            (words(CLAUSE_KEYWORDS, suffix=r"\b"), Keyword),
            (words(TYPE_NAMES, suffix=r"\b"), Keyword.Type),
            (r"([A-Za-z_][\w]*)(\s*)(\()", bygroups(Name.Function, Whitespace, Punctuation)),
            (r"\[(['\"])[^'\"]*\1\]", Name.Variable),
            (r"[A-Za-z_][\w]*", Name),
            (r"!~|!=|=~|==|<=|>=|<\||[-+*/%<>=!]", Operator),
            (r"\|", Operator),
            (r"[(),;:.\[\]{}]", Punctuation),
            (r".", Text),
        ],
        "multiline-string": [
            (r"```", String, "#pop"),
            (r"[^`]+", String),
            (r"`", String),
        ],
    }
