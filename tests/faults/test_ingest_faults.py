"""Broken ingestion sources: each fails with a KqlError naming the file, and no table changes.

The sources are real files in a temporary folder; the database is a folder database
(`kqlite.connect(folder)`) with two tables, T(a:long, b:string) and Other(x:long).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pytest

import kqlite
from kqlite.errors import KqlError, KqlRuntimeError

from .conftest import ORIGINAL_ROWS, assert_unchanged, table_rows

BIG_FIELD_BYTES = 100 * 1024 * 1024


def ingest(db: Any, path: Path, table: str = "T") -> Any:
    return db.execute(f".ingest into table {table} (@'{path}')")


def failed_ingestion(db: Any, path: Path) -> KqlError:
    """Ingest `path` into T, expect a KqlError, and check that no table changed."""
    with pytest.raises(KqlError) as raised:
        ingest(db, path)

    assert not isinstance(raised.value, kqlite.KqlInternalError), str(raised.value)
    assert_unchanged(db, "T", "Other")
    return raised.value


def test_truncated_gzip(database: Any, tmp_path: Path) -> None:
    compressed = gzip.compress(b"3,z\n" * 10_000)
    source = tmp_path / "cut.csv.gz"
    source.write_bytes(compressed[: len(compressed) // 2])

    error = failed_ingestion(database, source)

    assert isinstance(error, KqlRuntimeError)
    assert error.code == "KL114"
    assert "cut.csv.gz" in error.message
    assert "runcated" in error.message


def test_corrupt_gzip(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "corrupt.csv.gz"
    source.write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate data" * 20)

    error = failed_ingestion(database, source)

    assert error.code == "KL114"
    assert "corrupt.csv.gz" in error.message


def test_gzip_name_without_gzip_data(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "plain.csv.gz"
    source.write_bytes(b"3,z\n")

    error = failed_ingestion(database, source)

    assert error.code == "KL114"
    assert "plain.csv.gz" in error.message
    assert error.hint is not None and "compressed" in error.hint


def test_column_count_changes_midway(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "ragged.csv"
    source.write_text("3,z\n4,w\n5,v,extra\n6,u\n", encoding="utf-8")

    error = failed_ingestion(database, source)

    assert error.code == "KL112"
    assert "ragged.csv" in error.message
    assert "line 3" in error.message
    assert "3 fields" in error.message


def test_column_count_changes_in_gzip(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "ragged.csv.gz"
    source.write_bytes(gzip.compress(b"3,z\n" * 1000 + b"4\n" + b"5,v\n" * 10))

    error = failed_ingestion(database, source)

    assert error.code == "KL112"
    assert "ragged.csv.gz" in error.message
    assert "line 1001" in error.message


def test_invalid_utf8(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "latin1.csv"
    source.write_bytes("3,z\n4,caf\u00e9\n".encode("latin-1"))

    error = failed_ingestion(database, source)

    assert error.code == "KL113"
    assert "latin1.csv" in error.message
    assert "line 2" in error.message


def test_missing_source_file(database: Any, tmp_path: Path) -> None:
    error = failed_ingestion(database, tmp_path / "absent.csv")

    assert error.code == "KL110"
    assert "absent.csv" in error.message


def test_source_is_folder(database: Any, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()

    error = failed_ingestion(database, folder)

    assert "a-folder.csv" in error.message


def test_nul_bytes_kept_in_strings(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "nul.csv"
    source.write_bytes(b"3,a\x00b\n4,c\n")

    ingest(database, source)

    assert table_rows(database, "T") == ORIGINAL_ROWS["T"] + [(3, "a\x00b"), (4, "c")]
    assert_unchanged(database, "Other")


def test_nul_byte_in_number_is_null(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "nul-number.csv"
    source.write_bytes(b"3\x00,a\n4,c\n")

    ingest(database, source)

    # An invalid value becomes null, as for any field that does not parse as its column's type.
    assert table_rows(database, "T")[2:] == [(None, "a"), (4, "c")]
    assert_unchanged(database, "Other")


def test_empty_source_adds_nothing(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_bytes(b"")

    ingest(database, source)

    assert_unchanged(database, "T", "Other")


def test_hundred_megabyte_field(database: Any, tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    with source.open("wb") as stream:
        stream.write(b"3,")
        stream.write(b"a" * BIG_FIELD_BYTES)
        stream.write(b"\n4,b\n")

    # Either both rows arrive whole, or the ingestion fails with an error naming the file.
    try:
        ingest(database, source)
    except KqlError as error:
        assert "big.csv" in error.message
        assert_unchanged(database, "T", "Other")
        return
    lengths = database.execute("T | project a, n = strlen(b)").rows()
    assert [tuple(row) for row in lengths][2:] == [(3, BIG_FIELD_BYTES), (4, 1)]


def test_long_record_after_short_ones(database: Any, tmp_path: Path) -> None:
    # The long record straddles the reader's first block boundary instead of filling the first block.
    source = tmp_path / "late.csv"
    source.write_bytes(b"3,c\n" * 10 + b"4," + b"d" * (40 << 20) + b"\n5,e\n")

    ingest(database, source)

    lengths = [tuple(row) for row in database.execute("T | project a, n = strlen(b)").rows()]
    assert lengths[2:] == [(3, 1)] * 10 + [(4, 40 << 20), (5, 1)]


def test_record_over_maximum_size(database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kqlite.storage.formats import delimited

    monkeypatch.setattr(delimited, "MAX_BLOCK_SIZE", 16 << 20)
    source = tmp_path / "huge.csv"
    source.write_bytes(b"3,c\n4,d\n5," + b"e" * (40 << 20) + b"\n6,f\n")

    error = failed_ingestion(database, source)

    assert error.code == "KL114"
    assert "huge.csv" in error.message
    assert "line 3" in error.message


def test_source_changes_while_read(database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kqlite.storage import ingest as ingest_module

    source = tmp_path / "growing.csv"
    source.write_bytes(b"".join(b"%d,row\n" % number for number in range(100_000)))
    real_open = ingest_module.open_raw

    def open_then_truncate(location: str) -> Any:
        # Another process rewrites the file after kqlite opened it.
        opened = real_open(location)
        os.truncate(location, source.stat().st_size // 2 + 3)
        return opened

    monkeypatch.setattr(ingest_module, "open_raw", open_then_truncate)

    error = failed_ingestion(database, source)

    assert error.code == "KL117"
    assert "growing.csv" in error.message
    assert "changed" in error.message


def test_truncated_while_read_gzip(database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kqlite.storage import ingest as ingest_module

    source = tmp_path / "shrinking.csv.gz"
    source.write_bytes(gzip.compress(b"".join(b"%d,row\n" % number for number in range(100_000))))
    real_open = ingest_module.open_raw

    def open_then_truncate(location: str) -> Any:
        opened = real_open(location)
        os.truncate(location, source.stat().st_size // 2)
        return opened

    monkeypatch.setattr(ingest_module, "open_raw", open_then_truncate)

    error = failed_ingestion(database, source)

    # The cut gzip stream fails to read, and the file's change explains why.
    assert error.code == "KL117"
    assert "shrinking.csv.gz" in error.message
    assert "changed" in error.message


def test_failed_ingestion_keeps_folder_consistent(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "ragged.csv"
    source.write_text("3,z\n4\n", encoding="utf-8")
    with kqlite.connect(folder) as db:
        with pytest.raises(KqlRuntimeError):
            ingest(db, source)

    with kqlite.connect(folder) as reopened:
        assert_unchanged(reopened, "T", "Other")
