"""mv-apply: result schemas and rejections, checked against Kusto.Language.

Not listed: ``kind=array``, which Kusto.Language accepts and kqlite rejects because
the documentation says mv-apply does not support it, and a column in ``limit``, which
Kusto.Language accepts although the limit is a constant.
"""

from __future__ import annotations

QUERIES: list[tuple[str, str]] = [
    # Expanded items and their names.
    ("plain_column", "AllTypes | mv-apply Bag on (take 1)"),
    ("legacy_spelling", "AllTypes | mvapply Bag on (take 1)"),
    ("named_item", "AllTypes | mv-apply b = Bag to typeof(int) on (take 1)"),
    ("named_like_input_column", "AllTypes | mv-apply Small = Bag on (take 1)"),
    ("named_like_itself", "AllTypes | mv-apply Bag = Bag on (project Big)"),
    ("member_item", "AllTypes | mv-apply Bag.a, Bag.b on (take 1)"),
    ("computed_item", "AllTypes | mv-apply d = dynamic([1, 2]) on (take 1)"),
    ("unnamed_computed_item", "AllTypes | mv-apply Bag, pack_array(1, 2) on (take 1)"),
    ("itemindex", "AllTypes | mv-apply with_itemindex=i Bag on (project i)"),
    ("itemindex_taken_name", "AllTypes | mv-apply with_itemindex=Bag Bag on (take 1)"),
    ("limit", "AllTypes | mv-apply Bag limit 2 on (take 1)"),
    ("kind_bag", "AllTypes | mv-apply kind=bag Bag on (take 1)"),
    # The subquery's columns and how they meet the input's.
    ("summarize", "AllTypes | mv-apply Bag on (summarize make_list(Bag))"),
    ("summarize_by", "AllTypes | mv-apply Bag on (summarize count() by tostring(Bag))"),
    ("summarize_replaces_outer", "AllTypes | mv-apply x = Bag on (summarize n = count(), Small = max(tolong(x)))"),
    ("top_then_project", "AllTypes | mv-apply Bag on (top 2 by tolong(Bag) | project v = Bag)"),
    ("where_outer_column", "AllTypes | mv-apply Bag on (where Big > 1)"),
    ("extend_replaces_outer", "AllTypes | mv-apply x = Bag on (project x, Small = 'a')"),
    ("project_reversed", "AllTypes | mv-apply x = Bag, y = Bag on (project y, x)"),
    ("project_away_item", "AllTypes | mv-apply Bag on (project-away Bag)"),
    ("count", "AllTypes | mv-apply Bag on (count)"),
    ("sort_window", "AllTypes | mv-apply Bag on (sort by tostring(Bag) | extend r = row_number())"),
    ("distinct", "AllTypes | mv-apply Bag on (distinct tostring(Bag))"),
    ("parse", "AllTypes | mv-apply Bag on (parse tostring(Bag) with a ',' b)"),
    ("inner_mv_expand", "AllTypes | mv-apply Bag on (mv-expand Bag | take 3)"),
    ("nested", "AllTypes | mv-apply Bag on (mv-apply Bag on (take 1))"),
    ("twice", "AllTypes | mv-apply Bag on (take 1) | mv-apply Bag on (take 1)"),
    ("join", "AllTypes | mv-apply Bag on (join (AllTypes) on Big)"),
    ("getschema", "AllTypes | mv-apply Bag on (getschema)"),
    ("metrics", "NetworkMetrics | extend Sizes = pack_array(BytesSent, BytesReceived) | mv-apply Sizes to typeof(long) on (top 1 by Sizes)"),
    # Rejections.
    ("reject_string_item", "AllTypes | mv-apply Text on (take 1)"),
    ("reject_named_real_item", "AllTypes | mv-apply x = Ratio on (take 1)"),
    ("reject_twice_same_name", "AllTypes | mv-apply Bag, Bag on (take 1)"),
    ("reject_text_limit", "AllTypes | mv-apply Bag limit 'a' on (take 1)"),
    ("reject_real_limit", "AllTypes | mv-apply Bag limit 2.5 on (take 1)"),
    ("reject_unknown_type", "AllTypes | mv-apply Bag to typeof(foo) on (take 1)"),
    ("reject_no_parentheses", "AllTypes | mv-apply Bag on take 1"),
    ("reject_empty_subquery", "AllTypes | mv-apply Bag on ()"),
    ("reject_table_in_subquery", "AllTypes | mv-apply Bag on (AllTypes | take 1)"),
    ("reject_distinct_dynamic", "AllTypes | mv-apply Bag on (distinct Bag)"),
]
