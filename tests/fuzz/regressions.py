"""Queries the fuzzer found, one per kind of fault, kept as regression cases.

Each case states what kqlite must do with the query over the fuzzer's tables
(`fuzz.generator.FUZZ_SCHEMA`):

- ``runs``: ``execute`` finishes, with a result or a KqlRuntimeError, and never crashes;
- ``rejects``: ``schema_of`` raises a syntax or semantic error, as Kusto.Language 12.4.1 does;
- ``accepts``: ``schema_of`` binds the query, as Kusto.Language 12.4.1 does.

`still_wrong` gives the reason while kqlite still gets a case wrong. `test_regressions.py`
then runs the case as a strict xfail, so a fix shows up as an unexpected pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Regression:
    """One query and the verdict kqlite must reach."""

    name: str
    query: str
    expect: str
    still_wrong: str | None = None


REGRESSIONS: tuple[Regression, ...] = (
    # Crashes.
    Regression(
        "make_datetime_column_argument",
        "print x = 1 | extend d = make_datetime(2020, x, 1)",
        "runs",
    ),
    Regression(
        "make_datetime_in_aggregate",
        "AllTypes | summarize max(make_datetime(2020, Small, 1)) by Big",
        "runs",
    ),
    Regression(
        "make_timespan_column_argument",
        "print x = 1 | extend d = make_timespan(x, 2)",
        "runs",
    ),
    Regression(
        "make_timespan_overflow",
        "print make_timespan(1, 123456789012)",
        "runs",
    ),
    Regression(
        "datatable_infinite_long",
        "datatable(x:long)[1, 1e400, 3]",
        "runs",
    ),
    Regression(
        "negate_dynamic_constant",
        "print -dynamic({'a': 1})",
        "runs",
    ),
    Regression(
        "negate_int_minimum",
        "print -int(-2147483648)",
        "runs",
    ),
    Regression(
        "make_list_int_overflow",
        "print x = 1 | summarize make_list(-int(-2147483648))",
        "runs",
    ),
    Regression(
        "totimespan_of_infinity",
        "print p1 = totimespan(real(-inf)), p2 = todatetime(real(+inf))",
        "runs",
    ),
    Regression(
        "range_function_timespan_start",
        "print range(1.5s, 3)",
        "runs",
    ),
    Regression(
        "base64_decode_non_ascii",
        "print base64_decode_tostring('caf\u00e9')",
        "runs",
    ),
    Regression(
        "mv_expand_itemindex_twice",
        "print D = dynamic([1, 2]) | mv-expand with_itemindex=Position D | mv-expand with_itemindex=Position D "
        "| project P = log2(Position)",
        "runs",
        still_wrong="a second with_itemindex=Position adds a second column named Position, so the frame "
        "has duplicate columns (operators/mv_expand.py; semantics/operators.py names it)",
    ),
    Regression(
        "aggregate_without_argument",
        "print x = 1 | summarize sum()",
        "rejects",
    ),
    Regression(
        "between_in_arithmetic",
        "print isnull(1 between (0 .. 2) + 1h)",
        "rejects",
    ),
    Regression(
        "rename_after_failed_rename",
        "print p0 = (100ms), p1 = bool(null) | project-rename Renamed = p0 | project-rename Renamed = p1 "
        "| take 3\n| project-rename Renamed = Renamed | count",
        "rejects",
    ),
    Regression(
        "rename_onto_itself",
        "print a = 1 | project-rename b = a | project-rename b = b",
        "rejects",
    ),
    Regression(
        "coalesce_without_common_type",
        "print x = 1 | summarize avg(coalesce(datetime(null), 'a'))",
        "rejects",
    ),
    Regression(
        "dynamic_predicate",
        "print p = 1 | summarize dcountif(1, series_fill_forward(pack_array(1, 'a')))",
        "rejects",
    ),
    Regression(
        "make_series_bounds_of_other_type",
        "range x from 1 to 3 step 1 | extend t = 1d | make-series sum(x) on t from datetime(2023-06-01) "
        "to datetime(2023-06-03) step 1d",
        "rejects",
    ),
    Regression(
        "format_ipv4_mask_infinite",
        "print format_ipv4_mask('1.2.3.4', real(-inf))",
        "rejects",
    ),
    Regression(
        "long_let_chain",
        "".join(f"let v{i} = v{i - 1} + 1;" if i else "let v0 = 1;" for i in range(1000)) + " print v999",
        "runs",
    ),
    # Kusto.Language rejects a query nested too deeply (KS245, "Query syntax depth exceeds
    # maximum safe limit"), and so does kqlite (`kqlite.syntax.depth`).
    Regression(
        "deep_or_chain",
        "print x = 1 | where " + " or ".join(f"x == {i}" for i in range(600)),
        "rejects",
    ),
    Regression(
        "deep_parentheses",
        "print " + "(" * 600 + "1" + ")" * 600,
        "rejects",
    ),
    Regression(
        "deep_dynamic_literal",
        "print dynamic(" + "[" * 600 + "]" * 600 + ")",
        "rejects",
    ),
    Regression(
        "deep_pipeline",
        "print x = 1" + " | extend x = x + 1" * 600,
        "rejects",
    ),
    # kqlite accepts what Kusto rejects.
    Regression(
        "take_real_count",
        "print x = 1 | take 2.5",
        "rejects",
    ),
    Regression(
        "decimal_for_real_parameter",
        "print isinf(decimal(1.25))",
        "rejects",
    ),
    Regression(
        "decimal_for_long_parameter",
        "print ipv4_compare('1.1.1.1', '1.1.1.2', decimal(1))",
        "rejects",
    ),
    Regression(
        "toguid_of_number",
        "print toguid(decimal(1))",
        "rejects",
    ),
    Regression(
        "minif_of_dynamic",
        "print x = 1 | summarize minif(dynamic([1]), true)",
        "rejects",
    ),
    # kqlite rejects what Kusto accepts.
    Regression(
        "constant_conversion_argument",
        "print p = 1 | summarize percentiles_array(p, toint(7))",
        "accepts",
    ),
    # Kusto.Language 12.4.1 does not check the text inside datetime(...); kqlite rejects a
    # text that is not a date, and must keep doing so.
    Regression(
        "datetime_literal_with_comma",
        "print datetime(2020,01-01)",
        "rejects",
    ),
)

# Functions whose known crash (above) the fuzzer's small budget may meet again. A crash in
# a query that calls one of them is an expected failure there, not a new finding.
KNOWN_CRASH_CALLS: tuple[str, ...] = ()
