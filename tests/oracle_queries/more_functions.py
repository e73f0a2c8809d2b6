"""Binary, text, URL, IPv4-in-text, series filter and geo functions over `AllTypes` and literals."""

QUERIES = [
    # Binary functions.
    ("binary_bitwise", "AllTypes | project binary_and(Big, 3), binary_or(Small, Big), binary_xor(Big, Big), binary_not(Big)"),
    ("binary_shifts", "AllTypes | project binary_shift_left(Big, 2), binary_shift_right(Small, 1)"),
    ("bitset_count_ones", "AllTypes | project bitset_count_ones(Big), bitset_count_ones(Small)"),
    ("binary_and_string_rejected", "AllTypes | project binary_and(Text, 1)"),
    ("binary_not_datetime_rejected", "AllTypes | project binary_not(Moment)"),
    ("binary_and_one_argument_rejected", "print binary_and(1)"),
    ("binary_and_real_rejected", "AllTypes | project binary_and(Ratio, 1)"),
    ("bitset_count_ones_real_rejected", "AllTypes | project bitset_count_ones(Ratio)"),
    ("binary_and_bool_rejected", "AllTypes | project binary_and(Flag, 1)"),
    ("binary_shift_dynamic_rejected", "AllTypes | project binary_shift_left(Bag.x, 1)"),
    # Text functions.
    ("strcat_array", "AllTypes | project strcat_array(Bag, ','), s = strcat_array(dynamic([1, 2, 3]), '->')"),
    ("translate", "AllTypes | project translate('abc', 'x', Text), translate(Text, Text, 'spark')"),
    ("string_size", "AllTypes | project string_size(Text), s = string_size('hello')"),
    ("string_size_long_rejected", "AllTypes | project string_size(Big)"),
    ("strcat_array_string_rejected", "AllTypes | project strcat_array(Text, ',')"),
    # URL and path parsing.
    ("parse_url", "AllTypes | project parse_url(Text), h = parse_url('https://h:1/p?k=v#f').Host"),
    ("parse_path", "AllTypes | project parse_path(Text), f = parse_path(@'C:\\temp\\file.txt').Filename"),
    ("parse_url_long_rejected", "AllTypes | project parse_url(Big)"),
    # IPv4 addresses in text.
    ("has_ipv4", "AllTypes | project has_ipv4(Text, '127.0.0.1'), has_ipv4_prefix(Text, '127.0.')"),
    ("has_any_ipv4", "AllTypes | project has_any_ipv4(Text, '1.2.3.4', '5.6.7.8'), has_any_ipv4(Text, dynamic(['1.2.3.4']))"),
    ("has_any_ipv4_prefix", "AllTypes | project has_any_ipv4_prefix(Text, '10.', '192.168.'), has_any_ipv4_prefix(Text, dynamic(['10.']))"),
    ("has_ipv4_where", "AllTypes | where has_ipv4(Text, '10.0.0.1') | count"),
    ("has_ipv4_column_address", "AllTypes | project has_ipv4(Text, Text), has_any_ipv4(Text, Bag)"),
    ("has_ipv4_long_rejected", "AllTypes | project has_ipv4(Big, '1.2.3.4')"),
    # Hashes.
    ("hash_sha1", "AllTypes | project hash_sha1(Text), hash_sha1(Big), hash_md5(Text), hash_xxhash64(Text)"),
    # Series filters and statistics.
    ("series_fir", "AllTypes | project series_fir(Bag, dynamic([1, 1, 1])), series_fir(Bag, dynamic([1, -1]), false, true)"),
    ("series_iir", "AllTypes | project series_iir(Bag, dynamic([1]), dynamic([1, -1]))"),
    ("series_stats_columns", "AllTypes | project series_stats(Bag)"),
    ("series_stats_named", "AllTypes | extend (mn, mni, mx, mxi, av, sd, vr) = series_stats(Bag, true)"),
    ("series_stats_two_names", "AllTypes | extend (low, low_at) = series_stats(Bag)"),
    ("series_stats_literal", "print x = dynamic([1, 2, 3]) | project series_stats(x)"),
    ("series_stats_dynamic", "AllTypes | project s = series_stats_dynamic(Bag), t = series_stats_dynamic(Bag, true)"),
    ("series_fir_column_filter", "AllTypes | project series_fir(Bag, Bag), series_iir(Bag, Bag, Bag)"),
    ("series_fir_string_rejected", "AllTypes | project series_fir(Text, dynamic([1]))"),
    ("series_stats_long_rejected", "AllTypes | project series_stats(Big)"),
    # Geospatial functions.
    ("geo_distance_2points", "AllTypes | project geo_distance_2points(Ratio, Ratio, -118.275287, 34.019056), geo_distance_2points(Big, Small, 0, 0)"),
    ("geo_point_in_circle", "AllTypes | where geo_point_in_circle(Ratio, Ratio, -122.317404, 47.609119, 18000) | count"),
    ("geo_distance_decimal", "AllTypes | project geo_distance_2points(Exact, Exact, 0, 0)"),
    ("geo_point_in_polygon", "AllTypes | project inside = geo_point_in_polygon(Ratio, Ratio, dynamic({'type': 'Polygon', 'coordinates': [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}))"),
    ("geo_point_in_polygon_column", "AllTypes | where geo_point_in_polygon(Big, Small, Bag) | count"),
    ("geo_point_in_polygon_string_rejected", "AllTypes | project geo_point_in_polygon(1.0, 2.0, Text)"),
    ("geo_distance_string_rejected", "AllTypes | project geo_distance_2points(Text, 1.0, 2.0, 3.0)"),
    ("geo_point_in_circle_three_arguments_rejected", "print geo_point_in_circle(1.0, 2.0, 3.0)"),
]
