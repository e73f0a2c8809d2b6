"""parse and parse-where: the documented examples, the three kinds, flags, nulls and errors."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pytest

import kqlite
from kqlite.errors import KqlNotSupportedError, KqlSemanticError, KqlSyntaxError
from kqlite.operators.parse import ParseSegment, build_pattern, non_capturing, parse_text
from kqlite.types import LONG, PANDAS_DTYPES, STRING


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def run(query: str) -> kqlite.Result:
    return kqlite.connect().execute(query)


def traces(*lines: str, name: str = "Traces", column: str = "EventText") -> str:
    """A `let` statement holding a one-column string table of the given lines."""
    values = ",\n".join(f'"{line}"' for line in lines)
    return f"let {name} = datatable({column}: string)\n[\n{values}\n];\n"


def slice_event(number: int, lock: str, release: str, previous: str, total: str = "27", separator: str = ", ") -> str:
    return (
        f"Event: NotifySliceRelease (resourceName=PipelineScheduler{separator}totalSlices={total}{separator}"
        f"sliceNumber={number}{separator}lockTime={lock}{separator}releaseTime={release}{separator}"
        f"previousLockTime={previous})"
    )


# The five events of the reference's examples.
EVENTS = (
    slice_event(23, "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01"),
    slice_event(15, "02/17/2016 08:40:00", "02/17/2016 08:40:00", "02/17/2016 08:39:00"),
    slice_event(20, "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01"),
    slice_event(22, "02/17/2016 08:41:01", "02/17/2016 08:41:00", "02/17/2016 08:40:01"),
    slice_event(16, "02/17/2016 08:41:00", "02/17/2016 08:41:00", "02/17/2016 08:40:00"),
)


def sorted_rows(result: kqlite.Result) -> list[tuple[Any, ...]]:
    return sorted(result.rows(), key=repr)


# ---------------------------------------------------------------------------------------
# The documented examples


def test_doc_parse_and_extend() -> None:
    result = run(
        traces(*EVENTS)
        + 'Traces | parse EventText with * "resourceName=" resourceName ", totalSlices=" totalSlices: long * '
        '"sliceNumber=" sliceNumber: long * "lockTime=" lockTime ", releaseTime=" releaseTime: date "," * '
        '"previousLockTime=" previousLockTime: date ")" * '
        "| project resourceName, totalSlices, sliceNumber, lockTime, releaseTime, previousLockTime"
    )

    assert result.columns == [
        ("resourceName", "string"),
        ("totalSlices", "long"),
        ("sliceNumber", "long"),
        ("lockTime", "string"),
        ("releaseTime", "datetime"),
        ("previousLockTime", "datetime"),
    ]
    assert sorted_rows(result) == sorted(
        [
            ("PipelineScheduler", 27, 15, "02/17/2016 08:40:00", dt("2016-02-17 08:40:00"), dt("2016-02-17 08:39:00")),
            ("PipelineScheduler", 27, 23, "02/17/2016 08:40:01", dt("2016-02-17 08:40:01"), dt("2016-02-17 08:39:01")),
            ("PipelineScheduler", 27, 20, "02/17/2016 08:40:01", dt("2016-02-17 08:40:01"), dt("2016-02-17 08:39:01")),
            ("PipelineScheduler", 27, 16, "02/17/2016 08:41:00", dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:00")),
            ("PipelineScheduler", 27, 22, "02/17/2016 08:41:01", dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:01")),
        ],
        key=repr,
    )


def test_doc_email_alias_and_dns() -> None:
    leads = traces(
        "Event: LeadContact (email=john@contosohotel.com, Website=https:contosohotel.com)",
        "Event: LeadContact (email=abi@fourthcoffee.com, Website=https:www.fourthcoffee.com)",
        "Event: LeadContact (email=nevena@treyresearch.com, Website=https:treyresearch.com)",
        "Event: LeadContact (email=faruk@tailspintoys.com, Website=https:tailspintoys.com)",
        "Event: LeadContact (email=ebere@relecloud.com, Website=https:relecloud.com)",
        name="Leads",
        column="Contacts",
    )
    result = run(
        leads
        + 'Leads | parse Contacts with * "email=" alias:string "@" domain: string ", Website=https:" WebsiteDomain: string ")" '
        '| project EmailAddress=strcat(alias, "@", domain), EmailAlias=alias, WebsiteDomain'
    )

    assert result.columns == [("EmailAddress", "string"), ("EmailAlias", "string"), ("WebsiteDomain", "string")]
    assert sorted_rows(result) == sorted(
        [
            ("nevena@treyresearch.com", "nevena", "treyresearch.com"),
            ("john@contosohotel.com", "john", "contosohotel.com"),
            ("faruk@tailspintoys.com", "faruk", "tailspintoys.com"),
            ("ebere@relecloud.com", "ebere", "relecloud.com"),
            ("abi@fourthcoffee.com", "abi", "www.fourthcoffee.com"),
        ],
        key=repr,
    )


def test_doc_regex_mode() -> None:
    result = run(
        traces(*EVENTS)
        + 'Traces | parse kind=regex EventText with "(.*?)[a-zA-Z]*=" resourceName @", totalSlices=\\s*\\d+\\s*.*?sliceNumber=" '
        'sliceNumber: long ".*?(previous)?lockTime=" lockTime ".*?releaseTime=" releaseTime ".*?previousLockTime=" '
        'previousLockTime: date "\\\\)" '
        "| project resourceName, sliceNumber, lockTime, releaseTime, previousLockTime"
    )

    assert result.columns == [
        ("resourceName", "string"),
        ("sliceNumber", "long"),
        ("lockTime", "string"),
        ("releaseTime", "string"),
        ("previousLockTime", "datetime"),
    ]
    assert sorted_rows(result) == sorted(
        [
            ("PipelineScheduler", 15, "02/17/2016 08:40:00, ", "02/17/2016 08:40:00, ", dt("2016-02-17 08:39:00")),
            ("PipelineScheduler", 23, "02/17/2016 08:40:01, ", "02/17/2016 08:40:01, ", dt("2016-02-17 08:39:01")),
            ("PipelineScheduler", 20, "02/17/2016 08:40:01, ", "02/17/2016 08:40:01, ", dt("2016-02-17 08:39:01")),
            ("PipelineScheduler", 16, "02/17/2016 08:41:00, ", "02/17/2016 08:41:00, ", dt("2016-02-17 08:40:00")),
            ("PipelineScheduler", 22, "02/17/2016 08:41:01, ", "02/17/2016 08:41:00, ", dt("2016-02-17 08:40:01")),
        ],
        key=repr,
    )


def test_doc_regex_mode_is_greedy_by_default() -> None:
    result = run(traces(*EVENTS) + "Traces | parse kind=regex EventText with * \"resourceName=\" resourceName ',' * | project resourceName")

    assert result.columns == [("resourceName", "string")]
    assert result.rows()[0] == (
        "PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01",
    )
    assert len(result) == 5


def test_doc_regex_flags_ungreedy_and_ignore_case() -> None:
    result = run(traces(*EVENTS) + "Traces | parse kind=regex flags=Ui EventText with * \"RESOURCENAME=\" resourceName ',' * | project resourceName")

    assert result.rows() == [("PipelineScheduler",)] * 5


def test_doc_regex_flag_s_matches_newlines() -> None:
    events = [
        slice_event(23, "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01", separator="\\n"),
        slice_event(22, "02/17/2016 08:41:01", "02/17/2016 08:41:00", "02/17/2016 08:40:01", separator="\\n"),
    ]
    result = run(
        traces(*events)
        + 'Traces | parse kind=regex flags=s EventText with * "resourceName=" resourceName: string "(.*?)totalSlices=" '
        'totalSlices: long "(.*?)lockTime=" lockTime: datetime "(.*?)releaseTime=" releaseTime: datetime '
        '"(.*?)previousLockTime=" previousLockTime: datetime "\\\\)" | project-away EventText'
    )

    assert result.columns == [
        ("resourceName", "string"),
        ("totalSlices", "long"),
        ("lockTime", "datetime"),
        ("releaseTime", "datetime"),
        ("previousLockTime", "datetime"),
    ]
    assert result.rows() == [
        ("PipelineScheduler\n", 27, dt("2016-02-17 08:40:01"), dt("2016-02-17 08:40:01"), dt("2016-02-17 08:39:01")),
        ("PipelineScheduler\n", 27, dt("2016-02-17 08:41:01"), dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:01")),
    ]


def test_regex_without_flag_s_does_not_cross_newlines() -> None:
    result = run('print x="a=1\\nb=2" | parse kind=regex x with "a=" a "b=" b')

    assert result.rows() == [("a=1\nb=2", "", "")]


RELAXED_EVENTS = (
    slice_event(23, "02/17/2016 08:40:01", "nonValidDateTime 08:40:01", "02/17/2016 08:39:01"),
    slice_event(15, "02/17/2016 08:40:00", "nonValidDateTime", "02/17/2016 08:39:00"),
    slice_event(20, "02/17/2016 08:40:01", "nonValidDateTime 08:40:01", "02/17/2016 08:39:01", total="nonValidLongValue"),
    slice_event(22, "02/17/2016 08:41:01", "02/17/2016 08:41:00", "02/17/2016 08:40:01"),
    slice_event(16, "02/17/2016 08:41:00", "02/17/2016 08:41:00", "02/17/2016 08:40:00", total="nonValidLongValue"),
)
RELAXED_PATTERN = (
    'EventText with * "resourceName=" resourceName ", totalSlices=" totalSlices: long ", sliceNumber=" sliceNumber: long * '
    '"lockTime=" lockTime ", releaseTime=" releaseTime: date "," * "previousLockTime=" previousLockTime: date ")" * '
    "| project-away EventText"
)


def test_doc_relaxed_mode_nulls_only_bad_columns() -> None:
    result = run(traces(*RELAXED_EVENTS) + "Traces | parse kind=relaxed " + RELAXED_PATTERN)

    assert result.columns == [
        ("resourceName", "string"),
        ("totalSlices", "long"),
        ("sliceNumber", "long"),
        ("lockTime", "string"),
        ("releaseTime", "datetime"),
        ("previousLockTime", "datetime"),
    ]
    assert result.rows() == [
        ("PipelineScheduler", 27, 23, "02/17/2016 08:40:01", None, dt("2016-02-17 08:39:01")),
        ("PipelineScheduler", 27, 15, "02/17/2016 08:40:00", None, dt("2016-02-17 08:39:00")),
        ("PipelineScheduler", None, 20, "02/17/2016 08:40:01", None, dt("2016-02-17 08:39:01")),
        ("PipelineScheduler", 27, 22, "02/17/2016 08:41:01", dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:01")),
        ("PipelineScheduler", None, 16, "02/17/2016 08:41:00", dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:00")),
    ]


def test_same_pattern_simple_mode_nulls_whole_rows() -> None:
    # The reference: with kind=simple the same query gives null in every extracted column
    # of the rows with a bad value; a string column is "" rather than null in KQL.
    result = run(traces(*RELAXED_EVENTS) + "Traces | parse kind=simple " + RELAXED_PATTERN)

    empty = ("", None, None, "", None, None)
    assert result.rows() == [
        empty,
        empty,
        empty,
        ("PipelineScheduler", 27, 22, "02/17/2016 08:41:01", dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:01")),
        empty,
    ]


INVALID_EVENTS = (
    slice_event("invalid_number", "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01"),  # type: ignore[arg-type]
    slice_event(15, "02/17/2016 08:40:00", "invalid_datetime", "02/17/2016 08:39:00"),
    slice_event(20, "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01"),
    slice_event(22, "02/17/2016 08:41:01", "02/17/2016 08:41:00", "02/17/2016 08:40:01"),
    slice_event(16, "02/17/2016 08:41:00", "02/17/2016 08:41:00", "02/17/2016 08:40:00", total="invalid_number"),
)
INVALID_PATTERN = (
    'EventText with * "resourceName=" resourceName ", totalSlices=" totalSlices: long * "sliceNumber=" sliceNumber: long * '
    '"lockTime=" lockTime ", releaseTime=" releaseTime: date "," * "previousLockTime=" previousLockTime: date ")" * '
    "| project resourceName, totalSlices, sliceNumber, lockTime, releaseTime, previousLockTime"
)
PARSED_ROWS = [
    ("PipelineScheduler", 27, 20, "02/17/2016 08:40:01", dt("2016-02-17 08:40:01"), dt("2016-02-17 08:39:01")),
    ("PipelineScheduler", 27, 22, "02/17/2016 08:41:01", dt("2016-02-17 08:41:00"), dt("2016-02-17 08:40:01")),
]


def test_doc_parse_gives_nulls_for_unparsed_rows() -> None:
    result = run(traces(*INVALID_EVENTS) + "Traces | parse " + INVALID_PATTERN)

    empty = ("", None, None, "", None, None)
    assert result.rows() == [empty, empty, *PARSED_ROWS, empty]


def test_doc_parse_where_drops_unparsed_rows() -> None:
    result = run(traces(*INVALID_EVENTS) + "Traces | parse-where " + INVALID_PATTERN)

    assert result.columns[1] == ("totalSlices", "long")
    assert result.rows() == PARSED_ROWS


CASE_EVENTS = (
    slice_event(11, "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01", total="non_valid_integer"),
    slice_event(15, "02/17/2016 08:40:00", "02/17/2016 08:40:00", "02/17/2016 08:39:00"),
    slice_event(44, "02/17/2016 08:40:01", "02/17/2016 08:40:01", "02/17/2016 08:39:01", total="non_valid_integer"),
    slice_event(22, "02/17/2016 08:41:01", "02/17/2016 08:41:00", "02/17/2016 08:40:01"),
    slice_event(16, "02/17/2016 08:41:00", "02/17/2016 08:41:00", "02/17/2016 08:40:00"),
)


def test_doc_parse_where_regex_is_case_sensitive() -> None:
    result = run(
        traces(*CASE_EVENTS)
        + 'Traces | parse-where kind = regex EventText with * "RESOURCENAME=" resourceName "," * "totalSlices=" totalSlices: long "," * '
        "| project resourceName, totalSlices"
    )

    assert result.columns == [("resourceName", "string"), ("totalSlices", "long")]
    assert result.rows() == []


def test_doc_parse_where_regex_flag_i() -> None:
    result = run(
        traces(*CASE_EVENTS)
        + 'Traces | parse-where kind = regex flags=i EventText with * "RESOURCENAME=" resourceName "," * "totalSlices=" totalSlices: long "," * '
        "| project resourceName, totalSlices"
    )

    assert result.rows() == [("PipelineScheduler", 27)] * 3


# ---------------------------------------------------------------------------------------
# Matching rules


def test_simple_string_column_stops_at_first_delimiter() -> None:
    result = run('print x="a,b,c" | parse x with first "," rest')

    assert result.columns == [("x", "string"), ("first", "string"), ("rest", "string")]
    assert result.rows() == [("a,b,c", "a", "b,c")]


def test_pattern_must_match_the_whole_text() -> None:
    # Without a leading or trailing `*`, the pattern is anchored at both ends.
    assert run('print x="key=1" | parse x with "ey=" v').rows() == [("key=1", "")]
    assert run('print x="key=1 tail" | parse x with "key=" v:long').rows() == [("key=1 tail", None)]
    assert run('print x="key=1 tail" | parse x with "key=" v:long *').rows() == [("key=1 tail", 1)]
    assert run('print x="the key=1" | parse x with * "key=" v:long').rows() == [("the key=1", 1)]


def test_constant_is_literal_in_simple_mode() -> None:
    result = run('print x="a.b|c" | parse x with a "." b "|" c')

    assert result.rows() == [("a.b|c", "a", "b", "c")]


def test_constant_is_regex_in_regex_mode() -> None:
    result = run('print x="a1234b" | parse kind=regex x with "a" n:long "[a-z]"')

    assert result.rows() == [("a1234b", 1234)]


def test_flags_ignored_outside_regex_mode() -> None:
    assert run('print x="KEY=1" | parse flags=i x with "key=" v:long').rows() == [("KEY=1", None)]


def test_number_columns() -> None:
    result = run('print x="n=-12 r=2.5e3 i=7" | parse x with "n=" n:long " r=" r:real " i=" i:int')

    assert result.columns[1:] == [("n", "long"), ("r", "real"), ("i", "int")]
    assert result.rows() == [("n=-12 r=2.5e3 i=7", -12, 2500.0, 7)]


def test_other_typed_columns() -> None:
    result = run(
        'print x="1.02:03:04|true|{\\"a\\":1}|74be27de-1e4e-49d9-b579-fe0b331d3642|1.25" '
        '| parse x with t:timespan "|" f:bool "|" d:dynamic "|" g:guid "|" m:decimal'
    )

    assert result.columns[1:] == [("t", "timespan"), ("f", "bool"), ("d", "dynamic"), ("g", "guid"), ("m", "decimal")]
    row = result.rows()[0]
    assert row[1] == pd.Timedelta("1 days 02:03:04").to_pytimedelta()
    assert row[2] is True
    assert row[3] == {"a": 1}
    assert str(row[4]) == "74be27de-1e4e-49d9-b579-fe0b331d3642"
    assert str(row[5]) == "1.25"


def test_typed_column_that_fails_to_convert() -> None:
    simple = run('print x="when=yesterday, n=1" | parse x with "when=" w:datetime ", n=" n:long')
    relaxed = run('print x="when=yesterday, n=1" | parse kind=relaxed x with "when=" w:datetime ", n=" n:long')

    assert simple.rows() == [("when=yesterday, n=1", None, None)]
    assert relaxed.rows() == [("when=yesterday, n=1", None, 1)]


def test_relaxed_still_needs_every_delimiter() -> None:
    result = run('print x="n=1" | parse kind=relaxed x with "n=" n:long ";" rest')

    assert result.rows() == [("n=1", None, "")]


def test_pattern_without_columns() -> None:
    assert run('print x="abc" | parse x with "abc"').columns == [("x", "string")]
    assert len(run('print x="abc" | parse-where x with "abd"')) == 0
    assert len(run('print x="abc" | parse-where x with "abc"')) == 1


def test_empty_pattern_matches_every_text() -> None:
    assert run('print x="abc" | parse x with').rows() == [("abc",)]
    assert len(run('datatable(s:string)["", "a"] | parse-where s with')) == 2


def test_empty_and_missing_strings() -> None:
    result = run('datatable(s:string)["", "a=1", "b=2"] | parse s with "a=" v:long | project v')

    assert result.rows() == [(None,), (1,), (None,)]


def test_empty_text_can_match_an_empty_pattern_column() -> None:
    assert run('print s="" | parse s with v').rows() == [("", "")]
    assert len(run('print s="" | parse-where s with v')) == 1
    assert len(run('print s="" | parse-where s with v:long')) == 0


def test_non_string_expression_is_parsed_as_text() -> None:
    assert run('print x=12345 | parse x with a "3" b:long').rows() == [(12345, "12", 45)]
    assert run('print x=datetime(2024-05-06) | parse x with y:long "-" *').rows() == [
        (dt("2024-05-06 00:00:00"), 2024)
    ]
    assert run('print x=long(null) | parse x with a').rows() == [(None, "")]


def test_computed_expression() -> None:
    result = run('print x="a", y="b" | parse strcat(x, ":", y) with l ":" r')

    assert result.rows() == [("a", "b", "a", "b")]


def test_existing_column_is_replaced_in_place() -> None:
    result = run('print a="x:1", b="keep" | parse a with "x:" a:long')

    assert result.columns == [("a", "long"), ("b", "string")]
    assert result.rows() == [(1, "keep")]


def test_categorical_source_column() -> None:
    database = kqlite.connect()
    text = pd.Series(["k=1", "k=2", "zzz", "k=1"], dtype="category")
    database.register("Logs", pd.DataFrame({"Line": text}), {"Line": "string"})

    result = database.execute("Logs | parse-where Line with \"k=\" k:long | summarize count() by k | sort by k asc")

    assert result.rows() == [(1, 2), (2, 1)]


def test_parse_then_filter_prunes_unread_columns() -> None:
    result = run(
        'datatable(a:string, b:long, c:string)["x=1", 10, "u", "x=2", 20, "v"] '
        '| parse a with "x=" n:long | where n > 1 | project c, n'
    )

    assert result.rows() == [("v", 2)]


# ---------------------------------------------------------------------------------------
# The kernel and the regex rewriting


def test_parse_text_reports_matched_rows() -> None:
    text = pd.Series(["id=7", "id=x", "other"], dtype=PANDAS_DTYPES[STRING])
    segments = (ParseSegment("constant", "id="), ParseSegment("column", "id", LONG))

    columns, matched = parse_text(text, segments, "simple", "", pd.Timestamp("2024-01-01"))

    assert matched.tolist() == [True, False, False]
    assert columns["id"].tolist() == [7, pd.NA, pd.NA]


def test_constants_escaped_in_simple_mode() -> None:
    segments = (ParseSegment("constant", "a.(b)*\n"), ParseSegment("column", "c"))
    text = pd.Series(["a.(b)*\nz", "axbz"], dtype=PANDAS_DTYPES[STRING])

    columns, matched = parse_text(text, segments, "simple", "", pd.Timestamp("2024-01-01"))

    assert matched.tolist() == [True, False]
    assert columns["c"].tolist() == ["z", ""]


def test_build_pattern_sets_flags_in_regex_mode() -> None:
    segments = (ParseSegment("constant", "k="), ParseSegment("column", "v", LONG))

    assert build_pattern(segments, "regex", "iU") == r"(?iU)\A(?:(?P<matched>)(?:k=)(?P<column1>-?\d+))\z"
    assert build_pattern(segments, "simple", "iU") == r"\A(?:(?P<matched>)k=(?P<column1>-?\d+))\z"


@pytest.mark.parametrize(
    ("pattern", "rewritten"),
    [
        ("(a)", "(?:a)"),
        ("(?:a)(b)", "(?:a)(?:b)"),
        ("(?P<n>a)", "(?P<n>a)"),
        (r"\(a\)", r"\(a\)"),
        ("[(]a", "[(]a"),
        ("[]()]", "[]()]"),
        ("[^]()](c)", "[^]()](?:c)"),
    ],
)
def test_non_capturing_groups(pattern: str, rewritten: str) -> None:
    assert non_capturing(pattern) == rewritten


# ---------------------------------------------------------------------------------------
# Errors


def semantic_error(query: str) -> KqlSemanticError:
    with pytest.raises(KqlSemanticError) as caught:
        run(query)
    return caught.value


def test_two_columns_in_a_row() -> None:
    query = 'print x="ab" | parse x with a b'
    error = semantic_error(query)

    assert error.code == "KS101"
    assert error.span is not None
    assert query[error.span.start : error.span.end] == "b"


def test_wildcard_before_column() -> None:
    query = 'print x="ab" | parse x with * a'
    error = semantic_error(query)

    assert [diagnostic.code for diagnostic in error.diagnostics] == ["KS102", "KS101"]
    assert error.span is not None
    assert query[error.span.start : error.span.end] == "*"


def test_wildcard_after_string_column() -> None:
    query = 'print x="ab" | parse x with a:string * "b"'
    error = semantic_error(query)

    assert error.code == "KS103"
    assert error.span is not None
    assert error.span.start == query.index("*")


def test_wildcard_after_long_column_is_allowed() -> None:
    assert run('print x="12b" | parse x with a:long * "b"').rows() == [("12b", 12)]


def test_column_declared_twice() -> None:
    query = 'print x="a.b" | parse x with a "." a'
    error = semantic_error(query)

    assert error.code == "KS171"
    assert error.span is not None
    assert error.span.start == query.rindex("a")


def test_unknown_kind() -> None:
    query = 'print x="a" | parse kind=fuzzy x with a'
    error = semantic_error(query)

    assert error.code == "KS005"
    assert error.span is not None
    assert query[error.span.start : error.span.end] == "kind=fuzzy"


def test_unknown_flag() -> None:
    assert semantic_error('print x="a" | parse kind=regex flags=iq x with a').code == "KL161"


def test_invalid_regex_constant() -> None:
    error = semantic_error('print x="a" | parse kind=regex x with "(" a')

    assert error.code == "KL160"


def test_unknown_column_in_expression() -> None:
    assert semantic_error('print x="a" | parse y with a').code == "KS142"


def test_unknown_type_name() -> None:
    query = 'print x="a" | parse x with a:number'
    with pytest.raises(KqlSyntaxError) as caught:
        run(query)

    assert caught.value.code == "KS160"
    assert caught.value.span is not None
    assert query[caught.value.span.start : caught.value.span.end] == "number"


def test_comma_between_items_is_a_syntax_error() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        run('print x="a.b" | parse x with a "." b, c')

    assert caught.value.code == "KS005"


def test_missing_with_is_a_syntax_error() -> None:
    with pytest.raises(KqlSyntaxError):
        run('print x="a.b" | parse x a "." b')


def test_parse_kv_is_still_not_supported() -> None:
    with pytest.raises(KqlNotSupportedError):
        run('print x="a=1" | parse-kv x as (a:long) with (pair_delimiter=",", kv_delimiter="=")')
