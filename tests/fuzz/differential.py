"""Judge one query with kqlite and compare the verdict with Kusto.Language's analysis.

kqlite's verdict comes from ``Database.schema_of`` (parse and bind, no data) and, for a
share of the queries, from ``Database.execute`` over small tables. A crash is any
exception that is not a `KqlError`, or a `KqlInternalError` (kqlite's wrapper for its
own bugs). A `KqlNotSupportedError` puts the query outside kqlite's surface, so it
does not count for or against agreement.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import kqlite
from fuzz.mutation import tokens
from kqlite.types import parse_type_name
from oracle import Analysis, Schema

# A query slower than this to bind or run counts as a hang (a finding of its own).
TIME_LIMIT_SECONDS = 10


class TimedOut(BaseException):
    """Raised by the alarm; a BaseException so that kqlite's `except Exception` lets it through."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What kqlite did with one query.

    `outcome` is ``accept``, ``reject`` (a syntax or semantic error), ``runtime_error``,
    ``not_supported``, ``crash`` or ``timeout``; `start` is the offset of the earliest
    diagnostic of a rejection. `executed` is the outcome of running an accepted query,
    empty when it was not run.
    """

    outcome: str
    code: str = ""
    message: str = ""
    start: int | None = None
    stage: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    executed: str = ""


def typed_tables(schema: Schema) -> dict[str, tuple[tuple[str, Any], ...]]:
    """Convert an oracle schema (type names) into the ``tables`` argument of ``schema_of``."""
    return {
        name: tuple((column, parse_type_name(kql_type)) for column, kql_type in columns.items())
        for name, columns in schema.items()
    }


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `TimedOut` in the main thread after `seconds` (no limit outside the main thread)."""

    def expire(signum: int, frame: object) -> None:
        raise TimedOut()

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bind_verdict(db: Any, query: str, tables: dict[str, Any]) -> Verdict:
    """Judge `query` with ``schema_of``: accepted with its columns, rejected, or crashed."""
    try:
        with time_limit(TIME_LIMIT_SECONDS):
            columns = db.schema_of(query, tables=tables)
    except TimedOut:
        return Verdict("timeout", message=f"binding took more than {TIME_LIMIT_SECONDS} s")
    except kqlite.KqlError as error:
        return _error_verdict(error)
    except RecursionError as error:
        return Verdict("crash", code="RecursionError", message=str(error))
    except Exception as error:  # noqa: BLE001 - any other exception is the crash being looked for
        return Verdict("crash", code=type(error).__name__, message=str(error)[:300])
    return Verdict("accept", columns=tuple((name, kql_type) for name, kql_type in columns))


def execute_verdict(db: Any, query: str) -> Verdict:
    """Run `query` over `db`'s tables: a runtime error is a valid outcome, a crash is not."""
    try:
        with time_limit(TIME_LIMIT_SECONDS):
            db.execute(query)
    except TimedOut:
        return Verdict("timeout", stage="execute", message=f"running took more than {TIME_LIMIT_SECONDS} s")
    except kqlite.KqlError as error:
        verdict = _error_verdict(error)
        return Verdict(verdict.outcome, verdict.code, verdict.message, verdict.start, "execute")
    except Exception as error:  # noqa: BLE001 - any other exception is the crash being looked for
        return Verdict("crash", code=type(error).__name__, message=str(error)[:300], stage="execute")
    return Verdict("accept", stage="execute")


def _error_verdict(error: kqlite.KqlError) -> Verdict:
    if isinstance(error, kqlite.KqlInternalError):
        cause = error.__cause__
        name = type(cause).__name__ if cause is not None else error.code
        return Verdict("crash", code=name, message=error.message[:300])
    if isinstance(error, kqlite.KqlNotSupportedError):
        outcome = "not_supported"
    elif isinstance(error, kqlite.KqlRuntimeError):
        outcome = "runtime_error"
    else:
        outcome = "reject"
    starts = [d.span.start for d in error.diagnostics if d.span is not None]
    return Verdict(outcome, error.code, error.message, min(starts) if starts else None, error.kind)


# ---------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class Comparison:
    """The kinds one query falls into, and the signature that groups it with alike ones."""

    kind: str
    signature: str
    position_compared: bool = False
    position_agrees: bool = False
    columns_agree: bool | None = None


def compare(query: str, verdict: Verdict, analysis: Analysis) -> Comparison:
    """Classify one query by kqlite's verdict and Kusto.Language's analysis."""
    if verdict.outcome in ("crash", "timeout"):
        return Comparison(verdict.outcome, f"{verdict.outcome}: {verdict.code} {template(verdict.message)}")
    if verdict.outcome == "not_supported":
        return Comparison("not_supported", template(verdict.message))
    if verdict.outcome == "runtime_error":
        verdict = Verdict("reject", verdict.code, verdict.message, verdict.start, verdict.stage)

    kusto_accepts = analysis.ok
    if not kusto_accepts and not analysis.errors:
        # The tool marked the query as failed without listing an error.
        return Comparison("oracle_without_errors", "")
    if verdict.outcome == "accept" and kusto_accepts:
        agree = list(verdict.columns) == list(analysis.result_columns or ())
        return Comparison("both_accept", "", columns_agree=agree)
    if verdict.outcome == "accept":
        first = min(analysis.errors, key=_start)
        return Comparison("kqlite_accepts_kusto_rejects", f"{first['code']}: {template(first['message'])}")
    if kusto_accepts:
        return Comparison("kqlite_rejects_kusto_accepts", f"{verdict.code}: {template(verdict.message)}")

    # Kusto's first syntax error is its primary error when there is one, although
    # Kusto.Language lists semantic errors it found earlier in the text too.
    candidates = analysis.syntax_errors or analysis.semantic_errors
    first = min(candidates, key=_start)
    if verdict.start is None or first["start"] is None:
        return Comparison("both_reject", "", position_compared=False)
    distance = token_distance(query, verdict.start, first["start"])
    return Comparison(
        "both_reject",
        f"{verdict.code} vs {first['code']}",
        position_compared=True,
        position_agrees=distance <= 1,
    )


def _start(error: dict[str, Any]) -> int:
    # An error about the whole query (KS245, the query is nested too deeply) has no place.
    return -1 if error["start"] is None else int(error["start"])


def token_distance(query: str, first: int, second: int) -> int:
    """Count the tokens between two offsets of `query` (0 when both fall in the same token)."""
    starts = []
    offset = 0
    for kind, text in tokens(query):
        if kind != "space":
            starts.append(offset)
        offset += len(text)

    def index(position: int) -> int:
        return sum(1 for start in starts if start <= position)

    return abs(index(first) - index(second))


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


def template(message: str) -> str:
    """Drop the query-specific parts of a message (quoted text, numbers) to group alike errors."""
    return _NUMBER.sub("N", _QUOTED.sub("'…'", message))[:160]
