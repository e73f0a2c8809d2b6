"""A database folder with a damaged or missing table file, and a disk that fills up during a write.

Each fault gives a KqlError naming the table's file and what went wrong, and the other
table (and, after a failed write, the table itself) keeps its rows. The tests find a
table's files by name (``T.`` followed by anything), so they do not depend on how many
files the catalogue keeps per table.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kqlite
from kqlite.errors import KqlError, KqlRuntimeError

from .conftest import assert_unchanged, table_files

Damage = Callable[[Path], None]


def overwrite_with_garbage(path: Path) -> None:
    path.write_bytes(b"this is not a table file\n" * 8)


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def flip_middle_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle - 16 : middle + 16] = bytes(byte ^ 0xFF for byte in data[middle - 16 : middle + 16])
    path.write_bytes(bytes(data))


DAMAGES = {"garbage": overwrite_with_garbage, "half": cut_in_half, "empty": empty}


def damage_table(folder: Path, name: str, damage: Damage) -> list[Path]:
    files = table_files(folder, name)
    assert files, f"no files of table {name} in {sorted(path.name for path in folder.iterdir())}"
    for path in files:
        damage(path)
    return files


@pytest.mark.parametrize("damage", list(DAMAGES.values()), ids=list(DAMAGES))
def test_damaged_table_files(folder: Path, damage: Damage) -> None:
    files = damage_table(folder, "T", damage)

    with kqlite.connect(folder) as db:
        with pytest.raises(KqlRuntimeError) as raised:
            db.execute("T | count")
        assert_unchanged(db, "Other")

    error = raised.value
    assert error.code == "KL102"
    assert any(path.name in error.message for path in files), error.message
    assert error.hint is not None and "other tables are unaffected" in error.hint


def test_flipped_bytes_in_data_file(folder: Path) -> None:
    data_files = [path for path in table_files(folder, "T") if path.suffix == ".arrow"]
    for path in data_files:
        flip_middle_bytes(path)

    with kqlite.connect(folder) as db:
        # Flipped bytes inside the column data may go unnoticed, but must not crash kqlite.
        try:
            db.execute("T | summarize count(), max(a)")
        except KqlError as error:
            assert not isinstance(error, kqlite.KqlInternalError), str(error)
            assert error.code == "KL102"
        assert_unchanged(db, "Other")


@pytest.mark.parametrize("suffix", [".arrow", ".json"])
def test_missing_table_file(folder: Path, suffix: str) -> None:
    removed = [path for path in table_files(folder, "T") if path.suffix == suffix]
    if not removed:
        pytest.skip(f"the catalogue keeps no {suffix} file per table")
    for path in removed:
        path.unlink()

    with kqlite.connect(folder) as db:
        with pytest.raises(KqlError) as raised:
            db.execute("T | summarize sum(a)")
        assert_unchanged(db, "Other")

    error = raised.value
    assert not isinstance(error, kqlite.KqlInternalError), str(error)
    # A missing data file is named; a missing manifest leaves no table T at all.
    assert any(path.name in error.message for path in removed) or "'T'" in error.message


def test_count_with_missing_data_file(folder: Path) -> None:
    for path in table_files(folder, "T"):
        if path.suffix == ".arrow":
            path.unlink()

    with kqlite.connect(folder) as db:
        with pytest.raises(KqlRuntimeError) as raised:
            db.execute("T | count")

    assert raised.value.code == "KL102"


@pytest.mark.parametrize("damage", list(DAMAGES.values()), ids=list(DAMAGES))
def test_damaged_table_can_be_dropped_and_recreated(folder: Path, damage: Damage) -> None:
    damage_table(folder, "T", damage)

    with kqlite.connect(folder) as db:
        db.execute(".drop table T")
        db.execute(".create table T (a:long, b:string)")
        db.execute(".ingest inline into table T <| 1,x\n2,y")
        assert_unchanged(db, "T", "Other")


def test_show_tables_with_damaged_table(folder: Path) -> None:
    files = damage_table(folder, "T", overwrite_with_garbage)

    with kqlite.connect(folder) as db:
        listing = {row[0]: row for row in db.execute(".show tables").rows()}

    assert sorted(listing) == ["Other", "T"]
    # The damaged table's docstring column names the damaged file.
    docstring = listing["T"][3]
    assert docstring.startswith("damaged: ")
    assert any(path.name in docstring for path in files), docstring


def test_database_schema_with_damaged_table(folder: Path) -> None:
    damage_table(folder, "T", overwrite_with_garbage)

    with kqlite.connect(folder) as db:
        rows = db.execute(".show database schema").rows()

    columns_by_table: dict[str, list[str]] = {}
    for row in rows[1:]:
        columns = columns_by_table.setdefault(row[1], [])
        if row[2]:
            columns.append(row[2])
    assert columns_by_table == {"Other": ["x"], "T": []}


# ---------------------------------------------------------------- a full disk


class DiskFull:
    """Makes every fsync fail with ENOSPC while `full` is set, as a full disk does on write-back."""

    def __init__(self) -> None:
        self.full = False
        self.failures = 0
        self._fsync = os.fsync

    def fsync(self, descriptor: int) -> None:
        if self.full:
            self.failures += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._fsync(descriptor)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> DiskFull:
    simulated = DiskFull()
    monkeypatch.setattr(os, "fsync", simulated.fsync)
    return simulated


FULL_DISK_COMMANDS = {
    "ingest_inline": ".ingest inline into table T <| 3,z",
    "set_or_append": ".set-or-append T <| datatable(a:long, b:string)[3, 'z']",
    "set_or_replace": ".set-or-replace T <| datatable(a:long, b:string)[3, 'z']",
    "create_new_table": ".create table Fresh (c:long)",
}


@pytest.mark.parametrize("command", list(FULL_DISK_COMMANDS.values()), ids=list(FULL_DISK_COMMANDS))
def test_full_disk_during_write(folder: Path, disk: DiskFull, command: str) -> None:
    with kqlite.connect(folder) as db:
        disk.full = True
        with pytest.raises(KqlRuntimeError) as raised:
            db.execute(command)
        disk.full = False

        # The open database keeps the rows it had before the failed write.
        assert_unchanged(db, "T", "Other")

    error = raised.value
    assert disk.failures > 0
    assert error.code == "KL102"
    assert "No space left on device" in error.message
    assert "'T'" in error.message or "'Fresh'" in error.message

    with kqlite.connect(folder) as reopened:
        assert_unchanged(reopened, "T", "Other")
        assert "Fresh" not in reopened.table_names()


def test_full_disk_leaves_no_partial_files(folder: Path, disk: DiskFull) -> None:
    before = sorted(path.name for path in folder.iterdir())

    with kqlite.connect(folder) as db:
        disk.full = True
        with pytest.raises(KqlRuntimeError):
            db.execute(".set-or-replace T <| range a from 1 to 1000 step 1 | extend b = 'z'")
        disk.full = False

    assert sorted(path.name for path in folder.iterdir()) == before


def test_write_succeeds_after_disk_frees(folder: Path, disk: DiskFull) -> None:
    with kqlite.connect(folder) as db:
        disk.full = True
        with pytest.raises(KqlRuntimeError):
            db.execute(".ingest inline into table T <| 3,z")
        disk.full = False
        db.execute(".ingest inline into table T <| 3,z")

    with kqlite.connect(folder) as reopened:
        assert reopened.execute("T | count").rows() == [(3,)]
        assert_unchanged(reopened, "Other")
