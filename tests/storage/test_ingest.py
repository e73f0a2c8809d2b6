"""Ingestion from files and URIs: formats, compression, Kusto's CSV rules and every way it fails."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kqlite.errors import KqlError, KqlNotSupportedError, KqlRuntimeError
from kqlite.storage.ingest import read_inline, read_source
from kqlite.types import BOOL, DATETIME, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN

from .conftest import write_gzip

METRICS = (
    ("Timestamp", DATETIME), ("ClientIP", STRING), ("TargetIP", STRING),
    ("BytesSent", LONG), ("BytesReceived", LONG), ("NewConnections", INT),
)
METRICS_CSV = (
    "2023-06-01T00:00:00Z,10.0.0.1,178.248.55.249,100,200,3\n"
    "2023-06-01T00:01:00Z,10.0.0.2,178.248.55.249,101,201,4\n"
)
PAIR = (("a", STRING), ("n", LONG))


def test_gzip_csv_by_extension(tmp_path: Path) -> None:
    path = write_gzip(tmp_path / "log_00000.csv.gz", METRICS_CSV)
    result = read_source(str(path), METRICS)
    frame = result.frame
    assert list(frame.columns) == [name for name, _ in METRICS]
    assert frame["Timestamp"].tolist() == [pd.Timestamp("2023-06-01T00:00:00"), pd.Timestamp("2023-06-01T00:01:00")]
    assert frame["ClientIP"].tolist() == ["10.0.0.1", "10.0.0.2"]
    assert frame["BytesSent"].dtype == pd.Int64Dtype()
    assert frame["NewConnections"].dtype == pd.Int32Dtype()
    assert frame["NewConnections"].tolist() == [3, 4]
    assert result.invalid_values == 0


def test_low_cardinality_strings_become_category(tmp_path: Path) -> None:
    lines = "".join(f"2023-06-01T00:00:00Z,10.0.0.{i % 3},178.248.55.249,{i},1,1\n" for i in range(100))
    frame = read_source(str(write_gzip(tmp_path / "x.csv.gz", lines)), METRICS).frame
    assert isinstance(frame["ClientIP"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["TargetIP"].dtype, pd.CategoricalDtype)
    assert frame["ClientIP"].tolist()[:4] == ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.0"]


def test_file_uri_and_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(METRICS_CSV)
    frame = read_source(path.as_uri(), METRICS).frame
    assert len(frame) == 2


def test_no_extension_defaults_to_csv(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_text("x,1\n")
    assert read_source(str(path), PAIR).frame["n"].tolist() == [1]


@pytest.mark.parametrize(
    ("data_format", "separator"),
    [("csv", ","), ("tsv", "\t"), ("psv", "|"), ("scsv", ";"), ("sohsv", "\x01")],
)
def test_delimited_formats(tmp_path: Path, data_format: str, separator: str) -> None:
    path = tmp_path / f"data.{data_format}"
    path.write_text(f"a b{separator}1\nc{separator}2\n")
    frame = read_source(str(path), PAIR).frame
    assert frame["a"].tolist() == ["a b", "c"]
    assert frame["n"].tolist() == [1, 2]


def test_format_property_overrides_extension(tmp_path: Path) -> None:
    path = write_gzip(tmp_path / "data.txt.gz", "a|1\n")
    frame = read_source(str(path), PAIR, {"format": "psv"}).frame
    assert frame["n"].tolist() == [1]


def test_ignore_first_record(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("a,n\nx,1\ny,2\n")
    frame = read_source(str(path), PAIR, {"ignoreFirstRecord": True}).frame
    assert frame["a"].tolist() == ["x", "y"]
    assert read_source(str(path), PAIR, {"ignorefirstrecord": "false"}).frame["a"].tolist() == ["a", "x", "y"]


def test_empty_lines_are_not_records() -> None:
    frame = read_inline("x,1\n\n\ny,2\n\n", PAIR).frame
    assert frame["a"].tolist() == ["x", "y"]


def test_missing_values_by_type() -> None:
    columns = (("s", STRING), ("i", INT), ("r", REAL), ("b", BOOL), ("t", DATETIME), ("d", DYNAMIC), ("g", GUID))
    frame = read_inline(",,,,,,\n", columns).frame
    assert frame["s"].tolist() == [""]
    assert frame["i"].isna().all()
    assert frame["r"].isna().all()
    assert frame["b"].isna().all()
    assert frame["t"].isna().all()
    assert frame["d"].tolist() == [None]
    assert frame["g"].tolist() == [None]


def test_fewer_fields_leave_last_columns_null() -> None:
    frame = read_inline("x\ny\n", (("a", STRING), ("b", STRING), ("n", LONG))).frame
    assert frame["b"].tolist() == ["", ""]
    assert frame["n"].isna().all()


def test_extra_fields_ignored() -> None:
    frame = read_inline("x,1,extra\ny,2,more\n", PAIR).frame
    assert frame["n"].tolist() == [1, 2]


def test_unparsable_values_become_null_and_are_counted() -> None:
    result = read_inline("x,1\ny,not-a-number\nz,3\n", PAIR)
    assert result.frame["n"].tolist() == [1, pd.NA, 3]
    assert result.invalid_values == 1


def test_bad_datetime_becomes_null() -> None:
    result = read_inline("2023-06-01T00:00:00Z\n2023-13-45T99:00:00Z\n", (("t", DATETIME),))
    assert result.frame["t"][0] == pd.Timestamp("2023-06-01")
    assert pd.isna(result.frame["t"][1])
    assert result.invalid_values == 1


def test_datetime_forms() -> None:
    text = (
        "2014-05-25T08:20:03.123456Z\n2014-05-25T08:20:03.123456\n2014-05-25T08:20\n"
        "2014-11-08 15:55:55\n2014-11-08\n2014-11-08T17:55:55+02:00\n2014-11-08T15:55:55.1234567Z\n"
    )
    values = read_inline(text, (("t", DATETIME),)).frame["t"].tolist()
    assert values[0] == pd.Timestamp("2014-05-25T08:20:03.123456")
    assert values[1] == values[0]
    assert values[2] == pd.Timestamp("2014-05-25T08:20")
    assert values[3] == pd.Timestamp("2014-11-08T15:55:55")
    assert values[4] == pd.Timestamp("2014-11-08")
    assert values[5] == values[3]
    assert values[6] == pd.Timestamp("2014-11-08T15:55:55.1234567")


def test_timespan_bool_real_dynamic_values() -> None:
    columns = (("ts", TIMESPAN), ("b", BOOL), ("r", REAL), ("d", DYNAMIC))
    frame = read_inline('1.02:03:04.5,true,1.5,"{""a"":[1,2]}"\n-00:00:10,False,NaN,7\n', columns).frame
    assert frame["ts"].tolist() == [pd.Timedelta("1 days 02:03:04.5"), pd.Timedelta(seconds=-10)]
    assert frame["b"].tolist() == [True, False]
    assert frame["r"][0] == 1.5
    assert frame["d"].tolist() == [{"a": [1, 2]}, 7]


def test_quoted_fields_rfc4180() -> None:
    text = 'Shoes,1000\n"Coats, black",20\n"Coats with ""quotes""",5\n"two\nlines",1\n'
    frame = read_inline(text, PAIR).frame
    assert frame["a"].tolist() == ["Shoes", "Coats, black", 'Coats with "quotes"', "two\nlines"]


def test_row_with_too_many_fields_fails_with_line(tmp_path: Path) -> None:
    path = write_gzip(tmp_path / "bad.csv.gz", "x,1\n\ny,2\nz,3,4\n")
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(path), PAIR)
    assert raised.value.code == "KL112"
    assert "bad.csv.gz" in raised.value.message
    assert "line 4" in raised.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(tmp_path / "nope.csv.gz"), PAIR)
    assert raised.value.code == "KL110"
    assert "nope.csv.gz" in raised.value.message


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(("x,1\n" * 50_000).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(path), PAIR)
    assert raised.value.code == "KL114"
    assert "cut.csv.gz" in raised.value.message


def test_not_gzip_despite_extension(tmp_path: Path) -> None:
    path = tmp_path / "fake.csv.gz"
    path.write_text("x,1\n")
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(path), PAIR)
    assert raised.value.code == "KL114"


def test_non_utf8_byte_fails_with_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"x,1\ny,2\ncaf\xe9,3\n")
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(path), PAIR)
    assert raised.value.code == "KL113"
    assert "line 3" in raised.value.message


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x,1\n")
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(path), PAIR, {"format": "xlsx"})
    assert raised.value.code == "KL111"


def test_kusto_format_kqlite_lacks(tmp_path: Path) -> None:
    with pytest.raises(KqlNotSupportedError):
        read_source(str(tmp_path / "data.avro"), PAIR)


def test_ingestion_mapping_not_supported(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x,1\n")
    with pytest.raises(KqlNotSupportedError):
        read_source(str(path), PAIR, {"ingestionMappingReference": "m"})


def test_json_lines_by_name(tmp_path: Path) -> None:
    path = write_gzip(tmp_path / "data.json.gz", '{"n": 1, "a": "x", "other": true}\n\n{"n": "bad"}\n{"a": {"k": 1}}\n')
    result = read_source(str(path), PAIR)
    assert result.frame["a"].tolist() == ["x", "", '{"k":1}']
    assert result.frame["n"].tolist() == [1, pd.NA, pd.NA]
    assert result.invalid_values == 1


def test_invalid_json_line_fails(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"a": "x"}\n{"a": \n')
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(path), PAIR)
    assert "line 2" in raised.value.message


def test_multijson(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text('[{"a": "x", "n": 1},\n {"a": "y"}]\n{\n  "a": "z",\n  "n": 3\n}\n')
    frame = read_source(str(path), PAIR, {"format": "multijson"}).frame
    assert frame["a"].tolist() == ["x", "y", "z"]
    assert frame["n"].tolist() == [1, pd.NA, 3]


def test_parquet_by_name(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    table = pa.table({
        "n": pa.array([1, None], pa.int32()),
        "a": pa.array(["x", None]),
        "t": pa.array([pd.Timestamp("2023-06-01", tz="UTC"), None], pa.timestamp("us", tz="UTC")),
    })
    pq.write_table(table, path)
    columns = (("a", STRING), ("n", LONG), ("t", DATETIME), ("missing", REAL))
    frame = read_source(str(path), columns).frame
    assert frame["a"].tolist() == ["x", ""]
    assert frame["n"].tolist() == [1, pd.NA]
    assert frame["t"][0] == pd.Timestamp("2023-06-01")
    assert frame["missing"].isna().all()


def test_progress_reports_rows_and_bytes(tmp_path: Path) -> None:
    path = write_gzip(tmp_path / "data.csv.gz", METRICS_CSV)
    reports: list[tuple[int, int]] = []
    read_source(str(path), METRICS, progress=lambda rows, size: reports.append((rows, size)))
    assert reports[-1][0] == 2
    assert reports[-1][1] == path.stat().st_size


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_http_gzip_csv(http_folder: tuple[Path, str]) -> None:
    folder, base = http_folder
    write_gzip(folder / "log.csv.gz", METRICS_CSV)
    frame = read_source(f"{base}/log.csv.gz", METRICS).frame
    assert frame["BytesReceived"].tolist() == [200, 201]


def test_http_not_found(http_folder: tuple[Path, str]) -> None:
    _, base = http_folder
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(f"{base}/missing.csv.gz", METRICS)
    assert raised.value.code == "KL110"
    assert "404" in raised.value.message


def test_unsupported_uri_scheme() -> None:
    with pytest.raises(KqlError):
        read_source("ftp://example.invalid/x.csv", PAIR)


def test_json_dump_of_errors_is_plain_text(tmp_path: Path) -> None:
    # Every ingestion error renders without a traceback and names its code.
    with pytest.raises(KqlRuntimeError) as raised:
        read_source(str(tmp_path / "nope.csv"), PAIR)
    assert json.dumps(str(raised.value)).startswith('"runtime error[KL110]')
