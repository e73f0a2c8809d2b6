"""Datetime functions: bin, bin_at, datetime_diff, datetime_part, boundaries, formats."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import NOW, call, result_type

from kqlite.errors import KqlRuntimeError
from kqlite.types import DATETIME, INT, LONG, REAL, STRING, TIMESPAN

T = pd.Timestamp
D = pd.Timedelta


def test_bin_numeric():
    assert call("bin", 4.5, 1, types=[REAL, LONG]) == 4.0
    assert result_type("bin", REAL, LONG) is REAL
    assert result_type("bin", LONG, LONG) is LONG
    assert result_type("bin", INT, INT) is LONG
    assert call("bin", 17, 5, types=[LONG, LONG]) == 15


def test_bin_negative_value_and_size():
    assert call("bin", -4.5, 1, types=[REAL, LONG]) == -5.0
    assert call("bin", 4.5, -1, types=[REAL, LONG]) is None
    assert call("bin", -7, 5, types=[LONG, LONG]) == -10
    assert call("bin", 7, 0, types=[LONG, LONG]) is None


def test_bin_timespan():
    assert call("bin", D(days=16), D(days=7), types=[TIMESPAN, TIMESPAN]) == D(days=14)
    assert result_type("bin", TIMESPAN, TIMESPAN) is TIMESPAN


def test_bin_datetime_day():
    assert call("bin", T("1970-05-11 13:45:07"), D(days=1), types=[DATETIME, TIMESPAN]) == T("1970-05-11")
    assert result_type("bin", DATETIME, TIMESPAN) is DATETIME


def test_bin_datetime_weeks_start_on_monday():
    # Datetimes bin on ticks since 0001-01-01, a Monday.
    assert call("bin", T("2017-05-17 10:20"), D(days=7), types=[DATETIME, TIMESPAN]) == T("2017-05-15")


def test_bin_datetime_column_with_null():
    stamps = pd.Series([T("2020-01-01 05:00"), None], dtype="datetime64[ns]")
    result = call("bin", stamps, D(hours=1), types=[DATETIME, TIMESPAN])
    assert result.tolist()[0] == T("2020-01-01 05:00")
    assert pd.isna(result.tolist()[1])


def test_bin_size_column():
    sizes = pd.Series([D(days=1), D(days=7)])
    result = call("bin", T("2017-05-17 10:20"), sizes, types=[DATETIME, TIMESPAN], length=2)
    assert result.tolist() == [T("2017-05-17"), T("2017-05-15")]


def test_bin_at():
    assert call("bin_at", 6.5, 2.5, 7, types=[REAL, REAL, LONG]) == 4.5
    assert call("bin_at", D(hours=1), D(days=1), D(hours=12), types=[TIMESPAN] * 3) == D(hours=-12)
    noon = call("bin_at", T("2017-05-15 10:20"), D(days=1), T("1970-01-01 12:00"), types=[DATETIME, TIMESPAN, DATETIME])
    assert noon == T("2017-05-14 12:00")
    sunday = call("bin_at", T("2017-05-17 10:20"), D(days=7), T("2017-06-04"), types=[DATETIME, TIMESPAN, DATETIME])
    assert sunday == T("2017-05-14")


def diff(period: str, first: str, second: str) -> int | None:
    return call("datetime_diff", period, T(first), T(second), types=[STRING, DATETIME, DATETIME])


def test_datetime_diff_calendar_boundaries():
    assert diff("day", "2020-01-02 23:00", "2020-01-01 01:00") == 1
    assert diff("week", "2017-10-01", "2017-09-30") == 1
    assert diff("month", "2017-02-01", "2017-01-31") == 1
    assert diff("year", "2017-01-01", "2016-12-31 23:59:59") == 1
    assert diff("hour", "2017-01-01 11:00", "2017-01-01 10:59") == 1
    assert diff("day", "2017-01-01", "2017-01-03 12:00") == -2


def test_datetime_diff_documented_examples():
    assert diff("year", "2017-01-01", "2000-12-31") == 17
    assert diff("quarter", "2017-07-01", "2017-03-30") == 2
    assert diff("month", "2017-01-01", "2015-12-30") == 13
    assert diff("week", "2017-10-29 00:00", "2017-09-30 23:59") == 5
    assert diff("day", "2017-10-29 00:00", "2017-09-30 23:59") == 29
    assert diff("hour", "2017-10-31 01:00", "2017-10-30 23:59") == 2
    assert diff("minute", "2017-10-30 23:05:01", "2017-10-30 23:00:59") == 5
    assert diff("second", "2017-10-30 23:00:10.100", "2017-10-30 23:00:00.900") == 10
    assert diff("millisecond", "2017-10-30 23:00:00.200100", "2017-10-30 23:00:00.100900") == 100
    assert diff("microsecond", "2017-10-30 23:00:00.1009001", "2017-10-30 23:00:00.1008009") == 100
    assert diff("nanosecond", "2017-10-30 23:00:00.0000000", "2017-10-30 23:00:00.0000007") == -700


def test_datetime_diff_invalid_period():
    with pytest.raises(KqlRuntimeError, match="fortnight"):
        diff("fortnight", "2017-01-01", "2016-01-01")


def test_datetime_diff_null():
    stamps = pd.Series([T("2020-01-05"), None], dtype="datetime64[ns]")
    result = call("datetime_diff", "day", stamps, T("2020-01-01"), types=[STRING, DATETIME, DATETIME])
    assert result.tolist() == [4, pd.NA]


def test_datetime_part_documented():
    moment = T("2017-10-30 01:02:03.7654321")
    parts = ["year", "quarter", "month", "week_of_year", "day", "dayOfYear", "hour", "minute", "second", "millisecond", "microsecond", "nanosecond"]
    values = [call("datetime_part", part, moment, types=[STRING, DATETIME]) for part in parts]
    assert values == [2017, 4, 10, 44, 30, 303, 1, 2, 3, 765, 765432, 765432100]
    assert result_type("datetime_part", STRING, DATETIME) is INT


def test_calendar_part_functions():
    assert call("getyear", T("2015-10-12"), types=[DATETIME]) == 2015
    assert call("getmonth", T("2015-10-12"), types=[DATETIME]) == 10
    assert call("dayofmonth", T("2015-12-14"), types=[DATETIME]) == 14
    assert call("dayofyear", T("2015-12-14"), types=[DATETIME]) == 348
    assert call("hourofday", T("2015-12-14 18:54"), types=[DATETIME]) == 18
    assert call("week_of_year", T("2020-12-31"), types=[DATETIME]) == 53
    assert call("week_of_year", T("2021-01-04"), types=[DATETIME]) == 1


def test_dayofweek():
    assert call("dayofweek", T("1970-05-11"), types=[DATETIME]) == D(days=1)
    assert call("dayofweek", T("2017-10-01 12:00"), types=[DATETIME]) == D(0)


@pytest.mark.parametrize(
    ("name", "moment", "offset", "expected"),
    [
        ("startofday", "2017-01-01 10:10:17", 0, "2017-01-01"),
        ("startofday", "2017-01-01 10:10:17", -1, "2016-12-31"),
        ("startofweek", "2017-01-01 10:10:17", 0, "2017-01-01"),
        ("startofweek", "2017-01-04", 1, "2017-01-08"),
        ("startofmonth", "2017-01-11", 0, "2017-01-01"),
        ("startofmonth", "2017-01-11", -1, "2016-12-01"),
        ("startofyear", "2017-05-11", 0, "2017-01-01"),
        ("startofyear", "2017-05-11", 1, "2018-01-01"),
        ("endofday", "2017-01-01 10:10:17", 0, "2017-01-01 23:59:59.9999999"),
        ("endofweek", "2017-01-01 10:10:17", 0, "2017-01-07 23:59:59.9999999"),
        ("endofmonth", "2017-02-11", 0, "2017-02-28 23:59:59.9999999"),
        ("endofyear", "2017-05-11", -1, "2016-12-31 23:59:59.9999999"),
    ],
)
def test_period_boundaries(name, moment, offset, expected):
    assert call(name, T(moment), offset, types=[DATETIME, LONG]) == T(expected)


def test_boundary_without_offset_on_column():
    stamps = pd.Series([T("2017-01-11"), None], dtype="datetime64[ns]")
    result = call("startofmonth", stamps, types=[DATETIME])
    assert result.iloc[0] == T("2017-01-01")
    assert pd.isna(result.iloc[1])


@pytest.mark.parametrize("name", ["startofday", "startofweek", "startofmonth", "startofyear", "endofweek", "endofyear"])
def test_boundary_out_of_range_null(name):
    # Such a boundary lies beyond 2262, the last datetime that int64 nanoseconds can hold.
    assert call(name, T("2020-01-01"), 123456789012, types=[DATETIME, LONG]) is None
    assert call(name, T("2020-01-01"), -123456789012, types=[DATETIME, LONG]) is None


def test_boundary_last_month_in_range():
    assert call("startofmonth", T("2262-03-11"), 1, types=[DATETIME, LONG]) == T("2262-04-01")
    assert call("startofmonth", T("2262-03-11"), 2, types=[DATETIME, LONG]) is None


def test_datetime_add_out_of_range_null():
    assert call("datetime_add", "hour", 123456789012, T("2020-01-01"), types=[STRING, LONG, DATETIME]) is None
    assert call("datetime_add", "month", 123456789012, T("2020-01-01"), types=[STRING, LONG, DATETIME]) is None
    assert call("datetime_add", "year", 300, T("2020-01-01"), types=[STRING, LONG, DATETIME]) is None


def test_datetime_add():
    assert call("datetime_add", "month", 1, T("2017-01-31"), types=[STRING, LONG, DATETIME]) == T("2017-02-28")
    assert call("datetime_add", "year", -5, T("2017-10-30 01:02:03"), types=[STRING, LONG, DATETIME]) == T("2012-10-30 01:02:03")
    assert call("datetime_add", "quarter", 1, T("2017-10-30"), types=[STRING, LONG, DATETIME]) == T("2018-01-30")
    assert call("datetime_add", "hour", 3, T("2017-10-30"), types=[STRING, LONG, DATETIME]) == T("2017-10-30 03:00")


def test_format_datetime():
    moment = T("2015-12-14 02:03:04.12345")
    assert call("format_datetime", moment, "yy-MM-dd [HH:mm:ss]", types=[DATETIME, STRING]) == "15-12-14 [02:03:04]"
    assert call("format_datetime", moment, "yyyy-M-d h:m:s.fff", types=[DATETIME, STRING]) == "2015-12-14 2:3:4.123"
    assert call("format_datetime", T("2017-01-29 19:00:05"), "hh tt FFF", types=[DATETIME, STRING]) == "07 PM "
    assert call("format_datetime", None, "yyyy", types=[DATETIME, STRING]) == ""


def test_format_datetime_category_of_results():
    stamps = pd.Series([T("2020-01-01"), None], dtype="datetime64[ns]")
    assert call("format_datetime", stamps, "yyyy/MM", types=[DATETIME, STRING]).tolist() == ["2020/01", ""]


def test_format_timespan():
    span = D(days=1, hours=2, minutes=3, seconds=4, milliseconds=123)
    assert call("format_timespan", span, "dd.hh:mm:ss", types=[TIMESPAN, STRING]) == "01.02:03:04"
    assert call("format_timespan", span, "d.h:m:s.fff", types=[TIMESPAN, STRING]) == "1.2:3:4.123"
    assert call("format_timespan", -D(hours=1), "hh:mm", types=[TIMESPAN, STRING]) == "-01:00"


def test_now_and_ago():
    assert call("now", types=[]) == NOW
    assert call("now", D(days=-1), types=[TIMESPAN]) == NOW - D(days=1)
    assert call("ago", D(hours=1), types=[TIMESPAN]) == NOW - D(hours=1)


def test_unixtime_conversions():
    assert call("unixtime_seconds_todatetime", 1546300800, types=[LONG]) == T("2019-01-01")
    assert call("unixtime_seconds_todatetime", 1546300800.5, types=[REAL]) == T("2019-01-01 00:00:00.5")
    assert call("unixtime_milliseconds_todatetime", 1546300800123, types=[LONG]) == T("2019-01-01 00:00:00.123")
    assert call("unixtime_microseconds_todatetime", 1546300800123456, types=[LONG]) == T("2019-01-01 00:00:00.123456")
    assert call("unixtime_nanoseconds_todatetime", 1546300800123456789, types=[LONG]) == T("2019-01-01 00:00:00.123456789")
    assert call("unixtime_seconds_todatetime", None, types=[LONG]) is None


def test_unixtime_out_of_range_null():
    assert call("unixtime_nanoseconds_todatetime", float("-inf"), types=[REAL]) is None
    assert call("unixtime_seconds_todatetime", 10**12, types=[LONG]) is None
    assert call("unixtime_seconds_todatetime", 1.5, types=[REAL]) == T("1970-01-01 00:00:01.5")


def test_make_datetime():
    assert call("make_datetime", 2017, 10, 1, types=[LONG] * 3) == T("2017-10-01")
    assert call("make_datetime", 2017, 10, 1, 12, 10, types=[LONG] * 5) == T("2017-10-01 12:10")
    assert call("make_datetime", 2017, 10, 1, 12, 11, 0.1234567, types=[LONG] * 5 + [REAL]) == T("2017-10-01 12:11:00.1234567")
    assert call("make_datetime", 2017, 2, 30, types=[LONG] * 3) is None


def test_make_datetime_constant_and_column():
    months = pd.Series([1, 2, None], dtype="Int64")

    result = call("make_datetime", 2020, months, 1, types=[LONG] * 3)

    assert result.iloc[0] == T("2020-01-01")
    assert result.iloc[1] == T("2020-02-01")
    assert pd.isna(result.iloc[2])


def test_make_datetime_invalid_parts_null():
    assert call("make_datetime", 2020, 1, 1, 123456789012345, types=[LONG] * 4) is None
    assert call("make_datetime", 2020, 1, 1, 0, 0, float("nan"), types=[LONG] * 5 + [REAL]) is None


def test_make_timespan_constant_and_column():
    hours = pd.Series([1, None], dtype="Int64")

    result = call("make_timespan", hours, 2, types=[LONG, LONG])

    assert result.iloc[0] == D(hours=1, minutes=2)
    assert pd.isna(result.iloc[1])


def test_make_timespan_out_of_range_null():
    assert call("make_timespan", 1, 123456789012, types=[LONG, LONG]) is None
    assert call("make_timespan", 0, 0, float("inf"), float("-inf"), types=[LONG, LONG, REAL, REAL]) is None


def test_make_timespan():
    assert call("make_timespan", 1, 12, 30, 55.2, types=[LONG, LONG, LONG, REAL]) == D(days=1, hours=12, minutes=30, seconds=55.2)
    assert call("make_timespan", 12, 30, types=[LONG, LONG]) == D(hours=12, minutes=30)
    assert call("make_timespan", 12, 30, 15, types=[LONG] * 3) == D(hours=12, minutes=30, seconds=15)
