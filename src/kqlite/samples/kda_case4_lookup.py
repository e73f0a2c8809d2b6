"""The IP lookup table of the "Triple trouble" sample and the placement of its client IPs.

The table maps non-overlapping CIDR ranges of public IPv4 space to registry-style names
(``ALTANET-AS``) or domains (``KUANDA.ORG``). Most ranges are /21 to /24 blocks, a few are as
large as /16 or as small as /29. Each name owns one or more ranges, with counts spread over
orders of magnitude as in real ASN tables.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

FULL_LOOKUP_ROWS = 662_028
FULL_INFO_COUNT = 71_621
MIN_LOOKUP_ROWS = 300
MIN_INFO_COUNT = 60

TARGET_COMPANY = "DIGITOWN"
TARGET_CIDR = "178.248.55.0/24"
TARGET_ADDRESS = (178 << 24) | (248 << 16) | (55 << 8)
BUSIEST_TARGET_OCTET = 249
PLANTED_COMPANY = "KUANDA.ORG"
PLANTED_RANGE_COUNT = 3
RESERVED_NAMES = (TARGET_COMPANY, PLANTED_COMPANY, "ALTANET-AS")

SLOT_BITS = 11  # ranges of /21 or smaller each sit in their own /21 slot
SMALL_PREFIXES = np.arange(21, 30)
SMALL_PREFIX_SHARES = np.array([0.10, 0.12, 0.14, 0.50, 0.04, 0.04, 0.03, 0.02, 0.01])
LARGE_PREFIXES = np.arange(16, 21)  # each sits alone in a /16
LARGE_PREFIX_SHARES = np.array([0.10, 0.15, 0.20, 0.25, 0.30])
LARGE_RANGE_SHARE = 0.004

ONSETS = ["B", "C", "D", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "V", "Z",
          "BR", "TR", "ST", "KR", "PL", "GR", "SH", "CH"]
VOWELS = ["A", "E", "I", "O", "U", "A", "O", "IA"]
CODAS = ["", "", "", "N", "R", "L", "S", "X", "K", "NET"]
SUFFIXES = ["-AS", "-NET", "-ISP", "-LTD", "-TELECOM", "NET-AS", ".COM", ".NET", ".ORG", ".RU",
            ".DE", ".IO"]
SUFFIX_SHARES = np.array([0.35, 0.10, 0.05, 0.05, 0.03, 0.07, 0.15, 0.06, 0.06, 0.03, 0.03, 0.02])

OCTET_TEXT = np.array([str(octet) for octet in range(256)], dtype=np.dtypes.StringDType())
TARGET_HOST_TEXT = pa.array([f"178.248.55.{octet}" for octet in range(256)])


@dataclass(frozen=True, slots=True)
class IpLookup:
    """The lookup table: ranges sorted by start address, each with the index of its name."""

    starts: np.ndarray  # int64 first address of each range
    prefixes: np.ndarray  # int64 prefix length
    info: np.ndarray  # index into names
    names: list[str]
    planted_ranges: np.ndarray  # indices of the planted company's ranges
    planted_network: str  # CIDR of the range the planted IPs sit in


@dataclass(frozen=True, slots=True)
class ClientPlacement:
    """Client IPs sorted by address, with their company; company 0 is the one with most clients."""

    address: np.ndarray  # int64
    company: np.ndarray  # index into company_names
    company_names: list[str]
    planted: np.ndarray  # bool: the planted company's IPs


def format_ipv4(addresses: np.ndarray) -> np.ndarray:
    """Format integer addresses as dotted IPv4 text."""
    text = OCTET_TEXT[(addresses >> 24) & 255]
    for shift in (16, 8, 0):
        text = np.strings.add(np.strings.add(text, "."), OCTET_TEXT[(addresses >> shift) & 255])
    return text


def build_ip_lookup(rng: np.random.Generator, scale: float) -> IpLookup:
    """Draw the ranges and the names, and give each name its ranges."""
    range_count = max(MIN_LOOKUP_ROWS, round(FULL_LOOKUP_ROWS * scale))
    info_count = min(range_count // 2, max(MIN_INFO_COUNT, round(FULL_INFO_COUNT * scale)))
    starts, prefixes = _draw_ranges(rng, range_count)
    order = np.argsort(starts)
    starts, prefixes = starts[order], prefixes[order]

    # Name 0 is DIGITOWN with its one range, name 1 the planted company with a few /24 ranges;
    # the other names share the rest, each at least one range, with Zipf-like counts.
    info = np.empty(range_count, dtype=np.int64)
    target = int(np.flatnonzero(starts == TARGET_ADDRESS)[0])
    info[target] = 0
    candidates = np.flatnonzero((prefixes == 24) & (starts != TARGET_ADDRESS))
    planted_ranges = np.sort(rng.choice(candidates, PLANTED_RANGE_COUNT, replace=False))
    info[planted_ranges] = 1
    rest = rng.permutation(np.setdiff1d(np.arange(range_count), np.append(planted_ranges, target)))
    others = info_count - 2
    weights = rng.permutation(1.0 / (np.arange(others) + 5.0) ** 1.05)
    counts = 1 + rng.multinomial(len(rest) - others, weights / weights.sum())
    info[rest] = np.repeat(np.arange(2, info_count), counts)

    names = [TARGET_COMPANY, PLANTED_COMPANY] + _draw_names(rng, others)
    planted_network = f"{format_ipv4(starts[planted_ranges[:1]])[0]}/24"
    return IpLookup(starts, prefixes, info, names, planted_ranges, planted_network)


def _draw_ranges(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``count`` non-overlapping public ranges; one of them is DIGITOWN's 178.248.55.0/24."""
    slots = np.arange(1 << (32 - SLOT_BITS), dtype=np.int64)
    first, second = slots >> 13, (slots >> 5) & 255
    public = ~(np.isin(first, [0, 10, 127]) | (first >= 224)
               | ((first == 100) & (second >= 64) & (second < 128))
               | ((first == 169) & (second == 254)) | ((first == 172) & (second >= 16) & (second < 32))
               | ((first == 192) & (second == 168)) | ((first == 198) & np.isin(second, [18, 19])))

    # Large ranges each take a whole /16 of their own, away from DIGITOWN's.
    large_count = max(1, round(count * LARGE_RANGE_SHARE))
    regions = np.flatnonzero(public.reshape(-1, 32).all(axis=1))
    regions = rng.choice(regions[regions != TARGET_ADDRESS >> 16], large_count, replace=False)
    large_prefix = rng.choice(LARGE_PREFIXES, large_count, p=LARGE_PREFIX_SHARES)
    large_start = (regions << 16) + (rng.integers(0, 1 << (large_prefix - 16)) << (32 - large_prefix))
    available = public.copy()
    available.reshape(-1, 32)[regions] = False
    available[TARGET_ADDRESS >> SLOT_BITS] = False

    small_count = count - large_count - 1
    small_slots = rng.choice(np.flatnonzero(available), small_count, replace=False)
    small_prefix = rng.choice(SMALL_PREFIXES, small_count, p=SMALL_PREFIX_SHARES)
    offset = rng.integers(0, 1 << (small_prefix - 21)) << (32 - small_prefix)
    small_start = (small_slots << SLOT_BITS) + offset

    starts = np.concatenate([large_start, small_start, [TARGET_ADDRESS]])
    prefixes = np.concatenate([large_prefix, small_prefix, [24]])
    return starts, prefixes


def _draw_names(rng: np.random.Generator, count: int) -> list[str]:
    """Draw ``count`` distinct registry-style names such as ``BRALOK-AS`` or ``TIMORA.COM``."""
    names: dict[str, None] = {}
    while len(names) < count:
        batch = 2 * (count - len(names)) + 16
        parts = [np.array(ONSETS)[rng.integers(0, len(ONSETS), batch)],
                 np.array(VOWELS)[rng.integers(0, len(VOWELS), batch)],
                 np.array(ONSETS)[rng.integers(0, len(ONSETS), batch)],
                 np.array(VOWELS)[rng.integers(0, len(VOWELS), batch)],
                 np.where(rng.random(batch) < 0.4,
                          np.strings.add(np.array(ONSETS)[rng.integers(0, len(ONSETS), batch)],
                                         np.array(VOWELS)[rng.integers(0, len(VOWELS), batch)]), ""),
                 np.array(CODAS)[rng.integers(0, len(CODAS), batch)],
                 np.array(SUFFIXES)[rng.choice(len(SUFFIXES), batch, p=SUFFIX_SHARES)]]
        words = parts[0]
        for part in parts[1:]:
            words = np.strings.add(words, part)
        for word in words.tolist():
            if word not in RESERVED_NAMES[:2]:
                names[word] = None
    chosen = list(names)[:count]
    # ALTANET-AS, the name seen in the case's write-ups, replaces one drawn name.
    chosen[int(rng.integers(0, count))] = RESERVED_NAMES[2]
    return chosen


def write_ip_lookup(table: IpLookup, path: Path, level: int) -> int:
    """Write ``IpCidr,Info`` rows without a header, sorted by address; return the file size."""
    cidr = np.strings.add(np.strings.add(format_ipv4(table.starts), "/"),
                          OCTET_TEXT[table.prefixes])
    names = pa.array(table.names)
    rows = pa.table({"IpCidr": pa.array(cidr.tolist()),
                     "Info": pa.DictionaryArray.from_arrays(pa.array(table.info, pa.int32()), names)})
    buffer = pa.BufferOutputStream()
    pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                 compresslevel=level, mtime=0) as stream:
        stream.write(buffer.getvalue())
    return path.stat().st_size


def place_clients(rng: np.random.Generator, table: IpLookup, client_count: int,
                  planted_count: int) -> ClientPlacement:
    """Put client IPs inside the ranges of a set of companies, plus the planted company's IPs.

    Company sizes follow a Zipf-like law (from 1 client to about a tenth of all clients), and
    bigger companies go to names that own more address space. The planted IPs share one /24.
    """
    ordinary_count = client_count - planted_count
    company_count = max(8, round(ordinary_count * 0.12))
    weights = 1.0 / (np.arange(company_count) + 1.0) ** 1.1
    sizes = np.sort(1 + rng.multinomial(ordinary_count - company_count, weights / weights.sum()))[::-1]

    capacity = np.bincount(table.info, weights=2.0 ** (32 - table.prefixes), minlength=len(table.names))
    range_counts = np.bincount(table.info, minlength=len(table.names))
    candidates = np.arange(2, len(table.names))
    picked = rng.choice(candidates, company_count, replace=False,
                        p=range_counts[candidates] / range_counts[candidates].sum())
    picked = picked[np.argsort(-capacity[picked], kind="stable")]
    if np.any(capacity[picked] < 4 * sizes):
        raise RuntimeError("the lookup table is too small for the client companies; raise the scale")

    # Each client takes a random range of its company and a random host address inside it.
    company = np.repeat(np.arange(company_count), sizes)
    by_info = np.argsort(table.info, kind="stable")
    first_range = np.searchsorted(table.info[by_info], picked)
    address = np.zeros(ordinary_count, dtype=np.int64)
    pending = np.arange(ordinary_count)
    while len(pending):
        info = picked[company[pending]]
        pick = by_info[first_range[company[pending]] + rng.integers(0, range_counts[info])]
        size = 1 << (32 - table.prefixes[pick])
        address[pending] = table.starts[pick] + 1 + rng.integers(0, size - 2)
        _, first_seen = np.unique(address, return_index=True)
        repeated = np.ones(ordinary_count, dtype=bool)
        repeated[first_seen] = False
        pending = np.flatnonzero(repeated)

    planted_hosts = 1 + rng.choice(254, planted_count, replace=False)
    address = np.concatenate([address, table.starts[table.planted_ranges[0]] + planted_hosts])
    company = np.concatenate([company, np.full(planted_count, company_count)])
    names = [table.names[int(i)] for i in picked] + [table.names[1]]
    planted = np.arange(client_count) >= ordinary_count

    order = np.argsort(address)
    return ClientPlacement(address[order], company[order], names, planted[order])
