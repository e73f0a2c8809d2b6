"""Catalog: in-memory and folder storage, lazy loading, atomic writes, locking, damaged files."""

from __future__ import annotations

import decimal
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kqlite.errors import KqlRuntimeError
from kqlite.storage.catalog import LOCK_NAME, Catalog
from kqlite.table import Table
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN

ALL_TYPES = (
    ("b", BOOL), ("i", INT), ("l", LONG), ("r", REAL), ("m", DECIMAL), ("s", STRING), ("c", STRING),
    ("t", DATETIME), ("ts", TIMESPAN), ("g", GUID), ("d", DYNAMIC),
)
GUID_VALUE = uuid.UUID("74be27de-1e4e-49d9-b579-fe0b331d3642")


def all_types_table(name: str = "Everything") -> Table:
    frame = pd.DataFrame({
        "b": pd.array([True, None, False], dtype="boolean"),
        "i": pd.array([1, None, -7], dtype="Int32"),
        "l": pd.array([2**40, None, 0], dtype="Int64"),
        "r": np.array([1.5, np.nan, -0.25]),
        "m": pd.Series([decimal.Decimal("1.10"), None, decimal.Decimal("-3")], dtype=object),
        "s": pd.Series(["x", "", "z"], dtype="str"),
        "c": pd.Categorical(["p", "q", "p"], categories=pd.Index(["p", "q"], dtype="str")),
        "t": pd.Series(pd.to_datetime(["2023-06-01T00:00:00", None, "1999-12-31T23:59:59.1234567"], format="ISO8601")).astype("datetime64[ns]"),
        "ts": pd.Series(pd.to_timedelta(["1D", None, "-00:00:01"])).astype("timedelta64[ns]"),
        "g": pd.Series([GUID_VALUE, None, GUID_VALUE], dtype=object),
        "d": pd.Series([{"a": [1, 2]}, None, "text"], dtype=object),
    })
    return Table(name, ALL_TYPES, frame, folder="Case", docstring="every type")


def test_memory_catalog_put_get_drop() -> None:
    catalog = Catalog()
    table = all_types_table()
    catalog.put(table)
    assert catalog.names() == ["Everything"]
    assert "Everything" in catalog
    assert catalog.get("Everything") is table
    assert catalog.row_count("Everything") == 3
    catalog.drop("Everything")
    assert catalog.names() == []
    assert "Everything" not in catalog


def test_folder_round_trip_keeps_values_and_types(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())

    with Catalog(tmp_path) as reopened:
        table = reopened.get("Everything")
        assert table.columns == ALL_TYPES
        assert (table.folder, table.docstring) == ("Case", "every type")
        frame = table.frame
        assert frame["b"].tolist() == [True, pd.NA, False]
        assert frame["i"].dtype == pd.Int32Dtype()
        assert frame["l"].tolist() == [2**40, pd.NA, 0]
        assert np.isnan(frame["r"][1])
        assert frame["r"][2] == -0.25
        assert frame["m"].tolist() == [decimal.Decimal("1.10"), None, decimal.Decimal("-3")]
        assert frame["s"].tolist() == ["x", "", "z"]
        assert frame["t"][2] == pd.Timestamp("1999-12-31T23:59:59.1234567")
        assert pd.isna(frame["t"][1])
        assert frame["ts"][0] == pd.Timedelta(days=1)
        assert frame["ts"][2] == pd.Timedelta(seconds=-1)
        assert frame["g"].tolist() == [GUID_VALUE, None, GUID_VALUE]
        assert frame["d"].tolist() == [{"a": [1, 2]}, None, "text"]


def test_category_column_stays_dictionary_encoded(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())
    with Catalog(tmp_path) as reopened:
        frame = reopened.get("Everything").frame
    assert isinstance(frame["c"].dtype, pd.CategoricalDtype)
    assert frame["c"].tolist() == ["p", "q", "p"]
    assert not isinstance(frame["s"].dtype, pd.CategoricalDtype)


def test_schema_and_row_count_do_not_load_rows(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())
    with Catalog(tmp_path) as reopened:
        assert reopened.schema("Everything") == ALL_TYPES
        assert reopened.row_count("Everything") == 3
        assert reopened._tables == {}


def test_empty_table_round_trip(tmp_path: Path) -> None:
    columns = (("a", STRING), ("n", LONG))
    frame = pd.DataFrame({"a": pd.Series([], dtype="str"), "n": pd.array([], dtype="Int64")})
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("Empty", columns, frame))
    with Catalog(tmp_path) as reopened:
        table = reopened.get("Empty")
    assert table.columns == columns
    assert len(table.frame) == 0


def test_unusual_table_name_round_trip(tmp_path: Path) -> None:
    name = "my table/2.0"
    with Catalog(tmp_path) as catalog:
        catalog.put(Table(name, (("a", LONG),), pd.DataFrame({"a": pd.array([1], dtype="Int64")})))
    with Catalog(tmp_path) as reopened:
        assert reopened.names() == [name]
        assert reopened.get(name).frame["a"].tolist() == [1]


def test_second_writer_gets_clear_error(tmp_path: Path) -> None:
    with Catalog(tmp_path):
        with pytest.raises(KqlRuntimeError) as raised:
            Catalog(tmp_path)
    assert raised.value.code == "KL101"
    assert "already open for writing" in raised.value.message


def test_lock_released_on_close(tmp_path: Path) -> None:
    Catalog(tmp_path).close()
    Catalog(tmp_path).close()
    assert (tmp_path / LOCK_NAME).exists()


def test_read_only_catalog_rejects_writes(tmp_path: Path) -> None:
    with Catalog(tmp_path) as writer:
        writer.put(all_types_table())
        reader = Catalog(tmp_path, read_only=True)
        assert reader.row_count("Everything") == 3
        with pytest.raises(KqlRuntimeError) as raised:
            reader.drop("Everything")
    assert raised.value.code == "KL119"


def test_corrupt_file_named_and_others_work(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table("Good"))
        catalog.put(all_types_table("Bad"))
    for extent in tmp_path.glob("Bad.*.arrow"):
        extent.write_bytes(b"not an arrow file")

    with Catalog(tmp_path) as reopened:
        assert reopened.names() == ["Bad", "Good"]
        with pytest.raises(KqlRuntimeError) as raised:
            reopened.get("Bad")
        assert raised.value.code == "KL102"
        assert "Bad." in raised.value.message
        assert ".arrow" in raised.value.message
        assert reopened.schema("Bad") == ALL_TYPES
        assert reopened.get("Good").frame["l"].tolist() == [2**40, pd.NA, 0]


def test_truncated_file_named(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())
    [file] = tmp_path.glob("Everything.*.arrow")
    file.write_bytes(file.read_bytes()[:100])
    with Catalog(tmp_path) as reopened, pytest.raises(KqlRuntimeError) as raised:
        reopened.get("Everything")
    assert str(file) in raised.value.message


def test_missing_table_lists_existing(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())
        with pytest.raises(KqlRuntimeError) as raised:
            catalog.get("Nope")
    assert raised.value.code == "KL103"
    assert raised.value.hint == "tables: Everything"


def test_leftover_files_removed_on_open(tmp_path: Path) -> None:
    leftovers = [tmp_path / "T.table.json.tmp-12345", tmp_path / "T.0123456789ab.arrow"]
    for leftover in leftovers:
        leftover.write_bytes(b"half written")
    with Catalog(tmp_path) as catalog:
        assert catalog.names() == []
    assert not any(leftover.exists() for leftover in leftovers)


def test_foreign_files_kept_on_open(tmp_path: Path) -> None:
    foreign = [tmp_path / "notes.arrow", tmp_path / "data.csv", tmp_path / "T.backup.arrow"]
    for file in foreign:
        file.write_bytes(b"not kqlite's")
    with Catalog(tmp_path) as catalog:
        assert catalog.names() == []
    assert all(file.exists() for file in foreign)


def test_corrupt_manifest_named(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())
    (tmp_path / "Everything.table.json").write_text("{")
    with Catalog(tmp_path) as reopened, pytest.raises(KqlRuntimeError) as raised:
        reopened.row_count("Everything")
    assert raised.value.code == "KL102"
    assert "Everything.table.json" in raised.value.message


def test_append_writes_new_extent_only(tmp_path: Path) -> None:
    columns = (("a", LONG),)
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", columns, pd.DataFrame({"a": pd.array([1, 2], dtype="Int64")})))
        [first] = tmp_path.glob("T.*.arrow")
        catalog.append("T", pd.DataFrame({"a": pd.array([3], dtype="Int64")}))
        assert first.exists()
        assert len(list(tmp_path.glob("T.*.arrow"))) == 2
        assert catalog.row_count("T") == 3
        assert catalog.get("T").frame["a"].tolist() == [1, 2, 3]
    with Catalog(tmp_path) as reopened:
        assert reopened.get("T").frame["a"].tolist() == [1, 2, 3]


def test_append_unifies_dictionaries(tmp_path: Path) -> None:
    columns = (("s", STRING),)
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", columns, pd.DataFrame({"s": pd.Categorical(["x", "y"])})))
        catalog.append("T", pd.DataFrame({"s": pd.Categorical(["z", "x"])}))
        frame = catalog.get("T").frame
    assert isinstance(frame["s"].dtype, pd.CategoricalDtype)
    assert frame["s"].tolist() == ["x", "y", "z", "x"]


def test_memory_append() -> None:
    catalog = Catalog()
    catalog.put(Table("T", (("a", LONG),), pd.DataFrame({"a": pd.array([1], dtype="Int64")})))
    catalog.append("T", pd.DataFrame({"a": pd.array([2], dtype="Int64")}))
    assert catalog.get("T").frame["a"].tolist() == [1, 2]


def test_replace_keeps_one_file(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(all_types_table())
        catalog.put(Table("Everything", (("a", LONG),), pd.DataFrame({"a": pd.array([5], dtype="Int64")})))
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 3
    assert names[0] == LOCK_NAME
    assert names[1].startswith("Everything.")
    assert names[1].endswith(".arrow")
    assert names[2] == "Everything.table.json"
    with Catalog(tmp_path) as reopened:
        assert reopened.get("Everything").frame["a"].tolist() == [5]
