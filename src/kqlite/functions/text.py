"""More string functions: strcat_array, translate and string_size."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kqlite.functions.conversion import scalar, to_string
from kqlite.functions.registry import CallContext, P
from kqlite.functions.values import Value, arrow_strings, as_list, dynamic_objects, map_text, python_value, string_series, text_objects
from kqlite.types import DYNAMIC, LONG, STRING


def _text_constant(value: Any) -> Any:
    # A null literal of another type (long(null)) reaches a string parameter as None.
    return "" if value is None else value


def _element_text(item: Any) -> str:
    # An array element is written as tostring writes a dynamic value; null is "".
    return to_string(python_value(item), DYNAMIC)


def _join(array: Any, delimiter: str) -> str:
    elements = as_list(array)
    if elements is None:
        # A value that is not an array is not joined; its own text is the result.
        return _element_text(array)
    return delimiter.join(_element_text(item) for item in elements)


@scalar("strcat_array", [P("array", DYNAMIC), P("delimiter", STRING)], STRING)
def strcat_array(ctx: CallContext, array: Value, delimiter: Value) -> Value:
    """Join the elements of an array into one string with a delimiter. Example: print strcat_array(dynamic([1, 2, 3]), "->") → "1->2->3\""""
    delimiter = _text_constant(delimiter)
    if not isinstance(array, pd.Series) and not isinstance(delimiter, pd.Series):
        return _join(array, delimiter)
    arrays = dynamic_objects(array, ctx.length)
    delimiters = text_objects(delimiter, ctx.length)
    return string_series([_join(item, text) for item, text in zip(arrays, delimiters, strict=True)])


def _translation_table(search: str, replacement: str) -> dict[int, str | None]:
    # KQL: the i-th character of searchList becomes the i-th of replacementList; when
    # replacementList is shorter its last character repeats, and an empty one deletes.
    # The first occurrence of a repeated search character decides its replacement.
    table: dict[int, str | None] = {}
    for index, character in enumerate(search):
        if ord(character) in table:
            continue
        if not replacement:
            table[ord(character)] = None
        else:
            table[ord(character)] = replacement[min(index, len(replacement) - 1)]
    return table


def _translate_distinct(texts: pd.Series, table: dict[int, str | None]) -> pd.Series:
    # Each distinct text is translated once; repeated values share the result.
    codes, uniques = pd.factorize(texts)
    translated = np.array([text.translate(table) for text in uniques], dtype=object)
    return string_series(translated[codes] if len(codes) else [])


@scalar("translate", [P("searchList", STRING), P("replacementList", STRING), P("source", STRING)], STRING)
def translate(ctx: CallContext, search: Value, replacement: Value, source: Value) -> Value:
    """Replace each character of searchList in source by the matching character of replacementList. Example: print translate("krasp", "otsku", "spark") → "kusto\""""
    search, replacement, source = (_text_constant(value) for value in (search, replacement, source))
    if not isinstance(search, pd.Series) and not isinstance(replacement, pd.Series):
        table = _translation_table(search, replacement)
        return map_text(source, lambda texts: _translate_distinct(texts, table))

    searches = text_objects(search, ctx.length)
    replacements = text_objects(replacement, ctx.length)
    sources = text_objects(source, ctx.length)
    rows = zip(searches, replacements, sources, strict=True)
    return string_series([text.translate(_translation_table(s, r)) for s, r, text in rows])


@scalar("string_size", [P("source", STRING)], LONG)
def string_size(ctx: CallContext, source: Value) -> Value:
    """Return the size of a string in bytes, as UTF-8. Example: print string_size("⒦⒰⒮⒯⒪") → 15"""
    return map_text(_text_constant(source), lambda texts: pc.binary_length(arrow_strings(texts)).cast("int64"))

