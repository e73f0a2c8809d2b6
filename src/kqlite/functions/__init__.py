"""Built-in functions: the registry and one module per family of functions."""

from __future__ import annotations

import importlib

# Every module that declares built-ins; importing one fills the registry.
FAMILIES = (
    "conversion",
    "conversion_functions",
    "datetime_functions",
    "datetime_construction",
    "datetime_format",
    "strings",
    "math",
    "conditional",
    "dynamic",
    "ipv4",
    "aggregates",
    "series",
    "binary",
    "text",
    "url",
    "ipv4_text",
    "series_filters",
    "geo",
    "window",
)

_loaded = False


def load_all() -> None:
    """Import every function family once, so that the registry is complete."""
    global _loaded
    if _loaded:
        return
    for family in FAMILIES:
        importlib.import_module(f"kqlite.functions.{family}")
    _loaded = True
