"""The parse and parse-where kernels: one RE2 regular expression per pattern, run over the column.

A parse pattern becomes one regular expression that must match the whole text, with one
named group per extracted column. It runs in RE2, the regular expression engine of
Kusto, through pyarrow's `extract_regex`. Following the parse operator's reference page:

* ``*`` becomes ``.*?``. A string constant is matched literally, except with
  ``kind=regex``, where it is a regular expression itself.
* An int or long column matches ``-?\\d+`` and a real column a decimal number, greedily.
  Columns of the other types match any text: lazily (``.*?``) for ``simple`` and
  ``relaxed``, greedily (``.*``) for ``regex``, as the reference's regex examples show,
  where a string column reaches the last occurrence of the delimiter after it.
* ``simple`` and ``regex`` are strict: a row whose text does not match, or whose extracted
  value does not convert to its column's type, gets null in every extracted column.
* ``relaxed`` nulls only the columns whose value does not convert. A number column that
  does not match its number pattern then spans any text up to the next delimiter.

A string column is never null in KQL, so it gets ``""`` where the others get null.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kqlite.functions.registry import SCALARS, CallContext
from kqlite.functions.values import string_series
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, REAL, STRING, TIMESPAN, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.bound import ParseRows

PARSE_KINDS = ("simple", "regex", "relaxed")

# The RE2 flags that `flags=` may set: ignore case, multi-line, '.' matches '\n', ungreedy.
REGEX_FLAGS = frozenset("imsU")

# The conversion function that turns an extracted text into each type.
_CONVERTERS = {
    BOOL: "tobool",
    INT: "toint",
    LONG: "tolong",
    REAL: "todouble",
    DECIMAL: "todecimal",
    DATETIME: "todatetime",
    TIMESPAN: "totimespan",
    GUID: "toguid",
    DYNAMIC: "todynamic",
}

# The pattern a number column matches. The reference gives `\-\d+` for long, which cannot
# match a positive number, so kqlite makes the sign optional.
_NUMBER_PATTERNS = {
    INT: r"-?\d+",
    LONG: r"-?\d+",
    REAL: r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?",
}

# The group that takes part in every match, so that a pattern without columns still marks
# the rows that match.
_MATCHED_GROUP = "matched"

# The characters that a constant of a simple or relaxed pattern escapes.
_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


@dataclass(frozen=True, slots=True)
class ParseSegment:
    """One item of a bound parse pattern.

    `kind` is "wildcard", "constant" (`text` is the string) or "column" (`text` is the
    column name and `kql_type` its type).
    """

    kind: str
    text: str = ""
    kql_type: KqlType = STRING


def check_pattern(segments: tuple[ParseSegment, ...], kind: str, flags: str) -> None:
    """Compile the regular expression of a parse pattern to check it.

    Raises:
        pyarrow.ArrowInvalid: a constant of a ``kind=regex`` pattern is not a valid RE2
            regular expression.
    """
    pc.extract_regex(pa.array([], pa.large_string()), build_pattern(segments, kind, flags))


@functools.lru_cache(maxsize=64)
def build_pattern(segments: tuple[ParseSegment, ...], kind: str, flags: str) -> str:
    """Build the RE2 regular expression of a parse pattern."""
    if not segments:
        # NOTE: Kusto's analyzer accepts `parse T with`, and the reference does not define
        # what it does. kqlite lets every text match it, so parse-where keeps every row.
        return f"(?P<{_MATCHED_GROUP}>)"

    pieces = [f"(?P<{_MATCHED_GROUP}>)"]
    for position, segment in enumerate(segments):
        if segment.kind == "wildcard":
            pieces.append(".*?")
        elif segment.kind == "constant" and kind == "regex":
            # The constant's own groups must not capture, because extract_regex takes
            # named groups only.
            pieces.append(f"(?:{non_capturing(segment.text)})")
        elif segment.kind == "constant":
            pieces.append(_SPECIAL.sub(r"\\\1", segment.text))
        else:
            pieces.append(_column_pattern(_group_name(position), segment.kql_type, kind))

    # NOTE: flags apply with kind=regex only, the kind the reference documents them for.
    # Kusto's analyzer also accepts them with the other kinds, where kqlite ignores them.
    options = f"(?{flags})" if kind == "regex" and flags else ""
    return options + r"\A(?:" + "".join(pieces) + r")\z"


def _column_pattern(group: str, kql_type: KqlType, kind: str) -> str:
    number = _NUMBER_PATTERNS.get(kql_type)
    if number is None:
        return f"(?P<{group}>.*)" if kind == "regex" else f"(?P<{group}>.*?)"
    if kind == "relaxed":
        # Any other text up to the next delimiter also matches, and the column is then null.
        return f"(?:(?P<{group}>{number})|.*?)"
    return f"(?P<{group}>{number})"


def _group_name(position: int) -> str:
    return f"column{position}"


def non_capturing(pattern: str) -> str:
    """Turn every capturing group ``(...)`` of a regular expression into ``(?:...)``."""
    result: list[str] = []
    position = 0
    in_class = False
    while position < len(pattern):
        character = pattern[position]
        if character == "\\":
            result.append(pattern[position : position + 2])
            position += 2
            continue

        if in_class:
            in_class = character != "]"
        elif character == "[":
            # A ']' right after '[' or '[^' is a member of the class, not its end.
            end = position + 1
            if pattern[end : end + 1] == "^":
                end += 1
            if pattern[end : end + 1] == "]":
                end += 1
            result.append(pattern[position:end])
            in_class = True
            position = end
            continue
        elif character == "(" and pattern[position + 1 : position + 2] != "?":
            result.append("(?:")
            position += 1
            continue

        result.append(character)
        position += 1
    return "".join(result)


def parse_rows(frame: pd.DataFrame, source: Any, node: ParseRows, now: pd.Timestamp) -> pd.DataFrame:
    """Run parse or parse-where over `frame`, where `source` is the value of the parsed expression."""
    from kqlite.executor.columns import to_column
    from kqlite.functions.conversion import to_string

    # KQL: a value of another type is parsed as its string form.
    length = len(frame)
    text = to_column(to_string(source, node.source.kql_type), STRING, length)
    extracted, matched = parse_text(text, node.pattern, node.kind, node.flags, now)

    data = {
        position: extracted[name] if name in extracted else frame[name]
        for position, (name, _) in enumerate(node.columns)
    }
    result = pd.DataFrame(data, index=pd.RangeIndex(length), copy=False)
    if node.drop_unmatched and not matched.all():
        result = result.loc[matched].reset_index(drop=True)
    return result


def parse_text(
    text: pd.Series, segments: tuple[ParseSegment, ...], kind: str, flags: str, now: pd.Timestamp
) -> tuple[dict[str, pd.Series], np.ndarray]:
    """Extract the pattern's columns from a string Series.

    Returns the extracted columns by name, each typed as declared, and the mask of the rows
    that parsed (parse-where keeps those).
    """
    groups = _extract(text, build_pattern(segments, kind, flags))
    matched = groups.is_valid().to_numpy(zero_copy_only=False)

    columns: dict[str, pd.Series] = {}
    failed = np.zeros(len(text), dtype=bool)
    for position, segment in enumerate(segments):
        if segment.kind != "column":
            continue
        # A row that does not match, or a group that takes no part in the match, gives "".
        extracted = string_series(pc.if_else(matched, groups.field(_group_name(position)), ""))
        value = _convert(extracted, segment.kql_type, now)
        if segment.kql_type not in (STRING, DYNAMIC) and kind != "relaxed":
            # A value that does not convert fails the whole row, except in relaxed mode.
            failed |= matched & value.isna().to_numpy()
        columns[segment.text] = value

    matched = matched & ~failed
    if not matched.all():
        columns = {name: _blank(value, ~matched) for name, value in columns.items()}
    return columns, matched


def _extract(text: pd.Series, pattern: str) -> pa.StructArray:
    """Run `pattern` on every text; a category column is matched once per category."""
    if isinstance(text.dtype, pd.CategoricalDtype):
        categories = pa.array(text.cat.categories.to_numpy(dtype=object), pa.large_string())
        per_category = pc.extract_regex(categories, pattern)
        # A code of -1 (a missing value) takes a null, so its row matches nothing.
        codes = pa.array(text.array.codes, mask=text.array.codes < 0)
        return per_category.take(codes)
    return pc.extract_regex(pa.array(text.array, pa.large_string()), pattern)


def _convert(extracted: pd.Series, kql_type: KqlType, now: pd.Timestamp) -> pd.Series:
    if kql_type is STRING:
        return extracted
    function = SCALARS[_CONVERTERS[kql_type]]
    context = CallContext(length=len(extracted), arg_types=(STRING,), result_type=kql_type, now=now)
    result = function.implementation(context, extracted)
    return result if isinstance(result, pd.Series) else pd.Series([result] * len(extracted))


def _blank(value: pd.Series, rows: np.ndarray) -> pd.Series:
    """Null the values of `rows`: ``""`` in a string column, null in the others."""
    if value.dtype == object:
        blanked = value.copy()
        blanked[rows] = None
        return blanked
    if pd.api.types.is_string_dtype(value.dtype):
        return value.where(~rows, "")
    return value.where(~rows)
