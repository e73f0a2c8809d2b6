"""Datetime formatting functions: format_datetime and format_timespan.

Both take a .NET-style format text, split it into elements (``yyyy``, ``MM``, ``hh``,
``fff`` ...) and literal characters, and render every element for a whole column at once
with pyarrow string kernels. A null datetime or timespan gives ``""``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.functions.conversion import scalar
from kqlite.functions.datetime_functions import NS_PER_HOUR, NS_PER_MINUTE, _datetime, calendar_parts
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import NS_PER_DAY, NS_PER_SECOND, Value, string_series, to_numpy
from kqlite.types import DATETIME, STRING, TIMESPAN

# .NET-style format elements, longest first so that "yyyy" wins over "yy".
_DATETIME_ELEMENTS = (
    "fffffff", "ffffff", "fffff", "ffff", "fff", "ff", "f",
    "FFFFFFF", "FFFFFF", "FFFFF", "FFFF", "FFF", "FF", "F",
    "yyyy", "yy", "MM", "M", "dd", "d", "HH", "H", "hh", "h", "mm", "m", "ss", "s", "tt",
)  # fmt: skip
_TIMESPAN_ELEMENTS = (
    "dddddddd", "ddddddd", "dddddd", "ddddd", "dddd", "ddd", "dd", "d",
    "fffffff", "ffffff", "fffff", "ffff", "fff", "ff", "f",
    "FFFFFFF", "FFFFFF", "FFFFF", "FFFF", "FFF", "FF", "F",
    "hh", "h", "HH", "H", "mm", "m", "ss", "s",
)  # fmt: skip


def _tokenize(text: str, elements: tuple[str, ...]) -> list[tuple[bool, str]]:
    """Split a format into (is_element, text) pieces; anything else is copied literally."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    while position < len(text):
        element = next((e for e in elements if text.startswith(e, position)), None)
        if element is None:
            literal = text[position]
            if literal == "\\" and position + 1 < len(text):
                position += 1
                literal = text[position]
            pieces.append((False, literal))
            position += 1
        else:
            pieces.append((True, element))
            position += len(element)
    return pieces


def _digits(numbers: Any, width: int) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0")


def _fraction(nanoseconds_in_second: Any, element: str) -> pa.Array:
    width = len(element)
    text = _digits(np.asarray(nanoseconds_in_second) // (10 ** (9 - width)), width)
    if element.startswith("F"):
        # F elements drop trailing zeros and print nothing for a zero fraction.
        text = pc.utf8_rtrim(text, characters="0")
    return text


def _render(pieces: list[tuple[bool, str]], values: dict[str, pa.Array], nulls: Any, length: int) -> pa.Array:
    parts = [values[piece] if is_element else pa.scalar(piece) for is_element, piece in pieces]
    if not any(is_element for is_element, _ in pieces):
        text = pa.array(["".join(piece for _, piece in pieces)] * length, type=pa.string())
    else:
        text = pc.binary_join_element_wise(*parts, "")
    return pc.if_else(pa.array(np.asarray(nulls, dtype=bool)), "", text)


@scalar("format_datetime", [P("date", DATETIME), P("format", STRING, constant=True)], STRING)
def format_datetime(ctx: CallContext, moment: Value, format_text: str) -> Value:
    """Format a datetime with .NET-style elements (yyyy, MM, dd, HH, mm, ss, fff, tt...). Example: print format_datetime(datetime(2015-12-14 02:03:04.12345), 'yy-MM-dd [HH:mm:ss]') → 15-12-14 [02:03:04]"""
    stamps, nulls = _datetime(moment)
    stamps = np.atleast_1d(stamps)
    nulls = np.broadcast_to(np.atleast_1d(nulls), stamps.shape)
    years, months, days = calendar_parts(stamps)
    hours = np.mod(stamps, NS_PER_DAY) // NS_PER_HOUR
    minutes = np.mod(stamps, NS_PER_HOUR) // NS_PER_MINUTE
    seconds = np.mod(stamps, NS_PER_MINUTE) // NS_PER_SECOND
    within_second = np.mod(stamps, NS_PER_SECOND)
    twelve_hour = np.where(np.mod(hours, 12) == 0, 12, np.mod(hours, 12))
    pieces = _tokenize(str(format_text), _DATETIME_ELEMENTS)
    values: dict[str, Any] = {
        "yyyy": _digits(years, 4), "yy": _digits(np.mod(years, 100), 2),
        "MM": _digits(months, 2), "M": _digits(months, 1), "dd": _digits(days, 2), "d": _digits(days, 1),
        "HH": _digits(hours, 2), "H": _digits(hours, 1), "hh": _digits(twelve_hour, 2), "h": _digits(twelve_hour, 1),
        "mm": _digits(minutes, 2), "m": _digits(minutes, 1), "ss": _digits(seconds, 2), "s": _digits(seconds, 1),
        "tt": pc.if_else(pa.array(hours < 12), "AM", "PM"),
    }  # fmt: skip
    for is_element, piece in pieces:
        if is_element and piece[0] in "fF":
            values[piece] = _fraction(within_second, piece)
    return _string_result(_render(pieces, values, nulls, len(stamps)), moment)


@scalar("format_timespan", [P("timespan", TIMESPAN), P("format", STRING, constant=True)], STRING)
def format_timespan(ctx: CallContext, span: Value, format_text: str) -> Value:
    """Format a timespan with elements d, hh, mm, ss, fff... Example: print format_timespan(time(1d 2h 3m 4s), 'dd.hh:mm:ss') → 01.02:03:04"""
    spans, nulls = to_numpy(span, TIMESPAN)
    spans = np.atleast_1d(spans)
    nulls = np.broadcast_to(np.atleast_1d(nulls), spans.shape)
    magnitude = np.abs(spans)
    days = magnitude // NS_PER_DAY
    hours = np.mod(magnitude, NS_PER_DAY) // NS_PER_HOUR
    minutes = np.mod(magnitude, NS_PER_HOUR) // NS_PER_MINUTE
    seconds = np.mod(magnitude, NS_PER_MINUTE) // NS_PER_SECOND
    within_second = np.mod(magnitude, NS_PER_SECOND)
    pieces = _tokenize(str(format_text), _TIMESPAN_ELEMENTS)
    values: dict[str, Any] = {"mm": _digits(minutes, 2), "m": _digits(minutes, 1), "ss": _digits(seconds, 2), "s": _digits(seconds, 1)}
    for is_element, piece in pieces:
        if is_element and piece[0] == "d":
            values[piece] = _digits(days, len(piece))
        elif is_element and piece[0] in "hH":
            values[piece] = _digits(hours, len(piece))
        elif is_element and piece[0] in "fF":
            values[piece] = _fraction(within_second, piece)
    text = _render(pieces, values, nulls, len(spans))
    negative = pa.array((spans < 0) & ~nulls)
    text = pc.if_else(negative, pc.binary_join_element_wise("-", text, ""), text)
    return _string_result(text, span)


def _string_result(text: pa.Array, source: Value) -> Value:
    if isinstance(source, pd.Series):
        return string_series(text)
    return str(text[0].as_py())
