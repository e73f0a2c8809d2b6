"""category_pairs and take_paired_rows: a lookup matched per category gives the row-level result."""

from __future__ import annotations

import decimal
import uuid

import numpy as np
import pandas as pd
import pytest

import kqlite
from kqlite.errors import KqlRuntimeError
from kqlite.operators.category_lookup import CategoryPairs, category_pairs, take_paired_rows
from kqlite.operators.join import lookup_indices, take_rows

# Keys the random tables draw from: "" is a real key (KQL strings have no null).
KEY_POOL = ["", "a", "b", "c", "d", "e", "f", "g", "h", "k"]


def right_frame(keys: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Build a right side with the given unique keys and a column of every KQL type, some null."""
    size = len(keys)
    null = rng.random(size) < 0.3
    numbers = rng.integers(-1000, 1000, size)
    words = np.array(["x", "y", "", "zz"], dtype=object)[rng.integers(0, 4, size)]
    return pd.DataFrame(
        {
            "Key": pd.Series(keys, dtype="str"),
            "Bool": pd.array([None if gap else bool(n % 2) for gap, n in zip(null, numbers)], dtype="boolean"),
            "Int": pd.array([None if gap else int(n) for gap, n in zip(null, numbers)], dtype="Int32"),
            "Long": pd.array([None if gap else int(n) * 10**10 for gap, n in zip(null, numbers)], dtype="Int64"),
            "Real": np.where(null, np.nan, numbers / 7),
            "Text": pd.Series(words, dtype="str"),
            "Category": pd.Series(words, dtype="category"),
            "Time": pd.Series(np.where(null, np.datetime64("NaT"), np.datetime64("2023-01-01", "ns") + numbers * 10**9)),
            "Span": pd.Series(np.where(null, np.timedelta64("NaT"), numbers.astype("timedelta64[s]").astype("timedelta64[ns]"))),
            "Dynamic": pd.Series([None if gap else {"n": int(n), "list": [int(n)]} for gap, n in zip(null, numbers)], dtype=object),
            "Guid": pd.Series([None if gap else uuid.UUID(int=int(n) + 1000) for gap, n in zip(null, numbers)], dtype=object),
            "Decimal": pd.Series([None if gap else decimal.Decimal(int(n)) / 4 for gap, n in zip(null, numbers)], dtype=object),
        }
    )


def left_key(size: int, rng: np.random.Generator, null_share: float = 0.0) -> pd.Series:
    """Build a categorical left key over the whole pool (some categories unused), with some null codes."""
    codes = rng.integers(0, len(KEY_POOL), size)
    codes[rng.random(size) < null_share] = -1
    return pd.Series(pd.Categorical.from_codes(codes, categories=KEY_POOL))


def lookup_by_category(left: pd.Series, right: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Run the lookup through category_pairs and take_paired_rows, as the executor does."""
    pairs = category_pairs([left], [right["Key"]], kind)
    assert pairs is not None
    keys = left.to_frame("Left").reset_index(drop=True)
    if pairs.left_rows is not None:
        keys = take_rows(keys, pairs.left_rows)
    return pd.concat([keys, take_paired_rows(right, pairs)], axis=1)


def lookup_by_row(left: pd.Series, right: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Run the lookup through row positions matched on a plain-string copy of the key."""
    plain = left.astype(object).astype("str")
    left_positions, right_positions = lookup_indices([plain], [right["Key"]], kind)
    keys = take_rows(left.to_frame("Left"), left_positions)
    return pd.concat([keys, take_rows(right, right_positions)], axis=1)


@pytest.mark.parametrize("kind", ["leftouter", "inner"])
@pytest.mark.parametrize("seed", range(12))
def test_random_tables_match_row_path(kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    right_keys = list(rng.choice(KEY_POOL + ["m", "n"], size=int(rng.integers(0, 12)), replace=False))
    right = right_frame(right_keys, rng)
    left = left_key(int(rng.integers(0, 80)), rng, null_share=0.2 if seed % 3 == 0 else 0.0)

    pd.testing.assert_frame_equal(lookup_by_category(left, right, kind), lookup_by_row(left, right, kind))


@pytest.mark.parametrize("kind", ["leftouter", "inner"])
def test_every_key_matched(kind: str) -> None:
    rng = np.random.default_rng(7)
    right = right_frame(KEY_POOL[::-1], rng)
    left = left_key(100, rng)

    result = lookup_by_category(left, right, kind)

    pd.testing.assert_frame_equal(result, lookup_by_row(left, right, kind))
    assert len(result) == 100
    assert result["Category"].cat.categories.equals(right["Category"].cat.categories)


@pytest.mark.parametrize("kind", ["leftouter", "inner"])
def test_null_keys_never_match(kind: str) -> None:
    rng = np.random.default_rng(5)
    right = right_frame(KEY_POOL, rng)
    left = left_key(100, rng, null_share=0.3)

    result = lookup_by_category(left, right, kind)

    pd.testing.assert_frame_equal(result, lookup_by_row(left, right, kind))
    expected_rows = 100 if kind == "leftouter" else int(left.notna().sum())
    assert len(result) == expected_rows


def test_unmatched_rows_get_nulls() -> None:
    right = right_frame(["a"], np.random.default_rng(1)).assign(Text="t", Long=pd.array([5], dtype="Int64"), Real=0.5)
    left = pd.Series(pd.Categorical(["a", "b", "a", "b", "a"] * 2))

    result = lookup_by_category(left, right, "leftouter")

    assert result["Text"].tolist() == ["t", "", "t", "", "t"] * 2
    assert result["Long"].tolist() == [5, pd.NA, 5, pd.NA, 5] * 2
    assert result["Real"].isna().tolist() == [False, True, False, True, False] * 2
    assert result["Bool"].isna()[1]
    assert result["Int"].isna()[1]
    assert result["Time"].isna()[1]
    assert result["Span"].isna()[1]
    assert result["Dynamic"][1] is None
    assert result["Guid"][1] is None
    assert result["Decimal"][1] is None


def test_inner_keeps_matched_rows_in_left_order() -> None:
    right = pd.DataFrame({"Key": pd.Series(["b", "a"], dtype="str"), "Value": pd.array([2, 1], dtype="Int64")})
    left = pd.Series(pd.Categorical(["a", "c", "b", "c", "a", "b", "a"]))

    pairs = category_pairs([left], [right["Key"]], "inner")

    assert pairs is not None
    assert pairs.left_rows.tolist() == [0, 2, 4, 5, 6]
    assert take_paired_rows(right, pairs)["Value"].tolist() == [1, 2, 1, 2, 1]


def test_string_column_spread_as_narrow_codes() -> None:
    right = pd.DataFrame({"Key": pd.Series(["a", "b"], dtype="str"), "Info": pd.Series(["x", "y"], dtype="str")})
    left = pd.Series(pd.Categorical(["a", "b", "a", "zz"] * 50))

    info = take_paired_rows(right, category_pairs([left], [right["Key"]], "leftouter"))["Info"]

    assert info.dtype == "category"
    assert info.cat.codes.dtype == np.int8
    assert info.tolist()[:4] == ["x", "y", "x", ""]


def test_empty_sides() -> None:
    rng = np.random.default_rng(3)
    empty_right = right_frame([], rng)
    some_left = left_key(30, rng)
    empty_left = left_key(0, rng)
    full_right = right_frame(KEY_POOL[:4], rng)

    for left, right in [(some_left, empty_right), (empty_left, full_right), (empty_left, empty_right)]:
        for kind in ("leftouter", "inner"):
            pd.testing.assert_frame_equal(lookup_by_category(left, right, kind), lookup_by_row(left, right, kind))


def test_categorical_right_key() -> None:
    right = pd.DataFrame({"Key": pd.Series(["b", "", "a"], dtype="category"), "Value": pd.array([2, 0, 1], dtype="Int64")})
    left = pd.Series(pd.Categorical(["", "a", "b", "q", ""] * 3))

    result = take_paired_rows(right, category_pairs([left], [right["Key"]], "leftouter"))

    assert result["Value"].tolist() == [0, 1, 2, pd.NA, 0] * 3
    assert result["Key"].tolist() == ["", "a", "b", "", ""] * 3


def test_pairs_describe_row_positions() -> None:
    right = pd.DataFrame({"Key": pd.Series(["b", "a"], dtype="str")})
    left = pd.Series(pd.Categorical(["a", "c", "b"]))

    pairs = category_pairs([left], [right["Key"]], "leftouter")

    assert isinstance(pairs, CategoryPairs)
    assert len(pairs) == 3
    assert pairs.left_rows is None
    assert pairs.has_unmatched
    assert pairs.right_positions().tolist() == [1, -1, 0]


def test_other_shapes_use_row_path() -> None:
    left = pd.Series(pd.Categorical(["a", "b"]))
    unique = pd.Series(["a", "b"], dtype="str")

    assert category_pairs([left], [pd.Series(["a", "a"], dtype="str")], "leftouter") is None
    assert category_pairs([left.astype(object).astype("str")], [unique], "leftouter") is None
    assert category_pairs([left, left], [unique, unique], "leftouter") is None
    for kind in ("innerunique", "fullouter", "rightouter", "leftsemi", "leftanti", "bogus"):
        assert category_pairs([left], [unique], kind) is None
    assert category_pairs([left], [unique], "inner") is not None


# Through the executor: the same lookup on a categorical key and on a plain-string copy.


@pytest.fixture
def db() -> kqlite.Database:
    rng = np.random.default_rng(11)
    database = kqlite.connect()
    left = pd.DataFrame({"Key": left_key(300, rng), "Row": np.arange(300)})
    database.register("Left", left)
    database.register("LeftPlain", left.assign(Key=left["Key"].astype(object).astype("str")))
    right = right_frame(["a", "c", "", "e", "x"], rng).drop(columns=["Guid", "Decimal"])
    database.register("Right", right)
    return database


@pytest.mark.parametrize(
    "operator",
    [
        "lookup Right on Key",
        "lookup kind=inner Right on Key",
        "join kind=inner Right on Key",
        "join kind=leftouter Right on Key",
        "join kind=innerunique Right on Key",
    ],
)
def test_executor_matches_plain_key(db: kqlite.Database, operator: str) -> None:
    categorical = db.execute(f"Left | {operator}")
    plain = db.execute(f"LeftPlain | {operator}")

    assert categorical.columns == plain.columns
    assert categorical.rows() == plain.rows()


def test_executor_checks_memory_budget(db: kqlite.Database) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        db.execute("set maxmemoryconsumptionperiterator=1000;\nLeft | lookup Right on Key")

    assert "lookup" in raised.value.message
