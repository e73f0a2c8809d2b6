"""Generate files shaped like those of the Kusto Detective Agency's case "Triple trouble".

Season 2, case 4 of the Kusto Detective Agency ingests four gzip-compressed CSV files without
header rows: ``ip-lookup.csv.gz`` into ``IpInfo(IpCidr:string, Info:string)`` and
``log_00000.csv.gz`` .. ``log_00002.csv.gz`` into ``NetworkMetrics(Timestamp:datetime,
ClientIP:string, TargetIP:string, BytesSent:long, BytesReceived:long, NewConnections:int)``.
The real files cannot be fetched offline, so :func:`generate` writes files of the same shape.
At scale 1 they hold the published figures: 662,028 lookup rows with 71,621 distinct ``Info``
values, and 44,888,128 per-minute rows from 10,191 client IPs to the hosts of
``178.248.55.0/24`` (``DIGITOWN``) over the 30 days of June 2023 (UTC).

What is planted, so that the case's queries find it:

* Several IPs of one ``KUANDA.ORG`` network start quiet traffic some weeks into the month, then
  send a burst on 2023-06-29. At scale 1 the whole-table ``sum(BytesSent)`` of that day is
  exactly 255,535,868,619 bytes, the figure the case's write-ups report.
* One client IP is active for less than a day.
* A few other companies get milder one-day bumps, so the anomaly ranking has runners-up.

Traffic follows a daily and a weekly rhythm (weekends are quieter), client and company sizes
spread over orders of magnitude, and every client IP lies in exactly one CIDR range of the
lookup table (the ranges never overlap). The same seed and scale give byte-identical files.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from kqlite.samples import kda_case4_lookup as lookup

# Figures of the real files, reproduced at scale 1.
FULL_METRICS_ROWS = 44_888_128
FULL_CLIENT_COUNT = 10_191
FULL_BURST_DAY_BYTES_SENT = 255_535_868_619
# An estimate of an ordinary weekday's whole-table sum(BytesSent) at scale 1 (not published):
# the burst then adds about a quarter to the burst day.
NORMAL_WEEKDAY_BYTES_SENT = 200e9

MONTH_START = np.datetime64("2023-06-01T00:00:00", "s")
DAY_COUNT = 30
MINUTES_PER_DAY = 1440
FIRST_WEEKDAY = 3  # 2023-06-01 is a Thursday (Monday = 0).
BURST_DAY = 28  # 2023-06-29, counted from 0.
LOG_FILES = (("log_00000.csv.gz", range(0, 10)), ("log_00001.csv.gz", range(10, 20)),
             ("log_00002.csv.gz", range(20, 30)))

PLANTED_IP_COUNT = 6
PLANTED_QUIET_SHARE = 0.007
DECOY_COUNT = 4
DECOY_MAX_SHARE = 0.003
MIN_CLIENTS = 24
GZIP_LEVEL = 1

# Share of each UTC hour in a client's day (a daily rhythm; scaled to sum 1 below).
HOURLY_PROFILE = np.array([0.25, 0.18, 0.14, 0.12, 0.12, 0.16, 0.30, 0.55, 0.85, 1.00, 1.05, 1.05,
                           1.00, 1.00, 1.05, 1.05, 1.00, 0.95, 0.90, 0.85, 0.80, 0.70, 0.55, 0.38])
WEEKDAY_ACTIVITY = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.78, 0.72])

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class _Traffic:
    """Per-client traits and the row count of every (client, day) cell."""

    client_address: np.ndarray  # int64, sorted ascending
    client_text: pa.Array  # the dotted ClientIP strings, in the same order
    client_company: np.ndarray  # company index per client
    company_name: list[str]
    rows: np.ndarray  # int64 (client, day)
    bytes_scale: np.ndarray  # median BytesSent of a row, per client
    company_day_factor: np.ndarray  # (company, day) multiplier of BytesSent
    hour_shift: np.ndarray  # per client, added to the drawn hour
    targets: np.ndarray  # (client, 6) last octets of the target hosts
    target_cumulative: np.ndarray  # (client, 6) cumulative target choice probabilities
    planted: np.ndarray  # bool per client
    short_lived: int  # client index
    short_lived_day: int
    short_lived_hour: int
    burst_day_total: int  # whole-table sum(BytesSent) required on the burst day
    decoys: list[tuple[str, int]]  # (company, day) of each milder bump


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """Return an independent random stream per purpose, so files do not depend on thread timing."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=stream))


SCRIPTS = ("setup.kql", "investigation.kql")


def copy_scripts(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Copy the case's set-up script and the article's queries into `out_dir`.

    The set-up script names the data files by relative paths, so it runs from the
    folder that holds them. An installed wheel carries the scripts as package data; a
    source checkout reads them from ``examples/kda-case4``.
    """
    packaged = Path(__file__).resolve().parent / "scripts"
    checkout = Path(__file__).resolve().parents[3] / "examples" / "kda-case4"
    source = packaged if (packaged / SCRIPTS[0]).is_file() else checkout

    copied = []
    for name in SCRIPTS:
        target = Path(out_dir) / name
        shutil.copyfile(source / name, target)
        copied.append(target)
    return copied


def generate(out_dir: str | os.PathLike[str], scale: float = 1.0, seed: int = 0,
             progress: Progress | None = None) -> dict[str, Any]:
    """Write the case's four files and ``manifest.json`` into ``out_dir``; return the manifest.

    Args:
        out_dir: folder to write into; created if missing. Existing files are replaced.
        scale: multiplies every row count (1.0 gives the real files' figures). Small scales keep
            at least 24 client IPs, a handful of companies and every planted feature.
        seed: the random seed; the same seed and scale give byte-identical files.
        progress: called with a short line of text after each step.
    """
    if not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _message: None)

    table = lookup.build_ip_lookup(_rng(seed, 1), scale)
    lookup_bytes = lookup.write_ip_lookup(table, out / "ip-lookup.csv.gz", GZIP_LEVEL)
    report(f"ip-lookup.csv.gz: {len(table.starts):,} rows, {len(table.names):,} distinct Info")

    traffic = _plan_traffic(_rng(seed, 2), table, scale)
    files: dict[str, dict[str, int]] = {"ip-lookup.csv.gz": {"rows": len(table.starts),
                                                            "bytes": lookup_bytes}}
    daily_sums = np.zeros(DAY_COUNT, dtype=np.int64)
    planted_daily = np.zeros(DAY_COUNT, dtype=np.int64)
    with ThreadPoolExecutor(max_workers=min(len(LOG_FILES), os.cpu_count() or 1)) as pool:
        jobs = [pool.submit(_write_log_file, out / name, days, traffic, seed)
                for name, days in LOG_FILES]
        for (name, days), job in zip(LOG_FILES, jobs):
            sums, planted_sums, size = job.result()
            daily_sums[days.start:days.stop] = sums
            planted_daily[days.start:days.stop] = planted_sums
            files[name] = {"rows": int(traffic.rows[:, days.start:days.stop].sum()), "bytes": size}
            report(f"{name}: {files[name]['rows']:,} rows")

    manifest = _manifest(table, traffic, files, daily_sums, planted_daily, scale, seed)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _plan_traffic(rng: np.random.Generator, table: lookup.IpLookup, scale: float) -> _Traffic:
    """Place the client IPs in the lookup's ranges and decide how much each one sends per day."""
    client_count = max(MIN_CLIENTS, round(FULL_CLIENT_COUNT * scale))
    row_count = max(30 * client_count * 20, round(FULL_METRICS_ROWS * scale))
    clients = lookup.place_clients(rng, table, client_count, PLANTED_IP_COUNT)
    company_count = len(clients.company_names)

    # Activity: every client is active all month, except the planted IPs (quiet from some day in
    # the first week on) and the short-lived IP. Clients that join late or leave early would make
    # the whole-table series drift, which the anomaly model's constant trend reads as anomalies.
    active = np.ones((client_count, DAY_COUNT), dtype=bool)
    short_lived = int(rng.choice(np.flatnonzero(clients.company == 0)))
    quiet_start = int(rng.integers(3, 9))
    active[clients.planted, :quiet_start] = False
    short_lived_day = int(rng.integers(10, 21))
    active[short_lived] = False
    active[short_lived, short_lived_day] = True

    # Rows per (client, day): one row for each active cell, the rest drawn in proportion to the
    # client's size, the weekday and a small day-to-day wobble shared by all clients.
    weekday = WEEKDAY_ACTIVITY[(FIRST_WEEKDAY + np.arange(DAY_COUNT)) % 7]
    day_activity = weekday * (1 + rng.uniform(-0.01, 0.01, DAY_COUNT))
    size = np.clip(rng.lognormal(0.0, 0.7, client_count), 0.15, 5.0)
    size[clients.planted] = 0.5
    weights = size[:, None] * day_activity[None, :] * active
    weights[short_lived, short_lived_day] *= 0.35
    weights[clients.planted, BURST_DAY] *= 5.0
    extra = rng.multinomial(row_count - int(active.sum()), (weights / weights.sum()).ravel())
    rows = active.astype(np.int64) + extra.reshape(client_count, DAY_COUNT)

    # Day-to-day wobble per company: about 7 % for one client, about 1 % for a thousand.
    company_clients = np.bincount(clients.company, minlength=company_count)
    wobble = 0.01 + 0.06 / np.sqrt(company_clients)
    company_day_factor = rng.lognormal(0.0, wobble[:, None], (company_count, DAY_COUNT))
    per_row = np.clip(rng.lognormal(0.0, 1.0, client_count), 0.05, 20.0)
    decoys = _add_decoy_bumps(rng, clients, rows, per_row, wobble, company_day_factor)

    # Calibrate BytesSent so that an ordinary weekday sums to about NORMAL_WEEKDAY_BYTES_SENT.
    row_mean = per_row * np.exp(0.9 ** 2 / 2)
    expected_daily = (rows * row_mean[:, None]).sum(axis=0)
    calibration = NORMAL_WEEKDAY_BYTES_SENT * scale / expected_daily[weekday == 1.0].mean()
    bytes_scale = per_row * calibration
    # Before the burst the planted IPs together send PLANTED_QUIET_SHARE of an ordinary weekday,
    # about a fortieth of the burst, which then scores near 100.
    quiet_rows = rows[clients.planted][:, quiet_start:BURST_DAY].sum(axis=0).mean()
    bytes_scale[clients.planted] = (PLANTED_QUIET_SHARE * NORMAL_WEEKDAY_BYTES_SENT * scale
                                    / (quiet_rows * np.exp(0.9 ** 2 / 2)))

    targets, target_cumulative = _choose_targets(rng, client_count)
    return _Traffic(
        client_address=clients.address, client_text=pa.array(lookup.format_ipv4(clients.address)),
        client_company=clients.company, company_name=clients.company_names, rows=rows,
        bytes_scale=bytes_scale, company_day_factor=company_day_factor,
        hour_shift=rng.integers(-1, 2, client_count), targets=targets,
        target_cumulative=target_cumulative, planted=clients.planted, short_lived=short_lived,
        short_lived_day=short_lived_day, short_lived_hour=int(rng.integers(6, 15)),
        burst_day_total=round(FULL_BURST_DAY_BYTES_SENT * scale), decoys=decoys,
    )


def _add_decoy_bumps(rng: np.random.Generator, clients: lookup.ClientPlacement, rows: np.ndarray,
                     per_row: np.ndarray, wobble: np.ndarray,
                     company_day_factor: np.ndarray) -> list[tuple[str, int]]:
    """Give a few ordinary companies a one-day rise of BytesSent (runner-up anomalies).

    Each rise is 4 to 9 times the company's estimated day-to-day deviation, which scores
    roughly 3 to 8 in the anomaly ranking. A rise adds at most DECOY_MAX_SHARE of a day's
    whole-table traffic, so the whole-table series shows no anomaly on a decoy's day.
    """
    company_count = len(clients.company_names)
    volume = np.bincount(clients.company, weights=rows.sum(axis=1) * per_row, minlength=company_count)
    daily_rows = np.bincount(clients.company, weights=rows.sum(axis=1), minlength=company_count) / DAY_COUNT
    share = volume / volume.sum()
    # Deviation of a company's daily sum: its wobble and the spread of its rows' lognormal sizes.
    deviation = np.sqrt(wobble ** 2 + (np.exp(0.9 ** 2) - 1) / np.maximum(daily_rows, 1.0))
    rise = rng.uniform(4, 9, company_count) * deviation
    excluded = {0, *clients.company[clients.planted].tolist()}
    candidates = [c for c in range(company_count) if c not in excluded]
    chosen = rng.permutation(sorted(candidates, key=lambda c: share[c] * rise[c])[:3 * DECOY_COUNT])[:DECOY_COUNT]
    days = rng.choice([d for d in range(DAY_COUNT) if abs(d - BURST_DAY) > 1], len(chosen), replace=False)
    for company, day in zip(chosen, days):
        company_day_factor[company, day] *= 1 + min(rise[company], DECOY_MAX_SHARE / share[company])
    return [(clients.company_names[int(company)], int(day)) for company, day in zip(chosen, days)]


def _choose_targets(rng: np.random.Generator, client_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Pick 2 to 6 DIGITOWN hosts per client; ``.249`` is in every set and the most used."""
    pool = np.setdiff1d(rng.choice(np.arange(2, 255), 40, replace=False), [lookup.BUSIEST_TARGET_OCTET])
    popularity = 1.0 / np.arange(1, len(pool) + 1)
    targets = np.empty((client_count, 6), dtype=np.int64)
    weights = np.zeros((client_count, 6))
    for client, count in enumerate(rng.integers(2, 7, client_count)):
        others = rng.choice(pool, count - 1, replace=False, p=popularity / popularity.sum())
        targets[client] = lookup.BUSIEST_TARGET_OCTET
        targets[client, 1:count] = others
        weights[client, 0] = 3.0
        weights[client, 1:count] = rng.uniform(0.3, 1.5, count - 1)
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    return targets, cumulative


def _write_log_file(path: Path, days: range, traffic: _Traffic, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Write one log file day by day; return its daily sum(BytesSent), the planted IPs' share, its size."""
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    sums, planted_sums = [], []
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                 compresslevel=GZIP_LEVEL, mtime=0) as stream:
        for day in days:
            table, planted_sum = _day_rows(_rng(seed, 3, day), traffic, day)
            sums.append(pa.compute.sum(table["BytesSent"]).as_py())
            planted_sums.append(planted_sum)
            buffer = pa.BufferOutputStream()
            pa_csv.write_csv(table, buffer, options)
            stream.write(buffer.getvalue())
    return np.array(sums, dtype=np.int64), np.array(planted_sums, dtype=np.int64), path.stat().st_size


def _day_rows(rng: np.random.Generator, traffic: _Traffic, day: int) -> tuple[pa.Table, int]:
    """Build one day's rows, ordered by minute, client address and target; also the planted sum."""
    client_count = len(traffic.client_address)
    slots = _draw_distinct_slots(rng, traffic, day)
    octet = slots % 256
    client = (slots // 256) % client_count
    minute = slots // 256 // client_count

    company = traffic.client_company[client]
    median = traffic.bytes_scale[client] * traffic.company_day_factor[company, day]
    sent = np.maximum(np.rint(median * rng.lognormal(0.0, 0.9, len(slots))), 40).astype(np.int64)
    received = np.maximum(np.rint(sent * rng.lognormal(0.4, 0.8, len(slots))), 40).astype(np.int64)
    connections = (1 + rng.poisson(1.5, len(slots))).astype(np.int32)
    planted_rows = traffic.planted[client]
    if day == BURST_DAY:
        sent[planted_rows] = _burst_bytes(rng, traffic, int(sent[~planted_rows].sum()),
                                          int(planted_rows.sum()))
        received[planted_rows] = np.rint(sent[planted_rows] * 0.004).astype(np.int64)
        connections[planted_rows] = 1

    timestamps = MONTH_START + np.timedelta64(day, "D") + np.arange(MINUTES_PER_DAY) * np.timedelta64(60, "s")
    minute_text = pa.array(np.datetime_as_string(timestamps, unit="s", timezone="UTC"))
    table = pa.table({
        "Timestamp": pa.DictionaryArray.from_arrays(pa.array(minute, pa.int32()), minute_text),
        "ClientIP": pa.DictionaryArray.from_arrays(pa.array(client, pa.int32()), traffic.client_text),
        "TargetIP": pa.DictionaryArray.from_arrays(pa.array(octet, pa.int32()), lookup.TARGET_HOST_TEXT),
        "BytesSent": sent,
        "BytesReceived": received,
        "NewConnections": connections,
    })
    return table, int(sent[planted_rows].sum())


def _burst_bytes(rng: np.random.Generator, traffic: _Traffic, ordinary_sum: int, count: int) -> np.ndarray:
    """Split the exfiltrated bytes over the burst rows so that the day sums to the published total.

    At small scales the ordinary traffic can come close to the scaled total. The burst is then
    kept at 15 % of the ordinary traffic, and the day's sum exceeds the scaled figure.
    """
    burst = max(traffic.burst_day_total - ordinary_sum, int(0.15 * ordinary_sum))
    weights = rng.lognormal(0.0, 0.4, count)
    shares = np.floor(weights / weights.sum() * burst).astype(np.int64)
    shares[0] += burst - shares.sum()
    return shares


def _draw_distinct_slots(rng: np.random.Generator, traffic: _Traffic, day: int) -> np.ndarray:
    """Draw each client's rows of the day as distinct (minute, client, target) slots, sorted.

    A slot is encoded ``(minute * client_count + client) * 256 + target_octet``. Slots that
    repeat one already drawn are drawn again until every client has its row count.
    """
    client_count = len(traffic.client_address)
    row_target = traffic.rows[:, day]
    drawn = np.unique(_draw_slots(rng, traffic, day, np.repeat(np.arange(client_count), row_target)))
    have = np.bincount((drawn // 256) % client_count, minlength=client_count)
    extra = np.empty(0, dtype=np.int64)
    for _attempt in range(1000):
        missing = row_target - have
        if not missing.any():
            return np.sort(np.concatenate([drawn, extra]))
        fresh = np.unique(_draw_slots(rng, traffic, day, np.repeat(np.arange(client_count), missing)))
        fresh = fresh[~_contains(drawn, fresh) & ~_contains(extra, fresh)]
        fresh_client = (fresh // 256) % client_count
        # Keep at most `missing` new slots per client: a redraw can yield more unique slots than needed.
        order = np.argsort(fresh_client, kind="stable")
        fresh, fresh_client = fresh[order], fresh_client[order]
        rank = np.arange(len(fresh)) - np.searchsorted(fresh_client, fresh_client)
        keep = rank < missing[fresh_client]
        extra = np.sort(np.concatenate([extra, fresh[keep]]))
        have += np.bincount(fresh_client[keep], minlength=client_count)
    raise RuntimeError(f"could not draw distinct minutes for day {day}: a client's row count is "
                       "close to the number of (minute, target) slots it has")


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    position = np.minimum(np.searchsorted(sorted_values, values), max(len(sorted_values) - 1, 0))
    if len(sorted_values) == 0:
        return np.zeros(len(values), dtype=bool)
    return sorted_values[position] == values


def _draw_slots(rng: np.random.Generator, traffic: _Traffic, day: int, client: np.ndarray) -> np.ndarray:
    """Draw one slot per row of ``client``: an hour from the daily rhythm, a minute, a target."""
    profile = np.cumsum(HOURLY_PROFILE) / HOURLY_PROFILE.sum()
    hour = (np.searchsorted(profile, rng.random(len(client)), side="right")
            + traffic.hour_shift[client]) % 24
    if day == BURST_DAY:
        # The exfiltration runs around the clock.
        burst = traffic.planted[client]
        hour[burst] = rng.integers(0, 24, int(burst.sum()))
    if day == traffic.short_lived_day:
        brief = client == traffic.short_lived
        hour[brief] = traffic.short_lived_hour + rng.integers(0, 8, int(brief.sum()))
    minute = hour * 60 + rng.integers(0, 60, len(client))

    choice = (rng.random(len(client))[:, None] > traffic.target_cumulative[client]).sum(axis=1)
    octet = traffic.targets[client, np.minimum(choice, 5)]
    return (minute * len(traffic.client_address) + client) * 256 + octet


def _manifest(table: lookup.IpLookup, traffic: _Traffic, files: dict[str, dict[str, int]],
              daily_sums: np.ndarray, planted_daily: np.ndarray, scale: float, seed: int) -> dict[str, Any]:
    """Collect every figure the tests and the investigation check."""
    days = [str(MONTH_START.astype("datetime64[D]") + day) for day in range(DAY_COUNT)]
    planted = np.flatnonzero(traffic.planted)
    active_days = np.flatnonzero(traffic.rows.sum(axis=0))
    first, last = days[active_days[0]], days[active_days[-1]]
    short_lived_start = traffic.short_lived_hour
    planted_company = traffic.company_name[int(traffic.client_company[planted[0]])]
    return {
        "generator": "kqlite.samples.kda_case4",
        "scale": scale,
        "seed": seed,
        "files": files,
        "IpInfo": {"rows": len(table.starts), "distinct_info": len(table.names)},
        "NetworkMetrics": {
            "rows": int(traffic.rows.sum()),
            "distinct_client_ip": len(traffic.client_address),
            "first_day": first,
            "last_day": last,
            "duration_days": int(active_days[-1] - active_days[0]),
            "target_network": lookup.TARGET_CIDR,
            "busiest_target": lookup.TARGET_HOST_TEXT[lookup.BUSIEST_TARGET_OCTET].as_py(),
        },
        "planted": {
            "company": planted_company,
            "network": table.planted_network,
            "ips": [traffic.client_text[int(i)].as_py() for i in planted],
            "first_active_day": days[int(np.argmax(traffic.rows[planted].sum(axis=0) > 0))],
            "burst_day": days[BURST_DAY],
            "burst_bytes_sent": int(planted_daily[BURST_DAY]),
            "daily_bytes_sent": [int(value) for value in planted_daily],
            "short_lived_ip": traffic.client_text[traffic.short_lived].as_py(),
            "short_lived_day": days[traffic.short_lived_day],
            "short_lived_hours": [short_lived_start, short_lived_start + 8],
            "decoys": [{"company": name, "day": days[day]} for name, day in traffic.decoys],
        },
        "daily_bytes_sent": [{"day": day, "bytes_sent": int(value)} for day, value in zip(days, daily_sums)],
    }
