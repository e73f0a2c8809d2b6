"""Extent files: the file names, lock, durability and error helpers of a catalogue folder.

A `Catalog` keeps each table as a manifest, ``<name>.table.json``, plus one Arrow IPC file
per extent, ``<name>.<id>.arrow``. This module contains the file-level helpers the catalogue
uses: file-name suffixes and patterns, percent-encoding of table names, the folder's write
lock and fsync of a folder entry. It also reads a manifest's schema, builds the errors for a
missing or corrupt file, and decides whether a table's extents are worth merging into one.
"""

from __future__ import annotations

import fcntl
import os
import re
import urllib.parse
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from kqlite.errors import KqlRuntimeError
from kqlite.storage.arrow_codec import code_type_for
from kqlite.table import Columns
from kqlite.types import KqlType

MANIFEST_SUFFIX = ".table.json"
EXTENT_SUFFIX = ".arrow"
LOCK_NAME = ".kqlite.lock"
_TEMPORARY_MARK = ".tmp-"

# An extent file, "<quoted table name>.<12 hex digits>.arrow", and a file being
# written, "<final name>.tmp-<process id>".
_EXTENT_NAME = re.compile(r".+\.[0-9a-f]{12}" + re.escape(EXTENT_SUFFIX))
_TEMPORARY_NAME = re.compile(r".+(" + re.escape(MANIFEST_SUFFIX) + "|" + re.escape(EXTENT_SUFFIX) + r")" + re.escape(_TEMPORARY_MARK) + r"\d+")


def _quoted(name: str) -> str:
    # '.' is quoted too, so that a table name never looks like an extent or manifest suffix.
    return urllib.parse.quote(name, safe="").replace(".", "%2E")


def _worth_merging(table: pa.Table) -> bool:
    # Several record batches, or dictionary indices wider than pandas' codes (as ingestion
    # writes them), cost a copy on every load; one rewrite saves that copy from then on.
    if not table.num_columns:
        return False
    if table.column(0).num_chunks > 1:
        return True
    return any(
        pa.types.is_dictionary(field.type) and field.type.index_type != code_type_for(len(column.chunk(0).dictionary))
        for field, column in zip(table.schema, table.columns, strict=True)
        if column.num_chunks == 1
    )


def _name_of_manifest(file_name: str) -> str:
    return urllib.parse.unquote(file_name[: -len(MANIFEST_SUFFIX)])


def _lock_folder(path: Path) -> IO[bytes]:
    lock_file = open(path / LOCK_NAME, "a+b")  # noqa: SIM115 - held open until close()
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise KqlRuntimeError(
            "KL101",
            f"database folder {path} is already open for writing in another process",
            hint="close the other kqlite session, or open this folder read-only",
        ) from None
    return lock_file


def _fsync_folder(path: Path) -> None:
    # A rename or unlink is durable only once the folder entry itself is flushed.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _columns_of(manifest: dict[str, Any]) -> Columns:
    return tuple((str(name), KqlType(type_name)) for name, type_name in manifest["columns"])


def _corrupt(file: Path, error: Exception) -> KqlRuntimeError:
    return KqlRuntimeError(
        "KL102",
        f"table file {file} is missing or corrupt: {error}",
        hint="restore the file or drop the table with '.drop table'; other tables are unaffected",
    )


def _tables_hint(names: list[str]) -> str | None:
    if not names:
        return "the database has no tables"
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return f"tables: {shown}"
