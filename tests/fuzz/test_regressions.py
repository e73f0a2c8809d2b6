"""Run the fuzzer's regression cases (`regressions.py`) through kqlite."""

from __future__ import annotations

from typing import Any

import pytest

from fuzz.corpus import data_database
from fuzz.differential import bind_verdict, execute_verdict, typed_tables
from fuzz.generator import FUZZ_SCHEMA
from fuzz.regressions import REGRESSIONS, Regression

TABLES = typed_tables(FUZZ_SCHEMA)


def _params() -> list[Any]:
    params = []
    for case in REGRESSIONS:
        marks = [pytest.mark.xfail(strict=True, reason=case.still_wrong)] if case.still_wrong else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.fixture(scope="module")
def data_db() -> Any:
    return data_database()


@pytest.mark.parametrize("case", _params())
def test_regression(case: Regression, data_db: Any) -> None:
    verdict = bind_verdict(data_db, case.query, TABLES)
    seen = f"{verdict.outcome} {verdict.code}: {verdict.message}"

    if case.expect == "runs":
        assert verdict.outcome == "accept", seen
        executed = execute_verdict(data_db, case.query)
        assert executed.outcome in ("accept", "runtime_error"), f"{executed.outcome} {executed.code}: {executed.message}"
    elif case.expect == "rejects":
        assert verdict.outcome == "reject", seen
    else:
        assert verdict.outcome == "accept", seen


def test_regression_names_unique() -> None:
    names = [case.name for case in REGRESSIONS]

    assert len(names) == len(set(names))


def test_regression_expectations_known() -> None:
    assert {case.expect for case in REGRESSIONS} <= {"runs", "rejects", "accepts"}
