"""How kqlite takes in text and reports what it cannot take: byte-order marks, pasted
typography, non-UTF-8 scripts, read-only databases, numpy warnings, DataFrames it
cannot store, internal errors and ``--version``.

Checks of the command run it in a subprocess, as a person would; checks of the Python
API call `kqlite.connect` directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kqlite
from kqlite.syntax.hints import character_hint

RunKqlite = Callable[..., subprocess.CompletedProcess[str]]
SOURCE_FOLDER = Path(__file__).resolve().parents[2] / "src"
BOM = "\ufeff"


def run_with_bytes(arguments: list[str | bytes], stdin: bytes | None, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m kqlite`` with byte arguments and byte input, for text that is not UTF-8."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_FOLDER), environment.get("PYTHONPATH")]))
    environment["KQLITE_HOME"] = str(cwd / "home-db")
    return subprocess.run(
        [sys.executable, "-m", "kqlite", *arguments],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=environment,
        timeout=120,
        check=False,
    )


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run Python `code` in a subprocess with this checkout's kqlite importable."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_FOLDER), environment.get("PYTHONPATH")]))
    environment["KQLITE_HOME"] = str(cwd / "home-db")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120, check=False
    )


# ---------------------------------------------------------------- byte-order mark


def test_script_file_with_bom_runs(run_kqlite: RunKqlite, tmp_path: Path) -> None:
    (tmp_path / "bom.kql").write_bytes(b"\xef\xbb\xbfprint x = 1\n")

    finished = run_kqlite("--memory", "run", "bom.kql")

    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == ""
    assert finished.stdout.splitlines()[2].strip() == "1"


def test_piped_stdin_with_bom_runs(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", stdin=BOM + "print x = 2\n")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines()[2].strip() == "2"


def test_command_text_with_bom_runs(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", BOM + "print x = 3")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines()[2].strip() == "3"


def test_execute_skips_leading_bom() -> None:
    db = kqlite.connect()

    assert db.execute(BOM + "print x = 4").rows() == [(4,)]
    assert db.schema_of(BOM + "print x = 4") == [("x", "long")]


def test_bom_inside_text_is_an_error() -> None:
    db = kqlite.connect()

    with pytest.raises(kqlite.KqlSyntaxError) as raised:
        db.execute("print x = 1" + BOM)

    assert raised.value.code == "KS002"
    assert raised.value.hint == "byte-order mark (U+FEFF): delete it"


# ---------------------------------------------------------------- pasted typography


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("print \u201chello\u201d", "curly quote (U+201C): use ' or \""),
        ("print \u2018hello\u2019", "curly quote (U+2018): use ' or \""),
        ("print 5 \u2013 3", "en dash (U+2013): use - (hyphen-minus)"),
        ("print 5 \u2014 3", "em dash (U+2014): use - (hyphen-minus)"),
        ("print 5 \u2212 3", "minus sign (U+2212): use - (hyphen-minus)"),
        ("print 2 \u00d7 3", "multiplication sign (U+00D7): use *"),
        ("print 1\u200b", "zero-width space (U+200B): delete it"),
        ("print\u00a01", "no-break space (U+00A0): use a normal space"),
        ("print 1 \x01", "control character U+0001: delete it"),
        ("print 1 \u202e", "bidirectional text control (U+202E): delete it"),
    ],
)
def test_pasted_character_hint(query: str, hint: str) -> None:
    db = kqlite.connect()

    with pytest.raises(kqlite.KqlSyntaxError) as raised:
        db.execute(query)

    assert raised.value.code == "KS002"
    assert raised.value.hint == hint


def test_invisible_character_shown_as_code_point() -> None:
    db = kqlite.connect()

    with pytest.raises(kqlite.KqlSyntaxError) as raised:
        db.execute("print 1\u200b")

    first_line = str(raised.value).splitlines()[0]
    assert first_line == "syntax error[KS002]: unexpected character '<U+200B>'"


def test_character_hint_keeps_kql_slips() -> None:
    assert character_hint("&") == "use 'and' to combine conditions; '&&' is not KQL"
    assert character_hint("`") == "a multi-line string starts and ends with ```"
    assert character_hint("\udcff") == "the byte 0xFF is not UTF-8 text: save the text as UTF-8"
    assert character_hint("#") is None


def test_pasted_quote_hint_in_command(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", "print \u201chello\u201d")

    assert finished.returncode == 1
    assert "error[KS002]" in finished.stderr
    assert "= hint: curly quote (U+201C): use ' or \"" in finished.stderr


# ---------------------------------------------------------------- error output of hostile text


def test_escape_sequence_on_stdin_not_echoed(tmp_path: Path) -> None:
    finished = run_with_bytes(["--memory"], b"print 1 \x1b]0;X\x07", tmp_path)
    stderr = finished.stderr.decode()

    assert finished.returncode == 1
    assert b"\x1b" not in finished.stderr
    assert b"\x07" not in finished.stderr
    assert "1 | print 1 <U+001B>]0;X<U+0007>" in stderr


def test_undecodable_argument_shown_as_bytes(tmp_path: Path) -> None:
    finished = run_with_bytes(["--memory", "-c", b"print 1 \xff\xfe"], None, tmp_path)
    stderr = finished.stderr.decode()

    assert finished.returncode == 1
    assert "\\udc" not in stderr
    assert "1 | print 1 <0xFF><0xFE>" in stderr
    assert "= hint: the byte 0xFF is not UTF-8 text" in stderr


def test_error_in_long_line_is_windowed(run_kqlite: RunKqlite) -> None:
    query = "print " + ", ".join(f"c{number} = {number}" for number in range(500)) + " junk"

    finished = run_kqlite("--memory", "-c", query)

    assert finished.returncode == 1
    assert len(query) > 5000
    assert max(len(line) for line in finished.stderr.splitlines()) <= 110
    assert "junk" in finished.stderr


# ---------------------------------------------------------------- scripts that are not UTF-8


def test_utf16_script_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "utf16.kql").write_bytes("print 1\n".encode("utf-16"))

    finished = run_with_bytes(["--memory", "run", "utf16.kql"], None, tmp_path)
    stderr = finished.stderr.decode()

    assert finished.returncode == 2
    assert stderr.startswith("runtime error[KL107]: script utf16.kql must be UTF-8 text: it is UTF-16 text")
    assert "  --> utf16.kql" in stderr
    assert "iconv -f UTF-16 -t UTF-8 utf16.kql" in stderr
    assert "codec" not in stderr


def test_latin1_script_names_first_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "latin.kql").write_bytes(b"print 1\nprint s = 'caf\xe9'\n")

    finished = run_with_bytes(["--memory", "run", "latin.kql"], None, tmp_path)
    stderr = finished.stderr.decode()

    assert finished.returncode == 2
    assert "error[KL107]" in stderr
    assert "the byte 0xE9 at line 2, column 15 (counted in bytes)" in stderr


def test_utf16_stdin_is_rejected(tmp_path: Path) -> None:
    finished = run_with_bytes(["--memory"], "print 1\n".encode("utf-16"), tmp_path)
    stderr = finished.stderr.decode()

    assert finished.returncode == 2
    assert stderr.startswith("runtime error[KL107]: standard input must be UTF-8 text")
    assert finished.stdout == b""


# ---------------------------------------------------------------- read-only databases


@pytest.fixture
def locked_folder(tmp_path: Path) -> Path:
    """A database folder with table T (one row), held open for writing by this process."""
    folder = tmp_path / "db1"
    writer = kqlite.connect(folder)
    writer.execute(".set T <| print x = 1")
    yield folder
    writer.close()


def test_locked_folder_hint_names_option(run_kqlite: RunKqlite, locked_folder: Path) -> None:
    finished = run_kqlite("--db", str(locked_folder), "-c", "T | count")

    assert finished.returncode == 1
    assert "error[KL101]" in finished.stderr
    assert f"kqlite --read-only --db {locked_folder}" in finished.stderr
    assert f"kqlite.connect('{locked_folder}', read_only=True)" in finished.stderr


def test_read_only_option_queries_locked_folder(run_kqlite: RunKqlite, locked_folder: Path) -> None:
    finished = run_kqlite("--read-only", "--db", str(locked_folder), "--format", "csv", "-c", "T | count")

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == ["Count", "1"]


def test_read_only_option_rejects_writes(run_kqlite: RunKqlite, locked_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "write.kql").write_text(".drop table T\n", encoding="utf-8")

    finished = run_kqlite("run", "write.kql", "--read-only", "--db", str(locked_folder))

    assert finished.returncode == 1
    assert "error[KL119]: database 'db1' was opened read-only" in finished.stderr


def test_read_only_with_memory_is_usage_error(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "--read-only", "-c", "print 1")

    assert finished.returncode == 2
    assert "--read-only opens a database folder" in finished.stderr


def test_connect_read_only_while_locked(locked_folder: Path) -> None:
    reader = kqlite.connect(locked_folder, read_only=True)

    assert reader.execute("T").rows() == [(1,)]
    with pytest.raises(kqlite.KqlRuntimeError) as raised:
        reader.register("U", pd.DataFrame({"a": [1]}))
    assert raised.value.code == "KL119"
    assert reader.table_names() == ["T"]
    reader.close()


def test_connect_read_only_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-db"

    with pytest.raises(kqlite.KqlRuntimeError) as raised:
        kqlite.connect(missing, read_only=True)

    assert raised.value.code == "KL109"
    assert str(missing) in raised.value.message
    assert not missing.exists()


# ---------------------------------------------------------------- numpy warnings


def test_round_overflow_prints_no_warning(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "--format", "json", "-c", "print r = round(1.5, 1000)")

    assert finished.returncode == 0
    assert finished.stderr == ""
    assert json.loads(finished.stdout)["rows"] == [[None]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("print round(1.5, 1000)", None),
        ("print round(1.5, -1000)", None),
        ("print 1.0 / 0", float("inf")),
        ("print exp(1000)", float("inf")),
        ("print log(-1)", None),
        ("print pow(10, 400)", float("inf")),
        ("print 5 % 0", None),
    ],
)
def test_numeric_edge_raises_no_warning(query: str, expected: float | None) -> None:
    db = kqlite.connect()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = db.execute(query).rows()

    assert rows == [(expected,)]


# ---------------------------------------------------------------- DataFrames register cannot store


def test_register_large_uint64_is_kql_error() -> None:
    db = kqlite.connect()
    frame = pd.DataFrame({"Bytes": np.array([1, 2**63], dtype=np.uint64)})

    with pytest.raises(kqlite.KqlRuntimeError) as raised:
        db.register("U", frame)

    assert raised.value.code == "KL125"
    assert "column 'Bytes' holds uint64 values up to 9223372036854775808" in raised.value.message
    assert raised.value.hint is not None and "schema={'Bytes': 'real'}" in raised.value.hint


def test_register_small_uint64_is_long() -> None:
    db = kqlite.connect()

    db.register("U", pd.DataFrame({"Bytes": np.array([1, 2**63 - 1], dtype=np.uint64)}))

    assert db.execute("U").rows() == [(1,), (2**63 - 1,)]
    assert db.execute("U").columns == [("Bytes", "long")]


def test_register_duplicate_columns_is_kql_error() -> None:
    db = kqlite.connect()
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])

    with pytest.raises(kqlite.KqlRuntimeError) as raised:
        db.register("D", frame)

    assert raised.value.code == "KL126"
    assert "more than one column named 'a'" in raised.value.message
    assert raised.value.hint is not None


def test_register_unconvertible_column_is_kql_error() -> None:
    db = kqlite.connect()

    with pytest.raises(kqlite.KqlRuntimeError) as raised:
        db.register("S", pd.DataFrame({"a": ["abc"]}), schema={"a": "long"})

    assert raised.value.code == "KL125"
    assert "column 'a'" in raised.value.message


def test_register_unknown_schema_type_is_kql_error() -> None:
    db = kqlite.connect()

    with pytest.raises(kqlite.KqlSemanticError) as raised:
        db.register("S", pd.DataFrame({"a": [1]}), schema={"a": "integer"})

    assert raised.value.code == "KS160"


# ---------------------------------------------------------------- internal errors


BROKEN_EXECUTOR = """
import sys
import kqlite.executor.tabular as tabular

def fail(self, node):
    raise ZeroDivisionError("division by zero")

tabular.Executor.run = fail
from kqlite.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_internal_error_shows_code_and_place(tmp_path: Path) -> None:
    (tmp_path / "bug.kql").write_text(".create table T (a:long)\n\nprint 1\n", encoding="utf-8")

    finished = run_python(BROKEN_EXECUTOR.replace("sys.argv[1:]", "['--memory', 'run', 'bug.kql']"), tmp_path)

    assert finished.returncode == 1
    lines = finished.stderr.splitlines()
    assert lines[0] == "internal error[KL999]: this is a kqlite bug: ZeroDivisionError: division by zero"
    assert lines[1] == " --> bug.kql:3:1"
    assert "3 | print 1" in lines


def test_failure_outside_query_shows_code(tmp_path: Path) -> None:
    code = """
import sys
import kqlite.cli.formatting as formatting

def fail(*arguments):
    raise KeyError("width")

formatting.write_result = fail
from kqlite.cli.main import main
sys.exit(main(['--memory', '-c', 'print 1']))
"""
    finished = run_python(code, tmp_path)

    assert finished.returncode == 1
    assert finished.stderr.startswith("internal error[KL999]: this is a kqlite bug: KeyError: 'width'")
    assert "run with --debug for the traceback" in finished.stderr


# ---------------------------------------------------------------- --version


def test_version_option(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--version")

    assert finished.returncode == 0
    assert finished.stdout == f"kqlite {kqlite.__version__}\n"
