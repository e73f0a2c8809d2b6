"""Compare kqlite's result schemas and rejections with Microsoft's KQL analyzer.

The queries are the conformance cases, the investigation article's queries and the
`FAMILY_QUERIES` below (one or more per operator and function family). For each, kqlite
and Kusto.Language (run by the kql-oracle tool, see `oracle.py`) must agree on whether
the query is valid and, when it is, on the names and types of its result columns. kqlite
computes the columns without reading data: with ``Database.schema_of`` where it exists,
otherwise by running the query on empty tables of the same schemas.

Every disagreement fails, unless `KNOWN_DISAGREEMENTS` lists it with its reason; those
are strict xfails, so an entry that starts to agree must be removed.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from oracle import Analysis, Oracle, OracleUnavailable, Request, Schema, find_oracle
from test_conformance import CONFORMANCE_FOLDER, SHARED_FOLDER, load_cases

INVESTIGATION_FILE = SHARED_FOLDER / "case4-data.md"
ARTICLE_HEADING = "## The article's queries, in order"

INVESTIGATION_SCHEMA: Schema = {
    "IpInfo": {"IpCidr": "string", "Info": "string"},
    "NetworkMetrics": {
        "Timestamp": "datetime",
        "ClientIP": "string",
        "TargetIP": "string",
        "BytesSent": "long",
        "BytesReceived": "long",
        "NewConnections": "int",
    },
    "IpInfoEx": {"ClientIP": "string", "IpCidr": "string", "Info": "string"},
}

# One column of every KQL type, for the function families.
ALL_TYPES_SCHEMA: Schema = {
    "AllTypes": {
        "Flag": "bool",
        "Small": "int",
        "Big": "long",
        "Ratio": "real",
        "Exact": "decimal",
        "Text": "string",
        "Moment": "datetime",
        "Span": "timespan",
        "Id": "guid",
        "Bag": "dynamic",
    }
}
FAMILY_SCHEMA: Schema = {**INVESTIGATION_SCHEMA, **ALL_TYPES_SCHEMA}

# (name, query) pairs run over FAMILY_SCHEMA: each tabular operator, each function
# family, and frequent mistakes that both sides must reject.
FAMILY_QUERIES: list[tuple[str, str]] = [
    # Sources and statements.
    ("print_names", "print 1, x = 'a', 2.5"),
    ("range_long", "range n from 1 to 10 step 2"),
    ("range_datetime", "range t from datetime(2023-06-01) to datetime(2023-06-02) step 1h"),
    ("datatable_types", "datatable(a:int, b:string, c:dynamic, d:timespan)[1, 'x', dynamic([1]), 1h]"),
    ("let_scalar", "let limit = 5; NetworkMetrics | take limit"),
    ("let_tabular", "let recent = NetworkMetrics | where Timestamp > ago(1d); recent | count"),
    ("let_function", "let twice = (x:long) { x * 2 }; print twice(21)"),
    ("let_tabular_function", "let top_clients = (n:long) { NetworkMetrics | top n by BytesSent }; top_clients(3)"),
    ("table_function", "table('IpInfo') | take 1"),
    # Filtering and projection.
    ("where_and", "NetworkMetrics | where BytesSent > 1000 and ClientIP startswith '10.'"),
    ("where_in", "NetworkMetrics | where ClientIP in ('1.1.1.1', '2.2.2.2')"),
    ("where_between", "NetworkMetrics | where Timestamp between (datetime(2023-06-01) .. 1d)"),
    ("filter_alias", "NetworkMetrics | filter NewConnections > 0"),
    ("extend_arithmetic", "NetworkMetrics | extend Total = BytesSent + BytesReceived, Ratio = BytesSent / 2.0"),
    ("extend_int_plus_int", "NetworkMetrics | extend Twice = NewConnections + NewConnections"),
    ("extend_int_times_long", "NetworkMetrics | extend Mixed = NewConnections * BytesSent"),
    ("extend_unnamed", "NetworkMetrics | extend BytesSent * 2, strlen(ClientIP)"),
    ("extend_replace", "NetworkMetrics | extend BytesSent = todouble(BytesSent)"),
    ("project_rename_compute", "NetworkMetrics | project Timestamp, Sent = BytesSent, Kilo = BytesSent / 1024"),
    ("project_away", "NetworkMetrics | project-away TargetIP, Bytes*"),
    ("project_rename", "NetworkMetrics | project-rename Client = ClientIP"),
    ("project_reorder", "NetworkMetrics | project-reorder BytesSent, Timestamp"),
    ("project_keep", "NetworkMetrics | project-keep Timestamp, Bytes*"),
    # Aggregation.
    ("summarize_count_by", "NetworkMetrics | summarize count() by ClientIP"),
    ("summarize_default_names", "NetworkMetrics | summarize sum(BytesSent), avg(BytesSent), min(Timestamp), max(NewConnections)"),
    ("summarize_dcount", "NetworkMetrics | summarize dcount(ClientIP), dcountif(ClientIP, BytesSent > 0)"),
    ("summarize_lists", "NetworkMetrics | summarize make_list(BytesSent), make_set(ClientIP) by TargetIP"),
    ("summarize_arg_max", "NetworkMetrics | summarize arg_max(BytesSent, *) by ClientIP"),
    ("summarize_arg_min_columns", "NetworkMetrics | summarize arg_min(Timestamp, BytesSent, TargetIP) by ClientIP"),
    ("summarize_countif_sumif", "NetworkMetrics | summarize countif(BytesSent > 0), sumif(BytesSent, NewConnections > 1)"),
    ("summarize_percentile", "NetworkMetrics | summarize percentile(BytesSent, 95), percentiles(BytesSent, 50, 90)"),
    ("summarize_stdev_variance", "NetworkMetrics | summarize stdev(BytesSent), variance(BytesReceived)"),
    ("summarize_by_bin", "NetworkMetrics | summarize Bytes = sum(BytesSent) by bin(Timestamp, 1h)"),
    ("summarize_by_expression", "NetworkMetrics | summarize count() by Day = startofday(Timestamp), ClientIP"),
    ("summarize_scalar_of_aggregates", "NetworkMetrics | summarize Span = max(Timestamp) - min(Timestamp)"),
    ("summarize_int_sum", "NetworkMetrics | summarize sum(NewConnections), avg(NewConnections)"),
    ("summarize_any_take_any", "NetworkMetrics | summarize take_any(TargetIP) by ClientIP"),
    ("distinct_columns", "NetworkMetrics | distinct ClientIP, TargetIP"),
    ("count_operator", "NetworkMetrics | count"),
    # Ordering and limits.
    ("take_limit", "NetworkMetrics | take 5 | limit 2"),
    ("sort_by", "NetworkMetrics | sort by BytesSent desc, ClientIP asc"),
    ("order_by_nulls", "NetworkMetrics | order by Timestamp asc nulls first"),
    ("top_by", "NetworkMetrics | top 3 by BytesSent"),
    ("top_nested", "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent)"),
    # Joins and unions.
    ("join_inner", "NetworkMetrics | join kind=inner IpInfoEx on ClientIP"),
    ("join_leftouter", "NetworkMetrics | join kind=leftouter (IpInfoEx | project ClientIP, Info) on ClientIP"),
    ("join_leftanti", "NetworkMetrics | join kind=leftanti IpInfoEx on ClientIP"),
    ("join_rightsemi", "NetworkMetrics | join kind=rightsemi IpInfoEx on ClientIP"),
    ("join_fullouter", "IpInfoEx | join kind=fullouter IpInfo on IpCidr"),
    ("join_dollar_sides", "NetworkMetrics | join IpInfoEx on $left.ClientIP == $right.ClientIP"),
    ("lookup_default", "NetworkMetrics | lookup IpInfoEx on ClientIP"),
    ("lookup_inner", "NetworkMetrics | lookup kind=inner IpInfoEx on ClientIP"),
    ("union_same", "union IpInfo, IpInfo"),
    ("union_outer", "union IpInfo, IpInfoEx"),
    ("union_inner", "union kind=inner IpInfo, IpInfoEx"),
    ("union_withsource", "union withsource=Source IpInfo, IpInfoEx"),
    ("union_pipe", "IpInfo | union IpInfoEx"),
    # Dynamic values and series.
    ("mv_expand_plain", "print a = dynamic([1, 2, 3]) | mv-expand a"),
    ("mv_expand_typed", "print a = dynamic([1, 2, 3]), b = 'x' | mv-expand a to typeof(long)"),
    ("mv_expand_itemindex", "print a = dynamic(['x', 'y']) | mv-expand with_itemindex=Position a"),
    ("make_series_basic", "NetworkMetrics | make-series Bytes = sum(BytesSent) on Timestamp step 1d by ClientIP"),
    ("make_series_from_to", "NetworkMetrics | make-series count() default = 0 on Timestamp from datetime(2023-06-01) to datetime(2023-07-01) step 1d"),
    ("make_series_avg_names", "NetworkMetrics | make-series avg(BytesSent), max(NewConnections) on Timestamp step 1h"),
    ("series_decompose_anomalies_tuple", "NetworkMetrics | make-series B = sum(BytesSent) on Timestamp step 1d | extend (Flag, Score, Baseline) = series_decompose_anomalies(B)"),
    ("series_decompose_anomalies_names", "NetworkMetrics | make-series B = sum(BytesSent) on Timestamp step 1d | extend series_decompose_anomalies(B)"),
    ("series_decompose", "NetworkMetrics | make-series B = sum(BytesSent) on Timestamp step 1d | extend (Baseline, Seasonal, Trend, Residual) = series_decompose(B)"),
    ("series_outliers", "print s = series_outliers(dynamic([1, 2, 3, 40]))"),
    ("series_fit_line", "print y = dynamic([1, 2, 4]) | extend (RSquare, Slope, Variance, RVariance, Interception, LineFit) = series_fit_line(y)"),
    ("series_seasonal", "print s = series_seasonal(dynamic([1, 2, 1, 2, 1, 2]), 2)"),
    ("series_periods_detect", "print y = dynamic([1, 2, 1, 2, 1, 2, 1, 2]) | extend (Periods, Scores) = series_periods_detect(y, 0.0, 4.0, 2)"),
    ("series_fill", "print s = series_fill_const(dynamic([1, null, 3]), 0), f = series_fill_forward(dynamic([1, null, 3]))"),
    ("series_arithmetic", "print s = series_add(dynamic([1, 2]), dynamic([3, 4])), m = series_stats_dynamic(dynamic([1, 2]))"),
    ("dynamic_access", "AllTypes | extend a = Bag.name, b = Bag['key'], c = Bag[0], d = tostring(Bag.x)"),
    ("dynamic_builders", "print a = pack_array(1, 2), b = bag_pack('k', 1), c = array_length(dynamic([1])), d = parse_json('{}')"),
    ("dynamic_functions", "print a = bag_keys(dynamic({'a': 1})), b = array_concat(dynamic([1]), dynamic([2])), c = set_union(dynamic([1]), dynamic([2]))"),
    # Plug-ins and output.
    ("evaluate_ipv4_lookup", "NetworkMetrics | distinct ClientIP | evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr)"),
    ("evaluate_ipv4_lookup_unmatched", "NetworkMetrics | evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr, return_unmatched = true)"),
    ("render_timechart", "NetworkMetrics | summarize sum(BytesSent) by bin(Timestamp, 1h) | render timechart"),
    ("render_anomalychart", "NetworkMetrics | make-series B = sum(BytesSent) on Timestamp step 1d | extend (A, S) = series_decompose_anomalies(B) | render anomalychart with (anomalycolumns = A)"),
    ("getschema", "NetworkMetrics | getschema"),
    ("as_operator", "NetworkMetrics | as Metrics | count"),
    ("serialize_row_number", "NetworkMetrics | serialize | extend Row = row_number()"),
    ("sample", "NetworkMetrics | sample 3"),
    ("parse_operator", "IpInfo | parse IpCidr with Address '/' Prefix:int"),
    # Scalar function families over AllTypes.
    ("strings_basic", "AllTypes | project strlen(Text), toupper(Text), tolower(Text), strcat(Text, '-', Big), substring(Text, 1, 2)"),
    ("strings_search", "AllTypes | project indexof(Text, 'a'), replace_string(Text, 'a', 'b'), trim(' ', Text), split(Text, ','), reverse(Text)"),
    ("strings_regex", "AllTypes | project extract('([0-9]+)', 1, Text), extract_all('([a-z])', Text), replace_regex(Text, 'a+', 'b'), countof(Text, 'a')"),
    ("strings_operators", "AllTypes | where Text has 'a' or Text contains 'b' or Text startswith 'c' or Text endswith 'd' or Text matches regex 'e' or Text =~ 'F' or Text !in ('g')"),
    ("strings_format", "AllTypes | project format_datetime(Moment, 'yyyy-MM-dd'), format_timespan(Span, 'hh:mm'), tostring(Id), strrep(Text, 2)"),
    ("math_functions", "AllTypes | project abs(Big), round(Ratio, 2), floor(Ratio, 1.0), sqrt(Ratio), log(Ratio), log10(Ratio), exp(Ratio), pow(Ratio, 2)"),
    ("math_integer", "AllTypes | project Big / 2, Big % 3, Small / Small, Small * 2, -Small, Big * 1.5, Exact + 1"),
    ("math_bin", "AllTypes | project bin(Big, 10), bin(Ratio, 0.5), bin(Moment, 1h), bin(Span, 1m), bin_at(Moment, 1d, datetime(2020-01-01))"),
    ("math_min_max_of", "AllTypes | project max_of(Big, Small), min_of(Ratio, 1), isnan(Ratio), isfinite(Ratio)"),
    ("datetime_parts", "AllTypes | project startofday(Moment), startofweek(Moment), startofmonth(Moment), endofday(Moment), dayofweek(Moment), hourofday(Moment), getyear(Moment), datetime_part('month', Moment)"),
    ("datetime_arithmetic", "AllTypes | project Moment + Span, Moment - Moment, Span * 2, Span / 2, Span / Span, ago(1d), now(), datetime_add('day', 1, Moment)"),
    ("datetime_diff", "AllTypes | project datetime_diff('day', Moment, now()), unixtime_seconds_todatetime(Big), todatetime(Text)"),
    ("conversions", "AllTypes | project tolong(Text), toint(Ratio), todouble(Big), toreal(Text), tobool(Text), totimespan(Text), toguid(Text), todecimal(Ratio), todynamic(Text), tostring(Bag)"),
    ("casts", "AllTypes | project long(1), int(2), real(3), bool(true), datetime(2020-01-01), timespan(1d), guid(00000000-0000-0000-0000-000000000000), decimal(1.5), dynamic(null)"),
    ("conditionals", "AllTypes | project iff(Flag, Big, 0), iif(Flag, 'a', 'b'), case(Big > 1, 'x', Big > 0, 'y', 'z'), coalesce(Ratio, 0.0), isnull(Big), isnotnull(Text), isempty(Text), isnotempty(Bag)"),
    ("conditional_widening", "AllTypes | project iff(Flag, Small, Big), iff(Flag, Big, Ratio), coalesce(Small, Big)"),
    ("hash_and_guid", "AllTypes | project hash(Text), hash_sha256(Text), new_guid(), gettype(Bag)"),
    ("ipv4_functions", "AllTypes | project ipv4_is_in_range(Text, '10.0.0.0/8'), ipv4_is_match(Text, '10.0.0.1'), parse_ipv4(Text), ipv4_compare(Text, '10.0.0.1'), ipv4_is_private(Text), format_ipv4(Big)"),
    ("comparisons", "AllTypes | project Big > Small, Ratio == 1, Moment < now(), Span >= 1h, Text != 'a', Flag and not(Flag)"),
    # More operators and functions the investigation's queries lean on.
    ("where_string_operators", "IpInfo | where Info has_any ('ORG', 'NET') or Info in~ ('digitown') or Info !contains 'x' or Info !has 'y'"),
    ("where_case_insensitive", "IpInfo | where Info =~ 'kuanda.org' and Info !startswith 'a' and Info hasprefix 'K'"),
    ("summarize_more_aggregates", "NetworkMetrics | summarize avgif(BytesSent, NewConnections > 0), count_distinct(ClientIP), make_bag(bag_pack(ClientIP, BytesSent)), minif(BytesSent, BytesSent > 0)"),
    ("summarize_percentiles_array", "NetworkMetrics | summarize percentiles_array(BytesSent, 25, 75), stdevif(BytesSent, true), sum(todouble(BytesSent))"),
    ("join_innerunique", "NetworkMetrics | join kind=innerunique (IpInfoEx | project ClientIP, Info) on ClientIP"),
    ("join_rightanti_two_keys", "NetworkMetrics | join kind=rightanti (IpInfoEx | extend TargetIP = ClientIP) on ClientIP, TargetIP"),
    ("lookup_dollar_sides", "NetworkMetrics | lookup (IpInfoEx | project-rename Address = ClientIP) on $left.ClientIP == $right.Address"),
    ("range_timespan", "range span from 0s to 1h step 15m"),
    ("print_now", "print now(), ago(1h), datetime(2023-06-01) + 1d"),
    ("datatable_all_types", "datatable(b:bool, i:int, l:long, r:real, m:decimal, s:string, d:datetime, t:timespan, g:guid, y:dynamic)[true, 1, 2, 3.5, decimal(1.5), 'x', datetime(2020-01-01), 1h, guid(00000000-0000-0000-0000-000000000001), dynamic({})]"),
    ("let_materialize", "let m = materialize(NetworkMetrics | summarize sum(BytesSent) by ClientIP); m | join kind=inner m on ClientIP"),
    ("mv_expand_two_arrays", "print a = dynamic([1, 2]), b = dynamic(['x', 'y']) | mv-expand a, b"),
    ("mv_expand_bag", "print b = dynamic({'k': 1}) | mv-expand b"),
    ("extend_case_iff_nested", "NetworkMetrics | extend Size = case(BytesSent > 1000000, 'large', BytesSent > 1000, 'medium', 'small'), Busy = iff(NewConnections > 10, true, false)"),
    ("make_series_two_keys", "NetworkMetrics | make-series Sent = sum(BytesSent) default = 0, Received = sum(BytesReceived) on Timestamp from datetime(2023-06-01) to datetime(2023-07-01) step 1d by ClientIP, TargetIP"),
    ("series_decompose_anomalies_options", "NetworkMetrics | make-series B = avg(BytesSent) on Timestamp step 1h | extend (Flag, Score) = series_decompose_anomalies(B, 2.5, -1, 'linefit')"),
    ("series_decompose_forecast", "NetworkMetrics | make-series B = sum(BytesSent) on Timestamp step 1d | extend Forecast = series_decompose_forecast(B, 7)"),
    ("render_with_properties", "NetworkMetrics | summarize sum(BytesSent) by ClientIP | render columnchart with (title = 'Bytes', ytitle = 'sent')"),
    # Control commands, with the result tables Kusto.Language gives them.
    ("command_show_tables", ".show tables"),
    ("command_show_cslschema", ".show table IpInfo cslschema"),
    ("command_show_schema_json", ".show table IpInfo schema as json"),
    ("command_create_table", ".create table Fresh (Name:string, Count:long)"),
    ("command_create_merge", ".create-merge table IpInfo (IpCidr:string, Info:string, Extra:long)"),
    ("command_drop_table", ".drop table IpInfo ifexists"),
    ("command_clear_table", ".clear table IpInfo data"),
    ("command_ingest_inline", ".ingest inline into table IpInfo <| 10.0.0.0/8,PRIVATE"),
    ("command_set_or_append", ".set-or-append IpInfo <| IpInfo | take 0"),
    ("command_append", ".append IpInfo <| datatable(IpCidr:string, Info:string)['1.0.0.0/8', 'X']"),
    ("command_set_or_replace_new", ".set-or-replace Fresh <| print a = 1"),
    ("command_ingest_missing_table", ".ingest inline into table Missing <| 1"),
    ("iff_mixed_branch_types", "print iff(true, 1, 'a')"),
    # Mistakes both sides must reject.
    ("error_unknown_column", "NetworkMetrics | where ClinetIP == '1.1.1.1'"),
    ("error_unknown_table", "NetworkMetric | take 1"),
    ("error_unknown_function", "print strlenn('a')"),
    ("error_argument_count", "print strlen('a', 'b')"),
    ("error_argument_type", "print strlen(1d) + datetime(2020-01-01)"),
    ("error_where_not_bool", "NetworkMetrics | where BytesSent"),
    ("error_missing_pipe", "NetworkMetrics where BytesSent > 0"),
    ("error_equals_in_where", "NetworkMetrics | where BytesSent = 1"),
    ("error_trailing_comma", "NetworkMetrics | project Timestamp,"),
    ("error_unclosed_string", "print 'abc"),
    ("error_summarize_non_aggregate", "NetworkMetrics | summarize BytesSent by ClientIP"),
    ("error_aggregate_outside_summarize", "NetworkMetrics | extend m = max(BytesSent)"),
    ("error_lookup_missing_key", "NetworkMetrics | lookup IpInfo on ClientIP"),
    ("error_project_missing", "NetworkMetrics | project Nope"),
    ("error_string_plus_long", "print 'a' + 1"),
    ("error_mv_expand_unknown_type", "print a = dynamic([1]) | mv-expand a to typeof(number)"),
    ("error_join_kind", "NetworkMetrics | join kind=sideways IpInfoEx on ClientIP"),
    ("error_make_series_without_on", "NetworkMetrics | make-series sum(BytesSent) step 1d"),
    ("error_bin_string", "NetworkMetrics | summarize count() by bin(ClientIP, 1h)"),
    ("error_top_without_by", "NetworkMetrics | top 3"),
    ("error_ipv4_lookup_missing_column", "NetworkMetrics | evaluate ipv4_lookup(IpInfo, Nope, IpCidr)"),
    ("error_drop_missing_table", ".drop table Missing"),
]

# Query name -> why kqlite and Kusto.Language disagree there. Each is a strict xfail.
_SERVICE_REJECTS = "Kusto.Language 12.4.1 accepts this, but the service rejects it (a documented error case); kqlite rejects it"
KNOWN_DISAGREEMENTS: dict[str, str] = {
    # kqlite follows Kusto (the service or its documentation) where the analyzer does not.
    "conformance::make_series_non_numeric_aggregate_error": _SERVICE_REJECTS,
    "conformance::datetime_plus_datetime_error": _SERVICE_REJECTS,
    "conformance::render_not_last_error": _SERVICE_REJECTS,
    "window_functions::unserialized_after_summarize": _SERVICE_REJECTS,
    "window_functions::unserialized_table": _SERVICE_REJECTS,
    "window_functions::unserialized_after_join": _SERVICE_REJECTS,
    "conformance::set_existing_table_error": "Kusto.Language checks commands without table contents, so it cannot see that T4 exists",
    "conformance::create_merge_type_conflict_error": "Kusto.Language does not check a merged column's type against the existing table",
    "family::command_ingest_missing_table": "Kusto.Language does not check that the table of .ingest inline exists; kqlite rejects it",
    "family::union_inner": "Kusto.Language 12.4.1 keeps every column for union kind=inner; the documentation keeps only the common ones, as kqlite does",
    # kqlite gaps.
    "conformance::datetime_diff_invalid_period_error": "kqlite checks datetime_diff's period only when it runs, not when it binds",
    "family::table_function": "kqlite has no table() function",
    "family::series_decompose_forecast": (
        "kqlite makes one column of series_decompose_forecast(B), where Kusto.Language adds its "
        "seasonal, trend and residual outputs under default names"
    ),
}


@dataclass(frozen=True)
class OracleCase:
    """A query to check, the tables it may name, and the control commands that make them."""

    name: str
    query: str
    schema: Schema
    setup: tuple[str, ...] = ()


def article_queries(path: Path = INVESTIGATION_FILE) -> list[str]:
    """Return the article's queries from the investigation notes, in order.

    The notes list them in one fenced block without blank lines, as people paste them.
    A line starting in the first column begins a new query, unless it starts with ``|``
    or the query so far ends with ``;`` (a ``let`` statement waiting for its query).
    """
    text = path.read_text(encoding="utf-8")
    section = text.split(ARTICLE_HEADING, 1)[1]
    block = section.split("```", 2)[1].split("\n", 1)[1]

    queries: list[list[str]] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        waiting_let = bool(queries) and queries[-1][-1].rstrip().endswith(";")
        continues = line[0].isspace() or line.startswith("|") or waiting_let
        if continues and queries:
            queries[-1].append(line)
        else:
            queries.append([line])
    return ["\n".join(lines) for lines in queries]


def collect_cases() -> list[OracleCase]:
    cases: list[OracleCase] = []
    if CONFORMANCE_FOLDER.is_dir():
        cases.extend(
            OracleCase(f"conformance::{case.name}", case.query, {}, case.setup) for case in load_cases()
        )
    if INVESTIGATION_FILE.is_file():
        cases.extend(
            OracleCase(f"article::{number}", query, INVESTIGATION_SCHEMA)
            for number, query in enumerate(article_queries(), start=1)
        )
    cases.extend(OracleCase(f"family::{name}", query, FAMILY_SCHEMA) for name, query in FAMILY_QUERIES)
    for topic, queries in topic_queries().items():
        cases.extend(OracleCase(f"{topic}::{name}", query, FAMILY_SCHEMA) for name, query in queries)
    return cases


def topic_queries() -> dict[str, list[tuple[str, str]]]:
    """Read the (name, query) lists of `tests/oracle_queries/<topic>.py`, one module per topic.

    Each module defines ``QUERIES``, run over FAMILY_SCHEMA like FAMILY_QUERIES; a topic
    of its own lets a feature bring its queries without editing this file.
    """
    topics: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((Path(__file__).parent / "oracle_queries").glob("[!_]*.py")):
        spec = importlib.util.spec_from_file_location(f"oracle_queries_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        topics[path.stem] = list(module.QUERIES)
    return topics


CASES = collect_cases()


# ---------------------------------------------------------------- kqlite's side


@dataclass(frozen=True)
class Verdict:
    """kqlite's judgement of a query: accepted with these columns, or rejected with this error."""

    accepted: bool
    columns: tuple[tuple[str, str], ...] | None = None
    error: Exception | None = None
    not_supported: bool = False


def kqlite_verdict(case: OracleCase, tables: Schema) -> Verdict:
    """Judge a query with kqlite: its result columns, or the error that rejects it."""
    import kqlite

    db = kqlite.connect()
    for command in case.setup:
        db.execute(command)

    try:
        columns = _result_columns(db, case.query, tables, create_tables=not case.setup)
    except kqlite.KqlNotSupportedError as error:
        return Verdict(accepted=False, error=error, not_supported=True)
    except (kqlite.KqlSyntaxError, kqlite.KqlSemanticError) as error:
        return Verdict(accepted=False, error=error)
    except kqlite.KqlRuntimeError as error:
        # A command is checked only as it runs, so its failure is a rejection. A query
        # failing on empty tables was bound first, so it is valid.
        return Verdict(accepted=not _is_command(case.query), error=error)
    return Verdict(accepted=True, columns=columns)


def _is_command(text: str) -> bool:
    from kqlite.script import first_token

    return first_token(text).startswith(".")


def _result_columns(db: Any, query: str, tables: Schema, create_tables: bool) -> tuple[tuple[str, str], ...]:
    from kqlite.types import parse_type_name

    # A control command changes the database, so it is run (on empty tables) rather than bound.
    if hasattr(db, "schema_of") and not _is_command(query):
        typed = {
            name: tuple((column, parse_type_name(kql_type)) for column, kql_type in columns.items())
            for name, columns in tables.items()
        }
        columns = db.schema_of(query, tables=typed)
    else:
        if create_tables:
            for name, columns_of_table in tables.items():
                listed = ", ".join(f"['{column}']:{kql_type}" for column, kql_type in columns_of_table.items())
                db.execute(f".create table ['{name}'] ({listed})")
        columns = db.execute(query).columns
    return tuple((name, str(kql_type)) for name, kql_type in columns)


def kqlite_tables(case: OracleCase) -> Schema:
    """Return the tables a case may name: its own schema, or those its set-up commands made in kqlite."""
    if not case.setup:
        return case.schema

    import kqlite

    db = kqlite.connect()
    for command in case.setup:
        db.execute(command)
    listing = db.execute(".show tables")
    name_position = [name for name, _ in listing.columns].index("TableName")
    tables: Schema = {}
    for row in listing.rows():
        table = row[name_position]
        rows = db.execute(f"['{table}'] | getschema | project ColumnName, ColumnType").rows()
        tables[table] = {column: kql_type for column, kql_type in rows}
    return tables


# ---------------------------------------------------------------- the oracle's side


@pytest.fixture(scope="session")
def oracle(request: pytest.FixtureRequest) -> Oracle:
    # pytest's cache folder keeps the analyses between runs; without it they last one run.
    cache = request.config.cache
    cache_folder = cache.mkdir("kql-oracle") if cache is not None else Path(tempfile.mkdtemp(prefix="kql-oracle-"))
    try:
        return find_oracle(cache_folder)
    except OracleUnavailable as missing:
        pytest.skip(f"Kusto.Language oracle unavailable: {missing}")


@pytest.fixture(scope="session")
def oracle_analyses(oracle: Oracle) -> dict[str, tuple[Schema | None, Analysis | None]]:
    """Analyse every case in one batch; a case whose tables kqlite cannot make maps to None."""
    schemas: dict[str, Schema | None] = {}
    for case in CASES:
        try:
            schemas[case.name] = kqlite_tables(case)
        except Exception:  # noqa: BLE001 - the case's own test reports kqlite's set-up failure.
            schemas[case.name] = None

    ready = [case for case in CASES if schemas[case.name] is not None]
    analyses = oracle.analyze([Request(case.query, schemas[case.name] or None) for case in ready])
    by_name: dict[str, tuple[Schema | None, Analysis | None]] = {case.name: (None, None) for case in CASES}
    by_name.update((case.name, (schemas[case.name], analysis)) for case, analysis in zip(ready, analyses, strict=True))
    return by_name


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case.name in KNOWN_DISAGREEMENTS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DISAGREEMENTS[case.name]))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.mark.oracle
@pytest.mark.parametrize("case", _params())
def test_agrees_with_kusto_language(
    case: OracleCase, oracle_analyses: dict[str, Any], record_property: Callable[[str, object], None]
) -> None:
    tables, analysis = oracle_analyses[case.name]
    if analysis is None:
        kqlite_tables(case)  # Raises kqlite's error from the set-up commands.
        pytest.fail("the set-up commands made no tables to analyse the query with")

    verdict = kqlite_verdict(case, tables)
    if not verdict.accepted and not analysis.ok and verdict.error is not None:
        # Compared for the summary only: kqlite reuses Kusto.Language's codes where it can.
        kqlite_code = getattr(verdict.error, "code", "")
        record_property("diagnostic_code_agrees", kqlite_code in {error["code"] for error in analysis.errors})
    oracle_view = f"Kusto.Language: {'accepts' if analysis.ok else 'rejects: ' + analysis.describe_errors(case.query)}"
    kqlite_view = f"kqlite: {'accepts' if verdict.accepted else 'rejects'}" + (
        f" with {type(verdict.error).__name__}:\n{verdict.error}" if verdict.error else ""
    )

    assert not verdict.not_supported, f"kqlite does not support this query yet.\n{oracle_view}\n{kqlite_view}"
    assert verdict.accepted == analysis.ok, f"{oracle_view}\n{kqlite_view}"
    if analysis.ok and verdict.columns is not None:
        oracle_columns = list(analysis.result_columns or ())
        assert list(verdict.columns) == oracle_columns, (
            "result columns differ:\n"
            f"  kqlite:         {_describe_columns(verdict.columns)}\n"
            f"  Kusto.Language: {_describe_columns(oracle_columns)}"
        )


def _describe_columns(columns: Any) -> str:
    return ", ".join(f"{name}:{kql_type}" for name, kql_type in columns)


def test_article_queries_found() -> None:
    if not INVESTIGATION_FILE.is_file():
        pytest.skip(f"investigation notes not found at {INVESTIGATION_FILE}")
    queries = article_queries()
    assert len(queries) == 7
    assert queries[0] == "IpInfo | take 10"
    assert queries[4].startswith(".set-or-replace IpInfoEx <|")
    assert queries[5].startswith("let window = 1d;\nNetworkMetrics")
    assert queries[6].endswith("| project Info, Timestamp, BytesSent, BytesSentExpected, BytesSentAnomalyScore")


def test_family_query_names_unique() -> None:
    names = [name for name, _ in FAMILY_QUERIES]
    assert len(names) == len(set(names))
    for topic, queries in topic_queries().items():
        topic_names = [name for name, _ in queries]
        assert len(topic_names) == len(set(topic_names)), topic


def test_known_disagreements_name_real_cases() -> None:
    names = {case.name for case in CASES}
    assert sorted(set(KNOWN_DISAGREEMENTS) - names) == []

