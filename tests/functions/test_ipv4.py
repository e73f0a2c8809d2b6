"""The IPv4 functions and the shared parser, checked against Kusto's documented examples."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import kqlite.functions.ipv4  # noqa: F401  (registers the functions)
from kqlite.functions.registry import SCALARS, CallContext
from kqlite.ipv4 import format_ipv4_text, parse_ipv4_numbers, parse_ipv4_text
from kqlite.types import DYNAMIC, LONG, REAL, STRING, KqlType


def call(name: str, *arguments: Any, types: list[KqlType]) -> Any:
    function = SCALARS[name]
    length = next((len(argument) for argument in arguments if isinstance(argument, pd.Series)), 1)
    context = CallContext(
        length=length, arg_types=tuple(types), result_type=function.result_type(types), now=pd.Timestamp("2024-01-01")
    )
    return function.implementation(context, *arguments)


def values(result: pd.Series) -> list[object]:
    return [None if value is pd.NA else value for value in result]


def test_parser_masks_host_bits_and_rejects_invalid_text() -> None:
    parsed = parse_ipv4_text(pd.Series(["192.168.1.1", "192.168.1.1/24", "255.255.255.255/31", "0.0.0.0/0"]))
    assert parsed.address.tolist() == [3232235777, 3232235776, 4294967294, 0]
    assert parsed.prefix.tolist() == [32, 24, 31, 0]
    assert parsed.valid.all()

    invalid = parse_ipv4_text(pd.Series(["", "1.2.3", "1.2.3.256", "1.2.3.4/33", " 1.2.3.4", "a.b.c.d", "1.2.3.4/"]))
    assert not invalid.valid.any()


def test_parser_reads_categories_objects_and_constants() -> None:
    categorical = parse_ipv4_text(pd.Series(["10.0.0.1", "bad", "10.0.0.1"], dtype="category"))
    assert categorical.valid.tolist() == [True, False, True]
    assert categorical.address[0] == 167772161
    objects = parse_ipv4_text(pd.Series(["10.0.0.1", None, 5], dtype=object))
    assert objects.valid.tolist() == [True, False, False]
    assert parse_ipv4_text("10.0.0.1/8").address.tolist() == [167772160]
    assert parse_ipv4_text(None).valid.tolist() == [False]


def test_parser_range_end() -> None:
    parsed = parse_ipv4_text(["192.168.1.0/24", "10.0.0.1"])
    assert parsed.last_address.tolist() == [3232236031, 167772161]


def test_numbers_and_formatting() -> None:
    numbers = parse_ipv4_numbers([3232236031, -1, 2**32, None])
    assert numbers.valid.tolist() == [True, False, False, False]
    text = format_ipv4_text(np.array([3232236031, 0]), np.array([True, False]), np.array([32, 32]))
    assert text.tolist() == ["192.168.1.255/32", ""]


def test_parse_ipv4_documented_example() -> None:
    result = call("parse_ipv4", pd.Series(["192.168.1.1", "192.168.1.1/24", "255.255.255.255/31", "x"]), types=[STRING])
    assert values(result) == [3232235777, 3232235776, 4294967294, None]
    assert result.dtype == "Int64"


def test_parse_ipv4_constant_stays_constant() -> None:
    assert call("parse_ipv4", "192.168.1.1/24", types=[STRING]) == 3232235776
    assert call("parse_ipv4", "", types=[STRING]) is None


def test_parse_ipv4_mask_documented_example() -> None:
    assert call("parse_ipv4_mask", "127.0.0.1", 24, types=[STRING, LONG]) == 2130706432
    assert call("parse_ipv4_mask", "127.0.0.1", 40, types=[STRING, LONG]) is None
    assert call("parse_ipv4_mask", "127.0.0.1", None, types=[STRING, LONG]) is None


def test_ipv4_is_in_range_documented_example() -> None:
    result = call(
        "ipv4_is_in_range",
        pd.Series(["192.168.1.1", "192.168.1.1", "10.0.0.1", "bad"]),
        pd.Series(["192.168.1.1", "192.168.1.255/24", "192.168.1.0/24", "10.0.0.0/8"]),
        types=[STRING, STRING],
    )
    assert values(result) == [True, True, False, None]


def test_ipv4_is_match_documented_examples() -> None:
    first = pd.Series(["192.168.1.0", "192.168.1.1/24", "192.168.1.1", "192.168.1.1/30"])
    second = pd.Series(["192.168.1.0", "192.168.1.255", "192.168.1.255/24", "192.168.1.255/24"])
    assert values(call("ipv4_is_match", first, second, types=[STRING, STRING])) == [True, True, True, True]

    first = pd.Series(["192.168.1.1", "192.168.1.1/24", "192.168.1.1"])
    second = pd.Series(["192.168.1.0", "192.168.1.255", "192.168.1.255"])
    prefix = pd.Series(pd.array([31, 31, 24], dtype="Int64"))
    assert values(call("ipv4_is_match", first, second, prefix, types=[STRING, STRING, LONG])) == [True, True, True]
    assert call("ipv4_is_match", "192.168.1.1", "192.168.1.255", types=[STRING, STRING]) is False


def test_ipv4_compare_documented_examples() -> None:
    assert call("ipv4_compare", "127.0.0.1", "127.0.0.1", types=[STRING, STRING]) == 0
    assert call("ipv4_compare", "192.168.1.1", "192.168.1.255", types=[STRING, STRING]) == -1
    assert call("ipv4_compare", "192.168.1.255", "192.168.1.1", types=[STRING, STRING]) == 1
    assert call("ipv4_compare", "192.168.1.1/24", "192.168.1.255/24", types=[STRING, STRING]) == 0
    assert call("ipv4_compare", "192.168.1.1", "192.168.1.255", 24, types=[STRING, STRING, LONG]) == 0
    assert call("ipv4_compare", "x", "192.168.1.255", types=[STRING, STRING]) is None


def test_ipv4_is_private_documented_example() -> None:
    result = call("ipv4_is_private", pd.Series(["10.1.2.3", "192.168.1.1/24", "127.0.0.1", "202.1.2.3", ""]), types=[STRING])
    assert values(result) == [True, True, False, False, None]
    assert call("ipv4_is_private", "172.31.255.255", types=[STRING]) is True
    assert call("ipv4_is_private", "172.32.0.0", types=[STRING]) is False


def test_ipv4_is_in_any_range_documented_examples() -> None:
    ranges = ["192.168.1.1/24", "10.0.0.1/8", "127.1.0.1/16"]
    assert call("ipv4_is_in_any_range", "192.168.1.6", *ranges, types=[STRING] * 4) is True
    assert call("ipv4_is_in_any_range", "127.0.0.1", ["127.0.0.1", "192.168.1.1"], types=[STRING, DYNAMIC]) is True

    addresses = pd.Series(["10.1.2.3", "192.168.1.5", "123.1.11.21", "1.1.1.1"])
    local = ["192.168.1.1/16", "127.0.0.1/8", "10.0.0.1/8"]
    assert values(call("ipv4_is_in_any_range", addresses, local, types=[STRING, DYNAMIC])) == [True, True, False, False]


def test_ipv4_is_in_any_range_per_row_arrays() -> None:
    addresses = pd.Series(["10.1.2.3", "192.168.1.5", "1.1.1.1", "bad"])
    per_row = pd.Series([["10.0.0.0/8"], [], None, ["1.0.0.0/8"]], dtype=object)
    assert values(call("ipv4_is_in_any_range", addresses, per_row, types=[STRING, DYNAMIC])) == [True, False, False, None]


def test_format_ipv4_documented_example() -> None:
    address = pd.Series(["192.168.1.1", "192.168.1.1", "192.168.1.1/24", "192.168.1.1/24"])
    mask = pd.Series(pd.array([24, 32, 32, -1], dtype="Int64"))
    assert call("format_ipv4", address, mask, types=[STRING, LONG]).tolist() == [
        "192.168.1.0",
        "192.168.1.1",
        "192.168.1.0",
        "",
    ]
    assert call("format_ipv4_mask", address, mask, types=[STRING, LONG]).tolist() == [
        "192.168.1.0/24",
        "192.168.1.1/32",
        "192.168.1.0/24",
        "",
    ]


def test_format_ipv4_from_numbers() -> None:
    assert call("format_ipv4", 3232236031, 24, types=[LONG, LONG]) == "192.168.1.0"
    assert call("format_ipv4_mask", 3232236031, 24, types=[LONG, LONG]) == "192.168.1.0/24"
    assert call("format_ipv4", "192.168.1.255", types=[STRING]) == "192.168.1.255"
    assert call("format_ipv4", -5, types=[LONG]) == ""


def test_ipv4_netmask_suffix() -> None:
    assert call("ipv4_netmask_suffix", "192.168.1.1/24", types=[STRING]) == 24
    assert call("ipv4_netmask_suffix", "192.168.1.1", types=[STRING]) == 32


def test_constant_arguments_broadcast_against_columns() -> None:
    result = call("ipv4_is_in_range", pd.Series(["10.0.0.1", "11.0.0.1"]), "10.0.0.0/8", types=[STRING, STRING])
    assert values(result) == [True, False]


@pytest.mark.parametrize("name", ["parse_ipv4", "ipv4_is_private", "ipv4_netmask_suffix"])
def test_empty_column(name: str) -> None:
    assert len(call(name, pd.Series([], dtype="str"), types=[STRING])) == 0


IPV4_FUNCTIONS = sorted(
    name for name, entry in SCALARS.items() if entry.implementation.__module__ == "kqlite.functions.ipv4"
)


@pytest.mark.parametrize("name", IPV4_FUNCTIONS)
def test_docstring_example_runs(name: str) -> None:
    import kqlite

    example = SCALARS[name].doc.split("Example: ", 1)[1]
    query, expected_text = (part.strip() for part in example.split("→"))
    value = kqlite.connect().execute(query).frame.iloc[0, 0]
    expected = {"true": True, "false": False}.get(expected_text, expected_text)
    if isinstance(expected, str) and expected.startswith('"'):
        expected = expected.strip('"')
    elif isinstance(expected, str):
        expected = int(expected)
    assert value == expected


def test_format_ipv4_mask_real_prefix() -> None:
    # The binder lets a real prefix through: it is truncated, and a non-finite one is invalid.
    assert call("format_ipv4_mask", "1.2.3.4", 24.7, types=[STRING, REAL]) == "1.2.3.0/24"
    assert call("format_ipv4_mask", "1.2.3.4", float("-inf"), types=[STRING, REAL]) == ""
    assert call("format_ipv4", "1.2.3.4", float("nan"), types=[STRING, REAL]) == ""


def test_parse_ipv4_empty_dynamic_array_null() -> None:
    assert call("parse_ipv4", [], types=[DYNAMIC]) is None
