"""URL and file path parsing: parse_url and parse_path, each returning a property bag.

Both parse each distinct input text once and spread the bags over the rows, so a
column of repeated URLs costs one parse per distinct URL.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import pandas as pd

from kqlite.functions.conversion import scalar
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, object_series
from kqlite.types import DYNAMIC, STRING

# A scheme is at least two characters, so that the drive in "C:/x" is not one.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")
_DRIVE = re.compile(r"^[A-Za-z]:")
_LONG_PATH_PREFIX = "\\\\?\\"
_SEPARATORS = re.compile(r"[\\/]")


def _per_distinct_text(value: Value, parse: Callable[[str], dict[str, Any]]) -> Value:
    if not isinstance(value, pd.Series):
        # A null literal of another type reaches a string parameter as None.
        return parse("" if value is None else str(value))

    codes, uniques = pd.factorize(value.astype(object), use_na_sentinel=False)
    bags = [parse("" if text is None else str(text)) for text in uniques]
    return object_series([dict(bags[code]) for code in codes])


def url_parts(url: str) -> dict[str, Any]:
    """Split an absolute URL into Kusto's parse_url bag, with empty parts for a text without a scheme."""
    # NOTE: whether the service returns empty parts or null for a relative URL is not checked.
    parts = urllib.parse.urlsplit(url) if "://" in url else None
    if parts is None or not parts.scheme:
        return _url_bag("", "", "", "", "", "", {}, "")

    # Later duplicates of a query key replace earlier ones.
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    try:
        port = "" if parts.port is None else str(parts.port)
    except ValueError:
        port = ""
    return _url_bag(
        parts.scheme,
        parts.hostname or "",
        port,
        parts.path,
        urllib.parse.unquote(parts.username or ""),
        urllib.parse.unquote(parts.password or ""),
        query,
        parts.fragment,
    )


def _url_bag(scheme: str, host: str, port: str, path: str, username: str, password: str, query: dict[str, str], fragment: str) -> dict[str, Any]:
    return {
        "Scheme": scheme,
        "Host": host,
        "Port": port,
        "Path": path,
        "Username": username,
        "Password": password,
        "Query Parameters": query,
        "Fragment": fragment,
    }


@scalar("parse_url", [P("url", STRING)], DYNAMIC, aliases=("parseurl",))
def parse_url(ctx: CallContext, url: Value) -> Value:
    """Split an absolute URL into Scheme, Host, Port, Path, Username, Password, Query Parameters and Fragment. Example: parse_url("https://h:8/p?k=v").Host → "h\""""
    # NOTE: Path keeps its leading slash ("/this/is/a/path"), as .NET's Uri.AbsolutePath
    # does. Microsoft's documented example prints "this/is/a/path", and which form the
    # service returns is not checked.
    return _per_distinct_text(url, url_parts)


def path_parts(path: str) -> dict[str, str]:
    """Split a file path into Kusto's parse_path bag (scheme, root, directory, file name, extension, stream)."""
    rest = path
    scheme = ""
    match = _SCHEME.match(rest)
    if match:
        scheme = match.group(1)
        rest = rest[match.end() :]
    if rest.startswith(_LONG_PATH_PREFIX):
        rest = rest[len(_LONG_PATH_PREFIX) :]

    root = rest[:2] if _DRIVE.match(rest) else ""

    # The directory is everything before the last separator; the rest is the file name.
    separators = [m.start() for m in _SEPARATORS.finditer(rest)]
    last = separators[-1] if separators else -1
    directory_path = rest[:last] if last > 0 else ""
    filename = rest[last + 1 :]
    directory_name = _SEPARATORS.split(directory_path)[-1] if directory_path else ""

    # An alternate data stream follows a colon in the file name ("file.exe:stream.exe").
    stream = ""
    if ":" in filename:
        filename, stream = filename.split(":", 1)
    extension = filename.rsplit(".", 1)[1] if "." in filename else ""
    return {
        "Scheme": scheme,
        "RootPath": root,
        "DirectoryPath": directory_path,
        "DirectoryName": directory_name,
        "Filename": filename,
        "Extension": extension,
        "AlternateDataStreamName": stream,
    }


@scalar("parse_path", [P("path", STRING)], DYNAMIC)
def parse_path(ctx: CallContext, path: Value) -> Value:
    """Split a file path into Scheme, RootPath, DirectoryPath, DirectoryName, Filename, Extension and AlternateDataStreamName. Example: parse_path(@"C:\\temp\\file.txt").Filename → "file.txt\""""
    return _per_distinct_text(path, path_parts)
