"""The investigation written by hand in DuckDB SQL, over a DuckDB database file.

``ingest`` loads the four CSV files into tables typed as the set-up script declares; each query
step opens the database file and runs SQL. Only the anomaly scoring of the small
company x day matrix runs in numpy (shared with the other baselines).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchmarks.baselines.common import LOOKUP_FILE, log_paths, make_series, top_anomalies

DATABASE = "case4.duckdb"
METRICS_TYPES = ("{'Timestamp': 'TIMESTAMP', 'ClientIP': 'VARCHAR', 'TargetIP': 'VARCHAR', "
                 "'BytesSent': 'BIGINT', 'BytesReceived': 'BIGINT', 'NewConnections': 'INTEGER'}")

# Integer value of a dotted IPv4 address held in `column` (any /n suffix is ignored).
IPV4_VALUE = """(
    CAST(split_part(split_part({column}, '/', 1), '.', 1) AS BIGINT) * 16777216
  + CAST(split_part(split_part({column}, '/', 1), '.', 2) AS BIGINT) * 65536
  + CAST(split_part(split_part({column}, '/', 1), '.', 3) AS BIGINT) * 256
  + CAST(split_part(split_part({column}, '/', 1), '.', 4) AS BIGINT))"""


def _connect(store: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(store / DATABASE), read_only=read_only)


def ingest(data: Path, store: Path) -> dict[str, int]:
    """Create and fill the IpInfo and NetworkMetrics tables from the CSV files."""
    store.mkdir(parents=True, exist_ok=True)
    (store / DATABASE).unlink(missing_ok=True)
    logs = ", ".join(f"'{path}'" for path in log_paths(data))
    with _connect(store, read_only=False) as con:
        con.execute(f"""CREATE TABLE IpInfo AS SELECT * FROM read_csv('{data / LOOKUP_FILE}', header = false,
                        columns = {{'IpCidr': 'VARCHAR', 'Info': 'VARCHAR'}})""")
        con.execute(f"""CREATE TABLE NetworkMetrics AS SELECT * FROM read_csv([{logs}], header = false,
                        columns = {METRICS_TYPES})""")
        counts = con.execute("SELECT (SELECT count(*) FROM IpInfo), (SELECT count(*) FROM NetworkMetrics)").fetchone()
    return {"IpInfo": counts[0], "NetworkMetrics": counts[1]}


def ipinfo_take(store: Path) -> pd.DataFrame:
    with _connect(store) as con:
        return con.execute("SELECT * FROM IpInfo LIMIT 10").df()


def ipinfo_counts(store: Path) -> pd.DataFrame:
    with _connect(store) as con:
        return con.execute("SELECT count(*) AS Rows, count(DISTINCT Info) AS Distinct FROM IpInfo").df()


def metrics_take(store: Path) -> pd.DataFrame:
    with _connect(store) as con:
        return con.execute("SELECT * FROM NetworkMetrics LIMIT 10").df()


def metrics_summary(store: Path) -> pd.DataFrame:
    # datetime_diff('day', ...) counts calendar-day boundaries, as date_diff('day', ...) does.
    with _connect(store) as con:
        return con.execute("""SELECT date_diff('day', min(Timestamp), max(Timestamp)) AS DurationDays,
                                     count(*) AS Entries, count(DISTINCT ClientIP) AS ClientCount
                              FROM NetworkMetrics""").df()


def ipinfo_ex(store: Path) -> pd.DataFrame:
    """``distinct ClientIP | evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr)``, saved as IpInfoEx.

    A range join on integer addresses; DuckDB plans it as an inequality join, and like Kusto it
    returns one row per matching range when ranges overlap.
    """
    prefix = "coalesce(TRY_CAST(split_part(IpCidr, '/', 2) AS INTEGER), 32)"
    with _connect(store, read_only=False) as con:
        con.execute(f"""
            CREATE OR REPLACE TABLE IpInfoEx AS
            WITH clients AS (
                SELECT ClientIP, {IPV4_VALUE.format(column='ClientIP')} AS address
                FROM (SELECT DISTINCT ClientIP FROM NetworkMetrics)),
            ranges AS (
                SELECT IpCidr, Info, size, ({IPV4_VALUE.format(column='IpCidr')} // size) * size AS first
                FROM (SELECT *, CAST(pow(2, 32 - {prefix}) AS BIGINT) AS size FROM IpInfo))
            SELECT c.ClientIP, r.IpCidr, r.Info
            FROM clients c JOIN ranges r
              ON c.address >= r.first AND c.address < r.first + r.size""")
        return con.execute("SELECT * FROM IpInfoEx").df()


def _daily_series(store: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``lookup IpInfoEx on ClientIP | make-series sum(BytesSent) on Timestamp step 1d by Info``."""
    with _connect(store) as con:
        sums = con.execute("""
            SELECT coalesce(x.Info, '') AS Info, date_trunc('day', m.Timestamp) AS day,
                   sum(m.BytesSent) AS BytesSent
            FROM NetworkMetrics m LEFT JOIN IpInfoEx x ON m.ClientIP = x.ClientIP
            GROUP BY ALL""").fetchnumpy()
    day_ns = sums["day"].astype("datetime64[ns]").astype(np.int64)
    info = np.asarray(sums["Info"], dtype=object)
    return make_series(info, day_ns, np.asarray(sums["BytesSent"]), int(day_ns.min()), int(day_ns.max()))


def anomaly_top5(store: Path) -> pd.DataFrame:
    return top_anomalies(*_daily_series(store), 5)


def anomaly_top1(store: Path) -> pd.DataFrame:
    return top_anomalies(*_daily_series(store), 1)
