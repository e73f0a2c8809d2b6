"""Tabular values inside in (...), identifiers that start with digits, long flat chains,
derived column names and where predicates, checked against Kusto.Language.

Not listed, because kqlite and Kusto.Language 12.4.1 disagree:
- ``x in (table('IpInfo'))``, because kqlite has no ``table()`` function yet;
- ``percentile(x, 0x10)`` and ``percentile(x, -1)``, which Kusto.Language names
  ``percentile_x_0`` and ``percentile_x_``, and kqlite after the values;
- ``summarize column_ifexists('Big', 1)``, which Kusto.Language accepts without an
  aggregate and kqlite rejects.
"""

from __future__ import annotations

QUERIES: list[tuple[str, str]] = [
    # A tabular let, table or tabular function call as the single item of in (...).
    ("in_let", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP in (ids)"),
    ("not_in_let", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP !in (ids)"),
    ("in_ci_let", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP in~ (ids)"),
    ("not_in_ci_let", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP !in~ (ids)"),
    ("has_any_let", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP has_any (ids)"),
    ("has_all_let", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP has_all (ids)"),
    ("in_let_parenthesized", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP in ((ids))"),
    ("in_let_in_extend", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | extend Found = ClientIP in (ids)"),
    ("in_let_two_columns", "let ids = NetworkMetrics | distinct ClientIP, TargetIP; NetworkMetrics | where ClientIP in (ids)"),
    ("in_let_other_type", "let ids = NetworkMetrics | distinct BytesSent; NetworkMetrics | where ClientIP in (ids)"),
    ("in_let_then_pipe", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP in (ids | take 2)"),
    ("in_materialized_let", "let ids = materialize(NetworkMetrics | distinct ClientIP); NetworkMetrics | where ClientIP in (ids)"),
    ("in_stored_table", "NetworkMetrics | where ClientIP in (IpInfoEx)"),
    ("in_inline_two_columns", "NetworkMetrics | where ClientIP in (NetworkMetrics | distinct ClientIP, TargetIP)"),
    ("in_function_call", "let f = () { NetworkMetrics | distinct ClientIP }; NetworkMetrics | where ClientIP in (f())"),
    (
        "in_function_with_argument",
        "let f = (n:long) { NetworkMetrics | take n | distinct ClientIP }; NetworkMetrics | where ClientIP in (f(3))",
    ),
    (
        "in_tabular_parameter",
        "let f = (T:(ClientIP:string)) { NetworkMetrics | where ClientIP in (T) }; f(IpInfoEx)",
    ),
    ("in_column_hides_let", "let ClientIP = IpInfo; NetworkMetrics | where TargetIP in (ClientIP)"),
    ("in_let_among_scalars", "let ids = NetworkMetrics | distinct ClientIP; NetworkMetrics | where ClientIP in (ids, 'a')"),
    ("toscalar_let", "let ids = NetworkMetrics | distinct ClientIP; print toscalar(ids)"),
    ("toscalar_function_call", "let f = () { NetworkMetrics | distinct ClientIP }; print toscalar(f())"),
    # A name may start with digits unless the whole word is a literal.
    (
        "digit_name_series_fir",
        "print val = dynamic([0, 0, 10]) | extend 5h_MovingAvg = series_fir(val, dynamic([1, 1, 1, 1, 1]))",
    ),
    ("digit_name_letters", "print 1abc = 1 | project 1abc"),
    ("digit_name_in_extend", "print 5h_x = 1 | extend y = 5h_x + 1, 2b = 5h"),
    ("digit_name_exponent_like", "print 1e5x = 1, 0x10g = 2, 5minx = 3, 5ms_ = 4, 1_000 = 5, 1l = 6"),
    ("digit_name_summarize", "NetworkMetrics | summarize 5h_Total = sum(BytesSent) by 1st_Client = ClientIP"),
    ("digit_name_unknown", "print x = 1 | extend y = 1abc"),
    ("digit_name_upper_l", "print 1L"),
    ("digit_name_week", "print ago(2weeks)"),
    ("whole_literals", "print 5h, 5days, 1e5, 0x10, 123, 10ticks, 1.5h"),
    ("digits_only_name", "print 123 = 1"),
    ("timespan_then_equals", "print 5days = 1"),
    # Long chains and pipelines: Kusto.Language 12.4.1 accepts them up to its depth limit.
    ("or_chain_400", "NetworkMetrics | where " + " or ".join(f"BytesSent == {i}" for i in range(400))),
    ("and_chain_400", "NetworkMetrics | where " + " and ".join(f"BytesSent != {i}" for i in range(400))),
    ("plus_chain_450", "print total = " + " + ".join("1" for _ in range(450))),
    ("extend_pipeline_450", "NetworkMetrics" + "".join(f" | extend c{i} = BytesSent + {i}" for i in range(450))),
    ("or_chain_600", "NetworkMetrics | where " + " or ".join(f"BytesSent == {i}" for i in range(600))),
    ("extend_pipeline_600", "NetworkMetrics" + "".join(f" | extend c{i} = BytesSent" for i in range(600))),
    ("parentheses_600", "print " + "(" * 600 + "1" + ")" * 600),
    # Derived names: column_ifexists of an existing column, and percentiles of computed values.
    ("column_ifexists_project", "AllTypes | project column_ifexists('Big', 1), column_ifexists('Nope', 1)"),
    ("column_ifexists_alias", "AllTypes | project columnifexists('Big', 1)"),
    ("column_ifexists_extend", "AllTypes | extend column_ifexists('Big', 1)"),
    ("column_ifexists_converted", "AllTypes | extend column_ifexists('Small', 1)"),
    ("column_ifexists_default_column", "AllTypes | project column_ifexists('Nope', Small)"),
    ("column_ifexists_twice", "AllTypes | project Small, column_ifexists('Small', 1), column_ifexists('Small', 2)"),
    ("column_ifexists_by", "AllTypes | summarize count() by column_ifexists('Big', 1)"),
    ("column_ifexists_print", "print column_ifexists('Big', 1)"),
    ("percentile_computed", "AllTypes | summarize percentile(Big, 1+1)"),
    ("percentile_literals", "AllTypes | summarize percentile(Big, 2), percentile(Ratio, 50.5), percentile(Small, long(5))"),
    ("percentile_let", "let p = 50; AllTypes | summarize percentile(Big, p)"),
    ("percentiles_computed", "AllTypes | summarize percentiles(Big, 1+1, 50)"),
    # A where predicate must be bool: a typed null of another type is rejected too.
    ("where_bool_null", "AllTypes | where bool(null)"),
    ("where_int_null", "AllTypes | where int(null)"),
    ("where_long_null", "AllTypes | where long(null)"),
    ("where_real_null", "AllTypes | where real(null)"),
    ("where_decimal_null", "AllTypes | where decimal(null)"),
    ("where_datetime_null", "AllTypes | where datetime(null)"),
    ("where_timespan_null", "AllTypes | where timespan(null)"),
    ("where_guid_null", "AllTypes | where guid(null)"),
    ("where_dynamic_null", "AllTypes | where dynamic(null)"),
    ("where_column_flag", "AllTypes | where Flag"),
    ("where_column_small", "AllTypes | where Small"),
    ("where_column_big", "AllTypes | where Big"),
    ("where_column_ratio", "AllTypes | where Ratio"),
    ("where_column_exact", "AllTypes | where Exact"),
    ("where_column_text", "AllTypes | where Text"),
    ("where_column_moment", "AllTypes | where Moment"),
    ("where_column_span", "AllTypes | where Span"),
    ("where_column_id", "AllTypes | where Id"),
    ("where_column_bag", "AllTypes | where Bag"),
    ("where_dynamic_member", "AllTypes | where Bag.a"),
    ("where_bool_and_null", "AllTypes | where Flag and bool(null)"),
]
