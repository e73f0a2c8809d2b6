"""Open an ingestion source (a local path, a ``file://`` or an ``http(s)://`` URI) as a byte stream.

The data format and compression come from the source's name when the ``format``
property does not give them: ``x.csv.gz`` is gzip-compressed CSV, and a name with no
known extension is read as CSV (Kusto's default for inline data too).
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

import pyarrow as pa

from kqlite.errors import KqlNotSupportedError, KqlRuntimeError

# Kusto's data formats, by the name the `format` property and file extensions use.
DELIMITED_SEPARATORS: dict[str, str] = {
    "csv": ",",
    "tsv": "\t",
    "tsve": "\t",
    "psv": "|",
    "scsv": ";",
    "sohsv": "\x01",
}
JSON_FORMATS = ("json", "multijson")
SUPPORTED_FORMATS = (*DELIMITED_SEPARATORS, *JSON_FORMATS, "parquet")
KUSTO_ONLY_FORMATS = ("txt", "raw", "avro", "apacheavro", "orc", "w3clogfile", "singlejson", "azmonstream")
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip"}

HTTP_TIMEOUT_SECONDS = 60


@dataclass(frozen=True, slots=True)
class SourceKind:
    """A source's data format and compression (None when uncompressed)."""

    format: str
    compression: str | None


def source_kind(location: str, format_property: str | None) -> SourceKind:
    """Tell the format and compression of a source from its name and the `format` property."""
    suffixes = [suffix.lower() for suffix in PurePosixPath(urllib.parse.urlparse(location).path).suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression is not None:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] == ".zip":
        raise KqlNotSupportedError(f"ingestion from a zip archive ('{location}')")

    if format_property is not None:
        data_format = format_property.lower()
    elif suffixes and suffixes[-1].lstrip(".") in (*SUPPORTED_FORMATS, *KUSTO_ONLY_FORMATS):
        data_format = suffixes[-1].lstrip(".")
    else:
        data_format = "csv"
    check_format(data_format)
    return SourceKind(data_format, compression)


def check_format(data_format: str) -> None:
    """Raise unless kqlite can read `data_format`."""
    if data_format in SUPPORTED_FORMATS:
        return
    if data_format in KUSTO_ONLY_FORMATS:
        raise KqlNotSupportedError(f"ingestion format '{data_format}'")
    raise KqlRuntimeError(
        "KL111",
        f"unknown ingestion format '{data_format}'",
        hint=f"formats kqlite reads: {', '.join(SUPPORTED_FORMATS)}",
    )


class CountingStream:
    """The raw (still compressed) byte stream of a source, counting the bytes read for progress.

    A local file is read through Arrow's own file (`native`), so Arrow's reader threads
    do not take Python's GIL to read it. Other streams go through `read`.
    """

    def __init__(self, raw: IO[bytes] | None, total: int | None, native: pa.NativeFile | None = None) -> None:
        self._raw = raw
        self.native = native
        self.total = total
        self._counted = 0

    @property
    def bytes_read(self) -> int:
        """Bytes of the source read so far."""
        return self.native.tell() if self.native is not None and not self.native.closed else self._counted

    def read(self, size: int = -1) -> bytes:
        assert self._raw is not None
        data = self._raw.read(size)
        self._counted += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self.native is not None:
            self.native.close()

    @property
    def closed(self) -> bool:
        if self.native is not None:
            return bool(self.native.closed)
        return self._raw is None or bool(self._raw.closed)


def open_raw(location: str) -> CountingStream:
    """Open the bytes of a local path, a ``file://`` URI or an ``http(s)://`` URI."""
    path = local_path(location)
    if path is None:
        return _open_http(location)
    try:
        native = pa.OSFile(path, "rb")
    except (OSError, pa.ArrowException) as error:
        raise KqlRuntimeError(
            "KL110",
            f"cannot open ingestion source '{location}': {getattr(error, 'strerror', None) or error}",
            hint="check the path; relative paths are relative to the current directory",
        ) from error
    return CountingStream(None, native.size(), native)


def local_path(location: str) -> str | None:
    """Return the file path of a local path or ``file://`` URI, or None for an ``http(s)://`` URI."""
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme in ("http", "https"):
        return None
    if parsed.scheme == "file":
        # Imported here: urllib.request brings http.client and ssl (~0.02 s), which only
        # file:// and http(s) sources need.
        from urllib.request import url2pathname

        return url2pathname(parsed.path)
    if parsed.scheme == "" or len(parsed.scheme) == 1:
        # A one-letter scheme is a Windows drive letter, not a URI scheme.
        return location
    raise KqlNotSupportedError(f"ingestion from a '{parsed.scheme}' URI ('{location}')")


@dataclass(frozen=True, slots=True)
class FileVersion:
    """A local file's size and modification time, which change when another process writes it."""

    size: int
    modified_ns: int


def file_version(location: str) -> FileVersion | None:
    """Return the version of a local source, or None for a download or a file that cannot be read."""
    path = local_path(location)
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    return FileVersion(status.st_size, status.st_mtime_ns)


def check_unchanged(location: str, before: FileVersion | None, cause: Exception | None) -> None:
    """Raise KqlRuntimeError when a local source's size or modification time differs from `before`.

    `cause` is the error the read raised, if any, which the file's change may explain.
    """
    if before is None:
        return
    after = file_version(location)
    if after == before:
        return
    now = "was removed" if after is None else f"now has {after.size:,} bytes"
    raise KqlRuntimeError(
        "KL117",
        f"ingestion of '{location}' failed: the file changed while it was read "
        f"(it had {before.size:,} bytes and {now})",
        hint="ingest the file again once the program writing it has finished",
    ) from cause


def _open_http(location: str) -> CountingStream:
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    try:
        response = urlopen(location, timeout=HTTP_TIMEOUT_SECONDS)  # noqa: S310 - http(s) only
    except HTTPError as error:
        raise KqlRuntimeError("KL110", f"cannot download '{location}': HTTP {error.code} {error.reason}") from error
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise KqlRuntimeError("KL110", f"cannot download '{location}': {reason}") from error
    length = response.headers.get("Content-Length")
    return CountingStream(response, int(length) if length and length.isdigit() else None)


def decompressed(raw: CountingStream, compression: str | None) -> pa.NativeFile:
    """Wrap a raw stream as an Arrow input stream, decompressing it on the fly."""
    stream = raw.native if raw.native is not None else pa.PythonFile(raw, mode="r")
    if compression is None:
        return stream
    return pa.CompressedInputStream(stream, compression)
