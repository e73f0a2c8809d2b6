"""Conformance cases kqlite does not pass yet, each with the reason.

`test_conformance.py` marks each listed case ``xfail(strict=True)``, so a case that
starts to pass fails the run until its entry is removed here. A reason states what
kqlite does wrong or lacks, in words that need no other document.
"""

from __future__ import annotations

EXPECTED_FAILURES: dict[str, str] = {}
