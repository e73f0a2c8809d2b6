"""Ingest data from files, URIs and inline text into a table's columns.

`read_source` reads one local path, ``file://`` URI or ``http(s)://`` URI;
`read_inline` reads the data of an ``.ingest inline`` command. Both return the rows in
the table's own column types (see `kqlite.storage.convert` for how text fields are
converted) and leave storing them to the caller, so a failed ingestion changes nothing.

Supported ingestion properties: ``format`` (csv, tsv, tsve, psv, scsv, sohsv, json,
multijson, parquet) and ``ignoreFirstRecord``. Properties that only matter to a Kusto
cluster (``tags``, ``creationTime``, ``ingestIfNotExists``, ``validationPolicy``...)
are accepted and ignored; an ingestion mapping is not supported.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pyarrow as pa

from kqlite.errors import KqlNotSupportedError, KqlRuntimeError
from kqlite.storage.formats.common import Opener, ProgressCallback, ReadResult, no_progress
from kqlite.storage.formats.delimited import DelimitedOptions, read_delimited
from kqlite.storage.formats.jsonlines import read_json
from kqlite.storage.formats.parquet import read_parquet
from kqlite.storage.sources import (
    DELIMITED_SEPARATORS,
    CountingStream,
    SourceKind,
    check_format,
    check_unchanged,
    decompressed,
    file_version,
    open_raw,
    source_kind,
)
from kqlite.table import Columns

PropertyValue = str | bool | int | float
_MAPPING_PROPERTIES = ("ingestionmapping", "ingestionmappingreference", "csvmapping", "jsonmapping")


def read_source(
    location: str,
    columns: Columns,
    properties: Mapping[str, PropertyValue] | None = None,
    progress: ProgressCallback = no_progress,
) -> ReadResult:
    """Read one source into `columns`, with the format and compression its name or `format` gives."""
    options = _lowered(properties)
    format_property = options.get("format")
    kind = source_kind(location, None if format_property is None else str(format_property))

    def opener() -> tuple[CountingStream, pa.NativeFile]:
        raw = open_raw(location)
        return raw, decompressed(raw, kind.compression)

    # A local file that another process writes while kqlite reads it gives a mix of old
    # and new rows, or a read error; either way the file's version changed.
    before = file_version(location)
    try:
        result = _read(opener, location, kind, columns, options, progress)
    except KqlRuntimeError as error:
        check_unchanged(location, before, error)
        raise
    check_unchanged(location, before, None)
    return result


def read_inline(text: str, columns: Columns, properties: Mapping[str, PropertyValue] | None = None) -> ReadResult:
    """Read the data of an ``.ingest inline`` command (CSV unless the `format` property gives another format)."""
    options = _lowered(properties)
    data_format = str(options.get("format", "csv")).lower()
    check_format(data_format)
    data = text.encode("utf-8")

    def opener() -> tuple[CountingStream, pa.NativeFile]:
        raw = CountingStream(io.BytesIO(data), len(data))
        return raw, decompressed(raw, None)

    return _read(opener, "inline data", SourceKind(data_format, None), columns, options, no_progress)


def _read(
    opener: Opener,
    location: str,
    kind: SourceKind,
    columns: Columns,
    options: Mapping[str, PropertyValue],
    progress: ProgressCallback,
) -> ReadResult:
    for name in _MAPPING_PROPERTIES:
        if name in options:
            raise KqlNotSupportedError(f"the ingestion property '{name}'")

    if kind.format in DELIMITED_SEPARATORS:
        delimited = DelimitedOptions(
            separator=DELIMITED_SEPARATORS[kind.format],
            ignore_first_record=property_flag(options, "ignorefirstrecord"),
            escaped=kind.format == "tsve",
        )
        return read_delimited(opener, location, columns, delimited, progress)
    if kind.format in ("json", "multijson"):
        return read_json(opener, location, columns, kind.format == "multijson", progress)
    return read_parquet(opener, location, columns, progress)


def property_flag(options: Mapping[str, PropertyValue], name: str) -> bool:
    """Read a boolean property given as true/false or as the text "true"/"false"."""
    value = options.get(name.lower(), False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise KqlRuntimeError("KL108", f"property '{name}' must be true or false, not '{value}'")


def _lowered(properties: Mapping[str, PropertyValue] | None) -> dict[str, PropertyValue]:
    # Kusto's property names are case-insensitive.
    return {key.lower(): value for key, value in (properties or {}).items()}
