"""Read Parquet sources into a table's columns, mapping Parquet columns to table columns by name.

A table column with no Parquet column of its name is null (strings ""), and other Parquet
columns are ignored. Arrow casts a Parquet column whose type converts to the table's type
without loss. Any other column is read as text and converted like a CSV field.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kqlite.errors import KqlRuntimeError
from kqlite.storage.arrow_codec import arrow_to_series, arrow_type, dynamic_to_json
from kqlite.storage.convert import convert_text
from kqlite.storage.formats.common import Opener, ProgressCallback, ReadResult, read_all_bytes
from kqlite.table import Columns
from kqlite.types import KqlType


def read_parquet(opener: Opener, location: str, columns: Columns, progress: ProgressCallback) -> ReadResult:
    """Read a Parquet source into `columns`."""
    raw, stream = opener()
    try:
        # Parquet needs random access to its footer, so the (possibly decompressed) stream is buffered.
        arrow_table = pq.read_table(pa.BufferReader(read_all_bytes(stream)))
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise KqlRuntimeError("KL114", f"ingestion of '{location}' failed: not a readable Parquet file ({error})") from error
    finally:
        stream.close()
    progress(arrow_table.num_rows, raw.bytes_read)

    data: dict[str, pd.Series] = {}
    invalid = 0
    for name, kql_type in columns:
        if name not in arrow_table.column_names:
            data[name], _ = convert_text(pa.nulls(arrow_table.num_rows, pa.string()), kql_type)
            continue
        data[name], bad = _convert_column(arrow_table.column(name), kql_type)
        invalid += bad
    return ReadResult(pd.DataFrame(data, index=pd.RangeIndex(arrow_table.num_rows)), invalid, columns)


def _convert_column(column: pa.ChunkedArray, kql_type: KqlType) -> tuple[pd.Series, int]:
    if kql_type is KqlType.STRING and pa.types.is_dictionary(column.type):
        return arrow_to_series(column, kql_type), 0
    if kql_type is KqlType.DATETIME and pa.types.is_timestamp(column.type):
        naive = column.cast(pa.timestamp(column.type.unit)) if column.type.tz else column
        return arrow_to_series(naive.cast(pa.timestamp("ns")), kql_type), 0
    if kql_type is KqlType.DYNAMIC:
        values = [None if value is None else value for value in column.to_pylist()]
        return pd.Series(values, dtype=object), 0
    if kql_type not in (KqlType.DECIMAL, KqlType.GUID):
        try:
            return arrow_to_series(column.cast(arrow_type(kql_type)), kql_type), 0
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    texts = [_as_text(value) for value in column.to_pylist()]
    return convert_text(pa.array(texts, type=pa.string()), kql_type)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return dynamic_to_json(value)
