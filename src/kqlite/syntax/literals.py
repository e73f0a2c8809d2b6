"""Reading the text of KQL literals into kqlite's Python values.

Each function takes the exact text the lexer matched (``1.5h``, ``datetime(2020-01-01)``,
``@'C:\\x'``) and returns the value in kqlite's representation (see `kqlite.types`):
``pd.Timedelta`` for timespans, naive UTC ``pd.Timestamp`` for datetimes, ``uuid.UUID``,
``decimal.Decimal``, ``int``, ``float``, ``bool``, ``str``; None for a typed null. Text
that cannot be read raises `LiteralError`, which the builder turns into a syntax error.

KQL stores datetimes and timespans in ticks of 100 ns, so values are rounded to a tick.
"""

from __future__ import annotations

import decimal
import re
import uuid
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pandas as pd

from kqlite.types import TYPE_NAMES, KqlType

TICK_NS = 100
LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


class LiteralError(ValueError):
    """The text of a literal does not spell a value of its type."""


# ---------------------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------------------

_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{1,4}|.)", re.DOTALL)


def parse_string(text: str) -> str:
    """Return the value of one string literal token.

    Quoted ``'..'`` and ``".."`` literals have backslash escapes. In a verbatim
    ``@'..'`` literal a doubled quote is one quote. An ``h``/``H`` prefix marks an
    obfuscated literal and leaves the value unchanged. A multi-line ```` ```..``` ````
    literal is taken as is.
    """
    if text.startswith("```"):
        return text[3:-3]

    if text[0] in "hH":
        text = text[1:]

    if text[0] == "@":
        quote = text[1]
        return text[2:-1].replace(quote * 2, quote)

    return _ESCAPE.sub(_unescape, text[1:-1])


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(1)
    if escape[0] in "uUx" and len(escape) > 1:
        return chr(int(escape[1:], 16))
    if escape in _ESCAPES:
        return _ESCAPES[escape]
    raise LiteralError(f"invalid escape sequence '\\{escape}' in a string literal")


# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------


def parse_long(text: str) -> int:
    """Return the value of an integer literal (decimal or ``0x`` hexadecimal)."""
    value = int(text, 16) if text[:2].lower() == "0x" else int(text)
    if value > LONG_MAX:
        raise LiteralError(f"the number {text} does not fit in a long")
    return value


def parse_real(text: str) -> float:
    """Return the value of a real literal (``1.5``, ``.5``, ``1e5``)."""
    return float(text)


# ---------------------------------------------------------------------------------------
# Timespans
# ---------------------------------------------------------------------------------------

# Every unit suffix Kusto accepts, in nanoseconds. There is no week unit.
_UNIT_NS: dict[str, int] = {}
for _names, _ns in (
    (("d", "day", "days"), 86_400 * 10**9),
    (("h", "hr", "hrs", "hour", "hours"), 3_600 * 10**9),
    (("m", "min", "minute", "minutes"), 60 * 10**9),
    (("s", "sec", "second", "seconds"), 10**9),
    (("ms", "milli", "millis", "millisec", "millisecond", "milliseconds"), 10**6),
    (("micro", "micros", "microsec", "microsecond", "microseconds"), 10**3),
    (("nano", "nanos", "nanosec", "nanosecond", "nanoseconds"), 1),
    (("tick", "ticks"), TICK_NS),
):
    for _name in _names:
        _UNIT_NS[_name] = _ns

_TIMESPAN = re.compile(r"([+-]?)([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]+)")
# [-][d.]hh:mm[:ss[.fffffff]]
_CLOCK = re.compile(r"([+-]?)(?:([0-9]+)\.)?([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]{1,7}))?)?")


def parse_timespan(text: str) -> pd.Timedelta:
    """Return the value of a timespan literal such as ``1d``, ``1.5h``, ``100ms``."""
    match = _TIMESPAN.fullmatch(text.strip())
    if match is None or match.group(3).lower() not in _UNIT_NS:
        raise LiteralError(f"'{text}' is not a timespan: use a number and a unit such as 1d, 2h, 30m, 10s or 100ms")

    sign, number, unit = match.groups()
    nanoseconds = Fraction(number) * _UNIT_NS[unit.lower()]
    return _timedelta_from_ns(-nanoseconds if sign == "-" else nanoseconds)


def parse_timespan_call(text: str) -> pd.Timedelta | None:
    """Return the value of ``time(...)`` / ``timespan(...)``.

    The argument is a timespan literal (``1d``), a number of days (``2``), a number and a
    unit word (``15 seconds``), a clock form ``[d.]hh:mm[:ss[.fffffff]]``, or ``null``.
    """
    content = _call_content(text)
    if content.lower() == "null":
        return None

    if re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", content):
        return _timedelta_from_ns(Fraction(content) * _UNIT_NS["d"])

    clock = _CLOCK.fullmatch(content)
    if clock is not None:
        sign, days, hours, minutes, seconds, fraction = clock.groups()
        nanoseconds = (
            (int(days or 0) * 24 + int(hours)) * 3_600 + int(minutes) * 60 + int(seconds or 0)
        ) * 10**9 + int((fraction or "0").ljust(9, "0"))
        return _timedelta_from_ns(Fraction(-nanoseconds if sign == "-" else nanoseconds))

    return parse_timespan(content)


def _timedelta_from_ns(nanoseconds: Fraction) -> pd.Timedelta:
    ticks = round(nanoseconds / TICK_NS)
    # NOTE: kqlite stores a timespan in 64-bit nanoseconds (about 292 years either way),
    # a hundredth of the range of Kusto's 64-bit ticks.
    if abs(ticks * TICK_NS) > LONG_MAX:
        raise LiteralError("the timespan is longer than the 292 years kqlite can hold")
    return pd.Timedelta(ticks * TICK_NS, unit="ns")


# ---------------------------------------------------------------------------------------
# Datetimes
# ---------------------------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7})\d*)?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# RFC 822 (`Sat, 8 Nov 14 15:05:02 GMT`, `8 Nov 14 15:05`) and RFC 850
# (`Saturday, 08-Nov-14 15:05:02 GMT`): an optional weekday, day, month name, year.
_RFC = re.compile(
    r"(?:[A-Za-z]+,\s*)?(\d{1,2})[ -]([A-Za-z]{3})[A-Za-z]*[ -](\d{2}|\d{4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7})\d*)?)?)?"
    r"\s*(Z|UT|UTC|GMT|[A-Z]{3}|[+-]\d{4})?"
)
# Time zone names that RFC 822 defines, as offsets from UTC in hours.
_ZONES = {"Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
          "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}


def parse_datetime(text: str) -> pd.Timestamp | None:
    """Return the value of a datetime string (naive UTC), or None for ``null``.

    Accepts ISO 8601 (``2014-05-25T08:20:03.123456Z``, ``2014-11-08 15:55``,
    ``2014-11-08``, with an optional ``Z`` or ``+hh:mm`` offset), RFC 822 and RFC 850
    forms; an offset is converted to UTC. Quotes around the text are allowed.
    """
    content = text.strip()
    if len(content) >= 2 and content[0] == content[-1] and content[0] in "'\"":
        content = content[1:-1].strip()
    if content.lower() == "null":
        return None

    fields = _read_iso(content) or _read_rfc(content)
    if fields is None:
        raise LiteralError(f"'{content}' is not a datetime: use ISO 8601, such as 2023-06-01 or 2023-06-01T12:30:00Z")

    moment, fraction = fields
    try:
        return pd.Timestamp(moment.astimezone(timezone.utc).replace(tzinfo=None)) + pd.Timedelta(
            int(fraction.ljust(7, "0")) * TICK_NS, unit="ns"
        )
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise LiteralError(f"'{content}' is outside the years 1678 to 2261 that kqlite can hold") from None


def parse_datetime_call(text: str) -> pd.Timestamp | None:
    """Return the value of ``datetime(...)`` / ``date(...)`` (None for ``datetime(null)``)."""
    return parse_datetime(_call_content(text))


def is_empty_call(text: str) -> bool:
    """Tell whether a call literal has nothing between its parentheses: ``datetime()``."""
    return _call_content(text) == ""


def _read_iso(content: str) -> tuple[datetime, str] | None:
    match = _ISO.fullmatch(content)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    return _make_moment(int(year), int(month), int(day), hour, minute, second, _iso_zone(zone)), fraction or ""


def _read_rfc(content: str) -> tuple[datetime, str] | None:
    match = _RFC.fullmatch(content)
    if match is None or match.group(2).lower() not in _MONTHS:
        return None
    day, month_name, year, hour, minute, second, fraction, zone = match.groups()
    full_year = int(year)
    if len(year) == 2:
        # A two-digit year is read in the window 1950-2049.
        full_year += 2000 if full_year < 50 else 1900
    offset = _rfc_zone(zone)
    return _make_moment(full_year, _MONTHS[month_name.lower()], int(day), hour, minute, second, offset), fraction or ""


def _make_moment(
    year: int, month: int, day: int, hour: str | None, minute: str | None, second: str | None, offset: timedelta
) -> datetime:
    try:
        return datetime(
            year, month, day, int(hour or 0), int(minute or 0), int(second or 0), tzinfo=timezone(offset)
        )
    except ValueError as error:
        raise LiteralError(f"invalid date or time: {error}") from None


def _iso_zone(zone: str | None) -> timedelta:
    if zone is None or zone.upper() in ("Z", "UTC", "GMT"):
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return -offset if zone[0] == "-" else offset


def _rfc_zone(zone: str | None) -> timedelta:
    if zone is None:
        return timedelta(0)
    if zone[0] in "+-":
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))
        return -offset if zone[0] == "-" else offset
    if zone not in _ZONES:
        raise LiteralError(f"unknown time zone '{zone}' in a datetime")
    return timedelta(hours=_ZONES[zone])


# ---------------------------------------------------------------------------------------
# guid and typed scalar literals
# ---------------------------------------------------------------------------------------


def parse_guid_call(text: str) -> uuid.UUID | None:
    """Return the value of ``guid(...)`` (None for ``guid(null)``)."""
    content = _call_content(text)
    if content.lower() == "null":
        return None
    try:
        return uuid.UUID(content)
    except ValueError:
        raise LiteralError(f"'{content}' is not a guid") from None


def parse_typed_call(text: str) -> tuple[KqlType, object]:
    """Return the type and value of ``long(5)``, ``int(null)``, ``real(+inf)``, ``bool(true)``...."""
    type_name = text[: text.index("(")].strip()
    kql_type = TYPE_NAMES[type_name.lower()]
    content = _call_content(text)
    if content.lower() == "null":
        return kql_type, None

    if kql_type is KqlType.BOOL:
        return kql_type, _read_bool(content)
    if kql_type in (KqlType.INT, KqlType.LONG):
        return kql_type, _read_integer(content, kql_type)
    if kql_type is KqlType.REAL:
        return kql_type, _read_real(content)
    return kql_type, _read_decimal(content)


def _read_bool(content: str) -> bool:
    if content.lower() in ("true", "1"):
        return True
    if content.lower() in ("false", "0"):
        return False
    raise LiteralError(f"'{content}' is not a bool: use true, false or null")


def _read_integer(content: str, kql_type: KqlType) -> int:
    sign = -1 if content.startswith("-") else 1
    digits = content.lstrip("+-")
    try:
        value = sign * (int(digits, 16) if digits[:2].lower() == "0x" else int(digits))
    except ValueError:
        raise LiteralError(f"'{content}' is not an integer") from None

    low, high = (INT_MIN, INT_MAX) if kql_type is KqlType.INT else (LONG_MIN, LONG_MAX)
    if not low <= value <= high:
        raise LiteralError(f"{content} does not fit in {kql_type}")
    return value


def _read_real(content: str) -> float:
    special = content.lower().lstrip("+")
    if special in ("nan", "inf", "-inf"):
        return float(special)
    try:
        return float(content)
    except ValueError:
        raise LiteralError(f"'{content}' is not a real number") from None


def _read_decimal(content: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(content)
    except decimal.InvalidOperation:
        raise LiteralError(f"'{content}' is not a decimal number") from None


def _call_content(text: str) -> str:
    return text[text.index("(") + 1 : text.rindex(")")].strip()
