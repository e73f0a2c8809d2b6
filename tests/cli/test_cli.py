"""The installed ``kqlite`` command, run in a subprocess: help, a query, errors, a script, a sample.

The many smaller checks of options and formats run `main` in-process (test_main.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SOURCE_FOLDER = Path(__file__).resolve().parents[2] / "src"

# The `run_kqlite` fixture of this folder's conftest.py.
RunKqlite = Callable[..., subprocess.CompletedProcess[str]]

# ---------------------------------------------------------------- help and usage


def test_help_names_default_database(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--help")

    assert finished.returncode == 0
    assert "$KQLITE_HOME" in finished.stdout
    assert "~/.local/share/kqlite/default" in finished.stdout
    for option in ("-c", "--format", "--output", "--db", "--memory", "--debug", "run", "sample"):
        assert option in finished.stdout


def test_help_imports_no_pandas() -> None:
    # --help must not wait for the engine: pandas alone takes about half a second to import.
    probe = (
        "import sys\n"
        "from kqlite.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('pandas' in sys.modules, file=sys.stderr)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SOURCE_FOLDER)},
        timeout=60,
        check=False,
    )

    assert finished.stderr.strip() == "False"


def test_piped_text_runs_as_script(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", stdin="print x = 41 + 1\n")

    assert finished.returncode == 0
    assert "42" in finished.stdout
    assert finished.stderr == ""


def test_unknown_option_exit_2(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--colour")

    assert finished.returncode == 2
    assert "unrecognized arguments: --colour" in finished.stderr


def test_console_script_declared() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert 'kqlite = "kqlite.cli.main:console_main"' in pyproject.read_text(encoding="utf-8")


def test_installed_console_script_runs() -> None:
    script = shutil.which("kqlite", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the kqlite console script is not installed next to this Python")
    finished = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)

    assert finished.returncode == 0
    assert "usage: kqlite" in finished.stdout


# ---------------------------------------------------------------- queries and formats


def test_query_prints_table(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", "print x=1, s='a'")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "x | s\n--+--\n1 | a\n(1 row)\n"


# ---------------------------------------------------------------- errors


def test_query_error_exit_1(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", "print x = 1\n| where y > 1")

    assert finished.returncode == 1
    assert finished.stdout == ""
    assert "Traceback" not in finished.stderr
    assert "line 2, column 9" in finished.stderr
    assert "2 | | where y > 1" in finished.stderr
    assert "  |         ^" in finished.stderr


# ---------------------------------------------------------------- scripts


def test_script_keep_going(run_kqlite: RunKqlite, shop_script: Path) -> None:
    script = shop_script
    finished = run_kqlite("--memory", "--format", "csv", "run", "--keep-going", str(script))

    assert finished.returncode == 1
    assert f"{script}:11:9" in finished.stderr
    assert finished.stdout.rstrip().endswith("done\n1")

# ---------------------------------------------------------------- samples


def test_sample_writes_files(run_kqlite: RunKqlite, tmp_path: Path) -> None:
    out = tmp_path / "data"
    finished = run_kqlite("sample", "kda-case4", "--scale", "0.0002", "--seed", "7", "--out", str(out))

    assert finished.returncode == 0, finished.stderr
    written = sorted(path.name for path in out.iterdir())
    assert "ip-lookup.csv.gz" in written
    assert "manifest.json" in written
    assert any(name.startswith("log_") for name in written)


def test_sample_writes_data_and_scripts(run_kqlite: RunKqlite, tmp_path: Path) -> None:
    out = tmp_path / "case"
    finished = run_kqlite("sample", "kda-case4", "--scale", "0.002", "--out", str(out))

    assert finished.returncode == 0
    for name in ("ip-lookup.csv.gz", "log_00000.csv.gz", "manifest.json", "setup.kql", "investigation.kql"):
        assert (out / name).is_file(), name
