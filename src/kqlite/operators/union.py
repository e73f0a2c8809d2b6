"""The `union` operator: the rows of several tabular inputs ("legs") under one schema.

Columns come in order of first appearance across the legs, after the ``withsource``
column. ``kind=outer`` (the default) keeps every column, with nulls (``""`` for
strings) in the legs that lack it. ``kind=inner`` keeps only the columns that every
leg has. A name that appears with different types in different legs gives one column
per type, named ``<name>_<type>`` (``x_long``, ``x_int``), at the name's first position.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from kqlite.errors import KqlSemanticError
from kqlite.operators.naming import unique_names
from kqlite.table import Columns
from kqlite.types import PANDAS_DTYPES, STRING, KqlType, empty_series

UNION_KINDS = ("outer", "inner")


def union_schema(legs: Sequence[Columns], kind: str = "outer", withsource: str | None = None) -> Columns:
    """Return the result schema of a union of legs with the schemas `legs`."""
    return tuple((name, kql_type) for name, kql_type, _ in _layout(legs, kind, withsource))


def union_frames(
    frames: Sequence[tuple[pd.DataFrame, Columns]],
    kind: str = "outer",
    withsource: str | None = None,
    source_names: Sequence[str] = (),
) -> tuple[pd.DataFrame, Columns]:
    """Concatenate the legs' rows, leg after leg, under the union schema.

    `source_names` gives, per leg, the value of the ``withsource`` column: the table
    name or the generated name the binder chose. It is only read when `withsource`
    is set.
    """
    legs = [columns for _, columns in frames]
    layout = _layout(legs, kind, withsource)
    lengths = [len(frame) for frame, _ in frames]
    data: dict[int, pd.Series] = {}

    for number, (_, kql_type, source) in enumerate(layout):
        if source is None:
            data[number] = _source_column(source_names, lengths)
            continue
        parts = [_leg_column(frame, columns, source, len(frame)) for frame, columns in frames]
        data[number] = _concatenate(parts, kql_type)

    result = pd.DataFrame(data, index=pd.RangeIndex(sum(lengths)), copy=False)
    result.columns = [name for name, _, _ in layout]
    return result, tuple((name, kql_type) for name, kql_type, _ in layout)


# One output column: its name, type and the (leg column name, type) it gathers;
# None stands for the withsource column.
_Output = tuple[str, KqlType, tuple[str, KqlType] | None]


def _layout(legs: Sequence[Columns], kind: str, withsource: str | None) -> list[_Output]:
    if kind not in UNION_KINDS:
        raise KqlSemanticError("KS005", f"invalid union kind '{kind}': expected outer or inner")

    # Types per name, both in order of first appearance.
    types_by_name: dict[str, list[KqlType]] = {}
    for columns in legs:
        for name, kql_type in columns:
            seen = types_by_name.setdefault(name, [])
            if kql_type not in seen:
                seen.append(kql_type)

    sources: list[tuple[str, KqlType]] = []
    for name, types in types_by_name.items():
        for kql_type in types:
            if kind == "inner" and not all((name, kql_type) in columns for columns in legs):
                continue
            sources.append((name, kql_type))

    kept_types: dict[str, int] = {}
    for name, _ in sources:
        kept_types[name] = kept_types.get(name, 0) + 1
    names = [name if kept_types[name] == 1 else f"{name}_{kql_type}" for name, kql_type in sources]

    outputs: list[_Output] = [(name, source[1], source) for name, source in zip(names, sources, strict=True)]
    if withsource is not None:
        outputs.insert(0, (withsource, STRING, None))

    # Generated `name_type` names yield to the names the legs already use: they are
    # de-duplicated after every plain name has been placed.
    plain = [number for number, (_, _, source) in enumerate(outputs) if source is None or kept_types[source[0]] == 1]
    typed = [number for number in range(len(outputs)) if number not in set(plain)]
    order = plain + typed
    renamed = unique_names([outputs[number][0] for number in order])
    final_names = dict(zip(order, renamed, strict=True))
    return [(final_names[number], kql_type, source) for number, (_, kql_type, source) in enumerate(outputs)]


def _leg_column(frame: pd.DataFrame, columns: Columns, source: tuple[str, KqlType], length: int) -> pd.Series:
    if source in columns:
        return frame.iloc[:, columns.index(source)].reset_index(drop=True)
    return empty_series(source[1], length)


def _concatenate(parts: list[pd.Series], kql_type: KqlType) -> pd.Series:
    if kql_type is STRING:
        if all(isinstance(part.dtype, pd.CategoricalDtype) for part in parts):
            return pd.Series(union_categoricals(parts))
        parts = [part.astype(PANDAS_DTYPES[STRING]) for part in parts]
    parts = [part for part in parts if len(part)] or parts[:1]
    if not parts:
        return empty_series(kql_type)
    return pd.concat(parts, ignore_index=True)


def _source_column(source_names: Sequence[str], lengths: list[int]) -> pd.Series:
    if len(source_names) != len(lengths):
        raise ValueError("union_frames needs one source name per leg when withsource is set")
    codes, names = pd.factorize(pd.Series(list(source_names), dtype=object))
    leg_codes = np.repeat(codes, lengths)
    return pd.Series(pd.Categorical.from_codes(leg_codes, categories=pd.Index(names, dtype=PANDAS_DTYPES[STRING])))
