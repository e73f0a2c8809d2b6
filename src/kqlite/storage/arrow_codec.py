"""Convert kqlite tables between pandas (the engine's form) and Arrow (the form on disk).

Each KQL type has one Arrow type in the catalogue's files:

=========  ===================================  ===============================================
KQL type   Arrow type                           note
=========  ===================================  ===============================================
bool       ``bool``
int        ``int32``
long       ``int64``
real       ``float64``                          NaN is kept as NaN, not turned into null
decimal    ``string``                           the decimal's text, so no digits are lost
string     ``string`` or ``dictionary<intN>``   a pandas ``category`` stays dictionary-encoded
datetime   ``timestamp[ns]``                    UTC, stored without a zone
timespan   ``duration[ns]``
guid       ``string``                           the canonical hyphenated form
dynamic    ``string``                           the value as JSON text
=========  ===================================  ===============================================

NOTE: a dynamic value round-trips through JSON, so a datetime or timespan inside a
dynamic value comes back as its ISO text, and a numpy array comes back as a list. Kusto
stores dynamic columns as JSON too.
"""

from __future__ import annotations

import decimal
import json
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.functions.values import format_timespan_text as format_timespan
from kqlite.table import Columns
from kqlite.types import PANDAS_DTYPES, KqlType

# Rows per record batch when a frame is written; bounds the extra memory of a write.
WRITE_BATCH_ROWS = 1 << 20

_ARROW_TYPES: dict[KqlType, pa.DataType] = {
    KqlType.BOOL: pa.bool_(),
    KqlType.INT: pa.int32(),
    KqlType.LONG: pa.int64(),
    KqlType.REAL: pa.float64(),
    KqlType.DECIMAL: pa.string(),
    KqlType.STRING: pa.string(),
    KqlType.DATETIME: pa.timestamp("ns"),
    KqlType.TIMESPAN: pa.duration("ns"),
    KqlType.GUID: pa.string(),
    KqlType.DYNAMIC: pa.string(),
}

DICTIONARY_STRING = pa.dictionary(pa.int32(), pa.string())


def arrow_type(kql_type: KqlType) -> pa.DataType:
    """Return the Arrow type a column of `kql_type` is stored as."""
    return _ARROW_TYPES[kql_type]


def arrow_schema(columns: Columns, frame: pd.DataFrame | None = None) -> pa.Schema:
    """Build the Arrow schema of a table; string columns held as category become dictionaries.

    A dictionary's indices have the width of the category's codes, so that reading
    the column back maps its codes without converting them.
    """
    fields = []
    for name, kql_type in columns:
        data_type = arrow_type(kql_type)
        if kql_type is KqlType.STRING and frame is not None and isinstance(frame[name].dtype, pd.CategoricalDtype):
            code_type = pa.from_numpy_dtype(frame[name].array.codes.dtype)
            data_type = pa.dictionary(code_type, pa.string())
        fields.append(pa.field(name, data_type))
    return pa.schema(fields)


def code_type_for(category_count: int) -> pa.DataType:
    """Return the integer type pandas gives the codes of this many categories."""
    for numpy_type, arrow_int in ((np.int8, pa.int8()), (np.int16, pa.int16()), (np.int32, pa.int32())):
        if category_count < np.iinfo(numpy_type).max:
            return arrow_int
    return pa.int64()


def narrow_dictionaries(table: pa.Table) -> pa.Table:
    """Give each one-chunk dictionary column the index width pandas uses for its codes.

    pandas stores a category's codes in the smallest integer type that fits them;
    indices of that type become codes without a pass over the rows when read.
    """
    for position, field in enumerate(table.schema):
        column = table.column(position)
        if not pa.types.is_dictionary(field.type) or column.num_chunks != 1:
            continue
        chunk = column.chunk(0)
        wanted = code_type_for(len(chunk.dictionary))
        if chunk.indices.type != wanted:
            narrowed = pa.DictionaryArray.from_arrays(chunk.indices.cast(wanted), chunk.dictionary)
            table = table.set_column(position, pa.field(field.name, narrowed.type), narrowed)
    return table


def widen_dictionaries(table: pa.Table) -> pa.Table:
    """Give every dictionary column int32 indices, so that extents of one table share a schema."""
    for position, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type) and field.type.index_type != pa.int32():
            table = table.set_column(position, pa.field(field.name, DICTIONARY_STRING), table.column(position).cast(DICTIONARY_STRING))
    return table


def frame_batches(columns: Columns, frame: pd.DataFrame, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Yield the frame as record batches of `schema`, WRITE_BATCH_ROWS rows at a time."""
    for start in range(0, max(len(frame), 1), WRITE_BATCH_ROWS):
        piece = frame.iloc[start : start + WRITE_BATCH_ROWS]
        arrays = [_to_arrow(piece[name], kql_type, schema.field(name).type) for name, kql_type in columns]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _to_arrow(series: pd.Series, kql_type: KqlType, data_type: pa.DataType) -> pa.Array:
    if pa.types.is_dictionary(data_type):
        categorical = series.cat
        dictionary = pa.array(np.asarray(categorical.categories, dtype=object), type=pa.string())
        indices = pa.array(categorical.codes.to_numpy(), type=data_type.index_type)
        return pa.DictionaryArray.from_arrays(indices, dictionary)
    if kql_type is KqlType.REAL:
        # from_pandas=False keeps NaN as a value: kqlite's real null is NaN already.
        return pa.array(series.to_numpy(dtype=np.float64), type=data_type, from_pandas=False)
    if kql_type in (KqlType.DECIMAL, KqlType.GUID):
        return pa.array([None if value is None else str(value) for value in series], type=pa.string())
    if kql_type is KqlType.DYNAMIC:
        return pa.array([None if value is None else dynamic_to_json(value) for value in series], type=pa.string())
    array = pa.array(series, type=data_type, from_pandas=True)
    # A pyarrow-backed pandas column converts to a ChunkedArray; a record batch needs one array.
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def dynamic_to_json(value: Any) -> str:
    """Serialise a dynamic value as compact JSON, writing typed scalars as Kusto prints them."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "mM":
            return [None if pd.isna(item) else _json_default(item) for item in value.tolist()]
        return [None if isinstance(item, float) and np.isnan(item) else item for item in value.tolist()]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    if isinstance(value, (pd.Timedelta, np.timedelta64)):
        return format_timespan(pd.Timedelta(value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored in a dynamic column")


def arrow_to_frame(table: pa.Table, columns: Columns) -> pd.DataFrame:
    """Convert an Arrow table of the catalogue's types into kqlite's pandas representation."""
    data = {}
    for index, (name, kql_type) in enumerate(columns):
        data[name] = arrow_to_series(table.column(index), kql_type)
    return pd.DataFrame(data, index=pd.RangeIndex(table.num_rows), copy=False)


def arrow_to_series(array: pa.ChunkedArray, kql_type: KqlType) -> pd.Series:
    """Convert one stored Arrow column into the pandas Series of its KQL type."""
    if kql_type is KqlType.STRING:
        return _string_series(array)
    if kql_type is KqlType.DECIMAL:
        return pd.Series([None if text is None else decimal.Decimal(text) for text in array.to_pylist()], dtype=object)
    if kql_type is KqlType.GUID:
        return pd.Series([None if text is None else uuid.UUID(text) for text in array.to_pylist()], dtype=object)
    if kql_type is KqlType.DYNAMIC:
        return pd.Series([None if text is None else json.loads(text) for text in array.to_pylist()], dtype=object)
    if kql_type is KqlType.REAL:
        return pd.Series(_numpy_values(array, np.nan), copy=False)
    if kql_type in (KqlType.DATETIME, KqlType.TIMESPAN):
        # Arrow nulls become NaT, the null of both types.
        unit = "datetime64[ns]" if kql_type is KqlType.DATETIME else "timedelta64[ns]"
        if array.type not in (pa.timestamp("ns"), pa.duration("ns")):
            return pd.Series(array.to_pandas(), dtype=PANDAS_DTYPES[kql_type])
        return pd.Series(_numpy_values(array, None).astype(unit, copy=False), copy=False)
    if kql_type in (KqlType.INT, KqlType.LONG, KqlType.BOOL):
        # The masked arrays are built around the file's own buffers where possible: a
        # column of one extent without nulls is read without copying its values.
        values = _numpy_values(array, 0 if kql_type is not KqlType.BOOL else False)
        mask = _null_mask(array)
        if kql_type is KqlType.BOOL:
            return pd.Series(pd.arrays.BooleanArray(values.astype(bool, copy=False), mask), copy=False)
        return pd.Series(pd.arrays.IntegerArray(values, mask), copy=False)
    return pd.Series(pd.array(array, dtype=PANDAS_DTYPES[kql_type]))


def _numpy_values(array: pa.ChunkedArray, fill: Any) -> np.ndarray:
    """Concatenate the chunks' values as one numpy array, nulls replaced by `fill`."""
    parts = []
    for chunk in array.chunks:
        if chunk.null_count and fill is not None:
            chunk = chunk.fill_null(fill)
        parts.append(chunk.to_numpy(zero_copy_only=False))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, dtype=array.type.to_pandas_dtype())
    return np.concatenate(parts)


def _null_mask(array: pa.ChunkedArray) -> np.ndarray:
    if array.null_count == 0:
        return np.zeros(len(array), dtype=bool)
    return array.is_null().to_numpy(zero_copy_only=False)


def _string_series(array: pa.ChunkedArray) -> pd.Series:
    if pa.types.is_dictionary(array.type) and 4 * len(array) < sum(len(chunk.dictionary) for chunk in array.chunks):
        # A few rows of a large dictionary (the first rows of a table): decoding them
        # is cheaper than converting the whole dictionary into categories.
        array = array.cast(pa.string())
    if pa.types.is_dictionary(array.type):
        combined = array.unify_dictionaries().combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        dictionary = combined.dictionary
        if dictionary.null_count:
            # A null among the dictionary's values (kqlite never writes one): decode the column.
            return _string_series(pa.chunked_array([combined.cast(pa.string())]))
        indices = combined.indices.fill_null(-1) if combined.indices.null_count else combined.indices
        # Indices of pandas' code width (see narrow_dictionaries) are used as they are.
        codes = indices.to_numpy(zero_copy_only=False)
        if combined.null_count:
            # A missing string is "": map null codes onto an "" category.
            empty = pc.index(dictionary, "").as_py()
            if empty < 0:
                dictionary = pa.concat_arrays([dictionary, pa.array([""], dictionary.type)])
                empty = len(dictionary) - 1
            codes = np.where(codes < 0, empty, codes).astype(np.int32)
        # The categories are built from the Arrow dictionary itself, not from Python strings.
        categories = pd.Index(pd.array(dictionary, dtype=PANDAS_DTYPES[KqlType.STRING]))
        # The codes come from Arrow's own dictionary, so they need no range check.
        categorical = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False)
        return pd.Series(categorical, copy=False)
    series = pd.Series(array.to_pandas(), dtype=PANDAS_DTYPES[KqlType.STRING])
    return series.fillna("") if array.null_count else series
