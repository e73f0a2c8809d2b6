"""top-nested: the documented examples, naming, with others, nulls, ties, limits and errors."""

from __future__ import annotations

from datetime import datetime, timezone
import pytest

import kqlite
from kqlite.cli.repl_explain import explain
from kqlite.errors import KqlSemanticError
from kqlite.optimizer import optimize
from kqlite.semantics import bound as b
from kqlite.semantics.binder import Binder
from kqlite.syntax.parser import parse
from kqlite.types import LONG, STRING


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def run(query: str) -> kqlite.Result:
    return kqlite.connect().execute(query)


def semantic_error(query: str) -> KqlSemanticError:
    with pytest.raises(KqlSemanticError) as caught:
        run(query)
    return caught.value


# A StormEvents extract whose totals reproduce the documented output of the first example.
STORM_EVENTS = """let StormEvents = datatable(State: string, EventType: string, EndLocation: string, DamageProperty: long)
[
    "CALIFORNIA", "Wildfire", "", 1000000000,
    "CALIFORNIA", "Wildfire", "", 326315000,
    "CALIFORNIA", "HighWind", "", 61320000,
    "CALIFORNIA", "DebrisFlow", "", 48000000,
    "CALIFORNIA", "Flood", "SACRAMENTO", 10302600,
    "OKLAHOMA", "IceStorm", "", 826000000,
    "OKLAHOMA", "WinterStorm", "", 40027000,
    "OKLAHOMA", "Flood", "COMMERCE", 20000000,
    "OKLAHOMA", "Flood", "", 1485000,
    "OKLAHOMA", "Hail", "TULSA", 13979150,
    "OKLAHOMA", "Tornado", "NORMAN", 13979150,
    "TEXAS", "Hail", "AMARILLO", 500000000,
];
"""

# Rows of the two-level `with others` cases: K totals 15, T 13, X and Y 1 each.
REGIONS = """let Regions = datatable(State: string, Source: string, EndLocation: string, Lat: real)
[
    "K", "P", "B", 5, "K", "P", "C", 1, "K", "Q", "B", 2, "K", "R", "D", 7,
    "T", "P", "B", 3, "T", "Q", "E", 10, "X", "P", "B", 1, "Y", "P", "B", 1,
];
"""


# ---------------------------------------------------------------------------------------
# The documented examples


def test_doc_top_damaged_states_event_types_end_locations() -> None:
    result = run(
        STORM_EVENTS
        + """StormEvents
| top-nested 2 of State       by sum(DamageProperty),
  top-nested 3 of EventType   by sum(DamageProperty),
  top-nested 1 of EndLocation by sum(DamageProperty)
| project State, EventType, EndLocation, StateTotalDamage = aggregated_State,
  EventTypeTotalDamage = aggregated_EventType, EndLocationDamage = aggregated_EndLocation"""
    )

    assert result.columns == [
        ("State", "string"),
        ("EventType", "string"),
        ("EndLocation", "string"),
        ("StateTotalDamage", "long"),
        ("EventTypeTotalDamage", "long"),
        ("EndLocationDamage", "long"),
    ]
    assert result.rows() == [
        ("CALIFORNIA", "Wildfire", "", 1445937600, 1326315000, 1326315000),
        ("CALIFORNIA", "HighWind", "", 1445937600, 61320000, 61320000),
        ("CALIFORNIA", "DebrisFlow", "", 1445937600, 48000000, 48000000),
        ("OKLAHOMA", "IceStorm", "", 915470300, 826000000, 826000000),
        ("OKLAHOMA", "WinterStorm", "", 915470300, 40027000, 40027000),
        ("OKLAHOMA", "Flood", "COMMERCE", 915470300, 21485000, 20000000),
    ]


def test_doc_top_five_states_with_others() -> None:
    result = run(
        """let StormEvents = datatable(State: string, DamageProperty: long)
["A", 70, "B", 60, "C", 50, "D", 40, "E", 30, "F", 20, "G", 10, "A", 5];
StormEvents
| top-nested 5 of State with others="OtherStates" by sum(DamageProperty)
| render piechart"""
    )

    assert result.columns == [("State", "string"), ("aggregated_State", "long")]
    assert result.rows() == [("A", 75), ("B", 60), ("C", 50), ("D", 40), ("E", 30), ("OtherStates", 30)]
    assert result.visualization is not None and result.visualization["type"] == "piechart"


def test_doc_most_recent_events_per_state() -> None:
    result = run(
        """let StormEvents = datatable(State: string, StartTime: datetime, EndTime: datetime, EpisodeId: long)
[
    "TEXAS", datetime(2007-01-01), datetime(2007-01-02), 1,
    "TEXAS", datetime(2007-03-01), datetime(2007-03-02), 2,
    "TEXAS", datetime(2007-02-01), datetime(2007-02-03), 3,
    "ALASKA", datetime(2007-05-01), datetime(2007-05-01), 4,
    "KANSAS", datetime(2007-04-01), datetime(2007-04-05), 5,
    "KANSAS", datetime(2007-04-01), datetime(2007-04-06), 6,
    "KANSAS", datetime(2007-01-01), datetime(2007-01-01), 7,
];
StormEvents
| top-nested of State by Ignore0=max(1),
  top-nested 2 of StartTime by Ignore1=max(StartTime),
  top-nested of EndTime by Ignore2=max(1),
  top-nested of EpisodeId by Ignore3=max(1)
| project-away Ignore*
| order by State asc, StartTime desc"""
    )

    assert result.columns == [
        ("State", "string"),
        ("StartTime", "datetime"),
        ("EndTime", "datetime"),
        ("EpisodeId", "long"),
    ]
    # KANSAS's two events of 2007-04-01 share one StartTime, so its two most recent
    # StartTime values bring three events.
    assert sorted(result.rows(), key=lambda row: (row[0], -row[1].timestamp(), row[3])) == [
        ("ALASKA", dt("2007-05-01"), dt("2007-05-01"), 4),
        ("KANSAS", dt("2007-04-01"), dt("2007-04-05"), 5),
        ("KANSAS", dt("2007-04-01"), dt("2007-04-06"), 6),
        ("KANSAS", dt("2007-01-01"), dt("2007-01-01"), 7),
        ("TEXAS", dt("2007-03-01"), dt("2007-03-02"), 2),
        ("TEXAS", dt("2007-02-01"), dt("2007-02-03"), 3),
    ]


def test_doc_latest_records_per_identity() -> None:
    result = run(
        """datatable(id: string, timestamp: datetime, otherInformation: string)
[
    "Barak", datetime(2015-01-01), "1",
    "Barak", datetime(2016-01-01), "2",
    "Barak", datetime(2017-01-20), "3",
    "Donald", datetime(2017-01-20), "4",
    "Donald", datetime(2017-01-18), "5",
    "Donald", datetime(2017-01-19), "6"
]
| top-nested of id by Ignore0=max(1),
  top-nested 2 of timestamp by Ignore1=max(timestamp),
  top-nested of otherInformation by Ignore2=max(1)
| project-away Ignore0, Ignore1, Ignore2"""
    )

    assert result.columns == [("id", "string"), ("timestamp", "datetime"), ("otherInformation", "string")]
    # The documentation lists the same four rows in another order; kqlite returns tree order.
    assert result.rows() == [
        ("Barak", dt("2017-01-20"), "3"),
        ("Barak", dt("2016-01-01"), "2"),
        ("Donald", dt("2017-01-20"), "4"),
        ("Donald", dt("2017-01-19"), "6"),
    ]


# ---------------------------------------------------------------------------------------
# Column names


def test_default_and_written_names() -> None:
    result = run(
        "datatable(a: string, x: long)['p', 1] "
        "| top-nested of Key = a by sum(x), top-nested of bin(x, 10) by Total = count(), top-nested of a by max(x)"
    )

    assert result.columns == [
        ("Key", "string"),
        ("aggregated_Key", "long"),
        ("x", "long"),
        ("Total", "long"),
        ("a", "string"),
        ("aggregated_a", "long"),
    ]


def test_repeated_names_get_suffixes() -> None:
    result = run("datatable(a: string, x: long)['p', 1] | top-nested of a by a = count(), top-nested of a by count()")

    assert [name for name, _ in result.columns] == ["a", "a1", "a2", "aggregated_a2"]


def test_key_without_derived_name() -> None:
    result = run("datatable(a: string, b: string)['p', 'q'] | top-nested of strcat(a, b) by count()")

    assert result.columns == [("Column1", "string"), ("aggregated_Column1", "long")]
    assert result.rows() == [("pq", 1)]


# ---------------------------------------------------------------------------------------
# Selection, order, ties and nulls


def test_keeps_largest_per_parent() -> None:
    result = run(
        REGIONS + "Regions | top-nested 2 of State by sum(Lat), top-nested 1 of Source by sum(Lat)"
    )

    assert result.rows() == [("K", 15.0, "R", 7.0), ("T", 13.0, "Q", 10.0)]


def test_ascending_keeps_smallest() -> None:
    result = run(REGIONS + "Regions | top-nested 2 of State by sum(Lat) asc, top-nested 1 of Source by count() asc")

    # X and Y tie at 1: the one that appears first wins, in both the order and the cut.
    assert result.rows() == [("X", 1.0, "P", 1), ("Y", 1.0, "P", 1)]


def test_count_larger_than_groups() -> None:
    result = run(REGIONS + "Regions | top-nested 100 of State by count()")

    assert result.rows() == [("K", 4), ("T", 2), ("X", 1), ("Y", 1)]


def test_count_zero_and_negative() -> None:
    assert run(REGIONS + "Regions | top-nested 0 of State by count()").rows() == []
    assert run(REGIONS + "Regions | top-nested -3 of State by count()").rows() == []


def test_ties_keep_first_appearance() -> None:
    result = run("datatable(k: string)['b', 'a', 'c', 'a', 'b', 'c'] | top-nested 2 of k by count()")

    assert result.rows() == [("b", 2), ("a", 2)]


def test_null_key_is_a_group() -> None:
    result = run("datatable(k: long, x: long)[1, 5, long(null), 7, long(null), 1, 2, 3] | top-nested of k by sum(x)")

    assert result.rows() == [(None, 8), (1, 5), (2, 3)]


def test_null_aggregation_ranks_last_descending() -> None:
    query = "datatable(k: string, x: long)['a', long(null), 'b', 2, 'c', 1] | top-nested 2 of k by max(x)"

    assert run(query).rows() == [("b", 2), ("c", 1)]


def test_null_aggregation_ranks_first_ascending() -> None:
    query = "datatable(k: string, x: long)['a', long(null), 'b', 2, 'c', 1] | top-nested 2 of k by max(x) asc"

    assert run(query).rows() == [("a", None), ("c", 1)]


def test_empty_input() -> None:
    result = run("datatable(k: string, x: long)[] | top-nested 3 of k with others = 'rest' by sum(x)")

    assert result.columns == [("k", "string"), ("aggregated_k", "long")]
    assert result.rows() == []


def test_aggregation_combinations() -> None:
    result = run(
        "datatable(k: string, x: long)['a', 1, 'a', 3, 'b', 10, 'c', 4, 'c', 4, 'c', 4] "
        "| top-nested of k by sum(x) * 2 - count(), top-nested of k by percentile(x, 50)"
    )

    assert result.rows() == [("c", 21, "c", 4), ("b", 19, "b", 10), ("a", 6, "a", 1)]


def test_three_levels_in_tree_order() -> None:
    result = run(
        "datatable(a: string, b: string, c: string, x: long)"
        "['p', 'u', 'm', 1, 'p', 'u', 'n', 2, 'p', 'v', 'm', 4, 'q', 'u', 'm', 9, 'q', 'w', 'n', 1] "
        "| top-nested of a by sum(x), top-nested 2 of b by sum(x), top-nested of c by sum(x)"
    )

    assert result.rows() == [
        ("q", 10, "u", 9, "m", 9),
        ("q", 10, "w", 1, "n", 1),
        ("p", 7, "v", 4, "m", 4),
        ("p", 7, "u", 3, "n", 2),
        ("p", 7, "u", 3, "m", 1),
    ]


# ---------------------------------------------------------------------------------------
# with others


def test_others_on_first_and_last_level() -> None:
    result = run(
        REGIONS
        + """Regions
| top-nested 2 of State with others = "All Other States" by sum(Lat),
  top-nested 1 of Source by sum(Lat),
  top-nested 1 of EndLocation with others = "All Other End Locations" by sum(Lat)"""
    )

    # Rows a level drops form an others row when that level or one below has `with others`.
    # The levels in between without it are null, and a null string is empty.
    assert result.rows() == [
        ("K", 15.0, "R", 7.0, "D", 7.0),
        ("K", 15.0, "", None, "All Other End Locations", 8.0),
        ("T", 13.0, "Q", 10.0, "E", 10.0),
        ("T", 13.0, "", None, "All Other End Locations", 3.0),
        ("All Other States", 2.0, "", None, "All Other End Locations", 2.0),
    ]


def test_others_on_each_level() -> None:
    result = run(
        REGIONS
        + """Regions
| top-nested 1 of State with others = "rest" by count(),
  top-nested 1 of Source with others = "rest" by sum(Lat)"""
    )

    assert result.rows() == [
        ("K", 4, "R", 7.0),
        ("K", 4, "rest", 8.0),
        ("rest", 4, "rest", 15.0),
    ]


def test_others_with_count_zero() -> None:
    result = run(REGIONS + "Regions | top-nested 0 of State with others = 'all' by sum(Lat)")

    assert result.rows() == [("all", 30.0)]


def test_no_others_row_when_nothing_is_dropped() -> None:
    result = run(REGIONS + "Regions | top-nested 10 of State with others = 'rest' by count()")

    assert result.rows() == [("K", 4), ("T", 2), ("X", 1), ("Y", 1)]


def test_others_value_takes_key_type() -> None:
    numbers = "datatable(k: long)[1, 1, 2, 3] | top-nested 1 of k with others = -1.0 by count()"
    text = "datatable(k: string)['a', 'a', 'b'] | top-nested 1 of k with others = 7 by count()"

    assert run(numbers).rows() == [(1, 2), (-1, 2)]
    assert run(text).rows() == [("a", 2), ("7", 1)]


# ---------------------------------------------------------------------------------------
# Errors


def test_aggregation_must_contain_aggregate() -> None:
    error = semantic_error("datatable(k: string, x: long)[] | top-nested 2 of k by x")

    assert error.code == "KS208"
    assert error.message == "the aggregation of top-nested must contain an aggregate function"


def test_count_must_be_integer() -> None:
    error = semantic_error("datatable(k: string, x: long)[] | top-nested 2.5 of k by count()")

    assert error.code == "KS134"


def test_dynamic_key_rejected() -> None:
    error = semantic_error("datatable(k: dynamic)[] | top-nested 2 of k by count()")

    assert error.code == "KS116"


def test_row_selecting_aggregate_rejected() -> None:
    error = semantic_error("datatable(k: string, x: long, y: long)[] | top-nested 2 of k by arg_max(x, y)")

    assert error.code == "KS208"


def test_output_is_not_serialized() -> None:
    error = semantic_error("datatable(k: string)['a'] | top-nested of k by count() | extend n = row_number()")

    assert error.code == "KL150"


# ---------------------------------------------------------------------------------------
# Plan: column pruning and .explain


def test_prunes_unread_columns() -> None:
    schema = {"T": (("a", STRING), ("b", STRING), ("x", LONG), ("y", LONG))}
    script = Binder(schema.get).bind_script(parse("T | top-nested 2 of a by sum(x)"))

    plan = optimize(script.queries[0])

    assert isinstance(plan, b.TopNestedRows)
    assert plan.input.column_names == ["a", "x"]


def test_stored_table() -> None:
    db = kqlite.connect()
    db.execute(".set T <| datatable(a: string, b: string, x: long)['p', 'z', 1, 'q', 'z', 5, 'p', 'z', 2]")

    assert db.execute("T | top-nested 1 of a by sum(x)").rows() == [("q", 5)]


def test_explain_label() -> None:
    text = explain("datatable(a: string)['p'] | top-nested of a by count()", kqlite.connect())

    assert text.splitlines()[0] == "TopNestedRows [top-nested]"
