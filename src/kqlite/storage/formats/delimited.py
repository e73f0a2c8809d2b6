"""Read CSV and its siblings (TSV, PSV, SCSV, SOHsv) into a table's columns, with pyarrow.

Kusto's rules without an ingestion mapping: fields map to the table's columns by
position. When a file's records have fewer fields than the table has columns, the last
columns are null (strings ""), and extra fields are ignored. Every record of a file must have as
many fields as its first record (the default validation policy), otherwise the
ingestion fails. Empty lines are not records. Fields follow RFC 4180 quoting.

The fast path lets pyarrow convert each field to its column's type while it parses,
with string columns dictionary-encoded. A field that pyarrow cannot convert (an
unusual datetime form, a bad number) makes the reader start again on the lenient path.
That path reads every field as text and converts it with `kqlite.storage.convert`,
where unparsable values become null and are counted.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kqlite.errors import KqlRuntimeError
from kqlite.storage.arrow_codec import DICTIONARY_STRING, arrow_to_series, arrow_type
from kqlite.storage.convert import convert_text
from kqlite.storage.formats.common import Opener, ProgressCallback, ReadResult, read_all_bytes
from kqlite.table import Columns
from kqlite.types import KqlType

BLOCK_SIZE = 16 << 20

# pyarrow parses a CSV in blocks and fails on a record longer than one block, so the reader
# doubles the block size up to this limit (1 GiB, within pyarrow's int32 block size).
MAX_BLOCK_SIZE = 1 << 30

# A string column keeps its dictionary (pandas category) when at most this share of its
# values are distinct. Above it, a plain string column is smaller and faster.
MAX_DICTIONARY_SHARE = 0.5

# Types pyarrow's CSV reader converts itself on the fast path; the others are read as text.
_FAST_TYPES: dict[KqlType, pa.DataType] = {
    KqlType.BOOL: pa.bool_(),
    KqlType.INT: pa.int32(),
    KqlType.LONG: pa.int64(),
    KqlType.REAL: pa.float64(),
    KqlType.STRING: DICTIONARY_STRING,
    KqlType.DATETIME: pa.timestamp("ns", tz="UTC"),
}


@dataclass(frozen=True, slots=True)
class DelimitedOptions:
    """Parsing options of one delimited source."""

    separator: str
    ignore_first_record: bool = False
    escaped: bool = False
    lenient: bool = False
    newlines_in_values: bool = False
    add_final_newline: bool = False
    block_size: int = BLOCK_SIZE


class _SingleUnterminatedLine(Exception):
    pass


class _FieldCountMismatch(Exception):
    def __init__(self, record: int | None, expected: int, actual: int, text: str) -> None:
        super().__init__(text)
        self.record, self.expected, self.actual, self.text = record, expected, actual, text


class _ConversionFailed(Exception):
    pass


class _RecordTooLong(Exception):
    pass


def read_delimited(
    opener: Opener, location: str, columns: Columns, options: DelimitedOptions, progress: ProgressCallback
) -> ReadResult:
    """Read one delimited source into `columns`; raise KqlRuntimeError naming the file and line."""
    try:
        return _read_with_retries(opener, location, columns, options, progress)
    except _FieldCountMismatch as mismatch:
        record = mismatch.record if mismatch.record is not None else _locate_mismatch(opener, options)
        line = None if record is None else _physical_line(opener, record)
        raise KqlRuntimeError(
            "KL112",
            f"ingestion of '{location}' failed: line {line} has {mismatch.actual} fields "
            f"where the first record has {mismatch.expected}: {mismatch.text[:200]!r}",
            hint="every record of a file must have the same number of fields; quote fields that contain the separator",
        ) from None


def _read_with_retries(
    opener: Opener, location: str, columns: Columns, options: DelimitedOptions, progress: ProgressCallback
) -> ReadResult:
    try:
        return _read_once(opener, location, columns, options, progress)
    except _ConversionFailed:
        return _read_with_retries(opener, location, columns, replace(options, lenient=True), progress)
    except _SingleUnterminatedLine:
        # pyarrow finds no record in a source of one line with no final newline; add the newline.
        return _read_with_retries(opener, location, columns, replace(options, add_final_newline=True), progress)
    except _FieldCountMismatch:
        if options.newlines_in_values:
            raise
        # A quoted field may span lines, and pyarrow splits such records only with newlines_in_values.
        return _read_with_retries(opener, location, columns, replace(options, newlines_in_values=True), progress)
    except _RecordTooLong:
        if options.block_size >= MAX_BLOCK_SIZE:
            line = _locate_long_line(opener, MAX_BLOCK_SIZE)
            raise KqlRuntimeError(
                "KL114",
                f"ingestion of '{location}' failed: line {line} is longer than the maximum record size "
                f"of {MAX_BLOCK_SIZE >> 20} MB",
                hint="split the record, or check that the file's line breaks are '\\n' or '\\r\\n'",
            ) from None
        bigger = replace(options, block_size=min(2 * options.block_size, MAX_BLOCK_SIZE))
        return _read_with_retries(opener, location, columns, bigger, progress)


def _read_once(
    opener: Opener, location: str, columns: Columns, options: DelimitedOptions, progress: ProgressCallback
) -> ReadResult:
    names = [f"f{index}" for index in range(len(columns))]
    column_types = {
        name: pa.string() if options.lenient or kql_type not in _FAST_TYPES else _FAST_TYPES[kql_type]
        for name, (_, kql_type) in zip(names, columns, strict=True)
    }
    mismatches: list[_FieldCountMismatch] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        mismatches.append(_FieldCountMismatch(row.number, row.expected_columns, row.actual_columns, row.text))
        return "error"

    read_options = pacsv.ReadOptions(
        autogenerate_column_names=True, skip_rows=1 if options.ignore_first_record else 0,
        block_size=options.block_size,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=options.separator,
        escape_char="\\" if options.escaped else False,
        newlines_in_values=options.newlines_in_values,
        invalid_row_handler=on_invalid_row,
    )
    convert_options = pacsv.ConvertOptions(
        column_types=column_types,
        include_columns=names,
        include_missing_columns=True,
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )

    raw, stream = opener()
    if options.add_final_newline:
        stream = pa.BufferReader(read_all_bytes(stream) + b"\n")
    batches: list[pa.RecordBatch] = []
    rows = 0
    try:
        reader = pacsv.open_csv(stream, read_options, parse_options, convert_options)
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            progress(rows, raw.bytes_read)
    except pa.ArrowInvalid as error:
        if mismatches:
            raise mismatches[0] from None
        if "straddl" in str(error) or ("Empty CSV file" in str(error) and _first_block_full(opener, options)):
            # A record does not fit in one block: pyarrow either reports that, or, for
            # the first record, reports an empty file.
            raise _RecordTooLong() from None
        if "Empty CSV file" not in str(error):
            _raise_read_error(error, opener, location, options)
        if not options.add_final_newline:
            raise _SingleUnterminatedLine() from None
        # Still no record: the source is empty or blank and ingests no rows.
    except (OSError, EOFError) as error:
        raise KqlRuntimeError(
            "KL114", f"ingestion of '{location}' failed: the data cannot be read ({error})",
            hint="the file may be truncated or not compressed as its name says",
        ) from error
    finally:
        stream.close()

    if not batches:
        schema = pa.schema([pa.field(name, column_types[name]) for name in names])
        arrow_table = pa.Table.from_batches([], schema=schema)
    else:
        arrow_table = pa.Table.from_batches(batches)
    return _to_frame(arrow_table, columns)


def _first_block_full(opener: Opener, options: DelimitedOptions) -> bool:
    raw, stream = opener()
    try:
        return len(stream.read(options.block_size + 1)) > options.block_size
    finally:
        stream.close()


def _locate_long_line(opener: Opener, limit: int) -> int:
    # NOTE: the line is counted in physical lines, so a quoted line break inside a long
    # record makes the reported line the record's last rather than its first.
    line = 1
    length = 0
    raw, stream = opener()
    try:
        while chunk := stream.read(BLOCK_SIZE):
            start = 0
            while (end := chunk.find(b"\n", start)) >= 0:
                if length + end - start > limit:
                    return line
                line += 1
                length = 0
                start = end + 1
            length += len(chunk) - start
            if length > limit:
                return line
    finally:
        stream.close()
    return line


def _raise_read_error(error: pa.ArrowInvalid, opener: Opener, location: str, options: DelimitedOptions) -> None:
    message = str(error)
    if "UTF8" in message:
        line = _locate_invalid_utf8(opener)
        raise KqlRuntimeError(
            "KL113",
            f"ingestion of '{location}' failed: line {line} is not valid UTF-8 text",
            hint="convert the file to UTF-8 (for example with iconv)",
        ) from None
    if "conversion error" in message and not options.lenient:
        raise _ConversionFailed() from None
    raise KqlRuntimeError("KL114", f"ingestion of '{location}' failed: {message}") from None


def _to_frame(arrow_table: pa.Table, columns: Columns) -> ReadResult:
    stored = _as_stored(arrow_table, columns)
    if stored is not None:
        return ReadResult(stored, 0, columns)

    data: dict[str, pd.Series] = {}
    invalid = 0
    for index, (name, kql_type) in enumerate(columns):
        column = arrow_table.column(index)
        if pa.types.is_dictionary(column.type):
            column = _plain_if_distinct(column)
            data[name] = arrow_to_series(column, KqlType.STRING)
        elif pa.types.is_timestamp(column.type):
            data[name] = arrow_to_series(column.cast(pa.timestamp("ns")), kql_type)
        elif pa.types.is_string(column.type) or pa.types.is_null(column.type):
            data[name], bad = convert_text(column.cast(pa.string()), kql_type)
            invalid += bad
        else:
            data[name] = arrow_to_series(column, kql_type)
    frame = pd.DataFrame(data, index=pd.RangeIndex(arrow_table.num_rows), copy=False)
    return ReadResult(frame, invalid, columns)


def _as_stored(arrow_table: pa.Table, columns: Columns) -> pa.Table | None:
    # The fast path's columns are already the catalogue's storage types, except that
    # timestamps carry a UTC zone. Any text or null-filled column takes the pandas path.
    arrays = []
    for index, (_, kql_type) in enumerate(columns):
        column = arrow_table.column(index)
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("ns"))
        elif pa.types.is_dictionary(column.type):
            if column.null_count:
                return None
            column = _plain_if_distinct(column)
        elif column.type != arrow_type(kql_type) or kql_type in (KqlType.STRING, KqlType.DECIMAL, KqlType.GUID, KqlType.DYNAMIC):
            return None
        arrays.append(column)
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


def _plain_if_distinct(column: pa.ChunkedArray) -> pa.ChunkedArray:
    unified = column.unify_dictionaries()
    distinct = len(unified.chunk(0).dictionary) if unified.num_chunks else 0
    if distinct > MAX_DICTIONARY_SHARE * max(len(column), 1):
        return unified.cast(pa.string())
    return unified


def _locate_mismatch(opener: Opener, options: DelimitedOptions) -> int | None:
    # The multi-threaded reader does not know line numbers; a single-threaded pass does.
    found: list[int] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        if row.number is not None:
            found.append(row.number)
        return "error"

    raw, stream = opener()
    try:
        reader = pacsv.open_csv(
            stream,
            pacsv.ReadOptions(autogenerate_column_names=True, use_threads=False,
                              skip_rows=1 if options.ignore_first_record else 0),
            pacsv.ParseOptions(
                delimiter=options.separator,
                escape_char="\\" if options.escaped else False,
                newlines_in_values=options.newlines_in_values,
                invalid_row_handler=on_invalid_row,
            ),
            pacsv.ConvertOptions(column_types={}, check_utf8=False),
        )
        for _ in reader:
            pass
    except (pa.ArrowInvalid, OSError):
        pass
    finally:
        stream.close()
    return found[0] if found else None


def _physical_line(opener: Opener, record: int) -> int:
    # pyarrow numbers records from 1 and skips empty lines, so count the empty lines back in.
    # NOTE: a record with a quoted line break spans several lines but counts as one here,
    # so after such a record the reported line is too small by the extra lines.
    line = 0
    records = 0
    tail = b""
    raw, stream = opener()
    try:
        while chunk := stream.read(BLOCK_SIZE):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            for text in lines:
                line += 1
                records += text not in (b"", b"\r")
                if records == record:
                    return line
    finally:
        stream.close()
    return line + 1


def _locate_invalid_utf8(opener: Opener) -> int:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    raw, stream = opener()
    try:
        while chunk := stream.read(BLOCK_SIZE):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # error.object is the undecoded tail of the previous chunk (never a newline) plus this chunk.
                return line + error.object.count(b"\n", 0, error.start)
            line += chunk.count(b"\n")
    finally:
        stream.close()
    return line
