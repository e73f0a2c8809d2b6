"""Pieces the hand-written baselines share: step names, column types, the series and top-N.

Every engine computes the expensive part itself (reading, joining, grouping 45 million rows).
The per-company daily matrix that comes out is small (companies x 30 days), so the anomaly
scoring and the final ranking run on it with numpy for all engines alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.baselines.anomalies import decompose_anomalies

LOG_FILES = ("log_00000.csv.gz", "log_00001.csv.gz", "log_00002.csv.gz")
LOOKUP_FILE = "ip-lookup.csv.gz"
IPINFO_COLUMNS = ("IpCidr", "Info")
METRICS_COLUMNS = ("Timestamp", "ClientIP", "TargetIP", "BytesSent", "BytesReceived", "NewConnections")

# The investigation's steps, in the order the article runs them.
STEPS = ("ingest", "ipinfo_take", "ipinfo_counts", "metrics_take", "metrics_summary", "ipinfo_ex",
         "anomaly_top5", "anomaly_top1")

DAY_NS = 86_400 * 10**9


def log_paths(data: Path) -> list[Path]:
    return [data / name for name in LOG_FILES]


def make_series(info: np.ndarray, day_ns: np.ndarray, bytes_sent: np.ndarray,
                first_day_ns: int, last_day_ns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread per-(Info, day) sums into a company x day matrix, zeros where a day has no rows.

    Like ``make-series ... step 1d`` without ``from``/``to``: the axis runs from the first to the
    last day that has data in the whole input, the same for every company.
    Returns ``(infos, days, matrix)`` with ``days`` as datetime64[ns] values.
    """
    infos, row = np.unique(info, return_inverse=True)
    column = (day_ns - first_day_ns) // DAY_NS
    day_count = int((last_day_ns - first_day_ns) // DAY_NS) + 1
    matrix = np.zeros((len(infos), day_count), dtype=np.int64)
    np.add.at(matrix, (row, column), bytes_sent.astype(np.int64))
    days = (first_day_ns + np.arange(day_count, dtype=np.int64) * DAY_NS).astype("datetime64[ns]")
    return infos, days, matrix


def top_anomalies(infos: np.ndarray, days: np.ndarray, matrix: np.ndarray, count: int) -> pd.DataFrame:
    """Score every company's series and return the ``count`` highest (company, day) scores.

    The columns follow the article's last query: Info, Timestamp, BytesSent,
    BytesSentExpected (the baseline truncated to long, as ``to typeof(long)`` does) and
    BytesSentAnomalyScore.
    """
    _flags, scores, baseline = decompose_anomalies(matrix)
    flat = scores.ravel()
    best = np.argsort(-flat, kind="stable")[:count]
    row, column = np.divmod(best, matrix.shape[1])
    return pd.DataFrame({
        "Info": infos[row],
        "Timestamp": days[column],
        "BytesSent": matrix[row, column],
        "BytesSentExpected": np.trunc(baseline[row, column]).astype(np.int64),
        "BytesSentAnomalyScore": flat[best],
    })
