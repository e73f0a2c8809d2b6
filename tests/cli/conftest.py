"""Run the ``kqlite`` command: in a subprocess as a person would, or its `main` in this process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE_FOLDER = Path(__file__).resolve().parents[2] / "src"

RunKqlite = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kqlite_home(tmp_path: Path) -> Path:
    """An empty folder for the default database, so no test touches the user's own."""
    return tmp_path / "home-db"


@pytest.fixture
def run_kqlite(kqlite_home: Path, tmp_path: Path) -> RunKqlite:
    """Return a function that runs ``python -m kqlite ARGS`` and returns the finished process.

    The checkout's ``src`` folder comes first on PYTHONPATH, so the tests run this
    working tree's code whether or not the package is installed.
    """

    def run(*arguments: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_FOLDER), environment.get("PYTHONPATH")]))
        environment["KQLITE_HOME"] = str(kqlite_home)
        return subprocess.run(
            [sys.executable, "-m", "kqlite", *arguments],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=cwd or tmp_path,
            env=environment,
            timeout=120,
            check=False,
        )

    return run


@dataclass(frozen=True)
class Finished:
    """The exit code and the captured output of one in-process run of `kqlite.cli.main.main`."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kqlite_home: Path, tmp_path: Path) -> Callable[..., Finished]:
    """Return a function that runs the command's `main` in this process, for the many fast checks.

    It runs with the same arguments, environment and standard streams as the installed
    command and returns the same exit codes. argparse's usage errors arrive as
    SystemExit(2), which it turns into the exit code.
    """
    monkeypatch.setenv("KQLITE_HOME", str(kqlite_home))
    monkeypatch.chdir(tmp_path)

    def run(*arguments: str, stdin: str | None = None) -> Finished:
        from kqlite.cli.main import main

        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = main(list(arguments))
        except SystemExit as exit_request:
            code = int(exit_request.code or 0)
        out, err = capsys.readouterr()
        return Finished(code, out, err)

    return run


@pytest.fixture
def script_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Return a function that writes a script file into the test's folder and returns its path."""

    def write(text: str, name: str = "script.kql") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# A script whose fourth block fails (line 11, column 9: the unknown column 'Cost').
SHOP_SCRIPT = """\
.create table Items (Name:string, Price:long)

.ingest inline into table Items <|
apple,3
pear,5

Items
| summarize Total = sum(Price)

Items
| where Cost > 1

print done = 1
"""


@pytest.fixture
def shop_script(tmp_path: Path) -> Path:
    """A five-block script file: create, ingest, a summary, a failing query, then a print."""
    path = tmp_path / "shop.kql"
    path.write_text(SHOP_SCRIPT, encoding="utf-8")
    return path
