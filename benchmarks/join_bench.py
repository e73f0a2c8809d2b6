"""Benchmark the lookup kernel at the investigation's size.

The case's query ``NetworkMetrics | lookup IpInfoEx on ClientIP`` joins about 45
million rows, whose ``ClientIP`` is a ``category`` column of about 10,000 addresses,
with a 10,000-row table. This script builds data of that shape, times
`lookup_indices` alone and with `take_rows` gathering the output columns, and writes
the medians of three runs to ``benchmarks/results/join.json``.

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


def median_seconds(action: Callable[[], object], repeats: int = 3) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=45_000_000, help="rows of the left side (default 45,000,000)")
    parser.add_argument("--addresses", type=int, default=10_000, help="rows of the right side (default 10,000)")
    arguments = parser.parse_args()

    left, right = build_inputs(arguments.rows, arguments.addresses)

    def indices() -> tuple[np.ndarray, np.ndarray]:
        return lookup_indices([left["ClientIP"]], [right["ClientIP"]])

    def full_lookup() -> pd.DataFrame:
        left_positions, right_positions = indices()
        return pd.concat(
            [take_rows(left, left_positions), take_rows(right[["IpCidr", "Info"]], right_positions)], axis=1
        )

    result = {
        "benchmark": "lookup on a category key",
        "left_rows": arguments.rows,
        "right_rows": arguments.addresses,
        "lookup_indices_seconds": round(median_seconds(indices), 3),
        "lookup_with_take_rows_seconds": round(median_seconds(full_lookup), 3),
        "repeats": 3,
        "statistic": "median",
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
