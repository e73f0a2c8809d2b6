"""Window functions over serialized rows: result types, and the calls both sides reject.

The `unserialized_*` queries use a window function on rows that are not serialized.
Kusto.Language 12.4.1 accepts them and the Kusto service rejects them; kqlite rejects
them as the service does, so `KNOWN_DISAGREEMENTS` lists them.
"""

QUERIES = [
    # Accepted: each function and its result type.
    ("row_number_sorted", "NetworkMetrics | order by Timestamp asc | extend Row = row_number()"),
    ("row_number_start_restart", "NetworkMetrics | sort by ClientIP asc | extend Row = row_number(0, ClientIP != prev(ClientIP))"),
    ("row_number_int_start", "NetworkMetrics | serialize | extend Row = row_number(int(7))"),
    ("row_number_column_start", "NetworkMetrics | serialize | extend Row = row_number(BytesSent)"),
    ("serialize_assignment", "NetworkMetrics | serialize Row = row_number()"),
    ("serialize_unnamed", "NetworkMetrics | serialize row_number()"),
    ("serialize_after_summarize", "NetworkMetrics | summarize Sent = sum(BytesSent) by ClientIP | serialize | extend Row = row_number()"),
    ("top_then_prev", "NetworkMetrics | top 10 by BytesSent | extend Previous = prev(BytesSent)"),
    ("range_then_row_number", "range x from 1 to 5 step 1 | extend Row = row_number()"),
    ("getschema_then_row_number", "NetworkMetrics | getschema | extend Row = row_number()"),
    ("kept_through_row_local", "NetworkMetrics | order by Timestamp asc | where BytesSent > 0 | project Timestamp, BytesSent | take 100 | extend Gap = Timestamp - prev(Timestamp)"),
    ("kept_through_lookup", "NetworkMetrics | order by Timestamp asc | lookup IpInfoEx on ClientIP | extend Row = row_number()"),
    ("let_sorted", "let Sorted = NetworkMetrics | sort by Timestamp asc; Sorted | extend Next = next(Timestamp)"),
    ("prev_offset_default", "NetworkMetrics | serialize | extend P = prev(BytesSent, 2, 0), N = next(NewConnections, 1, 5.5)"),
    ("prev_default_other_type", "NetworkMetrics | serialize | extend P = prev(BytesSent, 1, 'x'), N = next(ClientIP, 1, 5)"),
    ("prev_column_offset", "NetworkMetrics | serialize | extend P = prev(BytesSent, NewConnections)"),
    ("prev_every_type", "AllTypes | serialize | extend A = prev(Flag), B = next(Small), C = prev(Ratio), D = next(Exact), E = prev(Text), F = next(Moment), G = prev(Span), H = next(Id), I = prev(Bag)"),
    ("prev_in_where", "NetworkMetrics | order by ClientIP asc | where ClientIP != prev(ClientIP)"),
    ("row_cumsum_types", "AllTypes | serialize | extend S = row_cumsum(Small), B = row_cumsum(Big), R = row_cumsum(Ratio), E = row_cumsum(Exact)"),
    ("row_cumsum_restart", "NetworkMetrics | order by ClientIP asc, Timestamp asc | extend Total = row_cumsum(BytesSent, ClientIP != prev(ClientIP))"),
    ("row_rank_dense", "NetworkMetrics | order by BytesSent asc | extend Rank = row_rank_dense(BytesSent)"),
    ("row_rank_min_restart", "NetworkMetrics | order by ClientIP asc, BytesSent asc | extend Rank = row_rank_min(BytesSent, ClientIP != prev(ClientIP))"),
    ("row_rank_every_type", "AllTypes | serialize | extend A = row_rank_dense(Flag), B = row_rank_min(Text), C = row_rank_dense(Moment), D = row_rank_min(Id), E = row_rank_dense(Exact)"),
    ("row_window_session", "NetworkMetrics | order by ClientIP asc, Timestamp asc | extend Session = row_window_session(Timestamp, 1h, 5m, ClientIP != prev(ClientIP))"),
    ("row_window_session_no_restart", "NetworkMetrics | order by Timestamp asc | extend row_window_session(Timestamp, 1d, 10m)"),
    ("window_names_default", "NetworkMetrics | serialize | extend row_number(), prev(BytesSent), next(BytesSent, 2), row_cumsum(BytesSent), row_rank_dense(BytesSent), row_rank_min(BytesSent)"),
    # Rejected by both: argument counts and types.
    ("error_row_number_real_start", "NetworkMetrics | serialize | extend Row = row_number(1.5)"),
    ("error_row_number_long_restart", "NetworkMetrics | serialize | extend Row = row_number(1, 1)"),
    ("error_row_number_three_arguments", "NetworkMetrics | serialize | extend Row = row_number(1, true, 3)"),
    ("error_prev_expression", "NetworkMetrics | serialize | extend P = prev(BytesSent * 2)"),
    ("error_prev_real_offset", "NetworkMetrics | serialize | extend P = prev(BytesSent, 1.5)"),
    ("error_row_cumsum_string", "NetworkMetrics | serialize | extend C = row_cumsum(ClientIP)"),
    ("error_row_cumsum_timespan", "AllTypes | serialize | extend C = row_cumsum(Span)"),
    ("error_row_cumsum_bool", "AllTypes | serialize | extend C = row_cumsum(Flag)"),
    ("error_row_cumsum_long_restart", "NetworkMetrics | serialize | extend C = row_cumsum(BytesSent, 1)"),
    ("error_row_rank_dynamic", "AllTypes | serialize | extend R = row_rank_dense(Bag)"),
    ("error_session_long_expr", "NetworkMetrics | serialize | extend S = row_window_session(BytesSent, 1h, 5m)"),
    ("error_session_long_distances", "NetworkMetrics | serialize | extend S = row_window_session(Timestamp, 10, 5)"),
    ("error_session_two_arguments", "NetworkMetrics | serialize | extend S = row_window_session(Timestamp, 1h)"),
    ("error_row_cumsum_dynamic", "AllTypes | serialize | extend C = row_cumsum(Bag.x)"),
    ("error_row_number_dynamic_restart", "AllTypes | serialize | extend R = row_number(1, Bag)"),
    ("error_prev_dynamic_offset", "AllTypes | serialize | extend P = prev(Big, Bag)"),
    ("error_session_dynamic_expr", "AllTypes | serialize | extend S = row_window_session(Bag, 1h, 1h)"),
    ("print_row_number", "print x = row_number()"),
    ("error_print_prev_literal", "print x = prev(1)"),
    # Rejected by kqlite and the Kusto service, accepted by Kusto.Language: unserialized rows.
    ("unserialized_after_summarize", "NetworkMetrics | summarize Sent = sum(BytesSent) by ClientIP | extend Row = row_number()"),
    ("unserialized_table", "NetworkMetrics | extend Previous = prev(BytesSent)"),
    ("unserialized_after_join", "NetworkMetrics | order by Timestamp asc | join kind=inner (IpInfoEx) on ClientIP | extend Total = row_cumsum(BytesSent)"),
]
