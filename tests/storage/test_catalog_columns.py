"""Reading some columns of a stored table, and the width of stored dictionary indices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from kqlite.storage.arrow_codec import arrow_to_series
from kqlite.storage.catalog import Catalog
from kqlite.table import Table
from kqlite.types import LONG, STRING

COLUMNS = (("k", STRING), ("n", LONG), ("s", STRING))


def _frame(keys: list[str], numbers: list[int]) -> pd.DataFrame:
    return pd.DataFrame({
        "k": pd.Categorical(keys),
        "n": pd.array(numbers, dtype="Int64"),
        "s": pd.Series([key * 2 for key in keys], dtype="str"),
    })


def _extent_types(folder: Path) -> list[pa.Schema]:
    return [pa.ipc.open_file(pa.memory_map(str(file))).schema for file in sorted(folder.glob("T.*.arrow"))]


def test_columns_reads_the_named_columns_only(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", COLUMNS, _frame(["a", "b", "a"], [1, 2, 3])))
    with Catalog(tmp_path) as reopened:
        frame = reopened.columns("T", ["n", "k", "n"])
        assert list(frame.columns) == ["n", "k"]
        assert frame["n"].tolist() == [1, 2, 3]
        assert frame["k"].tolist() == ["a", "b", "a"]
        # Only the two named columns were converted.
        assert sorted(reopened._converted_columns["T"]) == [0, 1]
        assert reopened.get("T").frame["s"].tolist() == ["aa", "bb", "aa"]


def test_columns_see_appended_rows(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", COLUMNS, _frame(["a"], [1])))
        assert catalog.columns("T", ["n"])["n"].tolist() == [1]
        catalog.append("T", _frame(["b"], [2]))
        assert catalog.columns("T", ["n", "k"]).to_dict("list") == {"n": [1, 2], "k": ["a", "b"]}


def test_merge_narrows_dictionary_indices_to_pandas_code_width(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", COLUMNS, _frame(["a", "b"], [1, 2])))
        catalog.append("T", _frame(["c"], [3]))
    with Catalog(tmp_path) as reopened:
        keys = reopened.columns("T", ["k"])["k"]
    [schema] = _extent_types(tmp_path)
    assert schema.field("k").type == pa.dictionary(pa.int8(), pa.string())
    assert keys.cat.codes.dtype == np.int8
    assert keys.tolist() == ["a", "b", "c"]


def test_mixed_index_widths_load_and_merge(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", COLUMNS, _frame(["a", "b"], [1, 2])))
        catalog.get("T")
        # An ingested extent carries int32 indices, as the CSV reader writes them.
        wide = pa.table({
            "k": pa.array(["c"]).dictionary_encode(),
            "n": pa.array([3], pa.int64()),
            "s": pa.array(["cc"]),
        })
        catalog.append("T", wide)
        assert catalog.columns("T", ["k", "n"]).to_dict("list") == {"k": ["a", "b", "c"], "n": [1, 2, 3]}
    assert len(_extent_types(tmp_path)) == 1


def test_null_strings_in_a_dictionary_read_as_empty(tmp_path: Path) -> None:
    with Catalog(tmp_path) as catalog:
        catalog.put(Table("T", COLUMNS, _frame(["a", "b"], [1, 2])))
        catalog.append("T", pa.table({
            "k": pa.DictionaryArray.from_arrays(pa.array([0, None], pa.int32()), pa.array(["c"])),
            "n": pa.array([3, 4], pa.int64()),
            "s": pa.array(["cc", None]),
        }))
        frame = catalog.columns("T", ["k", "s"])
    assert frame["k"].tolist() == ["a", "b", "c", ""]
    assert frame["s"].tolist() == ["aa", "bb", "cc", ""]


def test_null_value_inside_a_dictionary_reads_as_empty() -> None:
    column = pa.chunked_array([pa.DictionaryArray.from_arrays(pa.array([1, 0, 1], pa.int8()), pa.array(["d", None]))])
    assert arrow_to_series(column, STRING).tolist() == ["", "d", ""]
