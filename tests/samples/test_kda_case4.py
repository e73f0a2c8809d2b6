"""The generated "Triple trouble" files: shape, manifest figures, planted exfiltration, determinism."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pytest

from benchmarks.baselines.anomalies import decompose_anomalies
from kqlite.samples import kda_case4, kda_case4_lookup

LOG_FILES = ["log_00000.csv.gz", "log_00001.csv.gz", "log_00002.csv.gz"]
METRICS_NAMES = ["Timestamp", "ClientIP", "TargetIP", "BytesSent", "BytesReceived", "NewConnections"]


def read_csv(path: Path, names: list[str]) -> pa.Table:
    """Read a headerless file with every column as text (the typed reading is not under test)."""
    options = pa_csv.ReadOptions(column_names=names)
    convert = pa_csv.ConvertOptions(column_types={name: pa.string() for name in names})
    return pa_csv.read_csv(path, read_options=options, convert_options=convert)


def read_metrics(folder: Path) -> pa.Table:
    return pa.concat_tables([read_csv(folder / name, METRICS_NAMES) for name in LOG_FILES])


def ipv4_values(text: np.ndarray) -> np.ndarray:
    octets = np.array([part.split("/")[0].split(".") for part in text], dtype=np.int64)
    return (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]


def lookup_ranges(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (first address, last address, Info) of every lookup row, sorted by first address."""
    table = read_csv(folder / "ip-lookup.csv.gz", ["IpCidr", "Info"])
    cidr = np.array(table["IpCidr"].to_pylist())
    prefix = np.array([int(text.split("/")[1]) for text in cidr])
    first = ipv4_values(cidr)
    order = np.argsort(first)
    size = np.left_shift(1, 32 - prefix)
    return first[order], (first + size - 1)[order], np.array(table["Info"].to_pylist())[order]


def company_matrix(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return (companies, company x day sum(BytesSent)) as the case's anomaly query builds them."""
    metrics = read_metrics(folder)
    first, last, info = lookup_ranges(folder)
    clients, client_row = np.unique(np.array(metrics["ClientIP"].to_pylist()), return_inverse=True)
    position = np.searchsorted(first, ipv4_values(clients), side="right") - 1
    companies, company_of_client = np.unique(info[position], return_inverse=True)
    day = np.array([int(text[8:10]) - 1 for text in metrics["Timestamp"].to_pylist()])
    sent = np.array(metrics["BytesSent"].to_pylist(), dtype=np.int64)
    matrix = np.zeros((len(companies), 30), dtype=np.int64)
    np.add.at(matrix, (company_of_client[client_row], day), sent)
    return companies, matrix


def test_files_have_expected_columns(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, _manifest = small_case
    lookup = pa_csv.read_csv(folder / "ip-lookup.csv.gz", pa_csv.ReadOptions(autogenerate_column_names=True))
    assert lookup.num_columns == 2
    for name in LOG_FILES:
        table = pa_csv.read_csv(folder / name, pa_csv.ReadOptions(autogenerate_column_names=True))
        assert table.num_columns == 6


def test_files_have_no_header_row(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, _manifest = small_case
    with gzip.open(folder / "log_00000.csv.gz", "rt") as stream:
        first_line = stream.readline()
    assert re.fullmatch(r"2023-06-01T00:00:00Z,[0-9.]+,178\.248\.55\.\d+,\d+,\d+,\d+\n", first_line)
    with gzip.open(folder / "ip-lookup.csv.gz", "rt") as stream:
        assert re.fullmatch(r"[0-9.]+/\d+,[A-Z.-]+\n", stream.readline())


def test_timestamps_are_minutes_of_june(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, _manifest = small_case
    stamps = np.array(read_metrics(folder)["Timestamp"].to_pylist())
    assert all(re.fullmatch(r"2023-06-(0[1-9]|[12]\d|30)T\d\d:\d\d:00Z", text) for text in stamps[::97])
    assert min(stamps) == "2023-06-01T00:00:00Z"
    assert max(stamps).startswith("2023-06-30T")


def test_manifest_counts_match_files(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    lookup = read_csv(folder / "ip-lookup.csv.gz", ["IpCidr", "Info"])
    metrics = read_metrics(folder)
    assert manifest["IpInfo"]["rows"] == lookup.num_rows
    assert manifest["IpInfo"]["distinct_info"] == len(pc.unique(lookup["Info"]))
    assert manifest["NetworkMetrics"]["rows"] == metrics.num_rows
    assert manifest["NetworkMetrics"]["distinct_client_ip"] == len(pc.unique(metrics["ClientIP"]))
    assert manifest["NetworkMetrics"]["duration_days"] == 29
    for name in LOG_FILES:
        assert manifest["files"][name]["rows"] == read_csv(folder / name, METRICS_NAMES).num_rows


def test_manifest_daily_sums_match_files(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    _companies, matrix = company_matrix(folder)
    assert [day["bytes_sent"] for day in manifest["daily_bytes_sent"]] == matrix.sum(axis=0).tolist()
    assert manifest["daily_bytes_sent"][28]["day"] == "2023-06-29"


def test_scale_sets_row_counts(small_case: tuple[Path, dict[str, Any]]) -> None:
    _folder, manifest = small_case
    assert manifest["NetworkMetrics"]["rows"] == round(44_888_128 * 0.003)
    assert manifest["IpInfo"]["rows"] == round(662_028 * 0.003)
    assert manifest["IpInfo"]["distinct_info"] == round(71_621 * 0.003)
    assert manifest["NetworkMetrics"]["distinct_client_ip"] == round(10_191 * 0.003)


def test_rows_are_distinct_per_minute(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    metrics = read_metrics(folder)
    keys = pc.binary_join_element_wise(metrics["Timestamp"], metrics["ClientIP"], metrics["TargetIP"], ",")
    assert len(pc.unique(keys)) == manifest["NetworkMetrics"]["rows"]


def test_clients_fall_in_one_range(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, _manifest = small_case
    first, last, info = lookup_ranges(folder)
    assert np.all(last[:-1] < first[1:]), "lookup ranges overlap"
    clients = ipv4_values(np.unique(np.array(read_metrics(folder)["ClientIP"].to_pylist())))
    position = np.searchsorted(first, clients, side="right") - 1
    assert np.all(position >= 0)
    assert np.all(clients <= last[position])
    assert "DIGITOWN" not in set(info[position])


def test_lookup_contains_digitown(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, _manifest = small_case
    lookup = read_csv(folder / "ip-lookup.csv.gz", ["IpCidr", "Info"]).to_pylist()
    assert {"IpCidr": "178.248.55.0/24", "Info": "DIGITOWN"} in lookup
    assert [row["Info"] for row in lookup].count("KUANDA.ORG") == 3


def test_targets_are_digitown_hosts(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    targets = read_metrics(folder)["TargetIP"]
    assert all(text.startswith("178.248.55.") for text in pc.unique(targets).to_pylist())
    counts = pc.value_counts(targets).to_pylist()
    busiest = max(counts, key=lambda row: row["counts"])["values"]
    assert busiest == manifest["NetworkMetrics"]["busiest_target"] == "178.248.55.249"


def test_planted_ips_share_one_network(small_case: tuple[Path, dict[str, Any]]) -> None:
    _folder, manifest = small_case
    planted = manifest["planted"]
    network = planted["network"].rsplit(".", 1)[0] + "."
    assert planted["company"] == "KUANDA.ORG"
    assert len(planted["ips"]) == 6
    assert all(ip.startswith(network) for ip in planted["ips"])


def test_planted_ips_quiet_then_burst(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    metrics = read_metrics(folder)
    planted = pc.is_in(metrics["ClientIP"], pa.array(manifest["planted"]["ips"]))
    days = sorted({text[:10] for text in pc.filter(metrics["Timestamp"], planted).to_pylist()})
    assert days[-1] == "2023-06-30"
    assert days[0] == manifest["planted"]["first_active_day"] <= "2023-06-09"
    daily = manifest["planted"]["daily_bytes_sent"]
    assert daily[28] == manifest["planted"]["burst_bytes_sent"]
    assert daily[28] > 20 * max(daily[:28])


def test_short_lived_ip_active_under_a_day(small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    metrics = read_metrics(folder)
    mine = pc.filter(metrics["Timestamp"], pc.equal(metrics["ClientIP"], manifest["planted"]["short_lived_ip"]))
    stamps = np.array([text.rstrip("Z") for text in mine.to_pylist()], dtype="datetime64[s]")
    assert len(stamps) > 0
    assert stamps.max() - stamps.min() < np.timedelta64(1, "D")
    assert str(stamps.min())[:10] == manifest["planted"]["short_lived_day"]


@pytest.mark.parametrize("seasonality", [-1, 0, 7])
def test_planted_company_ranks_first(small_case: tuple[Path, dict[str, Any]], seasonality: int) -> None:
    folder, _manifest = small_case
    companies, matrix = company_matrix(folder)
    _flags, scores, _baseline = decompose_anomalies(matrix, seasonality)
    best = np.argsort(-scores.ravel())
    first_company, first_day = np.divmod(best[0], 30)
    runner_up = scores.ravel()[best[1]]
    assert companies[first_company] == "KUANDA.ORG"
    assert first_day == 28
    assert scores.ravel()[best[0]] > 3 * runner_up


@pytest.mark.parametrize("seasonality", [-1, 0, 7])
def test_whole_table_rises_on_burst_day(small_case: tuple[Path, dict[str, Any]], seasonality: int) -> None:
    _folder, manifest = small_case
    daily = np.array([[day["bytes_sent"] for day in manifest["daily_bytes_sent"]]])
    flags, scores, _baseline = decompose_anomalies(daily, seasonality)
    ranked = np.sort(scores[0])
    assert flags[0, 28] == 1
    assert scores[0, 28] == ranked[-1]
    assert ranked[-1] > 2 * ranked[-2]


def test_tiny_scale_keeps_answer(tmp_path: Path) -> None:
    manifest = kda_case4.generate(tmp_path, scale=0.001, seed=1)
    companies, matrix = company_matrix(tmp_path)
    _flags, scores, _baseline = decompose_anomalies(matrix)
    first_company, first_day = np.divmod(int(np.argmax(scores)), 30)
    assert len(companies) >= 5
    assert companies[first_company] == manifest["planted"]["company"] == "KUANDA.ORG"
    assert first_day == 28


def test_same_seed_same_bytes(tmp_path: Path, small_case: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = small_case
    again = kda_case4.generate(tmp_path, scale=0.003, seed=7)
    assert again == manifest
    for name in ["ip-lookup.csv.gz", *LOG_FILES]:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes()


def test_other_seed_other_data(tmp_path: Path, small_case: tuple[Path, dict[str, Any]]) -> None:
    _folder, manifest = small_case
    other = kda_case4.generate(tmp_path, scale=0.003, seed=8)
    assert other["planted"]["ips"] != manifest["planted"]["ips"]
    assert other["daily_bytes_sent"] != manifest["daily_bytes_sent"]


def test_full_scale_lookup_figures() -> None:
    table = kda_case4_lookup.build_ip_lookup(np.random.default_rng(0), 1.0)
    assert len(table.starts) == 662_028
    assert len(table.names) == len(set(table.names)) == 71_621
    assert len(np.unique(table.info)) == 71_621
    ends = table.starts + np.left_shift(1, 32 - table.prefixes)
    assert np.all(ends[:-1] <= table.starts[1:])
    assert {16, 21, 24, 29} <= set(table.prefixes.tolist())


@pytest.mark.parametrize("scale", [0, -1.0, float("nan")])
def test_invalid_scale_rejected(tmp_path: Path, scale: float) -> None:
    with pytest.raises(ValueError, match="scale must be a positive number"):
        kda_case4.generate(tmp_path, scale=scale)
