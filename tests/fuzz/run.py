"""Run the differential fuzzer over many cases and tally what it finds.

`run_batch` judges one batch of cases with kqlite, analyses the same batch with one
Kusto.Language process, and returns a `Tally`. The long mode (``python -m tests.fuzz``)
runs batches in parallel worker processes, each with its own oracle process, and
merges their tallies into one report.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fuzz.corpus import Case, data_database, make_cases
from fuzz.differential import Comparison, Verdict, bind_verdict, compare, execute_verdict, typed_tables
from fuzz.generator import FUZZ_SCHEMA
from oracle import Analysis, Oracle, OracleFailed, Request

# Share of generated queries that kqlite accepts which are also run on the small tables.
EXECUTE_SHARE = 0.25
# Examples kept per signature: the shortest query of each.
EXAMPLE_CHARACTERS = 400


@dataclass
class Finding:
    """A group of alike cases: how many, and the shortest query among them."""

    count: int = 0
    example: str = ""

    def add(self, query: str) -> None:
        self.count += 1
        if not self.example or len(query) < len(self.example):
            self.example = query[:EXAMPLE_CHARACTERS]


@dataclass
class Tally:
    """Counts and grouped findings of one or more batches."""

    counts: Counter[str] = field(default_factory=Counter)
    findings: dict[str, dict[str, Finding]] = field(default_factory=dict)

    def note(self, kind: str, signature: str, query: str) -> None:
        self.findings.setdefault(kind, {}).setdefault(signature, Finding()).add(query)

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        for kind, groups in other.findings.items():
            mine = self.findings.setdefault(kind, {})
            for signature, finding in groups.items():
                target = mine.setdefault(signature, Finding())
                target.count += finding.count
                if not target.example or (finding.example and len(finding.example) < len(target.example)):
                    target.example = finding.example

    def agreement(self) -> dict[str, Any]:
        """Summarise accept/reject agreement inside kqlite's surface and error positions."""
        agree = self.counts["both_accept"] + self.counts["both_reject"]
        inside = agree + self.counts["kqlite_accepts_kusto_rejects"] + self.counts["kqlite_rejects_kusto_accepts"]
        compared = self.counts["position_compared"]
        return {
            "inside_surface": inside,
            "agree": agree,
            "share": round(agree / inside, 4) if inside else None,
            "both_accept": self.counts["both_accept"],
            "both_reject": self.counts["both_reject"],
            "kqlite_accepts_kusto_rejects": self.counts["kqlite_accepts_kusto_rejects"],
            "kqlite_rejects_kusto_accepts": self.counts["kqlite_rejects_kusto_accepts"],
            "error_position_compared": compared,
            "error_position_within_one_token": self.counts["position_agrees"],
            "error_position_share": round(self.counts["position_agrees"] / compared, 4) if compared else None,
            "columns_compared": self.counts["both_accept"],
            "columns_agree": self.counts["columns_agree"],
        }

    def report(self, top: int = 40) -> dict[str, Any]:
        """Return the tally as JSON-ready data, each kind's groups largest first."""
        grouped = {
            kind: [
                {"signature": signature, "count": finding.count, "example": finding.example}
                for signature, finding in sorted(groups.items(), key=lambda item: -item[1].count)[:top]
            ]
            for kind, groups in sorted(self.findings.items())
        }
        return {"counts": dict(sorted(self.counts.items())), "agreement": self.agreement(), "findings": grouped}


def judge_cases(cases: list[Case], db: Any, data_db: Any | None) -> list[Verdict]:
    """Judge every case with ``schema_of``, and run a share of the accepted generated ones."""
    tables = typed_tables(FUZZ_SCHEMA)
    verdicts = []
    for number, case in enumerate(cases):
        verdict = bind_verdict(db, case.query, tables)
        runs = data_db is not None and case.origin == "generated" and number % round(1 / EXECUTE_SHARE) == 0
        if runs and verdict.outcome == "accept":
            executed = execute_verdict(data_db, case.query)
            if executed.outcome in ("crash", "timeout", "reject"):
                verdict = replace(executed, executed=executed.outcome)
            else:
                verdict = replace(verdict, executed=executed.outcome)
        verdicts.append(verdict)
    return verdicts


def tally_batch(cases: list[Case], verdicts: list[Verdict], analyses: list[Analysis | None] | None) -> Tally:
    """Count one batch; without analyses only kqlite's own outcomes are counted."""
    tally = Tally()
    for index, (case, verdict) in enumerate(zip(cases, verdicts, strict=True)):
        tally.counts["cases"] += 1
        tally.counts[f"origin_{case.origin}"] += 1
        tally.counts[f"kqlite_{verdict.outcome}"] += 1
        if verdict.executed:
            tally.counts["executed_" + verdict.executed] += 1
        if verdict.outcome in ("crash", "timeout"):
            tally.note(verdict.outcome, f"{verdict.stage or 'bind'}: {verdict.code}: {verdict.message[:120]}", case.query)
        if verdict.stage == "execute" and verdict.outcome == "reject":
            # schema_of accepted the query, but running it failed to bind or parse.
            tally.note("execute_rejects_bound_query", f"{verdict.code}: {verdict.message[:120]}", case.query)
        if analyses is None:
            continue

        analysis = analyses[index]
        if analysis is None:
            tally.counts["oracle_skipped"] += 1
            continue
        tally.counts["kusto_accept" if analysis.ok else "kusto_reject"] += 1
        comparison: Comparison = compare(case.query, verdict, analysis)
        tally.counts[comparison.kind] += 1
        if comparison.kind in ("kqlite_accepts_kusto_rejects", "kqlite_rejects_kusto_accepts", "not_supported",
                               "oracle_without_errors"):
            tally.note(comparison.kind, comparison.signature, case.query)
        if comparison.position_compared:
            tally.counts["position_compared"] += 1
            tally.counts["position_agrees"] += comparison.position_agrees
            if not comparison.position_agrees:
                tally.note("error_position", comparison.signature, case.query)
        if comparison.columns_agree:
            tally.counts["columns_agree"] += 1
    return tally


# Characters Python's str.splitlines breaks lines at but JSON leaves unescaped.
# NOTE: oracle.py splits the tool's output with splitlines, so an analysis that contains
# one of these is cut in two. Its cache also fails to store a message in which the tool
# cut a character outside the Basic Multilingual Plane in half. Queries with either kind
# of character are judged by kqlite alone.
UNSPLITTABLE = ("\x85", "\u2028", "\u2029")


def oracle_can_analyse(query: str) -> bool:
    return not any(character in query for character in UNSPLITTABLE) and all(ord(c) <= 0xFFFF for c in query)


# A batch the oracle fails on is split in halves down to this size. The cases of a
# piece this small that still fails are left unanalysed.
SMALLEST_RETRY = 25


def analyse(oracle: Oracle, cases: list[Case]) -> list[Analysis | None] | None:
    """Analyse a batch with the oracle; a case it cannot analyse maps to None.

    Returns None when no case at all could be analysed.
    """
    ready = [case for case in cases if oracle_can_analyse(case.query)]
    analyses = iter(_analyse_in_pieces(oracle, [Request(case.query, FUZZ_SCHEMA) for case in ready]))
    result = [next(analyses) if oracle_can_analyse(case.query) else None for case in cases]
    return result if any(analysis is not None for analysis in result) else None


def _analyse_in_pieces(oracle: Oracle, requests: list[Request]) -> list[Analysis | None]:
    try:
        return list(oracle.analyze(requests))
    except (OracleFailed, UnicodeError, ValueError, subprocess.SubprocessError):
        # ValueError covers an output line that is not JSON.
        if len(requests) <= SMALLEST_RETRY:
            return [None] * len(requests)
    middle = len(requests) // 2
    return _analyse_in_pieces(oracle, requests[:middle]) + _analyse_in_pieces(oracle, requests[middle:])


def run_batch(seed: str, count: int, seeds: list[str], oracle: Oracle | None, execute: bool = True) -> Tally:
    """Make, judge, analyse and tally one batch of `count` cases."""
    import kqlite

    cases = make_cases(seed, count, seeds)
    verdicts = judge_cases(cases, kqlite.connect(), data_database() if execute else None)
    analyses = None
    if oracle is not None:
        # A private cache folder per batch: the analyses are not reused, and parallel
        # workers never write the same cache file.
        with tempfile.TemporaryDirectory(prefix="kqlite-fuzz-") as folder:
            batch_oracle = Oracle(oracle.node, oracle.script, oracle.modules, Path(folder))
            analyses = analyse(batch_oracle, cases)
    tally = tally_batch(cases, verdicts, analyses)
    if oracle is not None and analyses is None:
        tally.counts["oracle_failed_batches"] += 1
    return tally
