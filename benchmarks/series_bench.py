"""Time series_decompose_anomalies over many series (run by hand, not a test).

Usage: ``PYTHONPATH=src python benchmarks/series_bench.py [--quick]``

Two workloads of noisy weekly-seasonal series, each held as a dynamic column of numpy
arrays as make-series produces it: 10,000 series of 30 points and 100,000 series of
720 points. Each is timed end to end through the registered function (column to
block, automatic period detection, decomposition, scoring, block to column). The
median of 5 runs per workload (wall-clock and CPU time of all threads) and the load
average before the runs are written to ``benchmarks/results/series.json``. Compare
wall-clock figures only between runs on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kqlite.functions import series as series_functions
from kqlite.functions.registry import CallContext
from kqlite.types import DYNAMIC

RESULTS = Path(__file__).resolve().parent / "results" / "series.json"
WORKLOADS = {"10k_series_x_30_points": (10_000, 30), "100k_series_x_720_points": (100_000, 720)}
RUNS = 5


def make_column(rows: int, points: int, seed: int = 0) -> pd.Series:
    """Build a dynamic column of weekly-seasonal series with noise and a few spikes."""
    generator = np.random.default_rng(seed)
    week = np.array([100.0, 110.0, 120.0, 115.0, 105.0, 40.0, 35.0])
    block = np.resize(week, points)[None, :] * generator.uniform(0.5, 2.0, (rows, 1))
    block = block + generator.normal(0, 5, (rows, points))
    spikes = generator.integers(0, points, rows)
    block[np.arange(rows), spikes] += generator.choice([0.0, 80.0], rows)
    data = np.empty(rows, dtype=object)
    for index in range(rows):
        data[index] = block[index]
    return pd.Series(data, dtype=object)


def time_workload(rows: int, points: int, runs: int) -> tuple[list[float], list[float]]:
    """Return the wall-clock and the CPU seconds (all threads) of each run."""
    column = make_column(rows, points)
    ctx = CallContext(length=rows, arg_types=(DYNAMIC,), result_type=DYNAMIC, now=pd.Timestamp.now())
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        series_functions.series_decompose_anomalies(ctx, column)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per workload, results not written")
    arguments = parser.parse_args()
    runs = 1 if arguments.quick else RUNS

    report: dict[str, object] = {
        "function": "series_decompose_anomalies (default arguments: automatic seasonality)",
        "runs": runs,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "numpy": np.__version__},
        "median_seconds": {},
        "median_cpu_seconds": {},
        "load_average_before": list(os.getloadavg()),
    }
    for name, (rows, points) in WORKLOADS.items():
        wall, cpu = time_workload(rows, points, runs)
        report["median_seconds"][name] = round(statistics.median(wall), 4)  # type: ignore[index]
        report["median_cpu_seconds"][name] = round(statistics.median(cpu), 4)  # type: ignore[index]
        print(
            f"{name}: median {statistics.median(wall):.3f} s wall, {statistics.median(cpu):.3f} s CPU"
            f" over {runs} runs; wall {[round(t, 3) for t in wall]}"
        )

    if not arguments.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
