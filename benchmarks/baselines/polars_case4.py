"""The investigation written by hand in polars, with a Parquet store in between.

``ingest`` reads the four CSV files (typed as the set-up script declares) and writes Parquet;
each query step scans that store lazily, so polars reads only the columns and rows it needs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from benchmarks.baselines.common import (IPINFO_COLUMNS, LOOKUP_FILE, METRICS_COLUMNS, log_paths,
                                         make_series, top_anomalies)

METRICS_SCHEMA = {"Timestamp": pl.Datetime("us", "UTC"), "ClientIP": pl.String, "TargetIP": pl.String,
                  "BytesSent": pl.Int64, "BytesReceived": pl.Int64, "NewConnections": pl.Int32}


def ingest(data: Path, store: Path) -> dict[str, int]:
    """Read the CSV files into DataFrames and write them to ``store`` as Parquet."""
    store.mkdir(parents=True, exist_ok=True)
    ipinfo = pl.read_csv(data / LOOKUP_FILE, has_header=False, new_columns=list(IPINFO_COLUMNS),
                         schema_overrides={"IpCidr": pl.String, "Info": pl.String})
    metrics = pl.concat([pl.read_csv(path, has_header=False, new_columns=list(METRICS_COLUMNS),
                                     schema_overrides=METRICS_SCHEMA) for path in log_paths(data)])
    ipinfo.write_parquet(store / "IpInfo.parquet")
    metrics.write_parquet(store / "NetworkMetrics.parquet")
    return {"IpInfo": ipinfo.height, "NetworkMetrics": metrics.height}


def _scan(store: Path, table: str) -> pl.LazyFrame:
    return pl.scan_parquet(store / f"{table}.parquet")


def ipinfo_take(store: Path) -> pd.DataFrame:
    return _scan(store, "IpInfo").head(10).collect().to_pandas()


def ipinfo_counts(store: Path) -> pd.DataFrame:
    query = _scan(store, "IpInfo").select(Rows=pl.len(), Distinct=pl.col("Info").n_unique())
    return query.collect().to_pandas()


def metrics_take(store: Path) -> pd.DataFrame:
    return _scan(store, "NetworkMetrics").head(10).collect().to_pandas()


def metrics_summary(store: Path) -> pd.DataFrame:
    # datetime_diff('day', ...) counts calendar-day boundaries: compare the dates.
    day = pl.col("Timestamp").dt.date()
    query = _scan(store, "NetworkMetrics").select(
        DurationDays=(day.max() - day.min()).dt.total_days(),
        Entries=pl.len(),
        ClientCount=pl.col("ClientIP").n_unique(),
    )
    return query.collect().to_pandas()


def _ipv4_value(column: str) -> pl.Expr:
    """Integer value of the dotted IPv4 address in ``column`` (any ``/n`` suffix ignored)."""
    octets = pl.col(column).str.split("/").list.first().str.split(".")
    return sum(octets.list.get(i).cast(pl.Int64) * (1 << (24 - 8 * i)) for i in range(4))


def ipinfo_ex(store: Path) -> pd.DataFrame:
    """``distinct ClientIP | evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr)``, saved as IpInfoEx.

    NOTE: an as-of join finds the one range starting at or before each address, which is exact
    only for non-overlapping ranges (the generated table has none); Kusto returns one row per
    matching range.
    """
    prefix = pl.col("IpCidr").str.split("/").list.get(1, null_on_oob=True).cast(pl.Int64).fill_null(32)
    size = pl.lit(2, pl.Int64).pow(32 - prefix)
    ranges = (_scan(store, "IpInfo")
              .with_columns(size=size)
              .with_columns(first=(_ipv4_value("IpCidr") // pl.col("size")) * pl.col("size"))
              .sort("first"))
    clients = (_scan(store, "NetworkMetrics").select("ClientIP").unique()
               .with_columns(address=_ipv4_value("ClientIP")).sort("address"))
    result = (clients.join_asof(ranges, left_on="address", right_on="first")
              .filter(pl.col("address") < pl.col("first") + pl.col("size"))
              .select("ClientIP", "IpCidr", "Info")
              .collect())
    result.write_parquet(store / "IpInfoEx.parquet")
    return result.to_pandas()


def _daily_series(store: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``lookup IpInfoEx on ClientIP | make-series sum(BytesSent) on Timestamp step 1d by Info``."""
    sums = (_scan(store, "NetworkMetrics")
            .select("ClientIP", "BytesSent", day=pl.col("Timestamp").dt.truncate("1d"))
            .join(_scan(store, "IpInfoEx").select("ClientIP", "Info"), on="ClientIP", how="left")
            .group_by(pl.col("Info").fill_null(""), "day")
            .agg(pl.col("BytesSent").sum())
            .collect())
    day_ns = sums["day"].dt.epoch("ns").to_numpy()
    info = sums["Info"].to_numpy().astype(object)
    return make_series(info, day_ns, sums["BytesSent"].to_numpy(), int(day_ns.min()), int(day_ns.max()))


def anomaly_top5(store: Path) -> pd.DataFrame:
    return top_anomalies(*_daily_series(store), 5)


def anomaly_top1(store: Path) -> pd.DataFrame:
    return top_anomalies(*_daily_series(store), 1)
