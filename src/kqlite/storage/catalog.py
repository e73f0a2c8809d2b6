"""Catalog: the tables of a kqlite database, in memory or persisted in a folder.

A folder holds one Arrow IPC file per table (``<name>.arrow``, the name percent-encoded
where it has characters unsafe in a file name). The file's schema metadata carries the
KQL schema, folder, docstring and row count, so `schema` and `row_count` read only the
file's footer. Files are uncompressed so that `get` can memory-map them.

Writes are atomic: a new file is written next to the old one, flushed with fsync and
renamed over it, so a reader or a crash sees the old table or the new one, never a mix.
One process at a time may open a folder for writing; it holds an exclusive
``fcntl.flock`` on ``.kqlite.lock`` until `close`. Read-only catalogues take no lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa

from kqlite.errors import KqlRuntimeError
from kqlite.storage.arrow_codec import arrow_schema, arrow_to_frame, frame_batches
from kqlite.table import Columns, Table
from kqlite.types import KqlType

TABLE_SUFFIX = ".arrow"
LOCK_NAME = ".kqlite.lock"
_METADATA_KEY = b"kqlite"
_TEMPORARY_MARK = ".tmp-"


@dataclass(frozen=True, slots=True)
class TableInfo:
    """What the catalogue knows of a table without loading its rows."""

    name: str
    columns: Columns
    folder: str
    docstring: str
    rows: int


class Catalog:
    """The tables of one database; `path=None` keeps them in memory only."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._tables: dict[str, Table] = {}
        self._lock_file: IO[bytes] | None = None

        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            if not read_only:
                self._lock_file = _lock_folder(self.path)
                _remove_temporary_files(self.path)

    @property
    def database_name(self) -> str:
        """The name `.show` commands report: the folder's name, or ``kqlite`` in memory."""
        return self.path.name if self.path is not None else "kqlite"

    def names(self) -> list[str]:
        """Return the table names, sorted."""
        if self.path is None:
            return sorted(self._tables)
        found = {
            _name_of_file(entry.name)
            for entry in self.path.iterdir()
            if entry.name.endswith(TABLE_SUFFIX) and _TEMPORARY_MARK not in entry.name
        }
        return sorted(found | set(self._tables))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name in self._tables:
            return True
        return self.path is not None and self._file_of(name).exists()

    def info(self, name: str) -> TableInfo:
        """Return a table's schema, folder, docstring and row count without loading its rows."""
        if name in self._tables:
            table = self._tables[name]
            return TableInfo(name, table.columns, table.folder, table.docstring, len(table.frame))
        metadata = self._read_metadata(name)
        return TableInfo(
            name, _columns_of(metadata), str(metadata.get("folder", "")), str(metadata.get("docstring", "")),
            int(metadata["rows"]),  # type: ignore[call-overload]
        )

    def schema(self, name: str) -> Columns:
        """Return a table's KQL schema without loading its rows."""
        return self.info(name).columns

    def row_count(self, name: str) -> int:
        """Return a table's row count without loading its rows."""
        return self.info(name).rows

    def get(self, name: str) -> Table:
        """Return a table, loading it from its memory-mapped file on first access."""
        if name in self._tables:
            return self._tables[name]
        file = self._existing_file(name)
        try:
            with pa.memory_map(str(file)) as source:
                arrow_table = pa.ipc.open_file(source).read_all()
            metadata = _metadata_of(arrow_table.schema, file)
            columns = _columns_of(metadata)
            frame = arrow_to_frame(arrow_table, columns)
        except (pa.ArrowInvalid, OSError, ValueError, KeyError) as error:
            raise _corrupt(file, error) from error
        table = Table(name, columns, frame, str(metadata.get("folder", "")), str(metadata.get("docstring", "")))
        self._tables[name] = table
        return table

    def put(self, table: Table) -> None:
        """Create or replace a table; on disk the new file replaces the old one atomically."""
        self._check_writable()
        if self.path is not None:
            self._write(table)
        self._tables[table.name] = table

    def drop(self, name: str) -> None:
        """Remove a table; dropping a table that does not exist does nothing."""
        self._check_writable()
        self._tables.pop(name, None)
        if self.path is not None:
            self._file_of(name).unlink(missing_ok=True)
            _fsync_folder(self.path)

    def close(self) -> None:
        """Release the folder lock and forget the loaded tables."""
        self._tables.clear()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write(self, table: Table) -> None:
        assert self.path is not None
        file = self._file_of(table.name)
        temporary = file.with_name(f"{file.name}{_TEMPORARY_MARK}{os.getpid()}")
        metadata = {
            "name": table.name,
            "columns": [[column, str(kql_type)] for column, kql_type in table.columns],
            "folder": table.folder,
            "docstring": table.docstring,
            "rows": len(table.frame),
        }
        schema = arrow_schema(table.columns, table.frame).with_metadata({_METADATA_KEY: json.dumps(metadata)})

        try:
            with open(temporary, "wb") as handle:
                with pa.ipc.new_file(handle, schema) as writer:
                    for batch in frame_batches(table.columns, table.frame, schema):
                        writer.write_batch(batch)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, file)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise KqlRuntimeError("KL102", f"failed to write table '{table.name}' to {file}: {error}") from error
        _fsync_folder(self.path)

    def _read_metadata(self, name: str) -> dict[str, object]:
        file = self._existing_file(name)
        try:
            with pa.memory_map(str(file)) as source:
                schema = pa.ipc.open_file(source).schema
        except (pa.ArrowInvalid, OSError) as error:
            raise _corrupt(file, error) from error
        return _metadata_of(schema, file)

    def _existing_file(self, name: str) -> Path:
        file = self._file_of(name) if self.path is not None else None
        if file is None or not file.exists():
            raise KqlRuntimeError(
                "KL103",
                f"table '{name}' was not found in database '{self.database_name}'",
                hint=_tables_hint(self.names()),
            )
        return file

    def _file_of(self, name: str) -> Path:
        assert self.path is not None
        return self.path / (urllib.parse.quote(name, safe="") + TABLE_SUFFIX)

    def _check_writable(self) -> None:
        if self.read_only:
            raise KqlRuntimeError("KL119", f"database '{self.database_name}' was opened read-only")


def _name_of_file(file_name: str) -> str:
    return urllib.parse.unquote(file_name[: -len(TABLE_SUFFIX)])


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


def _remove_temporary_files(path: Path) -> None:
    # Left by a writer that died before its rename; the lock proves no writer is active.
    for entry in path.iterdir():
        if _TEMPORARY_MARK in entry.name:
            entry.unlink(missing_ok=True)


def _fsync_folder(path: Path) -> None:
    # The rename or unlink is durable only once the folder entry itself is flushed.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _metadata_of(schema: pa.Schema, file: Path) -> dict[str, object]:
    raw = (schema.metadata or {}).get(_METADATA_KEY)
    if raw is None:
        raise _corrupt(file, ValueError("the file has no kqlite schema metadata"))
    metadata: dict[str, object] = json.loads(raw)
    return metadata


def _columns_of(metadata: dict[str, object]) -> Columns:
    pairs = metadata["columns"]
    assert isinstance(pairs, list)
    return tuple((str(name), KqlType(type_name)) for name, type_name in pairs)


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
