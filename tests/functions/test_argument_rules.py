"""The binder's argument rules (`kqlite.semantics.arguments`): types, dynamic shapes, constants."""

from __future__ import annotations

from typing import Any

import pytest

import kqlite
from kqlite.functions.registry import SCALARS
from kqlite.semantics import arguments
from kqlite.semantics import bound as b
from kqlite.types import DECIMAL, DYNAMIC, INT, LONG, REAL, STRING

ALL_TYPES = (
    "datatable(Flag:bool, Small:int, Big:long, Ratio:real, Exact:decimal, Text:string, "
    "Moment:datetime, Span:timespan, Id:guid, Bag:dynamic)"
    "[true, 2, 3, 1.5, decimal(2.5), 'AbC', datetime(2024-01-02 03:04:05), 1h, "
    "guid(00000000-0000-0000-0000-000000000001), dynamic({'x': 4, 't': '2024-01-01'})]"
)


@pytest.fixture(scope="module")
def db() -> Any:
    return kqlite.connect()


def first_row(db: Any, query: str) -> tuple[Any, ...]:
    return db.execute(query).rows()[0]


def rejection(db: Any, query: str) -> str:
    with pytest.raises(kqlite.KqlSemanticError) as raised:
        db.schema_of(query)
    return str(raised.value)


# ------------------------------------------------------------------ dynamic arguments


@pytest.mark.parametrize(
    "call",
    ["abs(Bag.x)", "startofday(Bag.t)", "substring(Text, Bag.x)", "log(dynamic(null))", "datetime_add('day', Bag.x, Moment)"],
)
def test_dynamic_for_non_string_rejected(db: Any, call: str) -> None:
    assert "dynamic" in rejection(db, f"{ALL_TYPES} | project {call}")


def test_dynamic_for_predicate_rejected(db: Any) -> None:
    message = rejection(db, f"{ALL_TYPES} | summarize countif(Bag.flag)")

    assert "KS107" in message


def test_dynamic_for_string_converted(db: Any) -> None:
    row = first_row(db, f"{ALL_TYPES} | project strlen(Bag.x), replace_string(Bag.t, '-', '/')")

    assert row == (1, "2024/01/01")


def test_dynamic_shapes_checked(db: Any) -> None:
    assert "dynamic array" in rejection(db, "print array_length(dynamic({'a': 1}))")
    assert "dynamic bag" in rejection(db, "print bag_keys(pack_array(1))")
    assert "dynamic array" in rejection(db, "print series_less(dynamic(1.5), 42)")
    assert "dynamic" in rejection(db, "print replace_string(dynamic([1]), 'a', 'b')")


def test_dynamic_of_unknown_shape_fits_either(db: Any) -> None:
    row = first_row(db, "print array_length(parse_json('[1, 2]')), bag_keys(parse_json('{\"k\": 1}'))")

    assert row == (2, ["k"])


def test_any_shape_for_strlen(db: Any) -> None:
    assert first_row(db, "print strlen(dynamic([1, 2]))") == (5,)


# ------------------------------------------------------------------ typed values


def test_typed_null_keeps_its_type(db: Any) -> None:
    assert "string" in rejection(db, "print parse_url(long(null))")
    assert first_row(db, "print abs(real(null)), startofday(datetime(null))") == (None, None)


@pytest.mark.parametrize("call", ["substring(Text, Ratio)", "startofday(Moment, Ratio)", "isnan(Exact)", "make_timespan(1, 2, 3.5)"])
def test_fraction_for_integer_rejected(db: Any, call: str) -> None:
    assert "KS141" in rejection(db, f"{ALL_TYPES} | project {call}")


def test_integers_and_decimal_widen(db: Any) -> None:
    row = first_row(db, f"{ALL_TYPES} | project sqrt(Small), bin(Exact, 1), log10(Big * 0 + 100)")

    assert row[0] == pytest.approx(2**0.5)
    assert row[2] == pytest.approx(2.0)


def test_any_type_converted_for_tolower(db: Any) -> None:
    row = first_row(db, f"{ALL_TYPES} | project tolower(Flag), toupper(Text), substring(Big * 100, 1), tolower(dynamic([1]))")

    assert row == ("true", "ABC", "00", "[1]")


def test_guid_and_dynamic_not_orderable(db: Any) -> None:
    assert "guid" in rejection(db, f"{ALL_TYPES} | summarize max(Id)")
    assert "dynamic" in rejection(db, f"{ALL_TYPES} | summarize minif(Bag, true)")
    assert "dynamic" in rejection(db, f"{ALL_TYPES} | project max_of(Bag, Bag)")


def test_toguid_and_todynamic_take_strings(db: Any) -> None:
    assert "string" in rejection(db, "print toguid(-2.25)")
    assert "string" in rejection(db, "print todynamic(now())")
    assert first_row(db, "print todynamic('[1]')") == ([1],)


def test_coalesce_mixing_dynamic_rejected(db: Any) -> None:
    assert "all dynamic or none" in rejection(db, f"{ALL_TYPES} | project coalesce(Text, Bag)")
    assert first_row(db, f"{ALL_TYPES} | project coalesce(Bag.missing, Bag.x)") == (4,)


def test_bag_pack_odd_count_rejected(db: Any) -> None:
    assert "pairs" in rejection(db, "print bag_pack('a', 1, 'b')")


# ------------------------------------------------------------------ constants


def test_conversion_is_constant(db: Any) -> None:
    row = first_row(db, "print extract('(b+)', toint(1), 'abbc'), trim(strcat('x', 'y'), 'xyaxy'), round(2.25, tolong('1'))")

    assert row == ("bb", "a", 2.3)


def test_column_is_not_constant(db: Any) -> None:
    assert "constant" in rejection(db, f"{ALL_TYPES} | project trim(tostring(Text), Text)")
    assert "constant" in rejection(db, f"{ALL_TYPES} | project round(Ratio, Small)")
    assert "constant" in rejection(db, "print trim(tostring(dynamic({'a': 'x'}).a), 'xa')")


def test_percentile_of_conversion(db: Any) -> None:
    result = db.execute("range x from 1 to 10 step 1 | summarize percentiles_array(x, toint(50))")

    assert result.rows() == [([5],)]


def test_fold_constant_evaluates_once() -> None:
    toint = SCALARS["toint"]
    call = b.BoundCall(kql_type=INT, function=toint, args=(b.BoundLiteral(value="7", kql_type=STRING),))

    folded = arguments.fold_constant(call)

    assert isinstance(folded, b.BoundLiteral)
    assert folded.value == 7
    assert folded.kql_type is INT


def test_fold_constant_keeps_volatile_calls() -> None:
    now = b.BoundCall(kql_type=LONG, function=SCALARS["now"], args=())

    assert arguments.fold_constant(now) is now
    assert arguments.is_constant(now)


def test_dynamic_shape_of_literals() -> None:
    assert arguments.dynamic_shape(b.BoundLiteral(value=[1], kql_type=DYNAMIC)) == arguments.ARRAY
    assert arguments.dynamic_shape(b.BoundLiteral(value={"a": 1}, kql_type=DYNAMIC)) == arguments.BAG
    assert arguments.dynamic_shape(b.BoundLiteral(value=1.5, kql_type=DYNAMIC)) == arguments.SCALAR
    assert arguments.dynamic_shape(b.BoundLiteral(value=None, kql_type=DYNAMIC)) is None
    assert arguments.dynamic_shape(b.BoundColumn(kql_type=DYNAMIC, name="Bag")) is None


def test_accepted_numeric_types() -> None:
    assert arguments.accepted_types(("substring", "startingIndex"), (INT, LONG)) == {INT, LONG}
    assert arguments.accepted_types(("log", "number"), (INT, LONG, REAL)) == {INT, LONG, REAL, DECIMAL}
    assert arguments.accepted_types(("isnan", "number"), (INT, LONG, REAL, DECIMAL)) == {INT, LONG, REAL}


# ------------------------------------------------------------------ iff and case


def test_iff_without_common_type_is_dynamic(db: Any) -> None:
    assert [(name, str(kql_type)) for name, kql_type in db.schema_of("print a = iff(true, 1, 'a')")] == [("a", "dynamic")]
    assert first_row(db, "print a = iff(true, 1, 'a'), b = iff(false, 1, 'a'), c = case(false, 1, true, 'z', 2.5)") == (1, "a", "z")


def test_exception_tables_name_real_parameters() -> None:
    tables = [
        arguments.BAG_PARAMETERS,
        arguments.ANY_DYNAMIC_PARAMETERS,
        arguments.CONVERTED_TO_STRING_PARAMETERS,
        arguments.REAL_NOT_DECIMAL_PARAMETERS,
        set(arguments.UNTYPED_EXCLUSIONS),
    ]
    from kqlite.functions.registry import AGGREGATES

    for table in tables:
        for function, parameter in table:
            declaration = SCALARS.get(function) or AGGREGATES[function]
            assert parameter in [param.name for param in declaration.params], (function, parameter)
