"""Long fuzzing run: ``python -m tests.fuzz --cases 100000`` from the repository root.

Writes the tallies to ``benchmarks/results/fuzz.json`` (or ``--output``). Needs Node.js
and the analyzer package named by ``KQLITE_ORACLE_MODULES`` for the comparison; without
them only kqlite's own crashes are counted.
"""

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPOSITORY / "src"), str(REPOSITORY / "tests")]

from fuzz.long_run import main  # noqa: E402 - needs the paths above

sys.exit(main())
