"""parse and parse-where: result schemas and rejections, checked against Kusto.Language.

Not listed: a pattern column named like an input column. Kusto.Language appends a second
column of that name, and kqlite replaces the input column in place.
"""

from __future__ import annotations

QUERIES: list[tuple[str, str]] = [
    # The kinds and their options.
    ("simple_strings", 'NetworkMetrics | parse ClientIP with a "." b'),
    ("simple_typed", 'NetworkMetrics | parse ClientIP with a:long "." b:int "." c:real "." d'),
    ("leading_and_trailing_star", 'NetworkMetrics | parse TargetIP with * "." octet:long "." *'),
    ("kind_simple", 'NetworkMetrics | parse kind=simple ClientIP with a "." b'),
    ("kind_regex", 'NetworkMetrics | parse kind=regex ClientIP with "[0-9]+[.]" second:long "[.]" *'),
    ("kind_regex_flags", 'NetworkMetrics | parse kind=regex flags=Ui ClientIP with * "X" rest'),
    ("kind_relaxed", 'NetworkMetrics | parse kind=relaxed ClientIP with a:int "." b:real'),
    ("flags_without_kind", 'NetworkMetrics | parse flags=i ClientIP with a "." b'),
    ("every_type", 'AllTypes | parse Text with a:dynamic "x" b:guid "y" c:timespan "z" d:bool "w" e:decimal "v" f:date'),
    ("pattern_without_columns", 'NetworkMetrics | parse ClientIP with "10." *'),
    ("only_a_column", "NetworkMetrics | parse ClientIP with whole"),
    ("adjacent_constants", 'NetworkMetrics | parse ClientIP with "1" "0." rest'),
    ("verbatim_constant", 'NetworkMetrics | parse ClientIP with @"10." rest'),
    ("bracket_name", "NetworkMetrics | parse ClientIP with a \".\" ['b c']"),
    ("non_string_source", 'NetworkMetrics | parse BytesSent with a "0" b'),
    ("datetime_source", 'AllTypes | parse Moment with year:long "-" *'),
    ("computed_source", 'NetworkMetrics | parse strcat(ClientIP, "/", TargetIP) with c "/" t'),
    ("then_summarize", 'NetworkMetrics | parse ClientIP with octet:long "." * | summarize count() by octet'),
    ("twice", 'NetworkMetrics | parse ClientIP with a "." b | parse TargetIP with c "." d'),
    ("empty_pattern", "NetworkMetrics | parse ClientIP with"),
    ("then_project", 'IpInfo | parse Info with name "," rest | project name'),
    # parse-where.
    ("where_simple", 'NetworkMetrics | parse-where ClientIP with a:long "." b'),
    ("where_regex_flag_i", 'NetworkMetrics | parse-where kind=regex flags=i ClientIP with * "x" a:long "y" b:datetime *'),
    ("where_relaxed", 'NetworkMetrics | parse-where kind=relaxed ClientIP with a:int "." b:real'),
    ("where_then_count", 'IpInfo | parse-where IpCidr with net "/" bits:int | count'),
    # Rejections.
    ("reject_two_columns", 'NetworkMetrics | parse ClientIP with a b'),
    ("reject_star_before_column", 'NetworkMetrics | parse ClientIP with * a * b'),
    ("reject_star_after_string", 'NetworkMetrics | parse ClientIP with a:string * "x"'),
    ("reject_duplicate_name", 'NetworkMetrics | parse ClientIP with a "." a'),
    ("reject_unknown_kind", 'NetworkMetrics | parse kind=foo ClientIP with a "x"'),
    ("reject_unknown_type", 'NetworkMetrics | parse ClientIP with a:foo "x"'),
    ("reject_commas", 'NetworkMetrics | parse ClientIP with a "." b, c "." d'),
    ("reject_unknown_column", 'NetworkMetrics | parse Missing with a "." b'),
    ("reject_missing_with", 'NetworkMetrics | parse ClientIP a "." b'),
]
