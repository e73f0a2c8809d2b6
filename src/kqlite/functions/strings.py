"""String functions: strlen, substring, strcat, split, extract, replace_regex, ...

Regular expressions run on pyarrow's RE2 kernels where one exists (as Kusto uses RE2);
`extract` and `extract_all` use Python's `re`, whose syntax agrees with RE2 for
ordinary patterns (RE2 lacks look-around and backreferences). A ``category`` column
is processed once per category through `map_text`.
"""

from __future__ import annotations

import base64
import math
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.errors import KqlRuntimeError
from kqlite.functions.conversion import scalar, to_string
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import (
    Value,
    arrow_strings,
    as_list,
    from_numpy,
    map_text,
    object_series,
    string_series,
    term_pattern,
    text_objects,
    to_numpy,
)
from kqlite.types import DYNAMIC, INT, LONG, STRING, KqlType


def _text(value: Value, kql_type: KqlType) -> Value:
    """Return a string argument, converting any other type with tostring()."""
    return value if kql_type is STRING else to_string(value, kql_type)


def _each(function: Callable[[str], Any], *, text_result: bool = True) -> Callable[[pd.Series], Any]:
    """Lift a per-string Python function to a Series transform for `map_text`."""

    def transform(text: pd.Series) -> Any:
        results = [function(item) for item in text.to_numpy(dtype=object)]
        return string_series(results) if text_result else object_series(results)

    return transform


def _constant_argument(value: Value, name: str, function: str) -> Any:
    if isinstance(value, pd.Series):
        raise KqlRuntimeError("KL120", f"{function}(): the {name} argument must be a constant")
    return value


def _default(value: Any, default: Any) -> Any:
    # An optional argument skipped through a named argument arrives as a null literal.
    return default if value is None else value


def _compile(pattern: str, function: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise KqlRuntimeError("KL501", f"{function}(): invalid regular expression {pattern!r}: {error}") from error


@scalar("strlen", [P("source", STRING)], LONG)
def strlen(ctx: CallContext, source: Value) -> Value:
    """Return the number of characters in a string. Example: print strlen("hello") → 5"""
    return map_text(_text(source, ctx.arg_types[0]), lambda text: pc.utf8_length(arrow_strings(text)))


@scalar("substring", [P("source", STRING), P("startingIndex", INT, LONG), P("length", INT, LONG, optional=True)], STRING)
def substring(ctx: CallContext, source: Value, start: Value, length: Value = None) -> Value:
    """Extract characters from a start index (negative counts from the end). Example: print substring("123456", 1, 3) → "234\""""
    source = _text(source, ctx.arg_types[0])
    if isinstance(start, pd.Series) or isinstance(length, pd.Series):
        rows = ctx.length
        texts = text_objects(source, rows)
        starts, start_nulls = to_numpy(start, ctx.arg_types[1])
        lengths, length_nulls = to_numpy(length, ctx.arg_types[2]) if len(ctx.arg_types) > 2 else (np.int64(-1), np.bool_(True))
        starts, start_nulls = np.broadcast_to(starts, rows), np.broadcast_to(start_nulls, rows)
        lengths, length_nulls = np.broadcast_to(lengths, rows), np.broadcast_to(length_nulls, rows)
        pieces = [
            "" if start_null else _slice(text, int(first), None if length_null else int(count))
            for text, first, start_null, count, length_null in zip(texts, starts, start_nulls, lengths, length_nulls, strict=True)
        ]
        return string_series(pieces)
    if start is None:
        return ""
    return map_text(source, _each(lambda text: _slice(text, int(start), None if length is None else int(length))))


def _slice(text: str, start: int, length: int | None) -> str:
    if start < 0:
        start = max(len(text) + start, 0)
    if length is not None and length < 0:
        return ""
    return text[start:] if length is None else text[start : start + length]


@scalar("strcat", [P("argument", variadic=True)], STRING)
def strcat(ctx: CallContext, *arguments: Value) -> Value:
    """Concatenate 1 to 64 values, converting each to a string. Example: print strcat("hello", " ", "world") → "hello world\""""
    return _concatenate([_text(argument, kql_type) for argument, kql_type in zip(arguments, ctx.arg_types, strict=True)], "", ctx.length)


@scalar("strcat_delim", [P("delimiter", STRING), P("argument", variadic=True)], STRING)
def strcat_delim(ctx: CallContext, delimiter: Value, *arguments: Value) -> Value:
    """Concatenate 2 to 64 values with a delimiter between them. Example: print strcat_delim("-", 1, "2", 'A') → "1-2-A\""""
    texts = [_text(argument, kql_type) for argument, kql_type in zip(arguments, ctx.arg_types[1:], strict=True)]
    return _concatenate(texts, delimiter, ctx.length)


def _concatenate(texts: list[Value], delimiter: Value, length: int) -> Value:
    if not any(isinstance(text, pd.Series) for text in texts + [delimiter]):
        return str(delimiter).join(texts)
    result = text_objects(texts[0], length)
    separator = text_objects(delimiter, length) if isinstance(delimiter, pd.Series) else delimiter
    for text in texts[1:]:
        result = result + separator + text_objects(text, length)
    return string_series(result)


@scalar("tolower", [P("source", STRING)], STRING)
def tolower(ctx: CallContext, source: Value) -> Value:
    """Convert a string to lower case. Example: print tolower("Hello") → "hello\""""
    return map_text(_text(source, ctx.arg_types[0]), lambda text: pc.utf8_lower(arrow_strings(text)))


@scalar("toupper", [P("source", STRING)], STRING)
def toupper(ctx: CallContext, source: Value) -> Value:
    """Convert a string to upper case. Example: print toupper("Hello") → "HELLO\""""
    return map_text(_text(source, ctx.arg_types[0]), lambda text: pc.utf8_upper(arrow_strings(text)))


def _trim(ctx: CallContext, pattern: Value, source: Value, *, leading: bool, trailing: bool) -> Value:
    regex = str(_constant_argument(pattern, "regex", "trim"))
    parts = []
    if leading:
        parts.append(f"^(?:{regex})+")
    if trailing:
        parts.append(f"(?:{regex})+$")
    combined = "|".join(parts)

    def transform(text: pd.Series) -> Any:
        try:
            return pc.replace_substring_regex(arrow_strings(text), combined, "")
        except pa.ArrowInvalid as error:
            raise KqlRuntimeError("KL501", f"trim(): invalid regular expression {regex!r}: {error}") from error

    return map_text(_text(source, ctx.arg_types[1]), transform)


@scalar("trim", [P("regex", STRING, constant=True), P("source", STRING)], STRING)
def trim(ctx: CallContext, pattern: Value, source: Value) -> Value:
    """Remove leading and trailing matches of a regex. Example: print trim("--", "--hello--") → "hello\""""
    return _trim(ctx, pattern, source, leading=True, trailing=True)


@scalar("trim_start", [P("regex", STRING, constant=True), P("source", STRING)], STRING)
def trim_start(ctx: CallContext, pattern: Value, source: Value) -> Value:
    """Remove leading matches of a regex. Example: print trim_start(@"[ ]*", "  hi") → "hi\""""
    return _trim(ctx, pattern, source, leading=True, trailing=False)


@scalar("trim_end", [P("regex", STRING, constant=True), P("source", STRING)], STRING)
def trim_end(ctx: CallContext, pattern: Value, source: Value) -> Value:
    """Remove trailing matches of a regex. Example: print trim_end(@"[\\s]*", "hi  ") → "hi\""""
    return _trim(ctx, pattern, source, leading=False, trailing=True)


@scalar("split", [P("source", STRING), P("delimiter", STRING), P("requestedIndex", INT, LONG, optional=True)], DYNAMIC)
def split(ctx: CallContext, source: Value, delimiter: Value, index: Value = None) -> Value:
    """Split a string on a delimiter into a dynamic array (or the one-element array at an index). Example: print split("aa_bb", "_") → ["aa","bb"]"""
    separator = str(_constant_argument(delimiter, "delimiter", "split"))
    position = _constant_argument(index, "requestedIndex", "split")

    def pieces(text: str) -> list[str]:
        parts = text.split(separator) if separator else [text]
        if position is None:
            return parts
        chosen = position if position >= 0 else len(parts) + position
        return [parts[chosen]] if 0 <= chosen < len(parts) else []

    return map_text(_text(source, ctx.arg_types[0]), _each(pieces, text_result=False))


@scalar("replace_string", [P("text", STRING), P("lookup", STRING), P("rewrite", STRING)], STRING)
def replace_string(ctx: CallContext, text: Value, lookup: Value, rewrite: Value) -> Value:
    """Replace every occurrence of a string. Example: print replace_string("A magic trick", "magic", "cool") → "A cool trick\""""
    needle = str(_constant_argument(lookup, "lookup", "replace_string"))
    replacement = str(_constant_argument(rewrite, "rewrite", "replace_string"))
    if needle == "":
        return text
    return map_text(_text(text, ctx.arg_types[0]), lambda values: pc.replace_substring(arrow_strings(values), needle, replacement))


@scalar("replace_regex", [P("source", STRING), P("lookup_regex", STRING, constant=True), P("rewrite_pattern", STRING, constant=True)], STRING, aliases=("replace",))
def replace_regex(ctx: CallContext, source: Value, lookup: Value, rewrite: Value) -> Value:
    r"""Replace every regex match; \1 in the rewrite is the first capture group. Example: print replace_regex("abc", "b", "x") → "axc\""""
    pattern = str(_constant_argument(lookup, "lookup_regex", "replace_regex"))
    replacement = str(_constant_argument(rewrite, "rewrite_pattern", "replace_regex"))

    def transform(values: pd.Series) -> Any:
        try:
            return pc.replace_substring_regex(arrow_strings(values), pattern, replacement)
        except pa.ArrowInvalid as error:
            raise KqlRuntimeError("KL501", f"replace_regex(): invalid regular expression {pattern!r}: {error}") from error

    return map_text(_text(source, ctx.arg_types[0]), transform)


# NOTE: extract's optional fourth argument (a type literal that converts the result)
# is not declared, so a call that passes one fails in the binder.
@scalar("extract", [P("regex", STRING, constant=True), P("captureGroup", INT, LONG, constant=True), P("source", STRING)], STRING)
def extract(ctx: CallContext, pattern: Value, group: Value, source: Value) -> Value:
    """Return the text of a capture group of the first regex match, or "" when none. Example: print extract("x=([0-9.]+)", 1, "hello x=45.6|wo") → "45.6\""""
    regex = _compile(str(pattern), "extract")
    group_number = int(group)
    if group_number > regex.groups or group_number < 0:
        raise KqlRuntimeError("KL121", f"extract(): capture group {group_number} does not exist in {pattern!r}")

    def first_match(text: str) -> str:
        match = regex.search(text)
        return "" if match is None else (match.group(group_number) or "")

    return map_text(_text(source, ctx.arg_types[2]), _each(first_match))


@scalar("extract_all", [P("regex", STRING, constant=True), P("source", STRING)], DYNAMIC)
def extract_all(ctx: CallContext, pattern: Value, source: Value) -> Value:
    """Return all matches of a regex (the capture groups when it has any) as a dynamic array. Example: print extract_all(@"(\\d+)", "a1b22") → ["1","22"]"""
    regex = _compile(str(pattern), "extract_all")

    def all_matches(text: str) -> Any:
        found: list[Any] = []
        for match in regex.finditer(text):
            if regex.groups == 0:
                found.append(match.group(0))
            elif regex.groups == 1:
                found.append(match.group(1) or "")
            else:
                found.append([item or "" for item in match.groups()])
        return found or None

    return map_text(_text(source, ctx.arg_types[1]), _each(all_matches, text_result=False))


@scalar("indexof", [P("source", STRING), P("lookup", STRING), P("start_index", INT, LONG, optional=True), P("length", INT, LONG, optional=True), P("occurrence", INT, LONG, optional=True, constant=True)], LONG)
def indexof(ctx: CallContext, source: Value, lookup: Value, start: Value = 0, length: Value = -1, occurrence: Value = 1) -> Value:
    """Return the zero-based index of the first occurrence of a string, or -1. Example: print indexof("abcdefg", "cde") → 2"""
    needle = str(_constant_argument(lookup, "lookup", "indexof"))
    first = _whole_number(_default(_constant_argument(start, "start_index", "indexof"), 0))
    span = _whole_number(_default(_constant_argument(length, "length", "indexof"), -1))
    nth = _whole_number(_default(_constant_argument(occurrence, "occurrence", "indexof"), 1))
    if first is None or span is None or nth is None or first < 0 or span < -1 or nth <= 0:
        return None

    def position(text: str) -> int:
        end = len(text) if span == -1 else min(len(text), first + span)
        found = first - 1
        for _ in range(nth):
            found = text.find(needle, found + 1, end)
            if found < 0 or found + len(needle) > end:
                return -1
        return found

    return map_text(_text(source, ctx.arg_types[0]), lambda text: pd.array([position(item) for item in text.to_numpy(dtype=object)], dtype="Int64"))


def _whole_number(value: Any) -> int | None:
    # The binder lets a real through for a long parameter: it is truncated, and NaN or infinity is invalid.
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    return int(value)


@scalar("countof", [P("source", STRING), P("search", STRING, constant=True), P("kind", STRING, optional=True, constant=True)], LONG)
def countof(ctx: CallContext, source: Value, search: Value, kind: Value = "normal") -> Value:
    """Count occurrences of a string (overlapping) or of a regex. Example: print countof("ananas", "ana") → 2"""
    needle = str(search)
    if str(_default(kind, "normal")).lower() == "regex":
        regex = _compile(needle, "countof")
        count = lambda text: sum(1 for _ in regex.finditer(text))  # noqa: E731
    elif needle == "":
        count = lambda text: 0  # noqa: E731
    else:
        count = lambda text: sum(1 for index in range(len(text)) if text.startswith(needle, index))  # noqa: E731
    return map_text(_text(source, ctx.arg_types[0]), lambda text: pd.array([count(item) for item in text.to_numpy(dtype=object)], dtype="Int64"))


@scalar("reverse", [P("value")], STRING)
def reverse(ctx: CallContext, value: Value) -> Value:
    """Reverse a string (other types are converted with tostring first). Example: print reverse("ABC") → "CBA\""""
    return map_text(_text(value, ctx.arg_types[0]), lambda text: pc.utf8_reverse(arrow_strings(text)))


@scalar("strrep", [P("value"), P("multiplier", INT, LONG), P("delimiter", STRING, optional=True)], STRING)
def strrep(ctx: CallContext, value: Value, multiplier: Value, delimiter: Value = "") -> Value:
    """Repeat a value a number of times, with an optional delimiter. Example: print strrep("ABC", 2, ",") → "ABC,ABC\""""
    times = _constant_argument(multiplier, "multiplier", "strrep")
    separator = str(_default(_constant_argument(delimiter, "delimiter", "strrep"), ""))
    # Kusto caps the multiplier at 1024 and treats values below 1 as 1.
    count = 1 if times is None else min(max(int(times), 1), 1024)
    return map_text(_text(value, ctx.arg_types[0]), _each(lambda text: separator.join([text] * count)))


@scalar("has_any_index", [P("source", STRING), P("values", DYNAMIC, constant=True)], LONG)
def has_any_index(ctx: CallContext, source: Value, values: Value) -> Value:
    """Return the index of the first listed term found in a string (has semantics), or -1. Example: print has_any_index("this is an example", dynamic(['this', 'example'])) → 0"""
    # A dynamic value that is not an array lists no terms, so the result is -1.
    terms = [str(term) for term in (as_list(values) or [])]

    def transform(text: pd.Series) -> Any:
        texts = arrow_strings(text)
        found = np.full(len(text), -1, dtype=np.int64)
        for index, term in reversed(list(enumerate(terms))):
            hit = pc.match_substring_regex(texts, term_pattern(term), ignore_case=True).to_numpy(zero_copy_only=False)
            found[hit] = index
        return from_numpy(found, np.zeros(len(found), dtype=bool), LONG)

    return map_text(_text(source, ctx.arg_types[0]), transform)


# HttpUtility.UrlEncode leaves these characters unescaped and writes a space as "+".
_URL_SAFE = "-_.!*()"


@scalar("url_encode", [P("url", STRING)], STRING, aliases=("url_encode_component",))
def url_encode(ctx: CallContext, url: Value) -> Value:
    """Percent-encode a URL (lower-case hex, space as +). Example: print url_encode("https://www.bing.com/") → "https%3a%2f%2fwww.bing.com%2f\""""

    def encode(text: str) -> str:
        quoted = urllib.parse.quote_plus(text, safe=_URL_SAFE)
        return re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), quoted)

    return map_text(_text(url, ctx.arg_types[0]), _each(encode))


@scalar("url_decode", [P("encoded_url", STRING)], STRING)
def url_decode(ctx: CallContext, encoded: Value) -> Value:
    """Decode a percent-encoded URL. Example: print url_decode("https%3a%2f%2fwww.bing.com%2f") → "https://www.bing.com/\""""
    return map_text(_text(encoded, ctx.arg_types[0]), _each(urllib.parse.unquote_plus))


@scalar("base64_encode_tostring", [P("string", STRING)], STRING, aliases=("base64_encodestring",))
def base64_encode_tostring(ctx: CallContext, text: Value) -> Value:
    """Encode a string's UTF-8 bytes as base64. Example: print base64_encode_tostring("Kusto1") → "S3VzdG8x\""""
    return map_text(_text(text, ctx.arg_types[0]), _each(lambda item: base64.b64encode(item.encode("utf-8")).decode("ascii")))


@scalar("base64_decode_tostring", [P("base64_string", STRING)], STRING, aliases=("base64_decodestring",))
def base64_decode_tostring(ctx: CallContext, text: Value) -> Value:
    """Decode base64 into a UTF-8 string; invalid input gives "". Example: print base64_decode_tostring("S3VzdG8=") → "Kusto\""""

    def decode(item: str) -> str:
        try:
            return base64.b64decode(item, validate=True).decode("utf-8")
        except ValueError:
            # Invalid base64 (binascii.Error), bytes that are not UTF-8 (UnicodeDecodeError)
            # and non-ASCII text (a plain ValueError) are all ValueErrors.
            return ""

    return map_text(_text(text, ctx.arg_types[0]), _each(decode))
