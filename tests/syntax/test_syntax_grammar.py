"""Accept and reject cases of the KQL grammar, and the documented queries that must parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kqlite.errors import KqlError
from kqlite.syntax import nodes
from kqlite.syntax.parser import parse
from syntax_corpus import ACCEPT, KNOWN_DIFFERENCES, REJECT

SHARED_FOLDER = Path(__file__).resolve().parents[2] / ".." / "shared"
CONFORMANCE_FILE = SHARED_FOLDER / "conformance" / "doc-examples.jsonl"
CASE_FILE = SHARED_FOLDER / "case4-data.md"


@pytest.mark.parametrize("query", ACCEPT)
def test_accepts(query: str) -> None:
    assert isinstance(parse(query), nodes.Script)


@pytest.mark.parametrize("query", REJECT + [query for query in KNOWN_DIFFERENCES if query not in ACCEPT])
def test_rejects(query: str) -> None:
    with pytest.raises(KqlError) as caught:
        parse(query)

    assert caught.value.span is not None


def conformance_queries() -> list[str]:
    """Return the conformance queries that Kusto runs (cases without `expect_error`)."""
    if not CONFORMANCE_FILE.is_file():
        return []
    cases = [json.loads(line) for line in CONFORMANCE_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [case["query"] for case in cases if not case.get("expect_error")]


@pytest.mark.skipif(not CONFORMANCE_FILE.is_file(), reason="the shared conformance folder is not beside the repository")
@pytest.mark.parametrize("query", conformance_queries())
def test_conformance_query_parses(query: str) -> None:
    assert parse(query).statements


def article_queries(markdown: str) -> list[str]:
    """Split the article's query block into queries, as they were pasted one after another.

    A query starts on a line that begins in the first column with neither '|' nor a
    continuation of a `let` or `<|`; the query of a control command is the text after `<|`.
    """
    block = markdown.split("## The article's queries, in order", 1)[1].split("```")[1]
    queries: list[list[str]] = []
    for line in block.strip("\n").splitlines():
        continues = queries and (line[:1] in ("", " ", "|") or queries[-1][-1].rstrip().endswith((";", "<|")))
        if continues:
            queries[-1].append(line)
        else:
            queries.append([line])

    texts = ["\n".join(lines) for lines in queries]
    return [text.split("<|", 1)[1] if text.startswith(".") else text for text in texts]


@pytest.mark.skipif(not CASE_FILE.is_file(), reason="the shared case description is not beside the repository")
def test_article_queries_parse() -> None:
    queries = article_queries(CASE_FILE.read_text(encoding="utf-8"))

    assert len(queries) == 7
    for query in queries:
        assert parse(query).statements, query


def test_article_longest_query_shape() -> None:
    query = (
        "let window = 1d;\nNetworkMetrics\n| lookup IpInfoEx on ClientIP\n"
        "| make-series BytesSent=sum(BytesSent) on Timestamp step window by Info\n"
        "| extend  (BytesSentAnomaly, BytesSentAnomalyScore, BytesSentExpected) = series_decompose_anomalies(BytesSent)\n"
        "| mv-expand\n    Timestamp to typeof(datetime),\n    BytesSent to typeof(long),\n"
        "    BytesSentAnomalyScore to typeof(double),\n    BytesSentExpected to typeof(long)\n"
        "| top 1 by BytesSentAnomalyScore\n"
        "| project Info, Timestamp, BytesSent, BytesSentExpected, BytesSentAnomalyScore"
    )
    let, statement = parse(query).statements

    assert isinstance(let, nodes.Let)
    assert isinstance(statement, nodes.Query)
    assert isinstance(statement.expr, nodes.Pipeline)
    kinds = [type(operator).__name__ for operator in statement.expr.operators]
    assert kinds == ["Lookup", "MakeSeries", "Extend", "MvExpand", "Top", "Project"]


def test_empty_text_has_no_statements() -> None:
    assert parse("").statements == ()
    assert parse("// only a comment\n").statements == ()


def test_trailing_semicolon_allowed() -> None:
    assert len(parse("let x = 1; print x;").statements) == 2


@pytest.mark.parametrize(
    "query",
    [
        "T | project count",
        "T | project type",
        "T | summarize count() by kind",
        "T | where type == 'a'",
        "T | extend by_count = count",
        "print d.count, d.kind",
    ],
)
def test_keywords_as_names(query: str) -> None:
    parse(query)


def test_builder_has_a_method_per_rule() -> None:
    from kqlite.syntax.builder import Builder
    from kqlite.syntax.parser import _parser

    missing = set()
    for rule in _parser().rules:
        name = str(rule.alias or rule.origin.name)
        inlined = rule.options.expand1 and rule.alias is None and len(rule.expansion) == 1
        if inlined or name.startswith("_"):
            continue
        if not hasattr(Builder, name):
            missing.add(name)

    assert missing == set()
