"""The README's troubleshooting section lists every error code kqlite can report."""

from __future__ import annotations

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
CODE = re.compile(r"\bK[SL]\d{3}\b")


def test_readme_lists_every_error_code() -> None:
    used = set()
    for source in (REPOSITORY / "src" / "kqlite").rglob("*.py"):
        used |= set(re.findall(r"[\"'](K[SL]\d{3})[\"']", source.read_text(encoding="utf-8")))
    troubleshooting = (REPOSITORY / "README.md").read_text(encoding="utf-8").split("## Troubleshooting", 1)[1]

    missing = sorted(used - set(CODE.findall(troubleshooting)))

    assert missing == []
