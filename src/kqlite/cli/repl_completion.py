"""Completion for the REPL: operators after `|`, tables, the columns in scope, functions, `let` names.

The columns in scope at the cursor are the output columns of the pipeline before the
cursor's stage: the text up to the last `|` is bound (not run) with
`Database.schema_of`. When that text does not bind (a typo earlier, a subquery that
is still open), completion falls back to tables, functions and `let` names. Before the
engine has finished loading in the background, only keywords are offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from kqlite.cli.lexer import TABULAR_OPERATORS

if TYPE_CHECKING:
    from kqlite.database import Database

# Operators whose arguments may call aggregates.
AGGREGATING_OPERATORS = ("summarize", "make-series", "top-nested")
CHART_TYPES = (
    "anomalychart", "areachart", "barchart", "columnchart", "linechart", "piechart", "scatterchart",
    "table", "timechart",
)
RENDER_PROPERTIES = (
    "accumulate", "anomalycolumns", "kind", "legend", "series", "title", "xaxis", "xcolumn", "xtitle",
    "yaxis", "ycolumns", "ymax", "ymin", "ysplit", "ytitle",
)
PIPELINE_STARTS = ("let", "print", "range", "datatable", "union", "set")

_WORD_BEFORE_CURSOR = re.compile(r"[\w-]*$")
_LET_NAME = re.compile(r"\blet\s+([A-Za-z_]\w*)")
_STRING_OR_COMMENT = re.compile(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|//[^\n]*")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    meta: str = ""
    display: str | None = None


class KqlCompleter(Completer):
    """Completes KQL at the cursor; `database` returns None while the engine is still loading."""

    def __init__(self, database: Callable[[], Database | None], repl_commands: Iterable[str] = ()) -> None:
        self.database = database
        self.repl_commands = tuple(repl_commands)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        word = _WORD_BEFORE_CURSOR.search(before)
        prefix = word.group(0) if word else ""
        for candidate in candidates_at(before[: len(before) - len(prefix)], self.database(), self.repl_commands):
            if candidate.text.lower().startswith(prefix.lower()):
                yield Completion(
                    candidate.text,
                    start_position=-len(prefix),
                    display=candidate.display or candidate.text,
                    display_meta=candidate.meta,
                )


def candidates_at(before: str, database: Database | None, repl_commands: tuple[str, ...] = ()) -> list[Candidate]:
    """Return what may come after the text `before` (which ends where the current word starts)."""
    code = _STRING_OR_COMMENT.sub(lambda match: " " * len(match.group(0)), before)
    start = _statement_start(code)
    stripped = code[start:].rstrip()

    if code.strip() == ".":
        return [Candidate(name.removeprefix("."), "REPL command") for name in repl_commands]
    if code.strip() == "":
        return [*(Candidate(name, "REPL command") for name in repl_commands), *_sources(before, database)]
    if stripped.endswith("|") and not stripped.endswith("<|"):
        return [Candidate(name, "operator") for name in TABULAR_OPERATORS]
    if stripped == "":
        return _sources(before, database)
    if re.search(r"\|\s*render\s*$", stripped):
        return [Candidate(name, "chart") for name in CHART_TYPES]
    if re.search(r"\|\s*render\s+\w+\s+with\s*\([^)]*$", stripped):
        return [Candidate(name, "render property") for name in RENDER_PROPERTIES]
    return _in_stage(before, start, code[start:], database)


def _sources(before: str, database: Database | None) -> list[Candidate]:
    candidates = [Candidate(name, "let") for name in _let_names(before)]
    if database is not None:
        candidates.extend(Candidate(name, "table") for name in database.catalog.names())
    candidates.extend(Candidate(word, "keyword") for word in PIPELINE_STARTS)
    return candidates


def _in_stage(before: str, start: int, statement: str, database: Database | None) -> list[Candidate]:
    candidates: list[Candidate] = []
    pipe = statement.rfind("|")
    if database is not None and pipe > 0:
        # The `let` statements of the block come first, so that `let` tables and values bind.
        candidates.extend(_columns_of(before[:start] + before[start : start + pipe], database))
    candidates.extend(Candidate(name, "let") for name in _let_names(before))

    if database is None:
        return candidates
    from kqlite.functions import load_all
    from kqlite.functions.registry import AGGREGATES, SCALARS

    load_all()
    stage = statement[pipe + 1 :].lstrip() if pipe >= 0 else statement
    if stage.startswith(AGGREGATING_OPERATORS):
        candidates.extend(Candidate(name, entry.doc, _signature(name, entry.params)) for name, entry in sorted(AGGREGATES.items()))
    candidates.extend(Candidate(name, entry.doc, _signature(name, entry.params)) for name, entry in sorted(SCALARS.items()))
    candidates.extend(Candidate(name, "table") for name in database.catalog.names())
    return candidates


def _columns_of(pipeline_head: str, database: Database) -> list[Candidate]:
    from kqlite.errors import KqlError

    try:
        columns = database.schema_of(_strip_command_header(pipeline_head))
    except KqlError:
        return []
    return [Candidate(_quoted(name), f"column: {kql_type}") for name, kql_type in columns]


def _statement_start(code: str) -> int:
    # The statement the cursor is in starts after the last `;` or `<|` of the block.
    semicolon = code.rfind(";") + 1
    arrow = code.rfind("<|")
    return max(semicolon, arrow + 2 if arrow >= 0 else 0)


def _strip_command_header(text: str) -> str:
    # `.set-or-replace T <| query`: only the query after `<|` binds.
    position = text.rfind("<|")
    return text[position + 2 :] if position >= 0 else text


def _let_names(text: str) -> list[str]:
    return list(dict.fromkeys(_LET_NAME.findall(text)))


def _quoted(name: str) -> str:
    if _IDENTIFIER.fullmatch(name):
        return name
    escaped = name.replace("'", "\\'")
    return f"['{escaped}']"


def _signature(name: str, params: Iterable[object]) -> str:
    shown = []
    for param in params:
        text = getattr(param, "name", "?")
        if getattr(param, "variadic", False):
            text += ", ..."
        if getattr(param, "optional", False):
            text = f"[{text}]"
        shown.append(text)
    return f"{name}({', '.join(shown)})"
