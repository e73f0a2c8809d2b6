"""Result rows: Python values for callers, and full-precision times for display."""

from __future__ import annotations

import warnings

import kqlite
from kqlite.cli.formatting import format_table

QUERY = "print t = datetime(2023-01-01 10:11:12.1234567), s = 1.5s + 100tick, n = datetime(null)"


def test_display_rows_keep_the_seventh_digit() -> None:
    result = kqlite.connect().execute(QUERY)

    table = format_table(result.columns, result.display_rows())

    assert "2023-01-01T10:11:12.1234567Z" in table
    assert "00:00:01.5000100" in table


def test_rows_drop_ticks_without_a_warning() -> None:
    result = kqlite.connect().execute(QUERY)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [(moment, span, missing)] = result.rows()

    assert moment.microsecond == 123456
    assert span.microseconds == 500010
    assert missing is None


def test_datatable_decimal_column_takes_numbers() -> None:
    import decimal

    rows = kqlite.connect().execute("datatable(a:decimal)[3, 1.5, real(null)]").rows()

    assert rows == [(decimal.Decimal("3"),), (decimal.Decimal("1.5"),), (None,)]
