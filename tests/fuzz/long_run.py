"""The fuzzer's long mode: many batches over parallel worker processes, one JSON report.

Each worker judges its batch with kqlite and starts its own Kusto.Language process for
it, so the work spreads over ``--workers`` processor cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from fuzz.corpus import seed_queries
from fuzz.run import Tally, run_batch
from oracle import Oracle, OracleUnavailable, find_oracle

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPOSITORY / "benchmarks" / "results" / "fuzz.json"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000, help="number of queries to generate or mutate")
    parser.add_argument("--batch", type=int, default=2_000, help="queries per oracle process")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel worker processes")
    parser.add_argument("--seed", default="kqlite", help="seed of the random choices; the same seed makes the same queries")
    parser.add_argument("--no-oracle", action="store_true", help="count kqlite's crashes only")
    parser.add_argument("--no-execute", action="store_true", help="bind the queries without running any")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON report file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    oracle: Oracle | None = None
    oracle_note = "not used (--no-oracle)"
    if not arguments.no_oracle:
        try:
            oracle = find_oracle(Path(tempfile.gettempdir()))
            oracle_note = "Kusto.Language (@kusto/language-service-next 12.4.1)"
        except OracleUnavailable as missing:
            oracle_note = f"unavailable: {missing}"
            print(f"oracle {oracle_note}; counting crashes only", file=sys.stderr)

    seeds = seed_queries()
    sizes = [arguments.batch] * (arguments.cases // arguments.batch)
    if arguments.cases % arguments.batch:
        sizes.append(arguments.cases % arguments.batch)

    started = time.perf_counter()
    total = Tally()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=arguments.workers, mp_context=context) as pool:
        futures = [
            pool.submit(run_batch, f"{arguments.seed}-{number}", size, seeds, oracle, not arguments.no_execute)
            for number, size in enumerate(sizes)
        ]
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                total.merge(future.result())
            except Exception as error:  # noqa: BLE001 - one failed batch must not lose the others
                total.counts["failed_batches"] += 1
                total.note("failed_batch", f"{type(error).__name__}: {error}"[:300], "")
                print(f"a batch failed: {type(error).__name__}: {error}", file=sys.stderr)
            print(
                f"{done}/{len(sizes)} batches, {total.counts['cases']} cases, "
                f"{total.counts['kqlite_crash']} crashes, {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )

    report = {
        "command": "python -m tests.fuzz " + " ".join(sys.argv[1:] if argv is None else argv),
        "seed": arguments.seed,
        "seed_queries": len(seeds),
        "oracle": oracle_note,
        "workers": arguments.workers,
        "elapsed_seconds": round(time.perf_counter() - started, 1),
        **total.report(),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    agreement = report["agreement"]
    print(
        f"{total.counts['cases']} cases: {total.counts['kqlite_crash']} crashes, "
        f"{total.counts['kqlite_timeout']} timeouts, agreement {agreement['agree']}/{agreement['inside_surface']} "
        f"inside kqlite's surface; report in {arguments.output}",
        file=sys.stderr,
    )
    return 0
