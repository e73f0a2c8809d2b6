"""`load_engine` leaves nothing for a first query to import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src"

# Runs in a fresh interpreter, so that modules other tests imported do not hide a gap.
PROGRAM = """
import sys
import kqlite
from kqlite.preload import load_engine

load_engine()
before = set(sys.modules)
db = kqlite.connect()
db.execute('''
let T = range x from 1 to 60 step 1 | extend t = datetime(2024-01-01) + x * 1h, k = tostring(x % 3), v = x * 2;
T | lookup (datatable(k: string, n: string) ["0", "a", "1", "b"]) on k
  | make-series s = sum(v) on t step 1h by n
  | extend (a, score, base) = series_decompose_anomalies(s)
  | mv-expand score to typeof(double)
  | top 2 by score
''')
print(sorted(name for name in set(sys.modules) - before if name.startswith(("kqlite", "scipy", "pandas", "pyarrow"))))
"""


def test_first_query_after_load_engine_imports_nothing() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(SOURCE)}
    )
    assert completed.stdout.strip() == "[]"


def test_compile_lexer_builds_every_scanner() -> None:
    from kqlite.syntax import parser

    parser.compile_lexer()

    contextual = parser._parser().parser.lexer.lexer
    assert all(lexer._scanner is not None for lexer in contextual.lexers.values())
