"""kqlite: run Kusto Query Language (KQL) queries on a laptop, over pandas.

    import kqlite
    db = kqlite.connect()
    db.register("T", dataframe)
    result = db.execute("T | summarize count() by Category")
    result.columns, result.rows(), result.to_pandas()
"""

from kqlite.database import Database, connect
from kqlite.errors import (
    KqlError,
    KqlInternalError,
    KqlNotSupportedError,
    KqlRuntimeError,
    KqlSemanticError,
    KqlSyntaxError,
)
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
