"""Time parse and bind of the investigation's longest query (run by hand, not a test).

The query is the article's second anomaly query, bound against the case's tables.
Prints the cold figures (import, first parse + bind) and the median of repeated
parse + bind runs, and writes them to benchmarks/results/parse_bind.json.

    python benchmarks/parse_bind.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

QUERY = """let window = 1d;
NetworkMetrics
| lookup IpInfoEx on ClientIP
| make-series BytesSent=sum(BytesSent) on Timestamp step window by Info
| extend  (BytesSentAnomaly, BytesSentAnomalyScore, BytesSentExpected) = series_decompose_anomalies(BytesSent)
| mv-expand
    Timestamp to typeof(datetime),
    BytesSent to typeof(long),
    BytesSentAnomalyScore to typeof(double),
    BytesSentExpected to typeof(long)
| top 1 by BytesSentAnomalyScore
| project Info, Timestamp, BytesSent, BytesSentExpected, BytesSentAnomalyScore"""


def main() -> None:
    started = time.perf_counter()
    from kqlite.semantics.binder import Binder
    from kqlite.syntax.parser import parse
    from kqlite.types import DATETIME, INT, LONG, STRING

    imported = time.perf_counter()
    tables = {
        "NetworkMetrics": (
            ("Timestamp", DATETIME),
            ("ClientIP", STRING),
            ("TargetIP", STRING),
            ("BytesSent", LONG),
            ("BytesReceived", LONG),
            ("NewConnections", INT),
        ),
        "IpInfoEx": (("ClientIP", STRING), ("IpCidr", STRING), ("Info", STRING)),
    }

    def bind_once() -> None:
        Binder(tables.get).bind_script(parse(QUERY))

    bind_once()
    first = time.perf_counter()

    runs = []
    for _ in range(200):
        start = time.perf_counter()
        bind_once()
        runs.append((time.perf_counter() - start) * 1e3)

    figures = {
        "import_ms": round((imported - started) * 1e3, 1),
        "first_parse_bind_ms": round((first - imported) * 1e3, 1),
        "parse_bind_median_ms": round(statistics.median(runs), 3),
        "parse_bind_p90_ms": round(sorted(runs)[int(len(runs) * 0.9)], 3),
        "runs": len(runs),
        "python": sys.version.split()[0],
    }
    print(json.dumps(figures, indent=2))
    out = Path(__file__).resolve().parent / "results" / "parse_bind.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
