"""kqlite: run Kusto Query Language (KQL) queries on a laptop, over pandas.

    import kqlite
    db = kqlite.connect()
    db.register("T", dataframe)
    result = db.execute("T | summarize count() by Category")
    result.columns, result.rows(), result.to_pandas()

The database and result classes are imported on first use, because pandas takes
a second or more to import and the command line should start without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kqlite.errors import (
    KqlError,
    KqlInternalError,
    KqlNotSupportedError,
    KqlRuntimeError,
    KqlSemanticError,
    KqlSyntaxError,
)

if TYPE_CHECKING:
    from kqlite.database import Database, connect
    from kqlite.result import Result

__version__ = "0.1.0"

__all__ = [
    "Database",
    "KqlError",
    "KqlInternalError",
    "KqlNotSupportedError",
    "KqlRuntimeError",
    "KqlSemanticError",
    "KqlSyntaxError",
    "Result",
    "__version__",
    "connect",
]

_LAZY = {"Database": "kqlite.database", "connect": "kqlite.database", "Result": "kqlite.result"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kqlite' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext kqlite``: register the ``%kql`` and ``%%kql`` magics."""
    from kqlite.notebook import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext kqlite``: close the databases the magics opened."""
    from kqlite.notebook import unload_ipython_extension as unload

    unload(ipython)
