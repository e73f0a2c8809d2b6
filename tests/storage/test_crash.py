"""A writer killed in the middle of a command leaves every table as it was before or after.

A child process runs `.set-or-replace` (or `.ingest`) in a loop on a database folder. The
test kills it with SIGKILL at varying moments, then opens the folder and checks that the
table is in a state that a complete command produces.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kqlite.storage.catalog import Catalog

SOURCE = Path(__file__).resolve().parents[2] / "src"
ROWS = 200_000
KILL_DELAYS = (0.02, 0.11)

SET_OR_REPLACE_CHILD = f"""
import sys
import pandas as pd
from kqlite.storage.catalog import Catalog
from kqlite.storage.commands import execute_command
from kqlite.types import LONG

def query(text):
    value = int(text)
    return (("v", LONG),), pd.DataFrame({{"v": pd.array([value] * ({ROWS} + value), dtype="Int64")}})

catalog = Catalog(sys.argv[1])
for round in range(1_000_000):
    execute_command(f".set-or-replace T <| {{round % 7}}", catalog, query)
    if round == 0:
        open(sys.argv[2], "w").close()
"""

INGEST_CHILD = """
import sys
from kqlite.storage.catalog import Catalog
from kqlite.storage.commands import execute_command

catalog = Catalog(sys.argv[1])
execute_command(".create table T (k:string, v:long)", catalog, None)
for round in range(1_000_000):
    execute_command(f".ingest into table T (@'{sys.argv[3]}')", catalog, None)
    if round == 0:
        open(sys.argv[2], "w").close()
"""


def _start_child(code: str, *arguments: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PYTHONPATH": str(SOURCE)}
    return subprocess.Popen([sys.executable, "-c", code, *arguments], env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when_ready(child: subprocess.Popen[bytes], ready: Path, delay: float) -> None:
    deadline = time.monotonic() + 60
    while not ready.exists():
        if child.poll() is not None:
            raise AssertionError(f"child exited early: {child.stderr.read().decode() if child.stderr else ''}")
        if time.monotonic() > deadline:
            os.kill(child.pid, signal.SIGKILL)
            raise AssertionError("child did not finish its first command within 60 s")
        time.sleep(0.01)
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


@pytest.mark.parametrize("delay", KILL_DELAYS)
def test_killed_set_or_replace_leaves_whole_table(tmp_path: Path, delay: float) -> None:
    folder = tmp_path / "db"
    child = _start_child(SET_OR_REPLACE_CHILD, str(folder), str(tmp_path / "ready"))
    _kill_when_ready(child, tmp_path / "ready", delay)

    with Catalog(folder) as catalog:
        values = catalog.get("T").frame["v"]
        value = int(values.iloc[0])
        assert len(values) == ROWS + value
        assert catalog.row_count("T") == len(values)
        assert (values == value).all()
    assert not [path.name for path in folder.iterdir() if ".tmp-" in path.name]
    _assert_only_listed_extents(folder)


def _assert_only_listed_extents(folder: Path) -> None:
    # Reopening for writing deletes the extent a killed writer may have left unlisted.
    manifest = json.loads((folder / "T.table.json").read_text())
    assert sorted(path.name for path in folder.glob("*.arrow")) == sorted(manifest["extents"])


@pytest.mark.parametrize("delay", KILL_DELAYS)
def test_killed_ingest_leaves_whole_batches(tmp_path: Path, delay: float) -> None:
    folder = tmp_path / "db"
    source = tmp_path / "batch.csv.gz"
    source.write_bytes(gzip.compress("".join(f"k{index % 5},{index}\n" for index in range(ROWS // 4)).encode()))
    child = _start_child(INGEST_CHILD, str(folder), str(tmp_path / "ready"), str(source))
    _kill_when_ready(child, tmp_path / "ready", delay)

    with Catalog(folder) as catalog:
        frame = catalog.get("T").frame
        batches, remainder = divmod(len(frame), ROWS // 4)
        assert batches >= 1
        assert remainder == 0
        assert frame["v"].tolist()[: ROWS // 4] == list(range(ROWS // 4))
        assert frame["v"].sum() == batches * sum(range(ROWS // 4))
    _assert_only_listed_extents(folder)
