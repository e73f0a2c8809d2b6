"""The ipv4_lookup plugin: schema, the documented examples, overlapping ranges and unmatched rows."""

from __future__ import annotations

import ipaddress

import numpy as np
import pandas as pd
import pytest

import kqlite.functions.ipv4  # noqa: F401  (registers the plugin)
from kqlite.errors import KqlSemanticError
from kqlite.functions.registry import PLUGINS
from kqlite.operators.ipv4_lookup import ipv4_lookup, ipv4_lookup_indices, ipv4_lookup_schema
from kqlite.types import LONG, STRING


def strings(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


IP_DATA = pd.DataFrame(
    {
        "network": strings("111.68.128.0/17", "5.8.0.0/19", "223.255.254.0/24", "46.36.200.51/32", "2.20.183.0/24"),
        "continent_code": strings("AS", "EU", "AS", "OC", "EU"),
        "continent_name": strings("Asia", "Europe", "Asia", "Oceania", "Europe"),
        "country_iso_code": strings("JP", "RU", "SG", "CK", "GB"),
        "country_name": strings("Japan", "Russia", "Singapore", "Cook Islands", "United Kingdom"),
    }
)
IP_DATA_COLUMNS = tuple((name, STRING) for name in IP_DATA.columns)


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_plugin_is_registered() -> None:
    entry = PLUGINS["ipv4_lookup"]
    assert entry.run is ipv4_lookup
    assert entry.schema is ipv4_lookup_schema


def test_matching_rows_only_documented_example() -> None:
    ips = pd.DataFrame({"ip": strings("2.20.183.12", "5.8.1.2", "192.165.12.17")})
    schema = ipv4_lookup_schema((("ip", STRING),), IP_DATA_COLUMNS, "ip", "network", [], False)
    result = ipv4_lookup(ips, IP_DATA, "ip", "network", [], False)
    assert [name for name, _ in schema] == list(result.columns)
    assert list(result.columns) == ["ip", "network", "continent_code", "continent_name", "country_iso_code", "country_name"]
    assert rows(result) == [
        ("2.20.183.12", "2.20.183.0/24", "EU", "Europe", "GB", "United Kingdom"),
        ("5.8.1.2", "5.8.0.0/19", "EU", "Europe", "RU", "Russia"),
    ]


def test_return_unmatched_documented_example() -> None:
    ips = pd.DataFrame({"ip": strings("2.20.183.12", "5.8.1.2", "192.165.12.17")})
    result = ipv4_lookup(ips, IP_DATA, "ip", "network", [], True)
    assert rows(result)[2] == ("192.165.12.17", "", "", "", "", "")
    assert len(result) == 3


def test_extra_keys_documented_example() -> None:
    ips = pd.DataFrame(
        {
            "ip": strings("2.20.183.12", "5.8.1.2", "192.165.12.17"),
            "continent_name": strings("Europe", "Europe", "Europe"),
            "country_iso_code": strings("GB", "RU", ""),
        }
    )
    extra = ["continent_name", "country_iso_code"]
    schema = ipv4_lookup_schema(tuple((name, STRING) for name in ips.columns), IP_DATA_COLUMNS, "ip", "network", extra, False)
    result = ipv4_lookup(ips, IP_DATA, "ip", "network", extra, False)
    expected_names = ["ip", "continent_name", "country_iso_code", "network", "continent_code", "country_name"]
    assert [name for name, _ in schema] == expected_names
    assert list(result.columns) == expected_names
    assert rows(result) == [
        ("2.20.183.12", "Europe", "GB", "2.20.183.0/24", "EU", "United Kingdom"),
        ("5.8.1.2", "Europe", "RU", "5.8.0.0/19", "EU", "Russia"),
    ]


def test_extra_key_mismatch_drops_pair() -> None:
    ips = pd.DataFrame({"ip": strings("2.20.183.12"), "country_iso_code": strings("FR")})
    result = ipv4_lookup(ips, IP_DATA, "ip", "network", ["country_iso_code"], False)
    assert len(result) == 0


def test_overlapping_ranges_all_match() -> None:
    ranges = pd.DataFrame({"r": strings("10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "bad", "10.2.0.0/16")})
    ips = pd.DataFrame({"ip": strings("10.1.2.3", "10.1.0.0/16", "x", "11.0.0.1")})
    result = ipv4_lookup(ips, ranges, "ip", "r", [], True)
    assert rows(result) == [
        ("10.1.2.3", "10.0.0.0/8"),
        ("10.1.2.3", "10.1.0.0/16"),
        ("10.1.2.3", "10.1.2.0/24"),
        ("10.1.2.3", "10.1.2.3"),
        ("10.1.0.0/16", "10.0.0.0/8"),
        ("10.1.0.0/16", "10.1.0.0/16"),
        ("10.1.0.0/16", "10.1.2.0/24"),
        ("10.1.0.0/16", "10.1.2.3"),
        ("x", ""),
        ("11.0.0.1", ""),
    ]


def test_name_clash_gets_suffix() -> None:
    ips = pd.DataFrame({"network": strings("5.8.1.2")})
    schema = ipv4_lookup_schema((("network", STRING),), IP_DATA_COLUMNS, "network", "network", [], False)
    result = ipv4_lookup(ips, IP_DATA, "network", "network", [], False)
    assert [name for name, _ in schema][:3] == ["network", "network1", "continent_code"]
    assert list(result.columns)[:2] == ["network", "network1"]


def test_schema_rejects_bad_keys() -> None:
    with pytest.raises(KqlSemanticError):
        ipv4_lookup_schema((("ip", LONG),), IP_DATA_COLUMNS, "ip", "network", [], False)
    with pytest.raises(KqlSemanticError):
        ipv4_lookup_schema((("ip", STRING),), IP_DATA_COLUMNS, "ip", "missing", [], False)
    with pytest.raises(KqlSemanticError):
        ipv4_lookup_schema((("ip", STRING),), IP_DATA_COLUMNS, "ip", "network", ["country_name"], False)


def test_empty_inputs() -> None:
    no_ips = pd.DataFrame({"ip": strings()})
    assert len(ipv4_lookup(no_ips, IP_DATA, "ip", "network", [], True)) == 0
    ips = pd.DataFrame({"ip": strings("1.2.3.4")})
    result = ipv4_lookup(ips, IP_DATA.iloc[:0], "ip", "network", [], True)
    assert rows(result) == [("1.2.3.4", "", "", "", "", "")]


def test_category_addresses_repeat_matches_per_row() -> None:
    addresses = pd.Series(["5.8.1.2", "2.20.183.12", "5.8.1.2", "9.9.9.9"], dtype="category")
    input_rows, lookup_rows = ipv4_lookup_indices(addresses, IP_DATA["network"])
    assert input_rows.tolist() == [0, 1, 2]
    assert lookup_rows.tolist() == [1, 4, 1]


def test_matches_slow_reference_on_random_ranges() -> None:
    rng = np.random.default_rng(3)
    prefixes = rng.choice([8, 12, 16, 20, 24, 32], 300)
    bases = rng.integers(0, 2**8, 300) << 24 | rng.integers(0, 2**24, 300)
    ranges = strings(*(f"{ipaddress.IPv4Address(int(b))}/{p}" for b, p in zip(bases, prefixes)))
    offsets = rng.integers(0, 300, 200)
    points = strings(*(str(ipaddress.IPv4Address(min(int(b) + int(o), 2**32 - 1))) for b, o in zip(rng.choice(bases, 200), offsets)))

    networks = [ipaddress.IPv4Network(text, strict=False) for text in ranges]
    expected = [
        (row, column)
        for row, point in enumerate(points)
        for column, network in enumerate(networks)
        if ipaddress.IPv4Address(point) in network
    ]
    input_rows, lookup_rows = ipv4_lookup_indices(points, ranges)
    assert list(zip(input_rows.tolist(), lookup_rows.tolist())) == expected
