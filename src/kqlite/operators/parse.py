"""The parse and parse-where kernels: one compiled regular expression per pattern, run over the column.

A parse pattern becomes one regular expression that must match the whole text, with one
named group per extracted column. Following the parse operator's reference page:

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

from kqlite.functions.registry import SCALARS, CallContext
from kqlite.types import BOOL, DATETIME, DECIMAL, DYNAMIC, GUID, INT, LONG, PANDAS_DTYPES, REAL, STRING, TIMESPAN, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.bound import ParseRows

PARSE_KINDS = ("simple", "regex", "relaxed")

# RE2 flags that `flags=` may set and their Python counterparts; `U` (ungreedy) has none and
# is applied by swapping every quantifier's greediness.
REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "U": 0}

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


@dataclass(frozen=True, slots=True)
class ParseSegment:
    """One item of a bound parse pattern.

    `kind` is "wildcard", "constant" (`text` is the string) or "column" (`text` is the
    column name and `kql_type` its type).
    """

    kind: str
    text: str = ""
    kql_type: KqlType = STRING


def compile_pattern(segments: tuple[ParseSegment, ...], kind: str, flags: str) -> re.Pattern[str]:
    """Build the regular expression of a parse pattern.

    Raises:
        re.error: a constant of a ``kind=regex`` pattern is not a valid regular expression.
    """
    return _compile(segments, kind, flags)


@functools.lru_cache(maxsize=64)
def _compile(segments: tuple[ParseSegment, ...], kind: str, flags: str) -> re.Pattern[str]:
    if not segments:
        # NOTE: Kusto's analyzer accepts `parse T with`, and the reference does not define
        # what it does. kqlite lets every text match it, so parse-where keeps every row.
        return re.compile(f"(?P<{_MATCHED_GROUP}>)")

    pieces = [f"(?P<{_MATCHED_GROUP}>)"]
    for position, segment in enumerate(segments):
        if segment.kind == "wildcard":
            pieces.append(".*?")
        elif segment.kind == "constant":
            pieces.append(f"(?:{segment.text})" if kind == "regex" else re.escape(segment.text))
        else:
            pieces.append(_column_pattern(_group_name(position), segment.kql_type, kind))
    pattern = "".join(pieces)

    # NOTE: flags apply with kind=regex only, the kind the reference documents them for.
    # Kusto's analyzer also accepts them with the other kinds, where kqlite ignores them.
    options = 0
    if kind == "regex":
        for flag in flags:
            options |= REGEX_FLAGS[flag]
        if "U" in flags:
            pattern = swap_greediness(pattern)
    return re.compile(rf"\A(?:{pattern})\Z", options)


def _column_pattern(group: str, kql_type: KqlType, kind: str) -> str:
    number = _NUMBER_PATTERNS.get(kql_type)
    if number is None:
        return f"(?P<{group}>.*)" if kind == "regex" else f"(?P<{group}>.*?)"
    if kind == "relaxed":
        # The column may hold any text up to the next delimiter; it is then null.
        return f"(?:(?P<{group}>{number})|.*?)"
    return f"(?P<{group}>{number})"


def _group_name(position: int) -> str:
    return f"column{position}"


def swap_greediness(pattern: str) -> str:
    """Make every greedy quantifier of a regular expression lazy and every lazy one greedy (RE2's `U` flag)."""
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
            result.append(character)
            position += 1
            continue

        if character == "[":
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

        quantifier_end = _quantifier_end(pattern, position, result)
        if quantifier_end is None:
            result.append(character)
            position += 1
            continue

        result.append(pattern[position:quantifier_end])
        if pattern[quantifier_end : quantifier_end + 1] == "?":
            quantifier_end += 1
        else:
            result.append("?")
        position = quantifier_end
    return "".join(result)


_REPETITION = re.compile(r"\{\d+(?:,\d*)?\}")


def _quantifier_end(pattern: str, position: int, previous: list[str]) -> int | None:
    """Return the end of the quantifier at `position`, or None when none starts there."""
    character = pattern[position]
    if character in "*+":
        return position + 1
    if character == "?":
        # '(?' opens a group with options or a name; it quantifies nothing.
        return None if previous and previous[-1].endswith("(") else position + 1
    if character == "{":
        repetition = _REPETITION.match(pattern, position)
        return repetition.end() if repetition else None
    return None


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
    regex = compile_pattern(segments, kind, flags)
    groups = _extract(text, regex)
    matched = groups[_MATCHED_GROUP].notna().to_numpy()

    columns: dict[str, pd.Series] = {}
    failed = np.zeros(len(text), dtype=bool)
    for position, segment in enumerate(segments):
        if segment.kind != "column":
            continue
        extracted = groups[_group_name(position)].fillna("").astype(PANDAS_DTYPES[STRING])
        value = _convert(extracted, segment.kql_type, now)
        if segment.kql_type not in (STRING, DYNAMIC):
            # A value that does not convert fails the row, except in relaxed mode.
            nulls = value.isna().to_numpy()
            if kind != "relaxed":
                failed |= matched & nulls
        columns[segment.text] = value

    matched = matched & ~failed
    if not matched.all():
        columns = {name: _blank(value, ~matched) for name, value in columns.items()}
    return columns, matched


def _extract(text: pd.Series, regex: re.Pattern[str]) -> pd.DataFrame:
    """Run `regex` on every text; a category column is matched once per category."""
    if isinstance(text.dtype, pd.CategoricalDtype):
        categories = pd.Series(text.cat.categories.to_numpy(dtype=object), dtype="str")
        per_category = categories.str.extract(regex, expand=True)
        # A code of -1 (a missing value) is no row label, so its row matches nothing.
        return per_category.reindex(text.cat.codes.to_numpy()).reset_index(drop=True)
    return text.str.extract(regex, expand=True).reset_index(drop=True)


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
