"""sample and sample-distinct: sizes, rows drawn from the input, nulls, errors, and the documented examples.

Both operators are random, so the tests check properties of the result (its size, that
its rows or values come from the input, that none repeats) rather than exact rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kqlite
from kqlite.cli.repl_explain import explain
from kqlite.errors import KqlSemanticError
from kqlite.operators.sample import sample_distinct_values, sample_positions

# Ten rows, each one unique, with a column of three distinct values and a null.
EVENTS = """let Events = datatable(Id: long, Group: long, Name: string)
[
    1, 10, "a", 2, 20, "b", 3, 10, "c", 4, long(null), "d", 5, 30, "e",
    6, 20, "f", 7, 10, "g", 8, long(null), "h", 9, 30, "i", 10, 10, "j",
];
"""
ALL_IDS = set(range(1, 11))


def run(query: str) -> kqlite.Result:
    return kqlite.connect().execute(query)


def semantic_error(query: str) -> KqlSemanticError:
    with pytest.raises(KqlSemanticError) as caught:
        run(query)
    return caught.value


# ---------------------------------------------------------------------------------------
# sample


def test_sample_size_and_rows() -> None:
    result = run(EVENTS + "Events | sample 4")
    rows = result.rows()

    assert result.columns == [("Id", "long"), ("Group", "long"), ("Name", "string")]
    assert len(rows) == 4
    assert len({row[0] for row in rows}) == 4
    assert {row[0] for row in rows} <= ALL_IDS
    # Each row is one input row whole: its Name belongs to its Id.
    assert all(row[2] == "abcdefghij"[row[0] - 1] for row in rows)


def test_sample_keeps_input_order() -> None:
    ids = [row[0] for row in run(EVENTS + "Events | sample 6").rows()]

    assert ids == sorted(ids)


def test_sample_larger_than_input() -> None:
    rows = run(EVENTS + "Events | sample 100").rows()

    assert [row[0] for row in rows] == list(range(1, 11))


def test_sample_zero_and_negative() -> None:
    assert run(EVENTS + "Events | sample 0").rows() == []
    assert run(EVENTS + "Events | sample -1").rows() == []


def test_sample_empty_input() -> None:
    result = run("datatable(x: long)[] | sample 5")

    assert result.columns == [("x", "long")]
    assert result.rows() == []


def test_sample_computed_count() -> None:
    assert len(run(EVENTS + "let n = 2; Events | sample n * 3").rows()) == 6


def test_sample_count_must_be_integer() -> None:
    assert semantic_error(EVENTS + "Events | sample 2.5").code == "KS134"
    assert semantic_error(EVENTS + "Events | sample 'a'").code == "KS134"


def test_sample_output_is_not_serialized() -> None:
    error = semantic_error(EVENTS + "Events | sort by Id | sample 3 | extend n = row_number()")

    assert error.code == "KL150"


def test_doc_sample_one_row_twice() -> None:
    # Kusto evaluates `_sample` once per use, so its two rows usually differ. kqlite
    # computes a tabular `let` once per query, as materialize() does in Kusto.
    rows = run("let _data = range x from 1 to 100 step 1; let _sample = _data | sample 1; union (_sample), (_sample)").rows()

    assert len(rows) == 2
    assert all(1 <= row[0] <= 100 for row in rows)


def test_doc_sample_with_materialize() -> None:
    rows = run(
        "let _data = range x from 1 to 100 step 1; let _sample = materialize(_data | sample 1); union (_sample), (_sample)"
    ).rows()

    assert len(rows) == 2
    assert rows[0] == rows[1]


# ---------------------------------------------------------------------------------------
# sample-distinct


def test_sample_distinct_size_and_values() -> None:
    result = run(EVENTS + "Events | sample-distinct 2 of Group")
    values = [row[0] for row in result.rows()]

    assert result.columns == [("Group", "long")]
    assert len(values) == 2
    assert len(set(values)) == 2
    assert set(values) <= {10, 20, 30, None}


def test_sample_distinct_with_nulls() -> None:
    values = [row[0] for row in run(EVENTS + "Events | sample-distinct 10 of Group").rows()]

    # Null is one of the distinct values, as in distinct; the order is first appearance.
    assert values == [10, 20, None, 30]


def test_sample_distinct_strings() -> None:
    values = [row[0] for row in run("datatable(s: string)['x', '', 'y', 'x', ''] | sample-distinct 5 of s").rows()]

    assert values == ["x", "", "y"]


def test_sample_distinct_zero_and_empty() -> None:
    assert run(EVENTS + "Events | sample-distinct 0 of Name").rows() == []
    assert run(EVENTS + "Events | sample-distinct -2 of Name").rows() == []
    assert run("datatable(s: string)[] | sample-distinct 3 of s").rows() == []


def test_sample_distinct_needs_column_name() -> None:
    error = semantic_error(EVENTS + "Events | sample-distinct 3 of strcat(Name, 'x')")

    assert error.code == "KS109"
    assert error.message == "sample-distinct needs a column name after 'of'"


def test_sample_distinct_let_value_is_not_a_column() -> None:
    assert semantic_error(EVENTS + "let c = 1; Events | sample-distinct 3 of c").code == "KS109"


def test_sample_distinct_unknown_column() -> None:
    error = semantic_error(EVENTS + "Events | sample-distinct 3 of Nope")

    assert error.code == "KS142"
    assert len(error.diagnostics) == 1


def test_sample_distinct_rejects_dynamic() -> None:
    assert semantic_error("datatable(d: dynamic)[] | sample-distinct 3 of d").code == "KS116"


def test_doc_sample_distinct_then_filter() -> None:
    rows = run(
        EVENTS + "Events | where Name in (Events | sample-distinct 3 of Name) | summarize count() by Name"
    ).rows()

    assert len(rows) == 3
    assert all(count == 1 for _, count in rows)


def test_doc_sample_distinct_let_in() -> None:
    rows = run(
        EVENTS + "let sampleIds = Events | sample-distinct 3 of Id; Events | where Id in (sampleIds)"
    ).rows()

    assert len(rows) == 3


# ---------------------------------------------------------------------------------------
# Kernels and plan


def test_sample_positions_without_replacement() -> None:
    generator = np.random.default_rng(7)

    positions = sample_positions(1_000_000, 1000, generator)

    assert len(positions) == 1000
    assert len(np.unique(positions)) == 1000
    assert positions.min() >= 0 and positions.max() < 1_000_000
    assert (np.diff(positions) > 0).all()


def test_sample_positions_limits() -> None:
    assert sample_positions(5, 9).tolist() == [0, 1, 2, 3, 4]
    assert sample_positions(5, 0).tolist() == []
    assert sample_positions(0, 3).tolist() == []


def test_sample_distinct_values_kernel() -> None:
    column = pd.Series(pd.array([3, None, 3, 1, None], dtype="Int64"))

    values = sample_distinct_values(column, 2, np.random.default_rng(1))

    assert len(values) == 2
    assert values.dtype == column.dtype
    assert set(values.tolist()) <= {3, 1, pd.NA}


def test_explain_labels() -> None:
    db = kqlite.connect()

    assert explain("range x from 1 to 3 step 1 | sample 1", db).splitlines()[0] == "SampleRows [sample]"
    assert explain("range x from 1 to 3 step 1 | sample-distinct 1 of x", db).splitlines()[0] == (
        "SampleDistinctRows [sample-distinct]"
    )
