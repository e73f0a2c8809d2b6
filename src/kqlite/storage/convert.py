"""Convert text fields to KQL column types the way Kusto's ingestion does.

A field that does not parse as its column's type becomes null and is counted, and the
ingestion goes on. An empty field is null for every type but string, where it is "".
Datetimes accept the ISO 8601 forms (with or without ``T``, fraction and ``Z`` or an
offset, converted to UTC) and then the other forms pandas recognises (RFC 822 and
RFC 850 among them). Timespans use Kusto's ``[-][d.]hh:mm:ss[.fffffff]`` text.
"""

from __future__ import annotations

import decimal
import json
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.storage.arrow_codec import arrow_to_series
from kqlite.types import PANDAS_DTYPES, KqlType

_TIMESPAN_PATTERN = (
    r"^\s*(?P<sign>-)?(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{1,2})"
    r"(?::(?P<seconds>\d{1,2})(?:\.(?P<fraction>\d{1,7}))?)?\s*$"
)
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}


def convert_text(text: pa.ChunkedArray | pa.Array, kql_type: KqlType) -> tuple[pd.Series, int]:
    """Convert a string column to `kql_type`; return the Series and the count of invalid fields."""
    if isinstance(text, pa.Array):
        text = pa.chunked_array([text])
    text = text.cast(pa.string()) if not pa.types.is_string(text.type) else text

    if kql_type is KqlType.STRING:
        return arrow_to_series(text, KqlType.STRING), 0

    present = pc.fill_null(pc.not_equal(text, ""), False)
    if kql_type is KqlType.DATETIME:
        series = _to_datetime(text)
    elif kql_type is KqlType.TIMESPAN:
        series = _to_timespan(text)
    elif kql_type is KqlType.BOOL:
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text)).to_pandas()
        series = pd.Series(lowered.map(_BOOL_TEXT), dtype=PANDAS_DTYPES[KqlType.BOOL])
    elif kql_type in (KqlType.INT, KqlType.LONG, KqlType.REAL):
        series = _to_number(text, kql_type)
    else:
        series = _per_value(text, _OBJECT_PARSERS[kql_type])

    invalid = int((series.isna().to_numpy() & present.to_numpy(zero_copy_only=False)).sum())
    if kql_type is KqlType.REAL:
        # "NaN" is a valid real; it reads as NaN and is no parse failure.
        invalid -= int(pc.sum(pc.equal(pc.utf8_lower(text), "nan")).as_py() or 0)
    return series, invalid


def _to_number(text: pa.ChunkedArray, kql_type: KqlType) -> pd.Series:
    numbers = pd.to_numeric(pd.Series(pc.utf8_trim_whitespace(text).to_pandas()), errors="coerce")
    if kql_type is KqlType.REAL:
        return numbers.astype(np.float64)
    limit = np.iinfo(np.int32 if kql_type is KqlType.INT else np.int64)
    values = numbers.astype("Float64") if numbers.dtype == object else numbers
    whole = values.where((values % 1 == 0) & (values >= limit.min) & (values <= limit.max))
    return whole.astype(PANDAS_DTYPES[kql_type])


def _to_datetime(text: pa.ChunkedArray) -> pd.Series:
    strings = pd.Series(text.to_pandas())
    parsed = pd.to_datetime(strings, format="ISO8601", utc=True, errors="coerce")
    retry = parsed.isna() & strings.fillna("").ne("")
    if retry.any():
        # The other documented forms (RFC 822, RFC 850, "2014-11-8 15:05:25") are rare: parse them one by one.
        parsed[retry] = pd.to_datetime(strings[retry], format="mixed", utc=True, errors="coerce")
    return parsed.dt.tz_localize(None).astype(PANDAS_DTYPES[KqlType.DATETIME])


def _to_timespan(text: pa.ChunkedArray) -> pd.Series:
    parts = pd.Series(text.to_pandas()).str.extract(_TIMESPAN_PATTERN)
    numbers = parts[["days", "hours", "minutes", "seconds"]].apply(pd.to_numeric).fillna(0)
    fraction = parts["fraction"].fillna("").str.ljust(7, "0").replace("0000000", "0")
    ticks = (
        ((numbers["days"] * 24 + numbers["hours"]) * 60 + numbers["minutes"]) * 60 + numbers["seconds"]
    ) * 10_000_000 + pd.to_numeric(fraction, errors="coerce").fillna(0)
    valid = parts["hours"].notna() & (numbers["minutes"] < 60) & (numbers["seconds"] < 60)
    signed = ticks.where(parts["sign"].isna(), -ticks).where(valid)
    return pd.Series(pd.to_timedelta(signed * 100, unit="ns"), dtype=PANDAS_DTYPES[KqlType.TIMESPAN])


def _parse_decimal(value: str) -> Any:
    try:
        return decimal.Decimal(value.strip())
    except decimal.InvalidOperation:
        return None


def _parse_guid(value: str) -> Any:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def _parse_dynamic(value: str) -> Any:
    # Kusto keeps a field that is not JSON as a dynamic string.
    try:
        return json.loads(value)
    except ValueError:
        return value


_OBJECT_PARSERS: dict[KqlType, Callable[[str], Any]] = {
    KqlType.DECIMAL: _parse_decimal,
    KqlType.GUID: _parse_guid,
    KqlType.DYNAMIC: _parse_dynamic,
}


def _per_value(text: pa.ChunkedArray, parse: Callable[[str], Any]) -> pd.Series:
    # Decimal, guid and dynamic columns hold Python objects, so each value is built in Python.
    return pd.Series([None if value is None or value == "" else parse(value) for value in text.to_pylist()], dtype=object)
