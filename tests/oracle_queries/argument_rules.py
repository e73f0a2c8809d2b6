"""Function arguments: which types fit a parameter, dynamic shapes, and constant arguments;
also `pack_all` and `column_ifexists`, which the binder resolves over the columns in scope.

Each rule of `kqlite.semantics.arguments` has an accepted and a rejected case here, and
each table of exceptions has one case, so Kusto.Language checks both sides of the rule.
"""

QUERIES = [
    # A dynamic value of unknown shape fits string and dynamic parameters, and no other.
    ("dynamic_for_string", "AllTypes | project strlen(Bag.x), replace_string(Bag, 'a', 'b'), parse_ipv4(Bag.ip)"),
    ("dynamic_for_array", "AllTypes | project array_length(Bag.items), series_fill_forward(Bag)"),
    ("dynamic_for_real_rejected", "AllTypes | project abs(Bag.x)"),
    ("dynamic_for_datetime_rejected", "AllTypes | project startofday(Bag.t)"),
    ("dynamic_for_long_rejected", "AllTypes | project substring(Text, Bag.start)"),
    ("dynamic_for_bool_rejected", "AllTypes | summarize countif(Bag.flag)"),
    ("dynamic_null_for_real_rejected", "print log(dynamic(null))"),
    # Typed nulls are values of their type.
    ("typed_null_of_same_type", "print strlen(tostring(int(null))), startofday(datetime(null)), abs(real(null))"),
    ("typed_null_of_other_type_rejected", "print log(guid(null))"),
    ("typed_null_for_string_rejected", "print parse_url(long(null))"),
    # Numbers: integers widen to any number, fractions never to an integer parameter.
    ("long_for_real", "AllTypes | project log(Big), sqrt(Small)"),
    ("decimal_for_real", "AllTypes | project bin(Exact, 1), unixtime_seconds_todatetime(Exact)"),
    ("real_for_long_rejected", "AllTypes | project substring(Text, Ratio)"),
    ("real_for_offset_rejected", "AllTypes | project startofday(Moment, Ratio)"),
    ("decimal_for_isnan_rejected", "AllTypes | project isnan(Exact)"),
    # Dynamic shapes: arrays, bags and scalar literals.
    ("array_literal_for_array", "print array_length(dynamic([1, 2])), array_sum(pack_array(1, 2))"),
    ("bag_literal_for_bag", "print bag_keys(dynamic({'a': 1})), bag_merge(bag_pack('a', 1), dynamic({}))"),
    ("bag_for_array_rejected", "print array_length(dynamic({'a': 1}))"),
    ("array_for_bag_rejected", "print bag_keys(pack_array(1))"),
    ("scalar_literal_for_array_rejected", "print series_less(dynamic(1.5), 42)"),
    ("array_for_string_rejected", "print replace_string(dynamic([1]), 'a', 'b')"),
    ("array_for_any_dynamic_string", "print strlen(dynamic([1])), toguid(dynamic([1]))"),
    ("parse_json_unknown_shape", "print bag_keys(parse_json('[1]')), array_length(parse_json('{}'))"),
    ("make_bag_of_array_rejected", "AllTypes | summarize make_bag(pack_array(1, 'a'))"),
    # Per-parameter exceptions.
    ("any_type_for_tolower", "AllTypes | project tolower(Flag), toupper(Big), substring(Moment, 2), split(Ratio, '.')"),
    ("toguid_of_number_rejected", "print toguid(-2.25)"),
    ("todynamic_of_datetime_rejected", "print todynamic(now())"),
    ("hash_of_dynamic_rejected", "AllTypes | project hash(Bag)"),
    ("max_of_guid_rejected", "AllTypes | summarize max(Id)"),
    ("max_of_dynamic_rejected", "AllTypes | project max_of(Bag, Bag)"),
    ("coalesce_dynamic_with_string_rejected", "AllTypes | project coalesce(Text, Bag)"),
    ("coalesce_dynamic", "AllTypes | project coalesce(Bag, Bag.x)"),
    ("bag_pack_odd_count_rejected", "print bag_pack('a', 1, 'b')"),
    # Constants: expressions without columns count, folded at bind time.
    ("conversion_as_constant", "AllTypes | summarize percentiles_array(Big, toint(7))"),
    ("expression_as_constant", "AllTypes | project trim(strcat('a', 'b'), Text), extract('(a)', toint(1), Text)"),
    ("column_as_constant_rejected", "AllTypes | project trim(tostring(Text), Text)"),
    ("member_as_constant_rejected", "AllTypes | project trim(tostring(dynamic({'a': 1}).a), Text)"),
    ("round_precision_column_rejected", "AllTypes | project round(Ratio, Small)"),
    ("replace_regex_rewrite_column_rejected", "AllTypes | project replace_regex(Text, 'a', Text)"),
    # iff and case over values without a common type give dynamic.
    ("iff_no_common_type", "print a = iff(true, 1, 'a'), b = case(false, 1, true, now(), 'x')"),
    ("coalesce_no_common_type_rejected", "print coalesce(1, 'a')"),
    # pack_all and column_ifexists, bound over the columns in scope.
    ("pack_all_named", "AllTypes | extend Packed = pack_all(), Kept = pack_all(true)"),
    ("pack_all_unnamed", "AllTypes | project pack_all(), x = 1"),
    ("pack_all_in_aggregate", "AllTypes | summarize make_list(pack_all())"),
    ("pack_all_column_flag_rejected", "AllTypes | extend p = pack_all(Flag)"),
    ("pack_all_two_arguments_rejected", "AllTypes | extend p = pack_all(true, false)"),
    ("column_ifexists_missing", "AllTypes | project a = column_ifexists('Nope', 1), b = column_ifexists('Nope', Text)"),
    ("column_ifexists_present", "AllTypes | project a = column_ifexists('Big', 1), b = column_ifexists('Big', 'x'), c = columnifexists('Flag', false)"),
    ("column_ifexists_in_where", "AllTypes | where column_ifexists('Flag', false)"),
    ("column_ifexists_constant_name", "AllTypes | project a = column_ifexists(strcat('B', 'ig'), 0)"),
    ("column_ifexists_column_name_rejected", "AllTypes | project column_ifexists(Text, 1)"),
    ("column_ifexists_number_name_rejected", "AllTypes | project column_ifexists(1, 1)"),
    ("column_ifexists_one_argument_rejected", "AllTypes | project column_ifexists('Big')"),
]
