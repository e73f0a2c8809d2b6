"""The registry of built-in scalar functions, aggregates and `evaluate` plugins.

Each built-in is declared once, next to its implementation, with the decorators below.
The binder reads the declarations to check calls and type results; the executor calls
the implementations. Modules that declare functions are imported by
`kqlite.functions.load_all` when a registry is first read, so a new family only needs an
entry there.

Calling convention for scalar functions: ``implementation(ctx, *args)``, where `ctx`
is a `CallContext` and each argument is either a pandas Series of ``ctx.length`` rows
or, for a constant argument, one Python value in kqlite's representation of its type
(see `kqlite.types`; a null is ``None``, a string is never null). Implementations
return a Series of ``ctx.length`` rows or one Python value, which the executor
broadcasts; a tuple-valued function returns a tuple of those.

Window functions (``window=True``: ``prev``, ``row_number``, ``row_cumsum``...) read
other rows than their own, so the executor must call them once over the whole row set
in its serialized order, never over a chunk of rows. The binder accepts them only where
the operator's input is serialized (see `kqlite.semantics.serialization`).

Aggregates are vectorised over groups: ``implementation(ctx, codes, ngroups, *args)``
receives for every input row its group number in ``codes`` (an int64 numpy array,
``-1`` for a row that belongs to no group) and returns one value per group: a Series of
`ngroups` rows, or a tuple of them for an aggregate with several output columns.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, Sequence, ValuesView
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kqlite.errors import Span
from kqlite.functions import load_all
from kqlite.types import INT, LONG, NUMERIC_TYPES, REAL, KqlType

# A function argument or result: a column, or one value standing for every row.
Value = Any

# A result type: fixed, or computed from the argument types.
ReturnRule = KqlType | Callable[[Sequence[KqlType]], KqlType]


@dataclass(frozen=True, slots=True)
class Param:
    """One declared parameter.

    `types` lists the accepted KQL types (None accepts any). A numeric argument is
    accepted for any numeric parameter. `constant` parameters must be constant
    expressions (a format string, a regex, a period name). Only the last parameter
    may be `variadic`, accepting any number of further arguments. `column` parameters
    must name a column of the input (``prev(column)``), not compute a value.
    """

    name: str
    types: tuple[KqlType, ...] | None = None
    optional: bool = False
    constant: bool = False
    variadic: bool = False
    column: bool = False


def P(
    name: str,
    *types: KqlType,
    optional: bool = False,
    constant: bool = False,
    variadic: bool = False,
    column: bool = False,
) -> Param:
    """Declare a parameter; with no types it accepts any type."""
    return Param(name, tuple(types) or None, optional, constant, variadic, column)


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a function implementation knows about its call besides the arguments."""

    length: int
    arg_types: tuple[KqlType, ...]
    result_type: KqlType
    now: pd.Timestamp
    span: Span | None = None
    constants: tuple[bool, ...] = ()


@dataclass(frozen=True, slots=True)
class ScalarFunction:
    """A built-in scalar function.

    `output_names` is set for tuple-valued functions (the member suffixes, such as
    ``("ad_flag", "ad_score", "baseline")``); `result_types` then gives one type per
    member. `named_after_first_arg` marks functions whose unnamed result column takes
    the name of the first argument (``bin``, ``series_outliers``). `window` marks a
    window function, which reads other rows of the serialized row set.
    """

    name: str
    params: tuple[Param, ...]
    returns: ReturnRule
    implementation: Callable[..., Value]
    doc: str = ""
    output_names: tuple[str, ...] | None = None
    result_types: tuple[KqlType, ...] | None = None
    named_after_first_arg: bool = False
    window: bool = False

    def result_type(self, arg_types: Sequence[KqlType]) -> KqlType:
        return self.returns(arg_types) if callable(self.returns) else self.returns


@dataclass(frozen=True, slots=True)
class AggregateFunction:
    """A built-in aggregate.

    `column_prefix` is the prefix of the default output name (``make_list`` uses
    ``list``); `default` is the value on empty input without ``by``. `output_count`
    greater than one (``percentiles``) or `selects_rows` (``arg_max``) change how
    the binder names the output columns.
    """

    name: str
    params: tuple[Param, ...]
    returns: ReturnRule
    implementation: Callable[..., Value]
    default: Any = None
    column_prefix: str | None = None
    doc: str = ""
    selects_rows: bool = False
    allowed_in_make_series: bool = False

    def result_type(self, arg_types: Sequence[KqlType]) -> KqlType:
        return self.returns(arg_types) if callable(self.returns) else self.returns


@dataclass(frozen=True, slots=True)
class Plugin:
    """An `evaluate` plugin: its output schema follows from its input schema and arguments."""

    name: str
    schema: Callable[..., Any]
    run: Callable[..., Any]
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class _Registry(dict[str, Any]):
    """A map from name to declaration that imports every function family before it is first read.

    The families fill it when they are imported, and storing an entry does not load the
    others. A query that names no function (``print 1``) never pays for importing them,
    about 0.05 s. Every read method of `dict` that the engine and the REPL call is
    overridden, so lookups, listings and "did you mean" hints use the complete registry.
    """

    def __getitem__(self, name: str) -> Any:
        load_all()
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        load_all()
        return super().__contains__(name)

    def __iter__(self) -> Iterator[str]:
        load_all()
        return super().__iter__()

    def __len__(self) -> int:
        load_all()
        return super().__len__()

    def get(self, name: str, default: Any = None) -> Any:
        load_all()
        return super().get(name, default)

    def keys(self) -> KeysView[str]:
        load_all()
        return super().keys()

    def values(self) -> ValuesView[Any]:
        load_all()
        return super().values()

    def items(self) -> ItemsView[str, Any]:
        load_all()
        return super().items()


SCALARS: dict[str, ScalarFunction] = _Registry()
AGGREGATES: dict[str, AggregateFunction] = _Registry()
PLUGINS: dict[str, Plugin] = _Registry()


def _first_line(function: Callable[..., Any]) -> str:
    return (function.__doc__ or "").strip()


def scalar(
    name: str,
    params: Sequence[Param],
    returns: ReturnRule,
    *,
    aliases: Sequence[str] = (),
    output_names: Sequence[str] | None = None,
    result_types: Sequence[KqlType] | None = None,
    named_after_first_arg: bool = False,
    window: bool = False,
) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Register a scalar function under `name` and its `aliases`."""

    def register(implementation: Callable[..., Value]) -> Callable[..., Value]:
        entry = ScalarFunction(
            name=name,
            params=tuple(params),
            returns=returns,
            implementation=implementation,
            doc=_first_line(implementation),
            output_names=tuple(output_names) if output_names else None,
            result_types=tuple(result_types) if result_types else None,
            named_after_first_arg=named_after_first_arg,
            window=window,
        )
        for key in (name, *aliases):
            SCALARS[key] = entry
        return implementation

    return register


def aggregate(
    name: str,
    params: Sequence[Param],
    returns: ReturnRule,
    *,
    default: Any = None,
    column_prefix: str | None = None,
    aliases: Sequence[str] = (),
    selects_rows: bool = False,
    allowed_in_make_series: bool = False,
) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Register an aggregate under `name` and its `aliases`."""

    def register(implementation: Callable[..., Value]) -> Callable[..., Value]:
        entry = AggregateFunction(
            name=name,
            params=tuple(params),
            returns=returns,
            implementation=implementation,
            default=default,
            column_prefix=column_prefix,
            doc=_first_line(implementation),
            selects_rows=selects_rows,
            allowed_in_make_series=allowed_in_make_series,
        )
        for key in (name, *aliases):
            AGGREGATES[key] = entry
        return implementation

    return register


def plugin(name: str, schema: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an `evaluate` plugin with the function that computes its output schema."""

    def register(run: Callable[..., Any]) -> Callable[..., Any]:
        PLUGINS[name] = Plugin(name=name, schema=schema, run=run, doc=_first_line(run))
        return run

    return register


# Common result-type rules.
def same_as_first(arg_types: Sequence[KqlType]) -> KqlType:
    return arg_types[0]


def widest_numeric_of_all(arg_types: Sequence[KqlType]) -> KqlType:
    numeric = [t for t in arg_types if t in NUMERIC_TYPES]
    return max(numeric, key=NUMERIC_TYPES.index) if numeric else REAL


def long_for_integers_else_real(arg_types: Sequence[KqlType]) -> KqlType:
    return LONG if arg_types and arg_types[0] in (INT, LONG) else REAL


def broadcast(value: Value, length: int) -> pd.Series:
    """Turn a constant argument into a Series of `length` rows (object dtype)."""
    if isinstance(value, pd.Series):
        return value
    data = np.empty(length, dtype=object)
    data[:] = [value] * length if isinstance(value, (list, dict, np.ndarray)) else value
    return pd.Series(data, dtype=object)
