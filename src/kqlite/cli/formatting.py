"""Write result tables as aligned text, CSV or JSON, with values spelled as Kusto prints them.

Cells follow Kusto's text forms: datetimes ``2023-06-01T00:00:00Z`` (fractional
seconds only when there are any), timespans ``[-][d.]hh:mm:ss[.fffffff]``, reals
without a fraction as integers (``4``, not ``4.0``), booleans ``true``/``false``,
dynamic values as compact JSON, and null as an empty cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Sequence
from typing import Any, TextIO

FORMATS = ("table", "csv", "json")
NUMERIC_TYPES = frozenset({"int", "long", "real", "decimal"})

# Column names and KQL type names, as `Result.columns` gives them.
Columns = Sequence[tuple[str, str]]
Rows = Sequence[Sequence[Any]]

# .NET, and so Kusto, writes a double in exponent form from 1E+15 up and below 1E-04.
_LARGEST_PLAIN_REAL = 1e15
_SMALLEST_PLAIN_REAL = 1e-4


def write_result(stream: TextIO, columns: Columns, rows: Rows, output_format: str) -> None:
    """Write one result table to `stream` in `output_format` (one of `FORMATS`)."""
    if output_format == "table":
        stream.write(format_table(columns, rows))
    elif output_format == "csv":
        stream.write(format_csv(columns, rows))
    elif output_format == "json":
        stream.write(format_json(columns, rows))
    else:
        raise ValueError(f"unknown output format {output_format!r}; expected one of {', '.join(FORMATS)}")


def format_table(columns: Columns, rows: Rows) -> str:
    """Return an aligned text table: header, rule, rows, and a row count.

    Numeric columns are right-aligned, the others left-aligned.
    """
    names = [name for name, _ in columns]
    cells = [[format_cell(value, kql_type) for value, (_, kql_type) in zip(row, columns, strict=True)] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(names)]
    right = [kql_type in NUMERIC_TYPES for _, kql_type in columns]

    def line(values: Sequence[str]) -> str:
        padded = (
            value.rjust(width) if align_right else value.ljust(width)
            for value, width, align_right in zip(values, widths, right, strict=True)
        )
        return " | ".join(padded).rstrip()

    lines = [line(names), "-+-".join("-" * width for width in widths)]
    lines.extend(line(row) for row in cells)
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines) + "\n"


def format_csv(columns: Columns, rows: Rows) -> str:
    """Return RFC 4180 CSV text: a header of column names, then one line a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow([format_cell(value, kql_type) for value, (_, kql_type) in zip(row, columns, strict=True)])
    return buffer.getvalue()


def format_json(columns: Columns, rows: Rows) -> str:
    """Return one line of JSON: ``{"columns": [{"name", "type"}], "rows": [[...]]}``.

    Datetimes and timespans are Kusto's text forms, decimals are strings (to keep every
    digit), and NaN and infinities are the strings ``NaN``, ``Infinity``, ``-Infinity``.
    """
    document = {
        "columns": [{"name": name, "type": kql_type} for name, kql_type in columns],
        "rows": [[json_cell(value, kql_type) for value, (_, kql_type) in zip(row, columns, strict=True)] for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def format_cell(value: Any, kql_type: str) -> str:
    """Return the text Kusto shows for one value of a column of type `kql_type`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.timedelta):
        return format_timespan(value)
    if isinstance(value, float):
        return format_real(value)
    if kql_type == "dynamic" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def json_cell(value: Any, kql_type: str) -> Any:
    if isinstance(value, (dt.datetime, dt.timedelta, decimal.Decimal)):
        return format_cell(value, kql_type)
    if isinstance(value, float) and not math.isfinite(value):
        return format_real(value)
    return value


def format_datetime(value: dt.datetime) -> str:
    """Return ``2023-06-01T00:00:00Z``, with a fraction only when it is not zero."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    ticks = value.microsecond * 10 + getattr(value, "nanosecond", 0) // 100
    if ticks:
        text += "." + f"{ticks:07d}".rstrip("0")
    return text + "Z"


def format_timespan(value: dt.timedelta) -> str:
    """Return Kusto's timespan text ``[-][d.]hh:mm:ss[.fffffff]``, e.g. ``1.00:00:00``."""
    ticks = value.days * 864_000_000_000 + value.seconds * 10_000_000 + value.microseconds * 10
    ticks += getattr(value, "nanoseconds", 0) // 100
    sign = "-" if ticks < 0 else ""
    days, remainder = divmod(abs(ticks), 864_000_000_000)
    hours, remainder = divmod(remainder, 36_000_000_000)
    minutes, remainder = divmod(remainder, 600_000_000)
    seconds, fraction = divmod(remainder, 10_000_000)

    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{fraction:07d}" if fraction else text


def format_real(value: float) -> str:
    """Return a real as Kusto prints it: ``4`` for 4.0, ``0.5``, ``1E+20``, ``NaN``, ``Infinity``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < _LARGEST_PLAIN_REAL:
        return str(int(value))
    if _SMALLEST_PLAIN_REAL <= abs(value) < _LARGEST_PLAIN_REAL:
        return repr(value)

    # Python's repr has the shortest digits that read back the same value, as .NET's has;
    # only the layout differs: .NET writes 1E+20 and 1.5E-05.
    sign, digit_tuple, exponent = decimal.Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(digit) for digit in digit_tuple)
    scientific_exponent = exponent + len(digits) - 1
    fraction = digits[1:].rstrip("0")
    mantissa = digits[0] + (f".{fraction}" if fraction else "")
    return f"{'-' if sign else ''}{mantissa}E{scientific_exponent:+03d}"
