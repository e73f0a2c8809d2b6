"""ProgressBar: drawn only on a terminal, cleared when finished."""

from __future__ import annotations

import io
from pathlib import Path

from kqlite.storage.progress import ProgressBar, progress_bar_for


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_silent_when_not_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar("log.csv.gz", total_bytes=100, stream=stream)
    bar(10, 50)
    bar.finish()
    assert stream.getvalue() == ""


def test_progress_draws_share_and_rows() -> None:
    stream = FakeTerminal()
    bar = ProgressBar("log.csv.gz", total_bytes=200, stream=stream)
    bar(1_500, 100)
    assert "log.csv.gz" in stream.getvalue()
    assert "50%" in stream.getvalue()
    assert "1,500 rows" in stream.getvalue()
    bar.finish()
    assert stream.getvalue().endswith("\r\033[K")


def test_progress_without_total_shows_rows() -> None:
    stream = FakeTerminal()
    ProgressBar("http source", stream=stream)(42, 2_000_000)
    assert "42 rows, 2 MB" in stream.getvalue()


def test_progress_bar_for_local_file(tmp_path: Path) -> None:
    path = tmp_path / "log.csv.gz"
    path.write_bytes(b"x" * 300)
    bar = progress_bar_for(str(path))
    assert bar.total_bytes == 300
    assert bar.label == "log.csv.gz"
    assert progress_bar_for(path.as_uri()).total_bytes == 300
    assert progress_bar_for("http://127.0.0.1:1/x.csv").total_bytes is None
