"""Time the "Triple trouble" investigation in kqlite and in hand-written pandas, DuckDB and polars.

Usage (from the repository root; the data folder comes from examples/kda-case4/generate.py):

    python benchmarks/case4.py --data case4-data [--runs 3] [--engines pandas,duckdb,polars,kqlite]

Every step (ingest, then each query of the article) runs ``--runs`` times per engine, each run in
a fresh Python process. A run is timed inside its process, around the step alone, so interpreter
start and imports are excluded (for kqlite, `kqlite.preload.load_engine`: its modules and the
parser's tables). The peak memory is that process's maximum resident set size.
The ingest step persists the data in the engine's own store (Parquet files, a DuckDB database, a
kqlite database folder) under ``--store``; every query step starts from that store, as a user
reopening a saved project would. A step that fails is reported with its error and the harness
goes on. Results go to ``benchmarks/results/case4-scale<S>.json`` and ``.md``, where S is the
scale in the data folder's manifest.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY), str(REPOSITORY / "src")]

from benchmarks.baselines.common import STEPS  # noqa: E402

ENGINES = ("pandas", "duckdb", "polars", "kqlite")
INVESTIGATION = REPOSITORY / "examples" / "kda-case4" / "investigation.kql"
SETUP = REPOSITORY / "examples" / "kda-case4" / "setup.kql"


def investigation_queries() -> dict[str, str]:
    """Map each query step to its text in investigation.kql (queries are separated by blank lines)."""
    blocks = [block.strip("\n") for block in INVESTIGATION.read_text().split("\n\n") if block.strip()]
    return dict(zip(STEPS[1:], blocks, strict=True))


def run_kqlite(database: Path, kql: str) -> Any:
    """Run one KQL text (a query or a control command) against the kqlite database folder.

    This is the kqlite column's hook: the harness calls it for every step.
    """
    import kqlite

    return kqlite.connect(database).execute(kql)


def _kqlite_step(step: str, data: Path, store: Path) -> Any:
    database = store / "kqlite"
    if step == "ingest":
        # The set-up script names the files by relative paths, so it runs from the data folder.
        os.chdir(data)
        return run_kqlite(database, SETUP.read_text())
    return run_kqlite(database, investigation_queries()[step])


def _summarize(result: Any) -> Any:
    """Return the first rows of a step's result as JSON-friendly records, to compare engines' results."""
    if hasattr(result, "to_pandas") and not hasattr(result, "iloc"):
        result = result.to_pandas()
    if not hasattr(result, "iloc"):
        return result if isinstance(result, dict) else repr(result)[:500]
    frame = result.head(5).copy()
    # Object columns (GUIDs, arrays, bags) are shown as text; pandas' JSON writer rejects some.
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].map(str)
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def run_child(engine: str, step: str, data: Path, store: Path) -> None:
    """Run one step of one engine in this process; print its time, peak memory and result as JSON."""
    engine_store = store / engine
    if engine == "kqlite":
        # The engine is loaded before the clock starts, as the baselines' modules are
        # imported: `import kqlite` alone defers pandas, the engine's modules and the
        # parser's tables to the first query, which a long-lived process pays once.
        importlib.import_module("kqlite.preload").load_engine()
        started = time.perf_counter()
        result = _kqlite_step(step, data, store)
    else:
        module = importlib.import_module(f"benchmarks.baselines.{engine}_case4")
        started = time.perf_counter()
        result = module.ingest(data, engine_store) if step == "ingest" else getattr(module, step)(engine_store)
    seconds = time.perf_counter() - started
    # ru_maxrss is in kilobytes on Linux.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "result": _summarize(result)}))


def run_step(engine: str, step: str, data: Path, store: Path, timeout: float | None) -> dict[str, Any]:
    """Run one step in a fresh process; return its report, or the error it ended with."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", engine, step,
               "--data", str(data), "--store", str(store)]
    try:
        process = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    if process.returncode != 0:
        lines = [line for line in process.stderr.strip().splitlines() if line.strip()]
        message = lines[-1] if lines else f"exit code {process.returncode}"
        # Results are committed, so they name the folders by role rather than by local path.
        return {"error": message.replace(str(store), "<store>").replace(str(data), "<data>")}
    return json.loads(process.stdout.strip().splitlines()[-1])


def measure(engines: list[str], steps: list[str], data: Path, store: Path, runs: int,
            timeout: float | None) -> dict[str, Any]:
    """Run every step of every engine ``runs`` times; collect medians, peaks and ratios."""
    results: dict[str, dict[str, Any]] = {step: {} for step in steps}
    for engine in engines:
        for step in steps:
            reports = [run_step(engine, step, data, store, timeout) for _run in range(runs)]
            failures = [report["error"] for report in reports if "error" in report]
            entry: dict[str, Any] = {"runs": [report.get("seconds") for report in reports]}
            if failures:
                entry["error"] = failures[0]
            else:
                entry["median_seconds"] = statistics.median(report["seconds"] for report in reports)
                entry["peak_mb"] = max(report["peak_mb"] for report in reports)
                entry["result"] = reports[0]["result"]
            results[step][engine] = entry
            shown = entry.get("error") or f"{entry['median_seconds']:.3f} s, {entry['peak_mb']:.0f} MB"
            print(f"{engine:7} {step:16} {shown}", flush=True)

    for by_engine in results.values():
        timed = [entry["median_seconds"] for entry in by_engine.values() if "median_seconds" in entry]
        for entry in by_engine.values():
            if "median_seconds" in entry:
                entry["ratio_to_fastest"] = entry["median_seconds"] / min(timed)
    return results


def markdown_table(results: dict[str, Any], engines: list[str]) -> str:
    """Render median seconds, the ratio to the fastest engine and peak memory per step."""
    lines = ["| step | " + " | ".join(engines) + " |", "| --- |" + " --- |" * len(engines)]
    for step, by_engine in results.items():
        cells = []
        for engine in engines:
            entry = by_engine.get(engine, {})
            if "median_seconds" in entry:
                cells.append(f"{entry['median_seconds']:.3f} s (x{entry['ratio_to_fastest']:.1f}), "
                             f"{entry['peak_mb']:.0f} MB")
            else:
                error = entry.get("error")
                cells.append(f"failed: {error[:80].replace('|', '/')}" if error else "")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with the generated case files")
    parser.add_argument("--store", type=Path, help="folder for the engines' stores (default: DATA/bench-store)")
    parser.add_argument("--runs", type=int, default=3, help="runs per step and engine (default 3)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated engines")
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated steps, in order")
    parser.add_argument("--timeout", type=float, help="seconds after which a run is stopped and counted as failed")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results",
                        help="folder for the JSON and markdown results")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "STEP"), help=argparse.SUPPRESS)
    options = parser.parse_args()

    data = options.data.resolve()
    store = (options.store or data / "bench-store").resolve()
    if options.child:
        run_child(options.child[0], options.child[1], data, store)
        return

    engines = options.engines.split(",")
    steps = options.steps.split(",")
    results = measure(engines, steps, data, store, options.runs, options.timeout)
    manifest_path = data / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    record = {
        "data": data.name,
        "manifest": manifest,
        "runs": options.runs,
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "cpus": os.cpu_count()},
        "steps": results,
    }
    options.out.mkdir(parents=True, exist_ok=True)
    name = f"case4-scale{manifest['scale']:g}" if manifest else f"case4-{data.name}"
    (options.out / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    table = markdown_table(results, engines)
    (options.out / f"{name}.md").write_text(
        f"# Case 4 benchmark, scale {manifest['scale'] if manifest else '?'}\n\nMedian of {options.runs} runs per step, each in a fresh "
        f"process; ratio to the fastest engine; peak resident memory of the process.\n\n{table}")
    print(table)


if __name__ == "__main__":
    main()
