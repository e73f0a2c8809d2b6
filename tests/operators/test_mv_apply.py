"""mv-apply end to end: the documented examples, expansion rules, each subquery form and the errors."""

from __future__ import annotations

from typing import Any

import pytest

import kqlite
from kqlite.errors import KqlSemanticError, KqlSyntaxError


def run(query: str) -> kqlite.Result:
    return kqlite.connect().execute(query)


def rows(result: kqlite.Result) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result.rows()]


def names(result: kqlite.Result) -> list[str]:
    return [name for name, _ in result.columns]


TWO_ARRAYS = "datatable(k:int, a:dynamic)[1, dynamic([3, 1, 2]), 2, dynamic([7, 8])]"


# ---------------------------------------------------------------- documented examples


def test_doc_internal_mv_expand() -> None:
    result = run(
        "let data = datatable (index: int, Arr: dynamic) [0, dynamic([7]), 1, dynamic([6, 11, 7])];"
        " data | mv-apply Arr2=Arr to typeof(long) on (take 100)"
    )
    assert result.columns == [("index", "int"), ("Arr", "dynamic"), ("Arr2", "long")]
    assert rows(result) == [(0, [7], 7), (1, [6, 11, 7], 6), (1, [6, 11, 7], 11), (1, [6, 11, 7], 7)]


def test_doc_largest_element() -> None:
    result = run(
        "let data = datatable (index: int, Arr: dynamic) [0, dynamic([1, 5, 3]), 1, dynamic([10, 2, 5, 7])];"
        " data | mv-apply topElem=Arr to typeof(long) on (top 1 by topElem)"
    )
    assert result.columns == [("index", "int"), ("Arr", "dynamic"), ("topElem", "long")]
    assert rows(result) == [(0, [1, 5, 3], 5), (1, [10, 2, 5, 7], 10)]


def test_doc_top_two_elements() -> None:
    result = run(
        "let data = datatable (index: int, Arr: dynamic) [0, dynamic([5, 1, 3]), 1, dynamic([4, 10, 8, 7])];"
        " data | mv-apply Arr2=Arr to typeof(long) on (top 2 by Arr2 | summarize Top2=make_list(Arr2))"
    )
    assert result.columns == [("index", "int"), ("Arr", "dynamic"), ("Top2", "dynamic")]
    assert rows(result) == [(0, [5, 1, 3], [5, 3]), (1, [4, 10, 8, 7], [10, 8])]


def test_doc_select_elements_in_arrays() -> None:
    result = run(
        "datatable (Val:int, Arr1:dynamic, Arr2:dynamic)"
        "[1, dynamic(['A1', 'A2', 'A3']), dynamic([10, 30, 7]),"
        " 7, dynamic(['B1', 'B2', 'B5']), dynamic([15, 11, 50]),"
        " 3, dynamic(['C1', 'C2', 'C3', 'C4']), dynamic([6, 40, 20, 8])]"
        " | mv-apply NewArr1=Arr1, NewArr2=Arr2 to typeof(long) on"
        " (top 2 by NewArr2 | summarize NewArr1=make_list(NewArr1), NewArr2=make_list(NewArr2))"
    )
    assert names(result) == ["Val", "Arr1", "Arr2", "NewArr1", "NewArr2"]
    assert [row[3:] for row in rows(result)] == [
        (["A2", "A1"], [30, 10]),
        (["B5", "B1"], [50, 15]),
        (["C2", "C3"], [40, 20]),
    ]


def test_doc_with_itemindex_subset() -> None:
    result = run(
        "let data = datatable (row: int, Arr: dynamic) [0, dynamic([5, 1, 3]), 1, dynamic([4, 10, 8, 7])];"
        " data | mv-apply with_itemindex=index value=Arr to typeof(long) on (where index >= 2)"
    )
    assert result.columns == [("row", "int"), ("Arr", "dynamic"), ("value", "long"), ("index", "long")]
    assert rows(result) == [(0, [5, 1, 3], 3, 2), (1, [4, 10, 8, 7], 8, 2), (1, [4, 10, 8, 7], 7, 3)]


def test_doc_join_elements_of_two_arrays() -> None:
    result = run(
        "datatable (Val: int, Arr1: dynamic, Arr2: dynamic)"
        "[1, dynamic(['A1', 'A2']), dynamic(['B1', 'B2', 'B3']), 5, dynamic(['C1', 'C2']), dynamic(['D1'])]"
        " | mv-apply T1=Arr1, T2=Arr2 on (extend Out = strcat(T1, '_', T2) | summarize Out= make_list(Out))"
    )
    assert names(result) == ["Val", "Arr1", "Arr2", "Out"]
    assert [row[3] for row in rows(result)] == [["A1_B1", "A2_B2", "_B3"], ["C1_D1", "C2_"]]


PROPERTY_BAG_DATA = (
    "datatable(Source: string, Target: string, Count: long)"
    "['555-1234', '555-1212', 46, '555-2424', '', int(null)]"
)


@pytest.mark.xfail(strict=True, raises=KqlSemanticError, reason="kqlite has no pack_all() or bag_remove_keys() yet")
def test_doc_property_bag() -> None:
    result = run(
        PROPERTY_BAG_DATA + " | extend Pack = pack_all()"
        " | mv-apply removeProperties = Pack on (mv-expand kind = array Pack"
        " | where Pack[1] !startswith '555' | summarize propsToRemove = make_set(Pack[0]))"
        " | extend values = bag_remove_keys(Pack, propsToRemove) | project-away propsToRemove"
    )
    assert [row[4] for row in rows(result)] == [
        {"Source": "555-1234", "Target": "555-1212"},
        {"Source": "555-2424"},
    ]


def test_doc_property_bag_keys_to_remove() -> None:
    # The documented example up to its mv-apply, with the bag built by bag_pack.
    result = run(
        PROPERTY_BAG_DATA + " | extend Pack = bag_pack('Source', Source, 'Target', Target, 'Count', Count)"
        " | mv-apply removeProperties = Pack on (mv-expand kind = array Pack"
        " | where Pack[1] !startswith '555' | summarize propsToRemove = make_set(Pack[0]))"
    )
    assert names(result) == ["Source", "Target", "Count", "Pack", "propsToRemove"]
    assert [row[4] for row in rows(result)] == [["Count"], ["Target", "Count"]]


# ---------------------------------------------------------------- expansion


def test_empty_array_row_dropped() -> None:
    result = run("datatable(k:int, a:dynamic)[1, dynamic([]), 2, dynamic({}), 3, dynamic([4])] | mv-apply a on (take 5)")
    assert rows(result) == [(3, 4)]


def test_null_and_scalar_values() -> None:
    # A null value gives one row containing null; any other scalar gives one row containing it.
    result = run("datatable(k:int, a:dynamic)[1, dynamic(null), 2, dynamic(5)] | mv-apply a on (extend n = isnull(a))")
    assert rows(result) == [(1, None, True), (2, 5, False)]


def test_bag_expands_to_single_entry_bags() -> None:
    result = run("print b = dynamic({'x': 1, 'y': 2}) | mv-apply b on (extend key = tostring(bag_keys(b)[0]))")
    assert rows(result) == [({"x": 1}, "x"), ({"y": 2}, "y")]


def test_to_typeof_nulls_nonconforming_elements() -> None:
    result = run("print a = dynamic([1, 'x', 2.5]) | mv-apply a to typeof(long) on (take 10)")
    assert result.columns == [("a", "long")]
    assert rows(result) == [(1,), (None,), (2,)]


def test_parallel_arrays_padded_with_null() -> None:
    result = run("print a = dynamic([1, 2, 3]), b = dynamic(['x']) | mv-apply a, b on (take 10)")
    assert rows(result) == [(1, "x"), (2, None), (3, None)]


def test_limit_caps_rows_per_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a limit 2 on (take 10)")
    assert rows(result) == [(1, 3), (1, 1), (2, 7), (2, 8)]


def test_itemindex_renamed_when_taken() -> None:
    result = run(TWO_ARRAYS + " | mv-apply with_itemindex=k a on (take 1)")
    assert result.columns == [("k", "int"), ("a", "dynamic"), ("k1", "long")]
    assert rows(result) == [(1, 3, 0), (2, 7, 0)]


def test_computed_item_gets_column_name() -> None:
    result = run("print x = 1 | mv-apply pack_array(1, 2) on (take 5)")
    assert result.columns == [("x", "long"), ("Column1", "dynamic")]
    assert rows(result) == [(1, 1), (1, 2)]


def test_named_item_same_as_column_replaces_in_place() -> None:
    result = run("print s = 1, b = dynamic([5, 6]) | mv-apply s = b to typeof(long) on (top 1 by s)")
    assert result.columns == [("s", "long"), ("b", "dynamic")]
    assert rows(result) == [(6, [5, 6])]


# ---------------------------------------------------------------- subquery forms


def test_summarize_per_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (summarize total = sum(a), n = count())")
    assert result.columns == [("k", "int"), ("total", "long"), ("n", "long")]
    assert rows(result) == [(1, 6, 3), (2, 15, 2)]


def test_summarize_by_column_per_record() -> None:
    result = run(
        "print k = 1, a = dynamic([1, 2, 3, 4]) | mv-apply a to typeof(long) on (summarize c = count() by odd = a % 2)"
    )
    assert rows(result) == [(1, 1, 2), (1, 0, 2)]


def test_summarize_of_emptied_subtable_gives_row() -> None:
    # The subquery runs on each record's subtable, so a where that empties it still
    # leaves summarize its one row.
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (where a > 5 | summarize c = count(), m = max(a))")
    assert rows(result) == [(1, 0, None), (2, 2, 8)]


def test_count_per_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (where a > 2 | count)")
    assert result.columns == [("k", "int"), ("Count", "long")]
    assert rows(result) == [(1, 1), (2, 2)]


def test_top_per_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (top 2 by a asc)")
    assert rows(result) == [(1, 1), (1, 2), (2, 7), (2, 8)]


def test_take_per_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a on (take 1)")
    assert rows(result) == [(1, 3), (2, 7)]


def test_sort_within_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (sort by a desc)")
    assert rows(result) == [(1, 3), (1, 2), (1, 1), (2, 8), (2, 7)]


def test_where_extend_project() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (where a != 1 | extend d = a * 10 | project d, k)")
    assert result.columns == [("k", "int"), ("d", "long")]
    assert rows(result) == [(1, 30), (1, 20), (2, 70), (2, 80)]


def test_subquery_replaces_outer_column_in_place() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a on (take 1 | extend k = 'x')")
    assert result.columns == [("k", "string"), ("a", "dynamic")]
    assert rows(result) == [("x", 3), ("x", 7)]


def test_record_with_no_result_dropped() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (where a > 5)")
    assert rows(result) == [(2, 7), (2, 8)]


def test_window_function_runs_per_record() -> None:
    # row_number() has no per-record form, so this subquery runs record by record.
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (extend r = row_number())")
    assert rows(result) == [(1, 3, 1), (1, 1, 2), (1, 2, 3), (2, 7, 1), (2, 8, 2)]


def test_union_runs_per_record() -> None:
    result = run(TWO_ARRAYS + " | mv-apply a to typeof(long) on (take 1 | union (print a = long(0)))")
    assert result.columns == [("k", "int"), ("a", "long")]
    assert sorted(rows(result), key=lambda row: (row[0] is None, row[1])) == [(1, 3), (2, 7), (None, 0), (None, 0)]


def test_nested_mv_apply() -> None:
    result = run(
        "print m = dynamic([[1, 2], [3, 4, 5]]) | mv-apply m on (mv-apply m to typeof(long) on (summarize s = sum(m)))"
    )
    assert rows(result) == [(3,), (12,)]


def test_empty_input() -> None:
    result = run("datatable(k:int, a:dynamic)[] | mv-apply a on (summarize count())")
    assert result.columns == [("k", "int"), ("count_", "long")]
    assert rows(result) == []


def test_outer_columns_readable_in_subquery() -> None:
    result = run("print t = 2, a = dynamic([1, 2, 3]) | mv-apply a to typeof(long) on (where a >= t)")
    assert rows(result) == [(2, 2), (2, 3)]


# ---------------------------------------------------------------- errors


def span_text(query: str, error: KqlSemanticError | KqlSyntaxError) -> str:
    assert error.span is not None
    return query[error.span.start : error.span.end]


@pytest.mark.parametrize(
    ("query", "code", "marked"),
    [
        ("print a = 1 | mv-apply a on (take 1)", "KS141", "a"),
        ("print a = 1 | mv-apply x = a on (take 1)", "KS141", "x = a"),
        ("print a = dynamic([1]) | mv-apply a, a on (take 1)", "KS171", "a"),
        ("print a = dynamic([1]) | mv-apply a limit 'x' on (take 1)", "KS134", "'x'"),
        ("print a = dynamic([1]) | mv-apply kind=array a on (take 1)", "KS005", "mv-apply kind=array a on (take 1)"),
        ("print a = dynamic([1]) | mv-apply a on (where nope > 1)", "KS142", "nope"),
    ],
)
def test_semantic_errors(query: str, code: str, marked: str) -> None:
    with pytest.raises(KqlSemanticError) as caught:
        run(query)
    assert caught.value.code == code
    assert span_text(query, caught.value) == marked


def test_duplicate_item_marks_second() -> None:
    query = "print a = dynamic([1]) | mv-apply a, a on (take 1)"
    with pytest.raises(KqlSemanticError) as caught:
        run(query)
    assert caught.value.span is not None
    assert caught.value.span.start == query.rindex("a, a") + 3


def test_unknown_type_name() -> None:
    query = "print a = dynamic([1]) | mv-apply a to typeof(number) on (take 1)"
    with pytest.raises(KqlSyntaxError) as caught:
        run(query)
    assert caught.value.code == "KS160"
    assert span_text(query, caught.value) == "number"


@pytest.mark.parametrize(
    "query",
    [
        "print a = dynamic([1]) | mv-apply a on take 1",
        "print a = dynamic([1]) | mv-apply a on ()",
        "print a = dynamic([1]) | mv-apply a (take 1)",
    ],
)
def test_syntax_errors(query: str) -> None:
    with pytest.raises(KqlSyntaxError):
        run(query)


def test_subquery_must_start_with_operator() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        run("print a = dynamic([1]) | mv-apply a on (T | take 1)")
    assert caught.value.code == "KS176"
