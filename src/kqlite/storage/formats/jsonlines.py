"""Read JSON sources: ``json`` (one object a line) and ``multijson`` (objects and arrays of them, any layout).

Without an ingestion mapping, Kusto maps a JSON property to the table column of the same
name. A column with no property is null (strings ""), and other properties are ignored.
Values are converted like CSV fields. A dynamic column takes the JSON value as it is. A
string column takes a string as it is and any other value as compact JSON. The other
types parse the value's text, so a value that does not fit becomes null.

NOTE: records are decoded with Python's json module, one at a time, so JSON ingestion
runs at roughly 1 to 2 million records a minute; the large data sets kqlite targets come
as CSV or Parquet.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from kqlite.errors import KqlRuntimeError
from kqlite.storage.arrow_codec import dynamic_to_json
from kqlite.storage.convert import convert_text
from kqlite.storage.formats.common import Opener, ProgressCallback, ReadResult, read_all_bytes
from kqlite.table import Columns
from kqlite.types import KqlType

_PROGRESS_EVERY = 100_000


def read_json(
    opener: Opener, location: str, columns: Columns, multijson: bool, progress: ProgressCallback
) -> ReadResult:
    """Read a JSON source into `columns`, mapping properties to columns by name."""
    raw, stream = opener()
    values: dict[str, list[Any]] = {name: [] for name, _ in columns}
    rows = 0
    try:
        if multijson:
            records = _multijson_records(read_all_bytes(stream).decode("utf-8"), location)
        else:
            records = _line_records(io.TextIOWrapper(stream, encoding="utf-8"), location)
        for record in records:
            for name, column_values in values.items():
                column_values.append(record.get(name))
            rows += 1
            if rows % _PROGRESS_EVERY == 0:
                progress(rows, raw.bytes_read)
    except UnicodeDecodeError as error:
        raise KqlRuntimeError("KL113", f"ingestion of '{location}' failed: the data is not valid UTF-8 ({error.reason})") from error
    except (OSError, EOFError) as error:
        raise KqlRuntimeError("KL114", f"ingestion of '{location}' failed: the data cannot be read ({error})") from error
    finally:
        stream.close()
    progress(rows, raw.bytes_read)

    data: dict[str, pd.Series] = {}
    invalid = 0
    for name, kql_type in columns:
        data[name], bad = _convert_values(values[name], kql_type)
        invalid += bad
    return ReadResult(pd.DataFrame(data, index=pd.RangeIndex(rows)), invalid, columns)


def _line_records(text: io.TextIOWrapper, location: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise _bad_json(location, number, error.msg) from None
        if not isinstance(record, dict):
            raise _bad_json(location, number, "a record must be a JSON object")
        yield record


def _multijson_records(content: str, location: str) -> Iterator[dict[str, Any]]:
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(content) and content[position].isspace():
            position += 1
        if position >= len(content):
            return
        try:
            value, position = decoder.raw_decode(content, position)
        except json.JSONDecodeError as error:
            raise _bad_json(location, error.lineno, error.msg) from None
        for record in value if isinstance(value, list) else [value]:
            if not isinstance(record, dict):
                raise _bad_json(location, content.count("\n", 0, position) + 1, "a record must be a JSON object")
            yield record


def _bad_json(location: str, line: int, reason: str) -> KqlRuntimeError:
    return KqlRuntimeError("KL112", f"ingestion of '{location}' failed: line {line} is not valid JSON: {reason}")


def _convert_values(values: list[Any], kql_type: KqlType) -> tuple[pd.Series, int]:
    if kql_type is KqlType.DYNAMIC:
        return pd.Series(values, dtype=object), 0
    texts = [value if value is None or isinstance(value, str) else _scalar_text(value) for value in values]
    return convert_text(pa.array(texts, type=pa.string()), kql_type)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return dynamic_to_json(value)
