"""The REPL's own dot-commands: `.help`, `.show tables`, `.explain`, `.timing`, `.format`, `.quit`.

A block whose first word is one of these runs here. Any other block that starts with a
dot is a Kusto control command (``.create table``, ``.set-or-replace``), so it goes to
`Database.execute` like a query. Each command is a small function that returns the text
to print; `ReplCommandError` carries a usage message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kqlite.cli.formatting import FORMATS

if TYPE_CHECKING:
    from kqlite.database import Database


class ReplCommandError(Exception):
    """Invalid use of a REPL command; the message gives the usage."""


class QuitRequest(Exception):
    """`.quit` or `.exit` ends the session."""


@dataclass(slots=True)
class Settings:
    """Session settings that the REPL commands change."""

    timing: bool = True
    output_format: str = "table"


@dataclass(frozen=True, slots=True)
class ReplCommand:
    name: str
    usage: str
    summary: str
    run: Callable[[str, Database | None, Settings], str]
    needs_database: bool = False


COMMANDS: dict[str, ReplCommand] = {}


CommandFunction = Callable[[str, "Database | None", Settings], str]


def command(name: str, usage: str, summary: str, *, needs_database: bool = False) -> Callable[[CommandFunction], CommandFunction]:
    """Register a REPL command under `name`; `usage` and `summary` are its help."""

    def register(run: CommandFunction) -> CommandFunction:
        COMMANDS[name] = ReplCommand(name, usage, summary, run, needs_database)
        return run

    return register


def find_command(text: str) -> tuple[ReplCommand, str] | None:
    """Return the REPL command a block starts with and the rest of the block, or None."""
    stripped = text.strip()
    if not stripped.startswith("."):
        return None
    lowered = stripped.lower()
    for name in sorted(COMMANDS, key=len, reverse=True):
        if lowered == name or lowered.startswith(name + " ") or lowered.startswith(name + "\n"):
            return COMMANDS[name], stripped[len(name) :].strip()
    return None


def command_names() -> list[str]:
    return sorted(COMMANDS)


@command(".help", ".help [COMMAND | FUNCTION]", "list the REPL commands, or describe one command or function")
def show_help(argument: str, database: Database | None, settings: Settings) -> str:
    if not argument:
        return _overview()
    topic = argument if argument.startswith(".") else "." + argument
    if topic.lower() in COMMANDS:
        entry = COMMANDS[topic.lower()]
        return f"{entry.usage}\n  {entry.summary}"
    return _function_help(argument)


def _overview() -> str:
    lines = ["REPL commands (run on Enter):"]
    width = max(len(entry.usage) for entry in COMMANDS.values())
    lines.extend(f"  {entry.usage.ljust(width)}  {entry.summary}" for entry in COMMANDS.values())
    lines += [
        "",
        "Queries and control commands (.create table ..., .set-or-replace T <| ...) are blocks:",
        "  Enter adds a line, Enter on an empty line runs the block, Alt-Enter (Esc Enter) runs it at once.",
        "  Tab completes operators, tables, columns and functions. Ctrl-C cancels a running query; Ctrl-D quits.",
        "  '.help NAME' describes a built-in function, e.g. '.help series_decompose_anomalies'.",
    ]
    return "\n".join(lines)


def _function_help(name: str) -> str:
    from kqlite.cli.repl_completion import _signature
    from kqlite.functions import load_all
    from kqlite.functions.registry import AGGREGATES, PLUGINS, SCALARS

    load_all()
    key = name.strip().lower()
    sections = []
    if key in SCALARS:
        sections.append(f"{_signature(key, SCALARS[key].params)}  (scalar function)\n  {SCALARS[key].doc}")
    if key in AGGREGATES:
        sections.append(f"{_signature(key, AGGREGATES[key].params)}  (aggregate)\n  {AGGREGATES[key].doc}")
    if key in PLUGINS:
        sections.append(f"evaluate {key}(...)  (plugin)\n  {PLUGINS[key].doc}")
    if sections:
        return "\n".join(sections)

    import difflib

    known = [*SCALARS, *AGGREGATES, *PLUGINS, *COMMANDS]
    close = difflib.get_close_matches(key, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ReplCommandError(f"no REPL command or function is named '{name}'{hint}")


@command(".show tables", ".show tables", "list the tables with their row counts and columns", needs_database=True)
def show_tables(argument: str, database: Database | None, settings: Settings) -> str:
    assert database is not None
    names = database.catalog.names()
    if not names:
        return "(no tables; create one with '.create table T (Name:type, ...)' or '.set T <| query')"
    lines = []
    for name in names:
        columns = ", ".join(f"{column}:{kql_type}" for column, kql_type in database.catalog.schema(name))
        count = database.catalog.row_count(name)
        lines.append(f"{name}  ({count} row{'' if count == 1 else 's'})  {columns}")
    return "\n".join(lines)


@command(".explain", ".explain QUERY", "show the bound operator tree, each operator with its output columns", needs_database=True)
def explain_query(argument: str, database: Database | None, settings: Settings) -> str:
    from kqlite.cli.repl_explain import explain

    if not argument:
        raise ReplCommandError("usage: .explain QUERY, e.g. .explain T | summarize count() by Name")
    return explain(argument, database)


@command(".timing", ".timing on|off", "show or hide the elapsed time under each result")
def set_timing(argument: str, database: Database | None, settings: Settings) -> str:
    choice = argument.lower()
    if choice not in ("on", "off"):
        raise ReplCommandError(f"usage: .timing on|off (timing is {'on' if settings.timing else 'off'})")
    settings.timing = choice == "on"
    return f"timing is {choice}"


@command(".format", ".format table|csv|json", "print results as aligned tables, CSV or JSON")
def set_format(argument: str, database: Database | None, settings: Settings) -> str:
    choice = argument.lower()
    if choice not in FORMATS:
        raise ReplCommandError(f"usage: .format {'|'.join(FORMATS)} (the format is {settings.output_format})")
    settings.output_format = choice
    return f"results are printed as {choice}"


@command(".quit", ".quit", "leave the REPL (also .exit or Ctrl-D)")
def quit_repl(argument: str, database: Database | None, settings: Settings) -> str:
    raise QuitRequest


COMMANDS[".exit"] = ReplCommand(".exit", ".exit", "leave the REPL (same as .quit)", quit_repl)

