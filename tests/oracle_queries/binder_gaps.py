"""Tabular values inside in (...), identifiers that start with digits, long flat chains,
derived column names and where predicates, checked against Kusto.Language.

Not listed: ``x in (table('IpInfo'))``, because kqlite has no ``table()`` function yet.
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
]
