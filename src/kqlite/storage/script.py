"""`.execute database script`: run the control commands of a script one after another.

A command starts on a line whose first non-blank character is ``.``; blank lines and
``//`` comment lines between commands are skipped. Commands run in order and not as one
transaction. By default the script stops at the first failing command, and the
`.execute` itself succeeds with the failure reported in its result.
``ContinueOnErrors=true`` runs every command, and ``ThrowOnErrors=true`` makes the
first failure fail the whole command. Read-only `.show` commands are not run and are reported as ``Skipped``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping

from kqlite.errors import KqlError, KqlSyntaxError
from kqlite.storage.command_parser import Command, ExecuteScript, parse_command
from kqlite.storage.command_results import SCRIPT_COLUMNS, result_table
from kqlite.storage.ingest import PropertyValue, property_flag
from kqlite.table import Table

_COMMAND_START = re.compile(r"^[ \t]*\.", re.MULTILINE)
_TRAILING_COMMENTS = re.compile(r"(\s*(//[^\n]*)?)*\Z")

# The CommandType Kusto reports for each verb.
# NOTE: Kusto's documentation shows only "TableCreate"; the other names are kqlite's choice.
COMMAND_TYPES = {
    ".create": "TableCreate",
    ".create-merge": "TableCreateMerge",
    ".alter-merge": "TableAlterMerge",
    ".drop": "TableDrop",
    ".clear": "TableClearData",
    ".set": "TableSet",
    ".append": "TableAppend",
    ".set-or-append": "TableSetOrAppend",
    ".set-or-replace": "TableSetOrReplace",
    ".ingest": "DataIngestPull",
    ".execute": "DatabaseScriptExecute",
    ".show": "Show",
}

RunParsed = Callable[[Command], Table]


def command_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of each command in ``text[start:end]``, trailing comments removed."""
    starts = [match.end() - 1 for match in _COMMAND_START.finditer(text, start, end)]
    ranges = []
    for index, command_start in enumerate(starts):
        command_end = starts[index + 1] if index + 1 < len(starts) else end
        trailing = _TRAILING_COMMENTS.search(text, command_start, command_end)
        ranges.append((command_start, trailing.start() if trailing else command_end))
    return ranges


def run_script(text: str, script: ExecuteScript, run_parsed: RunParsed) -> Table:
    """Run every command of the script; return one status row per command."""
    options: Mapping[str, PropertyValue] = {key.lower(): value for key, value in script.properties.items()}
    continue_on_errors = property_flag(options, "continueonerrors")
    throw_on_errors = property_flag(options, "throwonerrors")
    if continue_on_errors and throw_on_errors:
        raise KqlSyntaxError("KL106", "ContinueOnErrors and ThrowOnErrors cannot both be true", script.span)

    rows: list[tuple[uuid.UUID, str, str, str, str]] = []
    stopped = False
    for command_start, command_end in command_ranges(text, script.script_start, script.script_end):
        command_text = text[command_start:command_end]
        verb = command_text.split(None, 1)[0].lower() if command_text.strip() else ""
        command_type = COMMAND_TYPES.get(verb, verb.lstrip("."))
        if stopped:
            rows.append((uuid.uuid4(), command_type, command_text, "Skipped", "an earlier command failed"))
            continue
        if verb == ".show":
            rows.append((uuid.uuid4(), command_type, command_text, "Skipped", "read-only commands are not run in a script"))
            continue
        try:
            run_parsed(parse_command(text, command_start, command_end))
        except KqlError as error:
            if throw_on_errors:
                raise
            rows.append((uuid.uuid4(), command_type, command_text, "Failed", error.message))
            stopped = not continue_on_errors
            continue
        rows.append((uuid.uuid4(), command_type, command_text, "Completed", ""))
    return result_table(SCRIPT_COLUMNS, rows)
