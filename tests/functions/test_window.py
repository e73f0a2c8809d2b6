"""Window functions over serialized rows, and the check that their input is serialized.

The expected tables of the documentation examples are copied from Microsoft's pages for
each function; the other expectations are worked out by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import call

import kqlite
from kqlite.errors import KqlSemanticError
from kqlite.types import BOOL, DATETIME, LONG, STRING, TIMESPAN

AIRPORTS = """datatable (Airport:string, Airline:string, Departures:long)
["SEA", "LH", 3, "SEA", "LY", 100, "SEA", "UA", 3, "SEA", "BA", 2, "SEA", "EL", 3"""

SALARIES = """datatable (name:string, month:int, salary:long)
["Alice", 1, 1000, "Bob", 1, 1000, "Alice", 2, 2000, "Bob", 2, 1950, "Alice", 3, 1400, "Bob", 3, 1450]"""

SESSIONS = """datatable (ID:string, Timestamp:datetime) [
    "1", datetime(2024-04-11 10:00:00), "2", datetime(2024-04-11 10:18:00), "1", datetime(2024-04-11 11:00:00),
    "3", datetime(2024-04-11 11:30:00), "2", datetime(2024-04-11 13:30:00), "2", datetime(2024-04-11 10:16:00)]"""


@pytest.fixture(scope="module")
def db() -> kqlite.Database:
    return kqlite.connect()


def rows(db: kqlite.Database, query: str) -> list[tuple]:
    return [tuple(row) for row in db.execute(query).rows()]


def column(db: kqlite.Database, query: str, name: str) -> list:
    result = db.execute(query)
    position = [column_name for column_name, _ in result.columns].index(name)
    return [row[position] for row in result.rows()]


def types(db: kqlite.Database, query: str) -> dict[str, str]:
    return {name: str(kql_type) for name, kql_type in db.execute(query).columns}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------
# Documentation examples


def test_row_number_docs_descending(db):
    result = rows(db, "range a from 1 to 10 step 1 | sort by a desc | extend rn=row_number()")
    assert result == [(10 - i, i + 1) for i in range(10)]


def test_row_number_docs_starting_index(db):
    result = column(db, "range a from 1 to 10 step 1 | sort by a desc | extend rn=row_number(7)", "rn")
    assert result == list(range(7, 17))


def test_row_number_docs_partitions(db):
    query = """datatable (Airport:string, Airline:string, Departures:long)
    ["TLV", "LH", 1, "TLV", "LY", 100, "SEA", "LH", 1, "SEA", "BA", 2, "SEA", "LY", 0]
    | sort by Airport asc, Departures desc
    | extend Rank=row_number(1, prev(Airport) != Airport)"""
    assert rows(db, query) == [
        ("SEA", "BA", 2, 1),
        ("SEA", "LH", 1, 2),
        ("SEA", "LY", 0, 3),
        ("TLV", "LY", 100, 1),
        ("TLV", "LH", 1, 2),
    ]


def test_row_cumsum_docs_even_numbers(db):
    query = "datatable (a:long) [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] | where a%2==0 | serialize cs=row_cumsum(a)"
    assert rows(db, query) == [(2, 2), (4, 6), (6, 12), (8, 20), (10, 30)]


def test_row_cumsum_docs_partitions(db):
    query = SALARIES + " | order by name asc, month asc | extend total=row_cumsum(salary, name != prev(name))"
    assert rows(db, query) == [
        ("Alice", 1, 1000, 1000),
        ("Alice", 2, 2000, 3000),
        ("Alice", 3, 1400, 4400),
        ("Bob", 1, 1000, 1000),
        ("Bob", 2, 1950, 2950),
        ("Bob", 3, 1450, 4400),
    ]


def test_row_rank_dense_docs(db):
    query = AIRPORTS + "] | sort by Departures asc | extend Rank=row_rank_dense(Departures)"
    assert rows(db, query) == [
        ("SEA", "BA", 2, 1),
        ("SEA", "LH", 3, 2),
        ("SEA", "UA", 3, 2),
        ("SEA", "EL", 3, 2),
        ("SEA", "LY", 100, 3),
    ]


def test_row_rank_dense_docs_partitions(db):
    query = (
        AIRPORTS
        + ', "AMS", "EL", 1, "AMS", "BA", 1] | sort by Airport desc, Departures asc'
        + " | extend Rank=row_rank_dense(Departures, prev(Airport) != Airport)"
    )
    assert rows(db, query) == [
        ("SEA", "BA", 2, 1),
        ("SEA", "LH", 3, 2),
        ("SEA", "UA", 3, 2),
        ("SEA", "EL", 3, 2),
        ("SEA", "LY", 100, 3),
        ("AMS", "EL", 1, 1),
        ("AMS", "BA", 1, 1),
    ]


def test_row_rank_min_docs(db):
    query = AIRPORTS + "] | sort by Departures asc | extend Rank=row_rank_min(Departures)"
    assert column(db, query, "Rank") == [1, 2, 2, 2, 5]


def test_row_rank_min_docs_partitions(db):
    query = """datatable(Category:string, Item:string, Value:int)
    ["A", "item1", 10, "A", "item2", 10, "A", "item3", 5, "A", "item4", 20, "B", "item2", 5, "B", "item1", 7]
    | sort by Category asc, Value asc
    | extend rank = row_rank_min(Value, Category != prev(Category))"""
    assert rows(db, query) == [
        ("A", "item3", 5, 1),
        ("A", "item1", 10, 2),
        ("A", "item2", 10, 2),
        ("A", "item4", 20, 4),
        ("B", "item2", 5, 1),
        ("B", "item1", 7, 2),
    ]


def test_row_window_session_docs(db):
    query = SESSIONS + """
    | sort by ID asc, Timestamp asc
    | extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))"""
    assert [(row[0], row[2]) for row in rows(db, query)] == [
        ("1", at("2024-04-11 10:00")),
        ("1", at("2024-04-11 11:00")),
        ("2", at("2024-04-11 10:16")),
        ("2", at("2024-04-11 10:16")),
        ("2", at("2024-04-11 13:30")),
        ("3", at("2024-04-11 11:30")),
    ]


def test_serialize_assignment_docs(db):
    result = db.execute("range x from 5 to 7 step 1 | where x > 0 | serialize rn = row_number()")
    assert [name for name, _ in result.columns] == ["x", "rn"]
    assert [tuple(row) for row in result.rows()] == [(5, 1), (6, 2), (7, 3)]


# ---------------------------------------------------------------------------------------
# row_number


def test_row_number_restart_constant(db):
    assert column(db, "range a from 1 to 3 step 1 | extend rn = row_number(0, true)", "rn") == [0, 0, 0]


def test_row_number_restart_null_never_restarts(db):
    assert column(db, "range a from 1 to 3 step 1 | extend rn = row_number(1, bool(null))", "rn") == [1, 2, 3]


def test_row_number_computed_start(db):
    query = "range a from 1 to 4 step 1 | extend rn = row_number(a * 10, a == 3)"
    assert column(db, query, "rn") == [10, 11, 30, 31]


def test_row_number_empty_input(db):
    result = db.execute("range a from 1 to 0 step 1 | extend rn = row_number()")
    assert list(result.rows()) == []
    assert types(db, "range a from 1 to 0 step 1 | extend rn = row_number()")["rn"] == "long"


def test_row_number_default_name(db):
    assert list(types(db, "range a from 1 to 2 step 1 | extend row_number()")) == ["a", "Column1"]


# ---------------------------------------------------------------------------------------
# prev and next


def test_prev_after_descending_order(db):
    query = "range a from 1 to 4 step 1 | order by a desc | extend p = prev(a), n = next(a)"
    assert rows(db, query) == [(4, None, 3), (3, 4, 2), (2, 3, 1), (1, 2, None)]


def test_prev_offset_and_default(db):
    query = "range a from 1 to 4 step 1 | serialize p = prev(a, 2, -1), n = next(a, 3, 0)"
    assert rows(db, query) == [(1, -1, 4), (2, -1, 0), (3, 1, 0), (4, 2, 0)]


def test_prev_offset_past_the_end(db):
    assert column(db, "range a from 1 to 3 step 1 | serialize p = prev(a, 10)", "p") == [None, None, None]


def test_prev_offset_zero_is_current_row(db):
    assert column(db, "range a from 1 to 3 step 1 | serialize p = prev(a, 0)", "p") == [1, 2, 3]


def test_prev_column_offset(db):
    query = "range a from 1 to 4 step 1 | serialize p = prev(a, a - 1, 99)"
    assert column(db, query, "p") == [1, 1, 1, 1]


def test_prev_keeps_nulls(db):
    query = "datatable(a:long)[1, long(null), 3] | serialize p = prev(a), n = next(a)"
    assert rows(db, query) == [(1, None, None), (None, 1, 3), (3, None, None)]


def test_prev_default_of_other_type(db):
    query = "datatable(a:int)[1, 2] | serialize p = prev(a, 1, 5.9), q = prev(a, 1, 'x')"
    assert rows(db, query) == [(1, 5, None), (2, 1, 1)]
    assert types(db, query)["p"] == "int"


def test_prev_string_default_and_null(db):
    query = "datatable(s:string)['x', 'y'] | serialize p = prev(s), n = next(s, 1, 5)"
    assert rows(db, query) == [("x", "", "y"), ("y", "x", "5")]


def test_next_datetime_default(db):
    query = "range t from datetime(2024-01-01) to datetime(2024-01-02) step 1d | serialize n = next(t, 1, datetime(2030-01-01))"
    assert column(db, query, "n") == [at("2024-01-02"), at("2030-01-01")]


def test_prev_dynamic_and_guid_columns(db):
    query = "datatable(d:dynamic, g:guid)[dynamic([1]), guid(00000000-0000-0000-0000-000000000001), dynamic({'k': 2}), guid(null)] | serialize p = prev(d), q = next(g)"
    result = rows(db, query)
    assert [row[2] for row in result] == [None, [1]]
    assert [row[3] for row in result] == [None, None]


def test_prev_type_follows_column(db):
    query = "range a from 1 to 2 step 1 | extend r = 1.5 | serialize p = prev(r), n = next(a)"
    assert types(db, query) == {"a": "long", "r": "real", "p": "real", "n": "long"}


def test_prev_in_where_over_sorted_rows(db):
    query = "datatable(a:long)[1, 1, 2, 3, 3] | order by a asc | where a != prev(a)"
    assert column(db, query, "a") == [1, 2, 3]


def test_prev_requires_column_name(db):
    with pytest.raises(KqlSemanticError) as raised:
        db.execute("range a from 1 to 3 step 1 | serialize p = prev(a * 2)")
    assert raised.value.code == "KS109"


def test_prev_rejects_real_offset(db):
    with pytest.raises(KqlSemanticError):
        db.execute("range a from 1 to 3 step 1 | serialize p = prev(a, 1.5)")


# ---------------------------------------------------------------------------------------
# row_cumsum


def test_row_cumsum_types(db):
    query = "datatable(i:int, r:real, d:decimal)[1, 0.5, decimal(1.25), 2, 1.5, decimal(2.5)] | serialize ci = row_cumsum(i), cr = row_cumsum(r), cd = row_cumsum(d)"
    assert types(db, query)["ci"] == "int"
    assert types(db, query)["cr"] == "real"
    assert types(db, query)["cd"] == "decimal"
    result = rows(db, query)
    assert [row[3:5] for row in result] == [(1, 0.5), (3, 2.0)]
    assert [str(row[5]) for row in result] == ["1.25", "3.75"]


def test_row_cumsum_null_adds_nothing(db):
    query = "datatable(a:long, r:real)[1, 1.0, long(null), real(null), 3, 3.0] | serialize c = row_cumsum(a), d = row_cumsum(r)"
    assert [row[2:] for row in rows(db, query)] == [(1, 1.0), (1, 1.0), (4, 4.0)]


def test_row_cumsum_real_restart(db):
    query = "range a from 1 to 5 step 1 | serialize c = row_cumsum(a * 0.5, a % 2 == 1)"
    assert column(db, query, "c") == [0.5, 1.5, 1.5, 3.5, 2.5]


def test_row_cumsum_int_wraps(db):
    query = "datatable(i:int)[2147483647, 1] | serialize c = row_cumsum(i)"
    assert column(db, query, "c") == [2147483647, -2147483648]


def test_row_cumsum_rejects_string(db):
    with pytest.raises(KqlSemanticError):
        db.execute("datatable(s:string)['a'] | serialize c = row_cumsum(s)")


def test_row_cumsum_rejects_dynamic(db):
    with pytest.raises(KqlSemanticError):
        db.execute("print d = dynamic({'x': 1}) | serialize c = row_cumsum(d.x)")


def test_row_number_in_print(db):
    assert rows(db, "print x = row_number()") == [(1,)]


# ---------------------------------------------------------------------------------------
# ranks


def test_rank_nulls_equal_each_other(db):
    query = "datatable(a:long)[long(null), long(null), 1, 1, long(null)] | serialize d = row_rank_dense(a), m = row_rank_min(a)"
    assert [row[1:] for row in rows(db, query)] == [(1, 1), (1, 1), (2, 3), (2, 3), (3, 5)]


def test_rank_of_strings_and_datetimes(db):
    query = "datatable(s:string, t:datetime)['a', datetime(2024-01-01), 'a', datetime(2024-01-01), 'b', datetime(2024-01-02)] | serialize ds = row_rank_dense(s), mt = row_rank_min(t)"
    assert [row[2:] for row in rows(db, query)] == [(1, 1), (1, 1), (2, 3)]


def test_rank_rejects_dynamic(db):
    with pytest.raises(KqlSemanticError):
        db.execute("datatable(d:dynamic)[dynamic(1)] | serialize r = row_rank_dense(d)")


# ---------------------------------------------------------------------------------------
# row_window_session


def test_session_neighbor_gap_and_max_length(db):
    query = "range t from datetime(2024-01-01) to datetime(2024-01-01 00:20) step 5m | serialize s = row_window_session(t, 12m, 6m)"
    starts = ["00:00", "00:00", "00:00", "00:15", "00:15"]
    assert column(db, query, "s") == [at(f"2024-01-01 {start}") for start in starts]


def test_session_gap_equal_to_limit_starts_new(db):
    query = "range t from datetime(2024-01-01) to datetime(2024-01-01 00:10) step 5m | serialize s = row_window_session(t, 1h, 5m)"
    assert column(db, query, "s") == [at("2024-01-01 00:00"), at("2024-01-01 00:05"), at("2024-01-01 00:10")]


def test_session_null_value_and_next_row(db):
    query = "datatable(t:datetime)[datetime(2024-01-01 00:00), datetime(2024-01-01 00:01), datetime(null), datetime(2024-01-01 00:02)] | serialize s = row_window_session(t, 1h, 5m)"
    assert column(db, query, "s") == [at("2024-01-01 00:00"), at("2024-01-01 00:00"), None, at("2024-01-01 00:02")]


def test_session_unsorted_values(db):
    # 00:10 is past the first session's limit; 00:02 comes back below it but stays in the new session.
    query = "datatable(t:datetime)[datetime(2024-01-01 00:00), datetime(2024-01-01 00:10), datetime(2024-01-01 00:02), datetime(2024-01-01 00:19)] | serialize s = row_window_session(t, 9m, 1h)"
    starts = ["00:00", "00:10", "00:10", "00:19"]
    assert column(db, query, "s") == [at(f"2024-01-01 {start}") for start in starts]


def test_session_zero_max_length(db):
    query = "datatable(t:datetime)[datetime(2024-01-01 00:00), datetime(2024-01-01 00:00), datetime(2024-01-01 00:01)] | serialize s = row_window_session(t, 0s, 1h)"
    assert column(db, query, "s") == [at("2024-01-01 00:00"), at("2024-01-01 00:00"), at("2024-01-01 00:01")]


def test_session_many_sessions_in_segment(db):
    query = "range t from datetime(2024-01-01) to datetime(2024-01-01 01:00) step 1m | serialize s = row_window_session(t, 10m, 1h) | summarize dcount(s)"
    assert rows(db, query) == [(7,)]


def test_session_empty_input(db):
    query = "range t from datetime(2024-01-01) to datetime(2023-01-01) step 1d | serialize s = row_window_session(t, 1h, 5m)"
    assert rows(db, query) == []


def test_session_rejects_long_expr(db):
    with pytest.raises(KqlSemanticError):
        db.execute("range a from 1 to 3 step 1 | serialize s = row_window_session(a, 1h, 5m)")


# ---------------------------------------------------------------------------------------
# Serialized input


@pytest.mark.parametrize(
    "query",
    [
        "datatable(a:long)[1, 2] | summarize count() by a | extend rn = row_number()",
        "datatable(a:long)[1, 2] | extend p = prev(a)",
        "datatable(a:long)[1, 2] | order by a | distinct a | extend rn = row_number()",
        "datatable(a:long)[1, 2] | order by a | join (datatable(a:long)[1]) on a | extend rn = row_number()",
        "datatable(a:long)[1, 2] | order by a | mv-expand d = dynamic([1, 2]) | extend rn = row_number()",
        "datatable(a:long)[1, 2] | order by a | count | extend rn = row_number()",
        "datatable(a:long)[1, 2] | where row_cumsum(a) > 1",
        "let T = datatable(a:long)[1, 2] | summarize by a; T | project r = row_rank_dense(a)",
        "print x = toscalar(datatable(a:long)[1] | summarize count() | extend rn = row_number())",
    ],
)
def test_unserialized_input_rejected(db, query):
    with pytest.raises(KqlSemanticError) as raised:
        db.execute(query)
    assert raised.value.code == "KL150"
    assert "not serialized" in raised.value.message
    assert raised.value.hint == "add '| serialize' or '| order by ...' before this operator"


def test_rejection_points_at_call(db):
    query = "datatable(a:long)[1, 2] | summarize count() by a | extend rn = row_number()"
    with pytest.raises(KqlSemanticError) as raised:
        db.execute(query)
    span = raised.value.span
    assert query[span.start : span.end] == "row_number()"


@pytest.mark.parametrize(
    "query",
    [
        "datatable(a:long)[1, 2] | summarize count() by a | serialize | extend rn = row_number()",
        "datatable(a:long)[1, 2] | summarize count() by a | serialize rn = row_number()",
        "datatable(a:long)[1, 2] | top 2 by a | extend rn = row_number()",
        "datatable(a:long)[1, 2] | sort by a | project a | take 5 | where a > 0 | extend rn = row_number()",
        "datatable(a:long)[1, 2] | order by a | project-rename b = a | extend rn = row_number()",
        "datatable(a:long)[1, 2] | order by a | lookup (datatable(a:long, c:long)[1, 3]) on a | extend rn = row_number()",
        "range a from 1 to 2 step 1 | extend rn = row_number()",
        "datatable(a:long)[1, 2] | getschema | extend rn = row_number()",
        "let T = datatable(a:long)[1, 2] | summarize by a | serialize; T | extend rn = row_number()",
        "let T = datatable(a:long)[1, 2] | order by a; T | extend p = prev(a)",
        "datatable(a:long)[1, 2] | order by a | summarize max(row_number())",
    ],
)
def test_serialized_input_accepted(db, query):
    db.execute(query)


def test_window_in_join_right_side_checked_separately(db):
    query = "range a from 1 to 2 step 1 | extend rn = row_number() | join (range a from 1 to 2 step 1 | extend p = prev(a)) on a"
    assert len(rows(db, query)) == 2


def test_prev_on_category_column():
    strings = pd.Series(["a", "b", "a"], dtype="category")
    shifted = call("prev", strings, 1, "none", types=[STRING, LONG, STRING])
    assert list(shifted) == ["none", "a", "b"]
    defaults = pd.Series(["x", "y", "z"])
    shifted = call("next", strings, 1, defaults, types=[STRING, LONG, STRING])
    assert list(shifted) == ["b", "a", "z"]


def session_reference(stamps: list, from_first: int, between: int, restarts: list) -> list:
    """Follow row_window_session's documented rules row by row (nanosecond integers, None for null)."""
    result: list = []
    session = previous = None
    for stamp, restart in zip(stamps, restarts, strict=True):
        if stamp is None:
            result.append(None)
            session = previous = None
            continue
        if session is None or restart or stamp >= session + from_first or stamp >= previous + between:
            session = stamp
        result.append(session)
        previous = stamp
    return result


@pytest.mark.parametrize("trial", range(12))
def test_session_matches_row_by_row_rules(trial):
    rng = np.random.default_rng(trial)
    length = 200
    minutes = rng.integers(0, 600, length)
    if trial % 2:
        minutes = np.sort(minutes)
    stamps = [None if rng.random() < 0.03 else int(value) * 60_000_000_000 for value in minutes]
    restarts = list(rng.random(length) < 0.05)
    from_first, between = int(rng.integers(1, 120)) * 60_000_000_000, int(rng.integers(1, 30)) * 60_000_000_000

    column = pd.Series(pd.array([pd.NaT if s is None else pd.Timestamp(s, unit="ns") for s in stamps], dtype="datetime64[ns]"))
    restart_column = pd.Series(pd.array(restarts, dtype="boolean"))
    result = call(
        "row_window_session",
        column,
        pd.Timedelta(from_first, unit="ns"),
        pd.Timedelta(between, unit="ns"),
        restart_column,
        types=[DATETIME, TIMESPAN, TIMESPAN, BOOL],
    )
    expected = session_reference(stamps, from_first, between, restarts)
    assert [None if pd.isna(value) else value.value for value in result] == expected
