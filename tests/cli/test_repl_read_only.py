"""The REPL opens a database folder read-only when asked, beside a process that writes to it."""

from __future__ import annotations

from pathlib import Path

import kqlite
from kqlite.cli.repl import EngineLoader


def test_engine_loader_opens_a_locked_folder_read_only(tmp_path: Path) -> None:
    writer = kqlite.connect(tmp_path / "db")
    writer.execute(".set T <| print x = 1")
    loader = EngineLoader(str(tmp_path / "db"), read_only=True)

    loader.start()
    database = loader.future.result(timeout=60)

    assert database.execute("T | count").rows() == [(1,)]
    writer.close()
