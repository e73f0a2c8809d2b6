"""Time kqlite's ingestion of the "Triple trouble" files against DuckDB's read_csv.

Usage (from the repository root; run by hand, not part of the test suite):

    PYTHONPATH=src python benchmarks/ingest_bench.py [--data DIR] [--scale 1.0] [--runs 3]

The four gzip CSV files come from `kqlite.samples.kda_case4.generate`, written to
``--data`` (a temporary folder outside the repository by default) unless they are
there already. Each run is a fresh Python process, timed inside the process around the
work alone; peak memory is that process's maximum resident set size. Measured:

* kqlite: the case's set-up script (`.execute database script` with `.create-merge`,
  `.clear` and four `.ingest` commands) into a new database folder;
* DuckDB: ``CREATE TABLE ... AS SELECT * FROM read_csv(...)`` of the same files with the
  same column types, into an in-memory database;
* kqlite reopen: open the saved folder, `row_count` (footer only) and `get` (all rows).

The median of ``--runs`` runs of each goes to ``benchmarks/results/ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "ingest.json"
LOG_FILES = ("log_00000.csv.gz", "log_00001.csv.gz", "log_00002.csv.gz")
FILES = ("ip-lookup.csv.gz", *LOG_FILES)

SETUP_SCRIPT = """.execute database script <|
.create-merge table IpInfo (IpCidr:string, Info:string)
//clear any previously ingested data if such exists
.clear table IpInfo data
.ingest into table IpInfo (@'{data}/ip-lookup.csv.gz')
.create-merge table NetworkMetrics (Timestamp:datetime, ClientIP:string, TargetIP:string, BytesSent:long, BytesReceived:long, NewConnections:int)
.clear table NetworkMetrics data
.ingest async into table NetworkMetrics (@'{data}/log_00000.csv.gz')
.ingest async into table NetworkMetrics (@'{data}/log_00001.csv.gz')
// Last command is running sync, so when it finishes the data is already ingested.
.ingest into table NetworkMetrics (@'{data}/log_00002.csv.gz')
"""

DUCKDB_METRICS_COLUMNS = (
    "{'Timestamp': 'TIMESTAMPTZ', 'ClientIP': 'VARCHAR', 'TargetIP': 'VARCHAR', "
    "'BytesSent': 'BIGINT', 'BytesReceived': 'BIGINT', 'NewConnections': 'INTEGER'}"
)


def child_kqlite_ingest(data: Path, store: Path) -> dict[str, Any]:
    from kqlite.storage.catalog import Catalog
    from kqlite.storage.commands import execute_command

    def no_queries(query: str) -> Any:
        raise AssertionError("the set-up script runs no query")

    started = time.perf_counter()
    with Catalog(store) as catalog:
        result = execute_command(SETUP_SCRIPT.format(data=data.as_posix()), catalog, no_queries)
        outcomes = result.frame["Result"].tolist()
        rows = {name: catalog.row_count(name) for name in ("IpInfo", "NetworkMetrics")}
    seconds = time.perf_counter() - started
    if any(outcome != "Completed" for outcome in outcomes):
        raise RuntimeError(f"set-up script failed: {result.frame.to_dict('records')}")
    return {"seconds": seconds, "rows": rows}


def child_duckdb_ingest(data: Path) -> dict[str, Any]:
    import duckdb

    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute(
        f"CREATE TABLE IpInfo AS SELECT * FROM read_csv('{data}/ip-lookup.csv.gz', header=false, "
        "columns={'IpCidr': 'VARCHAR', 'Info': 'VARCHAR'})"
    )
    files = ", ".join(f"'{data}/{name}'" for name in LOG_FILES)
    connection.execute(
        f"CREATE TABLE NetworkMetrics AS SELECT * FROM read_csv([{files}], header=false, "
        f"columns={DUCKDB_METRICS_COLUMNS})"
    )
    seconds = time.perf_counter() - started
    rows = {name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in ("IpInfo", "NetworkMetrics")}
    return {"seconds": seconds, "rows": rows}


def child_kqlite_reopen(store: Path) -> dict[str, Any]:
    from kqlite.storage.catalog import Catalog

    started = time.perf_counter()
    catalog = Catalog(store, read_only=True)
    rows = catalog.row_count("NetworkMetrics")
    count_seconds = time.perf_counter() - started
    table = catalog.get("NetworkMetrics")
    load_seconds = time.perf_counter() - started
    assert len(table.frame) == rows
    return {"seconds": count_seconds, "load_seconds": load_seconds, "rows": {"NetworkMetrics": rows}}


def run_child(kind: str, data: Path, store: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--data", str(data), "--store", str(store)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def ensure_data(data: Path, scale: float) -> None:
    if all((data / name).exists() for name in FILES):
        return
    from kqlite.samples.kda_case4 import generate

    print(f"generating the case's files at scale {scale} in {data}", file=sys.stderr)
    generate(data, scale=scale, progress=lambda line: print(line, file=sys.stderr))


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "median_seconds": round(statistics.median(run["seconds"] for run in runs), 2),
        "runs_seconds": [round(run["seconds"], 2) for run in runs],
        "peak_rss_mib": round(max(run["peak_rss_kib"] for run in runs) / 1024),
        "rows": runs[0]["rows"],
    }
    if "load_seconds" in runs[0]:
        summary["median_load_seconds"] = round(statistics.median(run["load_seconds"] for run in runs), 2)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder of the four CSV.gz files (generated if missing)")
    parser.add_argument("--scale", type=float, default=1.0, help="generator scale when files are generated (1.0 = the case's size)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is reported)")
    parser.add_argument("--child", choices=("kqlite", "duckdb", "reopen"), help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child:
        children = {
            "kqlite": lambda: child_kqlite_ingest(arguments.data, arguments.store),
            "duckdb": lambda: child_duckdb_ingest(arguments.data),
            "reopen": lambda: child_kqlite_reopen(arguments.store),
        }
        outcome = children[arguments.child]()
        outcome["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(outcome))
        return

    data = arguments.data or Path(tempfile.gettempdir()) / f"kqlite-case4-scale{arguments.scale:g}"
    ensure_data(data, arguments.scale)
    work = Path(tempfile.mkdtemp(prefix="kqlite-ingest-bench-"))
    store = work / "db"
    try:
        measured: dict[str, list[dict[str, Any]]] = {"kqlite_ingest": [], "duckdb_read_csv": [], "kqlite_reopen": []}
        for run in range(arguments.runs):
            shutil.rmtree(store, ignore_errors=True)
            measured["kqlite_ingest"].append(run_child("kqlite", data, store))
            measured["duckdb_read_csv"].append(run_child("duckdb", data, store))
            measured["kqlite_reopen"].append(run_child("reopen", data, store))
            print(f"run {run + 1}: " + ", ".join(f"{key} {values[-1]['seconds']:.1f} s" for key, values in measured.items()),
                  file=sys.stderr)
        store_bytes = sum(path.stat().st_size for path in store.iterdir())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report = {
        "script": "benchmarks/ingest_bench.py",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "data": {"scale": arguments.scale, "files": {name: (data / name).stat().st_size for name in FILES}},
        "runs": arguments.runs,
        "store_bytes": store_bytes,
        **{key: summarise(values) for key, values in measured.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
