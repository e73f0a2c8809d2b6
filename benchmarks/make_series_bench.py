"""Time the make-series kernel on the case-4 shape: daily sums of many series.

Generates `--rows` rows (default 45 million) of a datetime axis over 30 days, a
`category` key with `--series` distinct values (default 10,000, which pandas
stores as int16 codes) and a masked Int64 value column with 1 % nulls, then
times, as medians of `--repeats` runs:

* ``group_codes``: numbering the key as one int64 group number per row (what
  `summarize` uses),
* ``make_series_sum``: ``make-series sum(v) on t step 1d by k`` given those int64
  numbers, which `make_series` wraps in a `RowGroups` of its own,
* ``make_series_sum_count_avg``: the same with ``sum``, ``count`` and ``avg``,
* ``number_groups``: numbering the key as `RowGroups`, which keeps the key's own
  category codes per row and adds a table from category to group,
* ``executor_make_series_sum``: `number_groups` and then `make_series` on its
  `RowGroups`, the two steps the executor runs for ``make-series sum(v) ... by k``
  (without evaluating the axis and value columns, which here are given),
* ``executor_make_series_sum_count_avg``: the same with ``sum``, ``count`` and ``avg``.

Each figure is a median of wall-clock and of CPU seconds. The load average at the
start is recorded too, because other processes on the machine slow the wall-clock
figures down.

Run: ``PYTHONPATH=src python benchmarks/make_series_bench.py`` (writes
``benchmarks/results/make_series.json``).
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

from kqlite.functions import aggregates  # noqa: F401  (registers the aggregates)
from kqlite.functions.registry import AGGREGATES
from kqlite.operators.grouping import RowGroups, group_codes, number_groups
from kqlite.operators.make_series import SeriesAggregate, make_series
from kqlite.types import DATETIME, LONG, REAL

DAY_NS = 86_400 * 1_000_000_000


def build_input(rows: int, series: int, seed: int = 0) -> tuple[pd.Series, pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-03-01").value
    axis = pd.Series((start + rng.integers(0, 30 * DAY_NS, rows)).view("datetime64[ns]"))
    names = np.array([f"series-{index:05d}" for index in range(series)], dtype=object)
    key = pd.Series(pd.Categorical.from_codes(rng.integers(0, series, rows), categories=names))
    values = pd.Series(pd.array(rng.integers(0, 100_000, rows), dtype="Int64"))
    values[rng.random(rows) < 0.01] = pd.NA
    return axis, key, values


def median_seconds(run: Callable[[], object], repeats: int) -> dict[str, float]:
    """Return the median wall-clock and CPU seconds of `repeats` runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return {"wall": round(statistics.median(wall), 3), "cpu": round(statistics.median(cpu), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=45_000_000, help="input rows (default 45,000,000)")
    parser.add_argument("--series", type=int, default=10_000, help="distinct by-key values (default 10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is kept")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "make_series.json")
    arguments = parser.parse_args()

    axis, key, values = build_input(arguments.rows, arguments.series)
    codes, ngroups, _ = group_codes([key])
    step = pd.Timedelta(days=1)

    def run(names: list[str], groups: np.ndarray | RowGroups, count: int) -> object:
        aggregates = []
        for name in names:
            function = AGGREGATES[name]
            args = [] if name == "count" else [values]
            arg_types = [] if name == "count" else [LONG]
            aggregates.append(SeriesAggregate(function, args, arg_types, 0, REAL if name == "avg" else LONG))
        return make_series(axis, DATETIME, groups, count, None, None, step, False, aggregates)

    def run_as_executor(names: list[str]) -> object:
        row_groups, _ = number_groups([key])
        return run(names, row_groups, row_groups.count)

    results = {
        "rows": arguments.rows,
        "series": arguments.series,
        "bins": 30,
        "repeats": arguments.repeats,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "key_code_dtype": str(key.array.codes.dtype),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}",
        "seconds": {
            "group_codes": median_seconds(lambda: group_codes([key]), arguments.repeats),
            "make_series_sum": median_seconds(lambda: run(["sum"], codes, ngroups), arguments.repeats),
            "make_series_sum_count_avg": median_seconds(
                lambda: run(["sum", "count", "avg"], codes, ngroups), arguments.repeats
            ),
            "number_groups": median_seconds(lambda: number_groups([key]), arguments.repeats),
            "executor_make_series_sum": median_seconds(lambda: run_as_executor(["sum"]), arguments.repeats),
            "executor_make_series_sum_count_avg": median_seconds(
                lambda: run_as_executor(["sum", "count", "avg"]), arguments.repeats
            ),
        },
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
