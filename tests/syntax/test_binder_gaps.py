"""Tabular values inside in (...), identifiers that start with digits, long flat chains,
derived column names, and the type of a where predicate."""

from __future__ import annotations

import pytest

import kqlite
from kqlite.errors import KqlSemanticError

# Five rows, in which ClientIP "b" repeats and one ClientIP is empty.
METRICS = """let Metrics = datatable(ClientIP: string, Bytes: long)
[
    "a", 1, "b", 2, "b", 3, "c", 4, "", 5,
];
let Watchlist = datatable(Ip: string, Weight: long) ["b", 10, "c", 20, "z", 30];
"""


def run(query: str) -> kqlite.Result:
    return kqlite.connect().execute(query)


def column(query: str, name: str) -> list[object]:
    result = run(query)
    position = [column_name for column_name, _ in result.columns].index(name)
    return [row[position] for row in result.rows()]


def semantic_error(query: str) -> KqlSemanticError:
    with pytest.raises(KqlSemanticError) as caught:
        run(query)
    return caught.value


# ---------------------------------------------------------------------------------------
# A tabular value inside in (...)


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("in", [2, 3, 4]),
        ("!in", [1, 5]),
        ("in~", [2, 3, 4]),
        ("!in~", [1, 5]),
        ("has_any", [2, 3, 4]),
    ],
)
def test_in_tabular_let(operator: str, expected: list[int]) -> None:
    query = METRICS + f"let ids = Watchlist | project Ip; Metrics | where ClientIP {operator} (ids) | project Bytes"

    assert column(query, "Bytes") == expected


def test_in_tabular_let_uses_first_column() -> None:
    query = METRICS + "Metrics | where ClientIP in (Watchlist) | project Bytes"

    assert column(query, "Bytes") == [2, 3, 4]


def test_in_inline_subquery_with_two_columns() -> None:
    query = METRICS + "Metrics | where ClientIP in (Watchlist | project Ip, Weight) | project Bytes"

    assert column(query, "Bytes") == [2, 3, 4]


def test_in_tabular_function_call() -> None:
    query = METRICS + (
        "let pick = (n: long) { Watchlist | take n | project Ip }; Metrics | where ClientIP in (pick(1)) | project Bytes"
    )

    assert column(query, "Bytes") == [2, 3]


def test_in_tabular_let_in_extend() -> None:
    query = METRICS + "let ids = Watchlist | project Ip; Metrics | extend Found = ClientIP in (ids) | project Found"

    assert column(query, "Found") == [False, True, True, True, False]


def test_in_column_hides_tabular_let() -> None:
    # The column ClientIP hides the tabular let of the same name.
    query = METRICS + "let ClientIP = Watchlist; Metrics | where ClientIP in (ClientIP) | count"

    assert column(query, "Count") == [5]


def test_in_tabular_let_among_scalars_rejected() -> None:
    error = semantic_error(METRICS + "let ids = Watchlist | project Ip; Metrics | where ClientIP in (ids, 'a')")

    assert "table" in error.message


def test_toscalar_of_tabular_function() -> None:
    query = METRICS + "let first = () { Watchlist | project Ip }; print Ip = toscalar(first())"

    assert column(query, "Ip") == ["b"]


# ---------------------------------------------------------------------------------------
# Names that start with digits


def test_digit_name_series_fir_example() -> None:
    # The documented series_fir example: a 5-point moving average, whose first points are zero.
    query = (
        "print val = dynamic([0, 0, 0, 0, 10, 0])"
        " | extend 5h_MovingAvg = series_fir(val, dynamic([1, 1, 1, 1, 1]))"
        " | project 5h_MovingAvg"
    )

    assert column(query, "5h_MovingAvg") == [[0.0, 0.0, 0.0, 0.0, 2.0, 2.0]]


@pytest.mark.parametrize("name", ["1abc", "5h_x", "1e5x", "0x10g", "5minx", "1_000", "1L"])
def test_digit_name_as_column(name: str) -> None:
    query = f"print {name} = 1 | extend copy = {name} + 1 | project {name}, copy"

    assert run(query).columns[0][0] == name
    assert column(query, "copy") == [2]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [("5h", "timespan"), ("5days", "timespan"), ("1e5", "real"), ("0x10", "long"), ("123", "long")],
)
def test_whole_literal_stays_literal(literal: str, expected: str) -> None:
    result = run(f"print {literal}")

    assert str(result.columns[0][1]) == expected


def test_week_count_is_unknown_name() -> None:
    error = semantic_error("print ago(2weeks)")

    assert error.code == "KS142"
    assert error.hint == "KQL has no week unit: write 7d for one week"


# ---------------------------------------------------------------------------------------
# Long chains and pipelines

def or_chain(terms: int) -> str:
    return "range x from 0 to 999 step 1 | where " + " or ".join(f"x == {i * 2}" for i in range(terms)) + " | count"


def extend_pipeline(steps: int) -> str:
    return "range x from 1 to 3 step 1" + "".join(f" | extend c{i} = x + {i}" for i in range(steps)) + " | count"


def test_or_chain_of_400_terms() -> None:
    # x == 0, 2, ..., 798: 400 of the 1000 values.
    assert column(or_chain(400), "Count") == [400]


def test_and_chain_of_400_terms() -> None:
    query = "range x from 0 to 999 step 1 | where " + " and ".join(f"x != {i}" for i in range(400)) + " | count"

    assert column(query, "Count") == [600]


def test_plus_chain_of_450_terms() -> None:
    query = "print total = " + " + ".join("2" for _ in range(450))

    assert column(query, "total") == [900]


def test_pipeline_of_450_operators() -> None:
    assert column(extend_pipeline(450), "Count") == [3]


def test_pipeline_of_mixed_operators() -> None:
    steps = ["extend y = x * 2", "where y > 0", "project x, y", "order by x asc", "take 10", "serialize"] * 80
    query = "range x from 1 to 5 step 1 | " + " | ".join(steps) + " | summarize sum(y)"

    assert column(query, "sum_y") == [30]


@pytest.mark.parametrize("query", [or_chain(1000), extend_pipeline(500), "print " + "(" * 600 + "1" + ")" * 600])
def test_too_deep_rejected_like_kusto(query: str) -> None:
    with pytest.raises(kqlite.KqlSyntaxError) as caught:
        run(query)

    assert caught.value.code == "KS245"


def test_long_chain_runs_without_recursion(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past Kusto's depth limit only that rule stops a chain or a pipeline: lifted, they run.
    monkeypatch.setattr("kqlite.syntax.depth.MAX_SYNTAX_DEPTH", 100_000)

    assert column(or_chain(1000), "Count") == [500]
    assert column(extend_pipeline(500), "Count") == [3]


def test_long_chain_pushed_into_join(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kqlite.syntax.depth.MAX_SYNTAX_DEPTH", 100_000)
    predicate = " or ".join(f"Bytes == {i}" for i in range(1000))
    query = METRICS + f"Metrics | join kind=inner (Watchlist | project ClientIP = Ip) on ClientIP | where {predicate} | count"

    assert column(query, "Count") == [3]


# ---------------------------------------------------------------------------------------
# Derived column names


def test_column_ifexists_named_after_column() -> None:
    result = run(METRICS + "Metrics | project column_ifexists('Bytes', 0), column_ifexists('Missing', 0)")

    assert [name for name, _ in result.columns] == ["Bytes", "Column1"]


def test_column_ifexists_replaces_in_extend() -> None:
    result = run(METRICS + "Metrics | extend column_ifexists('Bytes', 0)")

    assert [name for name, _ in result.columns] == ["ClientIP", "Bytes"]


def test_column_ifexists_default_column_not_named() -> None:
    result = run(METRICS + "Metrics | project column_ifexists('Missing', Bytes)")

    assert [name for name, _ in result.columns] == ["Column1"]


def test_column_ifexists_summarize_key() -> None:
    result = run(METRICS + "Metrics | summarize count() by column_ifexists('ClientIP', '')")

    assert [name for name, _ in result.columns] == ["ClientIP", "count_"]


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        ("percentile(Bytes, 50)", ["percentile_Bytes_50"]),
        ("percentile(Bytes, 1 + 1)", ["percentile_Bytes_"]),
        ("percentiles(Bytes, 25, 2 * 25)", ["percentile_Bytes_25", "percentile_Bytes_"]),
    ],
)
def test_percentile_names(aggregate: str, expected: list[str]) -> None:
    result = run(METRICS + f"Metrics | summarize {aggregate}")

    assert [name for name, _ in result.columns] == expected


def test_percentile_computed_percent_value() -> None:
    # The name drops a computed percent, the value still uses it: the median of 1..5.
    assert column(METRICS + "Metrics | summarize percentile(Bytes, 25 * 2)", "percentile_Bytes_") == [3]


# ---------------------------------------------------------------------------------------
# The type of a where predicate


@pytest.mark.parametrize(
    "predicate",
    ["int(null)", "long(null)", "real(null)", "decimal(null)", "datetime(null)", "timespan(null)", "guid(null)",
     "dynamic(null)", "Bytes", "ClientIP", "1"],
)
def test_where_non_bool_rejected(predicate: str) -> None:
    error = semantic_error(METRICS + f"Metrics | where {predicate}")

    assert error.code == "KS141"
    assert error.message == "the expression must have the type bool"


def test_where_bool_null_keeps_no_rows() -> None:
    assert column(METRICS + "Metrics | where bool(null) | count", "Count") == [0]


def test_where_unknown_name_reported_once() -> None:
    error = semantic_error(METRICS + "Metrics | where Missing")

    assert error.code == "KS142"
    assert len(error.diagnostics) == 1
