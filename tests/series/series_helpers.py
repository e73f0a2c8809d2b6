"""Helpers to call the registered series functions directly, as the executor does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from kqlite.functions import series as series_functions  # noqa: F401  (fills the registry)
from kqlite.functions.registry import SCALARS, CallContext
from kqlite.types import BOOL, DYNAMIC, LONG, REAL, STRING, KqlType


def _type_of(value: Any) -> KqlType:
    if isinstance(value, pd.Series):
        return DYNAMIC if value.dtype == object else REAL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return LONG
    if isinstance(value, float):
        return REAL
    if isinstance(value, str):
        return STRING
    return DYNAMIC


def call(name: str, *args: Any, rows: int | None = None) -> Any:
    """Call a registered scalar function; a list or array first argument becomes one row."""
    first = args[0]
    if not isinstance(first, pd.Series):
        first = column(first)
    length = len(first) if rows is None else rows
    arguments = (first, *args[1:])
    ctx = CallContext(
        length=length,
        arg_types=tuple(_type_of(a) for a in arguments),
        result_type=DYNAMIC,
        now=pd.Timestamp("2026-01-01"),
    )
    return SCALARS[name].implementation(ctx, *arguments)


def column(*values: Any) -> pd.Series:
    """Build a dynamic column with one row per value."""
    data = np.empty(len(values), dtype=object)
    for index, value in enumerate(values):
        data[index] = value
    return pd.Series(data, dtype=object)


def as_list(value: Any) -> Any:
    """Turn a dynamic array (numpy array or list) into a plain list for comparisons."""
    if value is None:
        return None
    return [None if item is None else item for item in list(value)]


def assert_close(actual: Any, expected: list[Any], tolerance: float = 1e-9) -> None:
    """Compare a dynamic array with expected values; None expects a null element."""
    items = as_list(actual)
    assert items is not None, "expected an array, got null"
    assert len(items) == len(expected), f"length {len(items)} != {len(expected)}"
    for index, (got, want) in enumerate(zip(items, expected)):
        if want is None:
            assert got is None or np.isnan(got), f"element {index}: {got} is not null"
        else:
            assert got == pytest.approx(want, abs=tolerance), f"element {index}: {got} != {want}"
