"""Result truncation and memory limits: Kusto's protections against a query that returns or builds too much.

Kusto fails a query whose result has more than 500,000 records or more than 64 MB
(67,108,864 bytes) of data, with the error E_QUERY_RESULT_SET_TOO_LARGE. A query lifts
or moves the limits with set statements before it:

    set notruncation;              // no record or size limit
    set truncationmaxrecords=N;    // at most N records
    set truncationmaxsize=N;       // at most N bytes

As kqlite's own choice, an explicit ``truncationmaxrecords`` or ``truncationmaxsize``
applies even together with ``notruncation``.

kqlite adds a memory budget for operators whose output can be far larger than their
input (range, join, lookup, mv-expand, make-series): they call `QueryLimits.check_rows`
with an estimate before they build it. A `MemoryError` that escapes these estimates
while a query runs becomes the limit error `out_of_memory` makes. The budget is, in order of precedence:

- ``set maxmemoryconsumptionperiterator=N;``, Kusto's request option for the memory
  one query operator may use, in bytes;
- the ``KQLITE_MEMORY_BUDGET`` environment variable, in bytes or with a K, M, G or T
  suffix for binary multiples;
- half of the memory the machine has available when the query starts.

    limits = QueryLimits.from_options(bound_script.options)
    limits.check_rows("join", estimated_rows, estimate_row_bytes(output_columns), span)
    limits.check_result(frame, schema)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kqlite.errors import KqlRuntimeError, Span
from kqlite.table import Columns
from kqlite.types import KqlType

DEFAULT_MAX_RECORDS = 500_000
DEFAULT_MAX_SIZE = 64 * 1024 * 1024

MEMORY_BUDGET_VARIABLE = "KQLITE_MEMORY_BUDGET"
MEMORY_BUDGET_OPTION = "maxmemoryconsumptionperiterator"
# Share of the available memory one operator may use when nothing else sets the budget.
MEMORY_BUDGET_SHARE = 0.5
# Used only where the platform reports no available memory at all.
FALLBACK_MEMORY_BUDGET = 4 * 1024**3

RESULT_TOO_LARGE = "E_QUERY_RESULT_SET_TOO_LARGE"

# Bytes of one int64 row position. A join or mv-expand builds its rows from position
# arrays, so each output row costs its positions even when it keeps no column.
POSITION_BYTES = 8

# Bytes per value of the fixed-width types, as Kusto's result would hold them.
_FIXED_WIDTH: dict[KqlType, int] = {
    KqlType.BOOL: 1,
    KqlType.INT: 4,
    KqlType.LONG: 8,
    KqlType.REAL: 8,
    KqlType.DECIMAL: 16,
    KqlType.DATETIME: 8,
    KqlType.TIMESPAN: 8,
    KqlType.GUID: 16,
}
# Dynamic values are measured on a sample of this many rows and the total extrapolated.
_DYNAMIC_SAMPLE = 1_000
# Per-value guesses for a row of strings or dynamic values that does not exist yet.
_STRING_GUESS = 32
_DYNAMIC_GUESS = 64
_SIZE_SUFFIXES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """The limits one query runs under; None means no limit."""

    max_records: int | None = DEFAULT_MAX_RECORDS
    max_size: int | None = DEFAULT_MAX_SIZE
    memory_budget: int = FALLBACK_MEMORY_BUDGET

    @classmethod
    def from_options(cls, options: Mapping[str, object], memory_budget: int | None = None) -> QueryLimits:
        """Build the limits from a script's set options (lower-case names, as the binder collects them).

        `memory_budget` overrides the environment and the machine's memory, not the
        query's own ``maxmemoryconsumptionperiterator``.

        Raises:
            KqlRuntimeError: an option's value is not a non-negative integer (KL403).
        """
        no_truncation = _flag(options.get("notruncation", False))
        max_records = None if no_truncation else DEFAULT_MAX_RECORDS
        max_size = None if no_truncation else DEFAULT_MAX_SIZE
        if "truncationmaxrecords" in options:
            max_records = _count(options, "truncationmaxrecords")
        if "truncationmaxsize" in options:
            max_size = _count(options, "truncationmaxsize")

        if MEMORY_BUDGET_OPTION in options:
            budget = _count(options, MEMORY_BUDGET_OPTION)
        elif memory_budget is not None:
            budget = memory_budget
        else:
            budget = default_memory_budget()
        return cls(max_records=max_records, max_size=max_size, memory_budget=budget)

    def check_result(self, frame: pd.DataFrame, schema: Columns) -> None:
        """Raise KqlRuntimeError (KL400 rows, KL401 bytes) when a result is over the truncation limits."""
        rows = len(frame)
        if self.max_records is not None and rows > self.max_records:
            raise KqlRuntimeError(
                "KL400",
                f"the query result has {rows:,} records, more than the limit of {self.max_records:,} ({RESULT_TOO_LARGE})",
                hint="return fewer records (where, take, summarize), or lift the limit for this query "
                "with 'set notruncation;' or 'set truncationmaxrecords=N;' before it",
            )

        if self.max_size is None:
            return
        size = estimate_result_size(frame, schema)
        if size > self.max_size:
            raise KqlRuntimeError(
                "KL401",
                f"the query result holds about {describe_bytes(size)} of data, more than the limit of "
                f"{self.max_size:,} bytes ({RESULT_TOO_LARGE})",
                hint="return fewer or narrower columns (project, substring, summarize), or lift the limit "
                "for this query with 'set notruncation;' or 'set truncationmaxsize=N;' before it",
            )

    def check_rows(
        self,
        operator_name: str,
        estimated_rows: int,
        row_bytes: int,
        span: Span | None = None,
        *,
        advice: str | None = None,
        unit: str = "rows",
    ) -> None:
        """Raise KqlRuntimeError (KL402) when an operator's estimated output is over the memory budget.

        An operator calls this before it builds its output, with the number of rows it
        expects and the bytes one row takes. `advice` is the hint's first suggestion
        (default: filter or summarize the operator's inputs first), and `unit` names
        what is counted in the message (make-series counts cells).
        """
        needed = max(0, estimated_rows) * max(0, row_bytes)
        if needed <= self.memory_budget:
            return
        suggestion = advice or f"filter or summarize the inputs of {operator_name} first"
        raise KqlRuntimeError(
            "KL402",
            f"{operator_name} would build about {estimated_rows:,} {unit} ({describe_bytes(needed)}), more than "
            f"the memory budget of {describe_bytes(self.memory_budget)}",
            span,
            hint=f"{suggestion}, or raise the budget with "
            f"'set {MEMORY_BUDGET_OPTION}=N;' (bytes) or the {MEMORY_BUDGET_VARIABLE} environment variable",
        )


def out_of_memory(span: Span | None) -> KqlRuntimeError:
    """Make the error (KL404) for a query that ran out of memory, at the span of its statement.

    The memory budget checks estimate an operator's output before it is built. This
    error covers what they miss: an allocation the machine could not satisfy.
    """
    return KqlRuntimeError(
        "KL404",
        "the query ran out of memory: an operator needed more memory than the machine could allocate",
        span,
        hint="make the query build fewer rows or columns: filter, summarize or project before the "
        "operators that multiply rows (join, mv-expand, range, make-series)",
    )


def default_memory_budget() -> int:
    """Return the memory budget from ``KQLITE_MEMORY_BUDGET``, else a share of the available memory.

    Raises:
        KqlRuntimeError: the environment variable is not a size (KL403).
    """
    setting = os.environ.get(MEMORY_BUDGET_VARIABLE, "").strip()
    if setting:
        return parse_size(setting, MEMORY_BUDGET_VARIABLE)
    available = available_memory()
    if available is None:
        return FALLBACK_MEMORY_BUDGET
    return int(available * MEMORY_BUDGET_SHARE)


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Return the bytes of memory available to new work, or None where the platform does not say."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                # The kernel reports kibibytes: "MemAvailable:   21504000 kB".
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def parse_size(text: str, name: str) -> int:
    """Read a byte count such as ``1048576``, ``512M`` or ``8G`` (binary multiples).

    Raises:
        KqlRuntimeError: `text` is not a size (KL403); `name` says where it came from.
    """
    match = re.fullmatch(r"(\d+)\s*([KMGT]?)i?B?", text.strip(), flags=re.IGNORECASE)
    if match is None:
        raise KqlRuntimeError(
            "KL403", f"{name} must be a number of bytes such as 1073741824 or 8G, not '{text}'"
        )
    return int(match.group(1)) * _SIZE_SUFFIXES[match.group(2).upper()]


def estimate_result_size(frame: pd.DataFrame, schema: Columns) -> int:
    """Estimate the bytes of a result's data: fixed-width values by width, text by its characters.

    NOTE: this is an estimate of Kusto's measure, not the same number. Strings count one
    byte a character and dynamic values the length of their JSON text, measured on a
    sample of rows.
    """
    total = 0
    for name, kql_type in schema:
        column = frame[name]
        if kql_type in _FIXED_WIDTH:
            total += _FIXED_WIDTH[kql_type] * len(column)
        elif kql_type == KqlType.STRING:
            total += _string_bytes(column)
        else:
            total += _dynamic_bytes(column)
    return total


def estimate_row_bytes(columns: Columns) -> int:
    """Estimate the memory one row of `columns` takes, for `QueryLimits.check_rows`.

    NOTE: strings and dynamic values count a fixed guess per value (32 and 64 bytes),
    because their real size is known only once the rows exist.
    """
    guesses = {KqlType.STRING: _STRING_GUESS, KqlType.DYNAMIC: _DYNAMIC_GUESS}
    return sum(_FIXED_WIDTH.get(kql_type) or guesses[kql_type] for _, kql_type in columns)


def describe_bytes(size: int) -> str:
    """Write a byte count for people: ``512 bytes``, ``1.5 MB``, ``3.2 GB`` (binary multiples)."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB", "PB"):
        value /= 1024
        if value < 1024 or unit == "PB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def _string_bytes(column: pd.Series) -> int:
    if isinstance(column.dtype, pd.CategoricalDtype):
        # Count each category once per row that uses it, without building the strings.
        lengths = column.cat.categories.str.len().to_numpy(dtype=np.int64)
        codes = column.array.codes
        return int(lengths[codes[codes >= 0]].sum())
    return int(column.astype(str).str.len().sum())


def _dynamic_bytes(column: pd.Series) -> int:
    import json

    if column.empty:
        return 0
    step = max(1, len(column) // _DYNAMIC_SAMPLE)
    sample = column.iloc[::step]
    measured = sum(len(json.dumps(value, default=str)) for value in sample)
    return int(measured * len(column) / len(sample))


def _flag(value: object) -> bool:
    # `set notruncation;` stores True; `set notruncation=false;` stores False.
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _count(options: Mapping[str, object], name: str) -> int:
    value = options[name]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise KqlRuntimeError(
            "KL403",
            f"the option '{name}' must be a non-negative whole number, not {value!r}",
            hint=f"for example: set {name}=1000000;",
        )
    return int(value)
