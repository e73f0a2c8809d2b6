"""What the start-up shortcuts must not change: the console entry's fast exit, the function
registry loaded on first lookup, the parser pickled into the temporary folder, and the
dataclass methods that the node classes share."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kqlite.syntax import parser as parser_module

# The `run_kqlite` fixture of this folder's conftest.py.
RunKqlite = Callable[..., subprocess.CompletedProcess[str]]
SOURCE_FOLDER = Path(__file__).resolve().parents[2] / "src"


def test_print_exit_0_with_output(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", "print x = 41 + 1")

    assert finished.returncode == 0
    assert finished.stdout.split() == ["x", "--", "42", "(1", "row)"]
    assert finished.stderr == ""


def test_failing_query_exit_1(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", "print 1\n\nprint nosuchcolumn")

    assert finished.returncode == 1
    assert "(1 row)" in finished.stdout
    assert "KS" in finished.stderr
    assert "nosuchcolumn" in finished.stderr


def test_usage_error_exit_2(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--format", "yaml", "-c", "print 1")

    assert finished.returncode == 2
    assert "invalid choice" in finished.stderr


def test_run_output_file_complete(run_kqlite: RunKqlite, tmp_path: Path) -> None:
    script = tmp_path / "rows.kql"
    script.write_text("range i from 1 to 20000 step 1\n| extend s = strcat('row ', i)\n", encoding="utf-8")
    output = tmp_path / "rows.csv"

    finished = run_kqlite("run", str(script), "--memory", "--format", "csv", "--output", str(output))

    assert finished.returncode == 0
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "i,s"
    assert lines[-1] == "20000,row 20000"
    assert len(lines) == 20001


def test_piped_script_exit_code(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", stdin="print a = 'piped'\n\nprint b = unknown_name\n")

    assert finished.returncode == 1
    assert "piped" in finished.stdout
    assert "unknown_name" in finished.stderr


def test_queued_ingestion_kept_after_exit(run_kqlite: RunKqlite, tmp_path: Path) -> None:
    source = tmp_path / "numbers.csv"
    source.write_text("".join(f"{n}\n" for n in range(1, 1001)), encoding="utf-8")
    database = tmp_path / "db"
    script = f".create table T (n:long)\n\n.ingest async into table T (@'{source}')\n"

    ingested = run_kqlite("--db", str(database), "-c", script)
    counted = run_kqlite("--db", str(database), "--format", "csv", "-c", "T | summarize c = count(), s = sum(n)")

    assert ingested.returncode == 0
    assert counted.returncode == 0
    assert counted.stdout.splitlines() == ["c,s", "1000,500500"]


def test_lock_released_after_exit(run_kqlite: RunKqlite, tmp_path: Path) -> None:
    database = tmp_path / "db"

    first = run_kqlite("--db", str(database), "-c", ".create table T (n:long)")
    second = run_kqlite("--db", str(database), "-c", ".create table U (n:long)")

    assert first.returncode == 0
    assert second.returncode == 0, second.stderr


def test_misspelt_function_hint(run_kqlite: RunKqlite) -> None:
    finished = run_kqlite("--memory", "-c", 'print strln("ab")')

    assert finished.returncode == 1
    assert "KS211" in finished.stderr
    assert "did you mean 'strlen'?" in finished.stderr


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_FOLDER), environment.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def test_functions_load_on_first_lookup() -> None:
    finished = _run_python(
        "import sys, kqlite\n"
        "db = kqlite.connect()\n"
        "db.execute('print 1')\n"
        "print('kqlite.functions.strings' in sys.modules)\n"
        "print(db.execute('print n = strlen(\"abc\"), t = toupper(\"x\")').rows())\n"
        "print(db.execute('range i from 1 to 4 step 1 | summarize dcount(i)').rows())\n"
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == ["False", "[(3, 'X')]", "[(4,)]"]


def test_registry_listing_is_complete() -> None:
    finished = _run_python(
        "from kqlite.functions.registry import AGGREGATES, PLUGINS, SCALARS\n"
        "print('strlen' in SCALARS, 'dcount' in AGGREGATES, len(PLUGINS) > 0)\n"
        "print(sorted(SCALARS)[:1] == sorted(SCALARS.keys())[:1], SCALARS.get('toupper').name)\n"
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == ["True True True", "True toupper"]


def test_parser_loaded_at_import() -> None:
    assert parser_module._parser() is parser_module._PARSER


@pytest.fixture
def cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "parser.pickle"
    monkeypatch.setattr(parser_module, "_cache_path", lambda grammar: path)
    return path


def test_parser_rebuilt_from_damaged_cache(cache_file: Path) -> None:
    cache_file.write_bytes(b"not a pickle")
    cache_file.chmod(0o600)

    rebuilt = parser_module._load_parser()
    reloaded = parser_module._load_parser()

    text = "T | where a > 1 and b has 'x' | summarize n = count() by bin(t, 1d)"
    expected = parser_module._parser().parse(text)
    assert rebuilt.parse(text) == expected
    assert reloaded.parse(text) == expected
    assert cache_file.read_bytes().startswith(b"\x80")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file ownership is checked on POSIX only")
def test_parser_cache_writable_by_others_ignored(cache_file: Path) -> None:
    parser_module._write_pickle(parser_module._parser(), cache_file)
    cache_file.chmod(0o666)

    with open(cache_file, "rb") as file, pytest.raises(PermissionError):
        parser_module._read_pickle(file)


def _node_classes() -> list[type]:
    from kqlite.semantics import bound
    from kqlite.syntax import nodes

    return [
        cls
        for module in (nodes, bound)
        for cls in vars(module).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
    ]


def test_node_classes_share_methods() -> None:
    from kqlite.syntax.nodes import DataclassMethods

    classes = _node_classes()

    assert len(classes) > 80
    for cls in classes:
        assert issubclass(cls, DataclassMethods), cls.__name__
        assert "__eq__" not in cls.__dict__, cls.__name__
        assert "__repr__" not in cls.__dict__, cls.__name__


def test_shared_methods_match_generated() -> None:
    from kqlite.errors import Span
    from kqlite.syntax import nodes
    from kqlite.types import REAL

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Literal:
        span: Span
        value: Any
        kql_type: Any

    Literal.__qualname__ = "Literal"  # as nodes.Literal's, instead of this test's local name
    not_a_number = float("nan")
    shared = nodes.Literal(span=Span(0, 3), value=not_a_number, kql_type=REAL)
    generated = Literal(span=Span(0, 3), value=not_a_number, kql_type=REAL)
    same = nodes.Literal(span=Span(0, 3), value=not_a_number, kql_type=REAL)
    other_value = nodes.Literal(span=Span(0, 3), value=1.5, kql_type=REAL)

    assert repr(shared) == repr(generated)
    assert shared == same
    assert hash(shared) == hash(generated)
    assert shared != other_value
    assert shared != generated
    assert nodes.NameRef(span=Span(0, 1), name="a") != nodes.Literal(span=Span(0, 1), value="a", kql_type=REAL)


def test_unpicklable_parser_not_cached(cache_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(pickler: object, obj: object) -> None:
        raise TypeError("cannot pickle this object")

    monkeypatch.setattr(parser_module._Pickler, "dump", fail)

    parser_module._write_pickle(parser_module._parser(), cache_file)

    assert not cache_file.exists()
    assert list(cache_file.parent.glob("*.partial")) == []
