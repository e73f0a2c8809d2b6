"""Catalog: the tables of a kqlite database, in memory or persisted in a folder.

On disk a table is a manifest, ``<name>.table.json`` (the name percent-encoded where it
has characters unsafe in a file name), plus the Arrow IPC files it lists, one per
extent: ``<name>.<id>.arrow``. The manifest carries the KQL schema, folder, docstring
and row count, so `schema` and `row_count` read only that small file. Extent files are
uncompressed so that `get` can memory-map them.

Writes are atomic. New extent files get fresh names and are flushed with fsync, then a
new manifest is written, flushed and renamed over the old one. After a crash, and to any
reader, a table is therefore the old table or the new one, never a mix. Extent files that no manifest
lists are deleted after the rename and when a folder is opened. Appending (`append`)
writes only the new rows as one more extent.

One process at a time may open a folder for writing. That process keeps an exclusive
``fcntl.flock`` on ``.kqlite.lock`` until `close`. Read-only catalogues take no lock.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa

from kqlite.errors import KqlError, KqlRuntimeError
from kqlite.storage.arrow_codec import (
    WRITE_BATCH_ROWS,
    arrow_schema,
    arrow_to_frame,
    arrow_to_series,
    frame_batches,
    narrow_dictionaries,
    widen_dictionaries,
)
from kqlite.storage.extent_files import (
    _EXTENT_NAME,
    _TEMPORARY_MARK,
    _TEMPORARY_NAME,
    EXTENT_SUFFIX,
    LOCK_NAME,  # re-exported: callers name the folder lock file from here
    MANIFEST_SUFFIX,
    _columns_of,
    _corrupt,
    _fsync_folder,
    _lock_folder,
    _name_of_manifest,
    _quoted,
    _tables_hint,
    _worth_merging,
)
from kqlite.storage.frames import concat_frames
from kqlite.table import Columns, Table
from kqlite.types import KqlType

logger = logging.getLogger("kqlite.storage")


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A table's schema and metadata, read without loading its rows."""

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
        # Tables of which a query has read only some columns (see `columns`).
        self._mapped_tables: dict[str, pa.Table] = {}
        self._converted_columns: dict[str, dict[int, pd.Series]] = {}
        self._pending: dict[str, list[Future[pd.DataFrame | pa.Table]]] = {}
        self._lock_file: IO[bytes] | None = None

        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            if not read_only:
                self._lock_file = _lock_folder(self.path)
                self._remove_unlisted_files()

    @property
    def database_name(self) -> str:
        """The name `.show` commands report: the folder's name, or ``kqlite`` in memory."""
        return self.path.name if self.path is not None else "kqlite"

    def names(self) -> list[str]:
        """Return the table names, sorted."""
        if self.path is None:
            return sorted(self._tables)
        return sorted(_name_of_manifest(entry.name) for entry in self.path.glob("*" + MANIFEST_SUFFIX))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if self.path is None:
            return name in self._tables
        return self._manifest_file(name).exists()

    def info(self, name: str) -> TableInfo:
        """Return a table's schema, folder, docstring and row count without loading its rows."""
        self._settle(name)
        if name in self._tables:
            table = self._tables[name]
            return TableInfo(name, table.columns, table.folder, table.docstring, len(table.frame))
        manifest = self._read_manifest(name)
        return TableInfo(name, _columns_of(manifest), manifest["folder"], manifest["docstring"], manifest["rows"])

    def schema(self, name: str) -> Columns:
        """Return a table's KQL schema without loading its rows."""
        return self.info(name).columns

    def row_count(self, name: str) -> int:
        """Return a table's row count without loading its rows.

        The count comes from the manifest, but a data file that has gone missing is
        still reported (KL102) rather than counted.
        """
        info = self.info(name)
        if self.path is not None and name not in self._tables:
            for file_name in self._read_manifest(name)["extents"]:
                file = self.path / file_name
                if not file.is_file():
                    raise _corrupt(file, FileNotFoundError("the file does not exist"))
        return info.rows

    def get(self, name: str) -> Table:
        """Return a table, loading its memory-mapped extents on first access."""
        self._settle(name)
        if name in self._tables:
            return self._tables[name]
        manifest = self._read_manifest(name)
        columns = _columns_of(manifest)

        mapped = self._mapped(name, manifest)
        if mapped is not None:
            data = {}
            for position, (column, kql_type) in enumerate(columns):
                data[column] = self._converted_column(name, mapped, position, kql_type)
            frame = pd.DataFrame(data, index=pd.RangeIndex(mapped.num_rows), copy=False)
        else:
            # Extents may differ in whether a string column is dictionary-encoded.
            pieces = [self._read_extent(file_name) for file_name in manifest["extents"]]
            frame = concat_frames(columns, [arrow_to_frame(piece, columns) for piece in pieces])
        table = Table(name, columns, frame, manifest["folder"], manifest["docstring"])
        self._forget(name)
        self._tables[name] = table
        return table

    def columns(self, name: str, names: list[str]) -> pd.DataFrame:
        """Return some columns of a table, converting only those from its mapped extents.

        A query reads the columns it uses; `get` would convert every column of the table.
        """
        wanted = list(dict.fromkeys(names))
        self._settle(name)
        if name in self._tables:
            return self._tables[name].frame[wanted]
        manifest = self._read_manifest(name)
        mapped = self._mapped(name, manifest)
        if mapped is None:
            return self.get(name).frame[wanted]

        data = {}
        for position, (column, kql_type) in enumerate(_columns_of(manifest)):
            if column in wanted:
                data[column] = self._converted_column(name, mapped, position, kql_type)
        return pd.DataFrame({column: data[column] for column in wanted}, index=pd.RangeIndex(mapped.num_rows), copy=False)

    def _mapped(self, name: str, manifest: dict[str, Any]) -> pa.Table | None:
        # The table's extents as one memory-mapped Arrow table (merged on first use),
        # or None when the extents cannot be concatenated.
        if name in self._mapped_tables:
            return self._mapped_tables[name]
        pieces = [self._read_extent(file_name) for file_name in manifest["extents"]]
        if pieces and any(piece.schema != pieces[0].schema for piece in pieces):
            # Extents written before and after a merge differ in their dictionaries' index width.
            pieces = [widen_dictionaries(piece) for piece in pieces]
        if not pieces or any(piece.schema != pieces[0].schema for piece in pieces):
            return None
        stored = pa.concat_tables(pieces)
        if self.path is not None and not self.read_only and stored.num_rows and _worth_merging(stored):
            stored = self._merge_extents(name, manifest, stored)
        self._mapped_tables[name] = stored
        return stored

    def _converted_column(self, name: str, mapped: pa.Table, position: int, kql_type: KqlType) -> pd.Series:
        converted = self._converted_columns.setdefault(name, {})
        if position not in converted:
            converted[position] = arrow_to_series(mapped.column(position), kql_type)
        return converted[position]

    def _forget(self, name: str) -> None:
        # Drops what was loaded of a table, because its rows changed or `get` now keeps them all.
        self._tables.pop(name, None)
        self._mapped_tables.pop(name, None)
        self._converted_columns.pop(name, None)

    def head(self, name: str, count: int) -> pd.DataFrame:
        """Return the first `count` rows of a table, reading only the extents they are in."""
        self._settle(name)
        if name in self._tables:
            return self._tables[name].frame.iloc[:count].reset_index(drop=True)
        manifest = self._read_manifest(name)
        columns = _columns_of(manifest)

        pieces: list[pa.Table] = []
        remaining = count
        for file_name in manifest["extents"]:
            if remaining <= 0:
                break
            piece = self._read_extent(file_name).slice(0, remaining)
            pieces.append(piece)
            remaining -= piece.num_rows
        return concat_frames(columns, [arrow_to_frame(piece, columns) for piece in pieces])

    def _merge_extents(self, name: str, manifest: dict[str, Any], stored: pa.Table) -> pa.Table:
        # Kusto merges small extents in the background; kqlite merges a table's extents the
        # first time it loads them, into one file of one record batch whose dictionary
        # indices have pandas' code width. Every later load then maps the file's buffers
        # as the columns' memory instead of copying them.
        merged = narrow_dictionaries(stored.unify_dictionaries().combine_chunks())
        table = Table(name, _columns_of(manifest), pd.DataFrame(), manifest["folder"], manifest["docstring"])
        try:
            extent = self._write_extent(table, merged, batch_rows=None)
        except KqlRuntimeError as error:
            # A failed merge (a full disk) keeps the old extents; the query still runs.
            logger.warning("could not merge the extents of '%s': %s", name, error.message)
            return merged
        self._write_manifest(table, manifest["rows"], [extent])
        self._remove_files(list(manifest["extents"]))
        return merged

    def put(self, table: Table) -> None:
        """Create or replace a table; on disk the change is atomic."""
        self._check_writable()
        self._settle(table.name)
        if self.path is not None:
            old = self._listed_extents(table.name)
            extents = [self._write_extent(table, table.frame)] if len(table.frame) else []
            self._write_manifest(table, len(table.frame), extents)
            self._remove_files(old)
        self._forget(table.name)
        self._tables[table.name] = table

    def append(self, name: str, frame: pd.DataFrame | pa.Table) -> None:
        """Add rows to an existing table without rewriting the rows it has (on disk).

        `frame` is a pandas frame in kqlite's representation or an Arrow table in the
        catalogue's storage types.
        """
        self._check_writable()
        self._settle(name)
        if isinstance(frame, pa.Table) and self.path is None:
            frame = arrow_to_frame(frame, self._tables[name].columns)
        if self.path is None:
            assert isinstance(frame, pd.DataFrame)
            table = self._tables[name]
            combined = concat_frames(table.columns, [table.frame, frame])
            self._tables[name] = Table(name, table.columns, combined, table.folder, table.docstring)
            return
        manifest = self._read_manifest(name)
        columns = _columns_of(manifest)
        table = Table(name, columns, pd.DataFrame(), manifest["folder"], manifest["docstring"])
        added = frame.num_rows if isinstance(frame, pa.Table) else len(frame)
        extents = list(manifest["extents"])
        if added:
            extents.append(self._write_extent(table, frame))
        self._write_manifest(table, manifest["rows"] + added, extents)
        # The loaded copy is stale; the next `get` maps every extent again.
        self._forget(name)

    def drop(self, name: str) -> None:
        """Remove a table; dropping a table that does not exist does nothing."""
        self._check_writable()
        self._settle(name)
        self._forget(name)
        if self.path is not None:
            old = self._listed_extents(name)
            self._manifest_file(name).unlink(missing_ok=True)
            _fsync_folder(self.path)
            self._remove_files(old)

    def append_later(self, name: str, rows: Future[pd.DataFrame | pa.Table]) -> None:
        """Queue rows that are still being read; they are appended, in queue order, before the table is next used."""
        self._check_writable()
        self._pending.setdefault(name, []).append(rows)

    def close(self) -> None:
        """Finish queued appends, release the folder lock and forget the loaded tables."""
        self._settle()
        self._tables.clear()
        self._mapped_tables.clear()
        self._converted_columns.clear()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _settle(self, name: str | None = None) -> None:
        if name is None:
            names = list(self._pending)
        else:
            names = [name] if name in self._pending else []
        for table_name in names:
            for rows in self._pending.pop(table_name):
                try:
                    frame = rows.result()
                except KqlError as error:
                    # Like Kusto's queued ingestion, a failed background read changes nothing and
                    # fails no later command; the error is only logged.
                    logger.error("queued ingestion into '%s' failed: %s", table_name, error.message)
                    continue
                if table_name in self:
                    self.append(table_name, frame)

    def _write_extent(
        self, table: Table, frame: pd.DataFrame | pa.Table, batch_rows: int | None = WRITE_BATCH_ROWS
    ) -> str:
        assert self.path is not None
        file_name = f"{_quoted(table.name)}.{uuid.uuid4().hex[:12]}{EXTENT_SUFFIX}"
        if isinstance(frame, pa.Table):
            # The IPC file format allows one dictionary per column, so chunks must share it.
            stored = frame.unify_dictionaries()
            schema, batches = stored.schema, stored.to_batches(batch_rows)
        else:
            schema = arrow_schema(table.columns, frame)
            batches = frame_batches(table.columns, frame, schema)
        try:
            with open(self.path / file_name, "wb") as handle:
                with pa.ipc.new_file(handle, schema) as writer:
                    for batch in batches:
                        writer.write_batch(batch)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            (self.path / file_name).unlink(missing_ok=True)
            raise KqlRuntimeError("KL102", f"failed to write table '{table.name}' to {self.path / file_name}: {error}") from error
        return file_name

    def _write_manifest(self, table: Table, rows: int, extents: list[str]) -> None:
        assert self.path is not None
        manifest = {
            "name": table.name,
            "columns": [[column, str(kql_type)] for column, kql_type in table.columns],
            "folder": table.folder,
            "docstring": table.docstring,
            "rows": rows,
            "extents": extents,
        }
        file = self._manifest_file(table.name)
        temporary = file.with_name(f"{file.name}{_TEMPORARY_MARK}{os.getpid()}")
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, file)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise KqlRuntimeError("KL102", f"failed to write table '{table.name}' to {file}: {error}") from error
        _fsync_folder(self.path)

    def _read_manifest(self, name: str) -> dict[str, Any]:
        file = self._existing_manifest(name)
        try:
            manifest: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
            _columns_of(manifest)
            for key in ("folder", "docstring", "rows", "extents"):
                manifest[key]  # noqa: B018 - only checks that the key is there
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise _corrupt(file, error) from error
        return manifest

    def _read_extent(self, file_name: str) -> pa.Table:
        assert self.path is not None
        file = self.path / file_name
        try:
            with pa.memory_map(str(file)) as source:
                return pa.ipc.open_file(source).read_all()
        except (pa.ArrowInvalid, OSError) as error:
            raise _corrupt(file, error) from error

    def _listed_extents(self, name: str) -> list[str]:
        if name not in self:
            return []
        try:
            return list(self._read_manifest(name)["extents"])
        except KqlRuntimeError:
            return []

    def _remove_files(self, file_names: list[str]) -> None:
        assert self.path is not None
        for file_name in file_names:
            (self.path / file_name).unlink(missing_ok=True)

    def _remove_unlisted_files(self) -> None:
        # Left by a writer that died between writing a file and its manifest's rename; the
        # lock proves that no other writer is active. Unreadable manifests keep their files.
        assert self.path is not None
        listed: set[str] = set()
        for name in self.names():
            try:
                listed.update(self._read_manifest(name)["extents"])
            except KqlRuntimeError:
                return
        # Only files named exactly like kqlite's own extents and temporary files are
        # removed, so that other files a user keeps in the folder survive.
        for entry in self.path.iterdir():
            orphan = _EXTENT_NAME.fullmatch(entry.name) is not None and entry.name not in listed
            if orphan or _TEMPORARY_NAME.fullmatch(entry.name):
                entry.unlink(missing_ok=True)

    def _existing_manifest(self, name: str) -> Path:
        file = self._manifest_file(name) if self.path is not None else None
        if file is None or not file.exists():
            raise KqlRuntimeError(
                "KL103",
                f"table '{name}' was not found in database '{self.database_name}'",
                hint=_tables_hint(self.names()),
            )
        return file

    def _manifest_file(self, name: str) -> Path:
        assert self.path is not None
        return self.path / (_quoted(name) + MANIFEST_SUFFIX)

    def _check_writable(self) -> None:
        if self.read_only:
            raise KqlRuntimeError(
                "KL119",
                f"database '{self.database_name}' was opened read-only",
                hint="reopen the folder without --read-only (read_only=True in Python) to change its tables",
            )
