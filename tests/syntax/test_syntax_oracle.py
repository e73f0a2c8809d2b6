"""kqlite's syntax verdicts against Microsoft's analyzer (Kusto.Language), on the syntax corpus.

Runs only where Node.js and the analyzer package are installed (see `tests/oracle.py`).
Elsewhere the tests skip, with the missing piece as the reason. A query is syntactically valid for
Kusto.Language when it reports no syntax errors (semantic errors such as unknown tables
do not count).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kqlite.errors import KqlError
from kqlite.syntax.parser import parse
from oracle import Analysis, OracleUnavailable, Request, find_oracle
from syntax_corpus import ACCEPT, KNOWN_DIFFERENCES, REJECT

CORPUS = [(query, True) for query in ACCEPT] + [(query, False) for query in REJECT]
AGREED = [(query, valid) for query, valid in CORPUS if query not in KNOWN_DIFFERENCES]


@pytest.fixture(scope="module")
def analyses(request: pytest.FixtureRequest) -> dict[str, Analysis]:
    assert request.config.cache is not None
    try:
        oracle = find_oracle(Path(request.config.cache.mkdir("kql-oracle")))
    except OracleUnavailable as missing:
        pytest.skip(f"Kusto.Language is not available: {missing}")

    queries = [query for query, _ in CORPUS]
    return dict(zip(queries, oracle.analyze([Request(query) for query in queries]), strict=True))


def kqlite_accepts(query: str) -> bool:
    try:
        parse(query)
    except KqlError:
        return False
    return True


@pytest.mark.parametrize(("query", "valid"), AGREED)
def test_corpus_verdict_matches_kusto(query: str, valid: bool, analyses: dict[str, Analysis]) -> None:
    kusto_accepts = not analyses[query].syntax_errors

    assert kusto_accepts == valid, analyses[query].describe_errors(query)
    assert kqlite_accepts(query) == valid


@pytest.mark.parametrize("query", list(KNOWN_DIFFERENCES))
def test_known_differences_still_differ(query: str, analyses: dict[str, Analysis]) -> None:
    kusto_accepts = not analyses[query].syntax_errors

    assert kqlite_accepts(query) != kusto_accepts, KNOWN_DIFFERENCES[query]
