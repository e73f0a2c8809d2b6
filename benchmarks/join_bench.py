"""Benchmark the lookup kernel and the ipv4_lookup plugin at the investigation's size.

The case's query ``NetworkMetrics | lookup IpInfoEx on ClientIP`` joins about 45
million rows, whose ``ClientIP`` is a ``category`` column of about 10,000 addresses,
with a 10,000-row table. This script builds data of that shape, times
`lookup_indices` alone and with `take_rows` gathering the output columns, then times
``evaluate ipv4_lookup`` of 10,191 distinct addresses against 662,028 CIDR ranges.
It writes the medians of three runs, wall-clock and CPU seconds, to
``benchmarks/results/join.json`` with the 1-minute load average at the start, because
other processes inflate the wall-clock figures.

Run: ``PYTHONPATH=src python benchmarks/join_bench.py [--rows N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from kqlite.operators.ipv4_lookup import ipv4_lookup
from kqlite.operators.join import lookup_indices, take_rows

RESULTS = Path(__file__).resolve().parent / "results" / "join.json"


def build_inputs(rows: int, addresses: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build a NetworkMetrics-like left side and an IpInfoEx-like right side."""
    rng = np.random.default_rng(0)
    names = [f"10.{number // 65536}.{number // 256 % 256}.{number % 256}" for number in range(addresses)]
    client = pd.Categorical.from_codes(rng.integers(0, addresses, rows).astype(np.int16), categories=names)
    left = pd.DataFrame(
        {
            "ClientIP": client,
            "BytesSent": pd.array(rng.integers(0, 10**6, rows), dtype="Int64"),
        }
    )
    right = pd.DataFrame(
        {
            "ClientIP": pd.Series(names, dtype="str"),
            "IpCidr": pd.Series([f"{name}/32" for name in names], dtype="str"),
            "Info": pd.Series([f"NET-{number % 700}" for number in range(addresses)], dtype="str"),
        }
    )
    return left, right


def build_ranges(addresses: int, ranges: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build distinct client addresses and a table of random CIDR ranges (/16 to /28)."""
    rng = np.random.default_rng(1)

    def dotted(numbers: np.ndarray) -> list[str]:
        return [f"{n >> 24 & 255}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in numbers.tolist()]

    starts = dotted(rng.integers(0, 2**32, ranges))
    prefixes = rng.choice([16, 21, 24, 28], ranges).tolist()
    table = pd.DataFrame(
        {
            "IpCidr": pd.Series([f"{start}/{prefix}" for start, prefix in zip(starts, prefixes)], dtype="str"),
            "Info": pd.Series([f"NET-{number % 71_621}" for number in range(ranges)], dtype="str"),
        }
    )
    clients = pd.DataFrame({"ClientIP": pd.Series(dotted(rng.integers(0, 2**32, addresses)), dtype="str")})
    return clients, table


def median_seconds(action: Callable[[], object], repeats: int = 3) -> tuple[float, float]:
    """Return the median wall-clock and CPU seconds of `repeats` runs of `action`."""
    wall, cpu = [], []
    for _ in range(repeats):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - wall_start)
        cpu.append(time.process_time() - cpu_start)
    return round(statistics.median(wall), 3), round(statistics.median(cpu), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=45_000_000, help="rows of the left side (default 45,000,000)")
    parser.add_argument("--addresses", type=int, default=10_000, help="rows of the right side (default 10,000)")
    arguments = parser.parse_args()

    load_average = os.getloadavg()[0]
    left, right = build_inputs(arguments.rows, arguments.addresses)
    clients, cidr_table = build_ranges(10_191, 662_028)

    def indices() -> tuple[np.ndarray, np.ndarray]:
        return lookup_indices([left["ClientIP"]], [right["ClientIP"]])

    def full_lookup() -> pd.DataFrame:
        left_positions, right_positions = indices()
        return pd.concat(
            [take_rows(left, left_positions), take_rows(right[["IpCidr", "Info"]], right_positions)], axis=1
        )

    def cidr_lookup() -> pd.DataFrame:
        return ipv4_lookup(clients, cidr_table, "ClientIP", "IpCidr", [], False)

    result = {
        "benchmark": "lookup on a category key",
        "left_rows": arguments.rows,
        "right_rows": arguments.addresses,
        "lookup_indices_seconds": median_seconds(indices),
        "lookup_with_take_rows_seconds": median_seconds(full_lookup),
        "ipv4_lookup_addresses": len(clients),
        "ipv4_lookup_ranges": len(cidr_table),
        "ipv4_lookup_seconds": median_seconds(cidr_lookup),
        "load_average_1min_at_start": round(load_average, 2),
        "repeats": 3,
        "statistic": "median of [wall-clock, CPU] seconds",
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
