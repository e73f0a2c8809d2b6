"""top-nested, sample and sample-distinct: result schemas and rejections, checked against Kusto.Language.

Not listed, because kqlite and Kusto.Language 12.4.1 disagree on purpose:
- a top-nested key without a derived name (``strcat(a, b)``): Kusto.Language names it
  with an empty string, kqlite names it Column1;
- a dynamic top-nested key, which Kusto.Language accepts and kqlite rejects as it does
  in summarize (kqlite cannot group by dynamic values);
- a count or ``with others`` value that reads a column, which Kusto.Language accepts and
  kqlite rejects because both must be constants.
"""

from __future__ import annotations

QUERIES: list[tuple[str, str]] = [
    # top-nested: one level, its default and written names.
    ("one_level", "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent)"),
    ("named_aggregation", "NetworkMetrics | top-nested 2 of ClientIP by Total = sum(BytesSent)"),
    ("named_key", "NetworkMetrics | top-nested 2 of Client = ClientIP by sum(BytesSent)"),
    ("bin_key", "NetworkMetrics | top-nested 3 of bin(Timestamp, 1h) by count()"),
    ("member_of_key", "AllTypes | top-nested 3 of tostring(Bag.a) by count()"),
    ("without_count", "NetworkMetrics | top-nested of TargetIP by max(Timestamp)"),
    ("computed_count", "NetworkMetrics | top-nested 2 + 1 of TargetIP by dcount(ClientIP)"),
    ("let_count", "let n = 4; NetworkMetrics | top-nested n of TargetIP by count()"),
    ("ascending", "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent) asc"),
    ("descending", "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent) desc"),
    # Several levels, and the names they share.
    (
        "three_levels",
        "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent), top-nested 3 of TargetIP by count(),"
        " top-nested 1 of NewConnections by max(BytesReceived)",
    ),
    ("same_key_twice", "NetworkMetrics | top-nested 2 of ClientIP by count(), top-nested 2 of ClientIP by count()"),
    ("aggregation_named_like_key", "NetworkMetrics | top-nested 2 of ClientIP by ClientIP = sum(BytesSent)"),
    ("aggregation_named_like_input", "NetworkMetrics | top-nested 2 of ClientIP by BytesSent = sum(BytesSent)"),
    (
        "ignore_columns",
        "NetworkMetrics | top-nested of ClientIP by Ignore0 = max(1), top-nested 2 of Timestamp by Ignore1 = max(Timestamp),"
        " top-nested of TargetIP by Ignore2 = max(1) | project-away Ignore*",
    ),
    # with others.
    ("others_string", "NetworkMetrics | top-nested 2 of ClientIP with others = 'Other' by sum(BytesSent)"),
    ("others_number", "NetworkMetrics | top-nested 2 of NewConnections with others = -1 by count()"),
    (
        "others_on_two_levels",
        "NetworkMetrics | top-nested 2 of ClientIP with others = 'Other' by sum(BytesSent),"
        " top-nested 1 of TargetIP with others = 'Other' by sum(BytesSent)",
    ),
    # Aggregations and their result types.
    ("count_aggregation", "NetworkMetrics | top-nested 2 of ClientIP by count()"),
    ("avg_aggregation", "AllTypes | top-nested 2 of Text by avg(Small)"),
    ("sum_int", "AllTypes | top-nested 2 of Text by sum(Small)"),
    ("sum_decimal", "AllTypes | top-nested 2 of Text by sum(Exact)"),
    ("min_timespan", "AllTypes | top-nested 2 of Text by min(Span)"),
    ("max_datetime", "AllTypes | top-nested 2 of Flag by max(Moment)"),
    ("percentile", "NetworkMetrics | top-nested 2 of ClientIP by percentile(BytesSent, 50)"),
    ("combination", "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent) * 2 + count()"),
    ("ratio", "NetworkMetrics | top-nested 2 of ClientIP by sum(BytesSent) / count()"),
    ("guid_key", "AllTypes | top-nested 2 of Id by count()"),
    ("then_where", "NetworkMetrics | top-nested 2 of ClientIP by count() | where aggregated_ClientIP > 1"),
    # Rejections.
    ("reject_bare_column", "NetworkMetrics | top-nested 2 of ClientIP by BytesSent"),
    ("reject_real_count", "NetworkMetrics | top-nested 2.5 of ClientIP by count()"),
    ("reject_missing_by", "NetworkMetrics | top-nested 2 of ClientIP"),
    ("reject_unknown_key", "NetworkMetrics | top-nested 2 of Nope by count()"),
    ("reject_second_level_without_keyword", "NetworkMetrics | top-nested 3 of ClientIP, top-nested 1 of TargetIP by count()"),
    # sample.
    ("sample", "NetworkMetrics | sample 3"),
    ("sample_zero", "NetworkMetrics | sample 0"),
    ("sample_negative", "NetworkMetrics | sample -1"),
    ("sample_computed", "NetworkMetrics | sample 2 * 5"),
    ("sample_after_where", "NetworkMetrics | where BytesSent > 0 | sample 10 | project ClientIP"),
    ("reject_sample_real", "NetworkMetrics | sample 3.5"),
    ("reject_sample_string", "NetworkMetrics | sample 'a'"),
    # sample-distinct.
    ("sample_distinct", "NetworkMetrics | sample-distinct 3 of ClientIP"),
    ("sample_distinct_int", "NetworkMetrics | sample-distinct 3 of NewConnections"),
    ("sample_distinct_guid", "AllTypes | sample-distinct 3 of Id"),
    ("sample_distinct_in", "NetworkMetrics | where ClientIP in (NetworkMetrics | sample-distinct 10 of ClientIP)"),
    ("reject_sample_distinct_expression", "NetworkMetrics | sample-distinct 3 of strcat(ClientIP, 'a')"),
    ("reject_sample_distinct_dynamic", "AllTypes | sample-distinct 3 of Bag"),
    ("reject_sample_distinct_real", "NetworkMetrics | sample-distinct 3.5 of ClientIP"),
]
