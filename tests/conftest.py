"""Shared test set-up: the fresh-database fixture and the conformance and oracle summaries.

At the end of a run the terminal summary states how many conformance cases pass and
how many of the queries kqlite and Microsoft's analyzer agree on. The same figures are
stored in pytest's cache, and ``pytest --cache-show 'kqlite/*'`` prints them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

# Part of a test id -> the title of the summary line that counts those tests.
SUMMARISED_SUITES = {
    "test_conformance.py::test_conformance[": "conformance cases",
    "test_oracle_schemas.py::test_agrees_with_kusto_language[": "queries checked against Kusto.Language",
}
OUTCOMES = ("passed", "failed", "error", "xfailed", "xpassed", "skipped")


@pytest.fixture
def db() -> Any:
    """A fresh in-memory kqlite database."""
    import kqlite

    return kqlite.connect()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for marker, title in SUMMARISED_SUITES.items():
        counts = _count_outcomes(terminalreporter.stats, marker)
        total = sum(counts.values())
        if total == 0:
            continue

        outcome_list = ", ".join(f"{counts[outcome]} {outcome}" for outcome in OUTCOMES if counts[outcome])
        ran = total - counts["skipped"]
        agreed = counts["passed"]
        share = f"{100 * agreed / ran:.1f}%" if ran else "n/a"
        terminalreporter.write_line(f"{title}: {agreed} of {ran} pass ({share}); {outcome_list}")

        codes = _diagnostic_code_agreement(terminalreporter.stats, marker)
        if codes:
            agreeing = sum(codes)
            terminalreporter.write_line(
                f"  of the {len(codes)} queries both reject, {agreeing} share kqlite's diagnostic code"
            )

        if config.cache is not None:
            key = "kqlite/" + title.replace(" ", "-")
            config.cache.set(key, {"total": total, **{outcome: counts[outcome] for outcome in OUTCOMES}})


def _count_outcomes(stats: dict[str, list[Any]], marker: str) -> Counter[str]:
    # One outcome per test: a passed test counts by its call phase, any other outcome by
    # whichever phase reported it (a skip or error may come from set-up), and a failure
    # in any phase outweighs a pass.
    outcomes: dict[str, str] = {}
    for outcome in ("failed", "error", "xpassed", "xfailed", "passed", "skipped"):
        for report in stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if marker not in nodeid:
                continue
            if outcome == "passed" and getattr(report, "when", "call") != "call":
                continue
            outcomes.setdefault(nodeid, outcome)
    return Counter(outcomes.values())


def _diagnostic_code_agreement(stats: dict[str, list[Any]], marker: str) -> list[bool]:
    # The oracle test records, for each query both sides reject, whether the codes agree.
    found: dict[str, bool] = {}
    for reports in stats.values():
        for report in reports:
            if marker in getattr(report, "nodeid", ""):
                for key, value in getattr(report, "user_properties", ()):
                    if key == "diagnostic_code_agrees":
                        found[report.nodeid] = bool(value)
    return list(found.values())
