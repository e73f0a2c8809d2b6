"""Helpers for calling registered scalar functions the way the executor does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from kqlite.functions import load_all
from kqlite.functions.registry import SCALARS, CallContext
from kqlite.types import KqlType

NOW = pd.Timestamp("2024-01-02 03:04:05")


def call(name: str, *args: Any, types: Sequence[KqlType], length: int | None = None) -> Any:
    """Call the scalar function `name`, as the executor would, with arguments of `types`."""
    load_all_available()
    function = SCALARS[name]
    if length is None:
        length = next((len(arg) for arg in args if isinstance(arg, pd.Series)), 1)
    context = CallContext(
        length=length,
        arg_types=tuple(types),
        result_type=function.result_type(list(types)),
        now=NOW,
        constants=tuple(not isinstance(arg, pd.Series) for arg in args),
    )
    return function.implementation(context, *args)


def result_type(name: str, *types: KqlType) -> KqlType:
    load_all_available()
    return SCALARS[name].result_type(list(types))


def load_all_available() -> None:
    # Other engineers' families (ipv4, aggregates, series) may not exist yet in a work
    # tree; load ours directly when the full set cannot be imported.
    try:
        load_all()
    except ImportError:
        import importlib

        for family in (
            "conversion",
            "conversion_functions",
            "datetime_functions",
            "datetime_construction",
            "datetime_format",
            "strings",
            "math",
            "conditional",
            "dynamic",
        ):
            try:
                importlib.import_module(f"kqlite.functions.{family}")
            except ModuleNotFoundError as error:
                if error.name != f"kqlite.functions.{family}":
                    raise


@pytest.fixture
def now() -> pd.Timestamp:
    return NOW
