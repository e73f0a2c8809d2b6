"""Fixtures of the chart tests: a database with the investigation's tables at a small scale."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def case4_database(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An in-memory database holding IpInfo, NetworkMetrics and IpInfoEx (about 29,000 traffic rows)."""
    import kqlite
    from kqlite.samples import kda_case4

    folder = tmp_path_factory.mktemp("case4")
    kda_case4.generate(folder, scale=0.002, seed=1)
    database = kqlite.connect()
    previous = Path.cwd()
    os.chdir(folder)
    try:
        database.execute((REPOSITORY / "examples" / "kda-case4" / "setup.kql").read_text(encoding="utf-8"))
    finally:
        os.chdir(previous)
    database.execute(
        ".set-or-replace IpInfoEx <|\n"
        "    NetworkMetrics\n"
        "    | distinct ClientIP\n"
        "    | evaluate  ipv4_lookup(IpInfo, ClientIP, IpCidr)"
    )
    return database
