"""Binding of the parse and parse-where operators: the pattern's checks and the output schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from kqlite.operators.parse import PARSE_KINDS, REGEX_FLAGS, ParseSegment, check_pattern
from kqlite.semantics import bound as b
from kqlite.semantics.scope import Scope
from kqlite.syntax import nodes
from kqlite.types import STRING, KqlType

if TYPE_CHECKING:
    from kqlite.semantics.binder import Binder


def bind_parse(binder: Binder, operator: nodes.Parse, input: b.BoundTabular, scope: Scope) -> b.BoundTabular:
    """Bind ``parse`` or ``parse-where`` on top of its bound input.

    The extracted columns follow the input's columns in pattern order. A column whose name
    the input already has replaces it in place, as `extend` does.
    """
    kind = _kind(binder, operator)
    flags = _flags(binder, operator)
    # KQL: an expression of another type is parsed as its string form.
    source = binder.expressions.bind(operator.source, scope.with_columns(input.columns))

    _check_pattern(binder, operator.pattern)
    segments = tuple(_segment(item) for item in operator.pattern)
    if kind == "regex":
        try:
            check_pattern(segments, kind, flags)
        except pa.ArrowInvalid as error:
            binder.error(
                "KL160",
                f"the parse pattern is not a valid regular expression: {error}",
                operator.span,
                hint="kind=regex reads each string constant as a regular expression; escape special characters with '\\'",
            )

    # NOTE: Kusto.Language appends an extracted column whose name the input already has,
    # so its result has two columns of that name. kqlite replaces the input column instead.
    columns = list(input.columns)
    for segment in segments:
        if segment.kind != "column":
            continue
        position = next((i for i, (name, _) in enumerate(columns) if name == segment.text), None)
        if position is None:
            columns.append((segment.text, segment.kql_type))
        else:
            columns[position] = (segment.text, segment.kql_type)

    return b.ParseRows(
        columns=tuple(columns),
        span=operator.span,
        input=input,
        source=source,
        pattern=segments,
        kind=kind,
        flags=flags,
        drop_unmatched=operator.drop_unmatched,
    )


def _kind(binder: Binder, operator: nodes.Parse) -> str:
    option = _option(operator, "kind")
    if option is None:
        return "simple"
    if option.value not in PARSE_KINDS:
        binder.error("KS005", f"unknown parse kind '{option.value}': expected one of: simple, regex, relaxed", option.span)
        return "simple"
    return str(option.value)


def _flags(binder: Binder, operator: nodes.Parse) -> str:
    option = _option(operator, "flags")
    if option is None:
        return ""
    flags = str(option.value)
    unknown = sorted(set(flags) - set(REGEX_FLAGS))
    if unknown:
        binder.error(
            "KL161",
            f"unknown regular expression flag '{unknown[0]}' in flags={flags}",
            option.span,
            hint="the flags are i (ignore case), m (multi-line), s (. matches \\n) and U (ungreedy)",
        )
        return "".join(flag for flag in flags if flag in REGEX_FLAGS)
    return flags


def _option(operator: nodes.Parse, name: str) -> nodes.Option | None:
    return next((option for option in operator.options if option.name == name), None)


def _check_pattern(binder: Binder, pattern: tuple[nodes.ParseItem, ...]) -> None:
    """Report what Kusto rejects in a pattern: `*` before anything but a constant, a column
    after anything but a constant, `*` after a string column, a column named twice."""
    declared: set[str] = set()
    previous: nodes.ParseItem | None = None
    for item in pattern:
        if previous is not None and previous.kind == "wildcard" and item.kind != "constant":
            binder.error("KS102", "a string constant must follow '*'", previous.span)

        if item.kind == "column":
            if previous is not None and previous.kind != "constant":
                binder.error("KS101", f"the column '{item.text}' must follow a string constant", item.span)
            if item.text in declared:
                binder.error("KS171", f"a column with the name '{item.text}' is already declared", item.span)
            declared.add(item.text)

        is_string_column = previous is not None and previous.kind == "column" and (previous.kql_type or STRING) is STRING
        if item.kind == "wildcard" and is_string_column:
            binder.error(
                "KS103",
                "'*' right after a string column is ambiguous",
                item.span,
                hint="put a string constant between the column and '*'",
            )
        previous = item


def _segment(item: nodes.ParseItem) -> ParseSegment:
    kql_type: KqlType = item.kql_type or STRING
    return ParseSegment(kind=item.kind, text=item.text, kql_type=kql_type)
