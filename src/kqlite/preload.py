"""Load the whole engine ahead of the first query.

kqlite imports most of its modules, pandas' heavier parts and SciPy's FFT only when
a query first needs them, so that the command line starts quickly. A long-lived
process (a notebook, a service, a benchmark that times queries rather than start-up)
can call `load_engine` once instead, and its first query then costs what every later
one does.
"""

from __future__ import annotations

import importlib
import pkgutil

# The packages a query can reach; the command line, notebooks and charts are not among them.
_ENGINE_PACKAGES = (
    "kqlite.syntax",
    "kqlite.semantics",
    "kqlite.executor",
    "kqlite.functions",
    "kqlite.operators",
    "kqlite.series",
    "kqlite.storage",
)
_ENGINE_MODULES = ("kqlite.database", "kqlite.optimizer", "kqlite.result", "kqlite.limits", "kqlite.ipv4")
# Third-party modules imported lazily: periods are found with SciPy's FFT, and Arrow
# loads its pandas conversions on the first conversion.
_LIBRARY_MODULES = ("scipy.fft", "pyarrow.pandas_compat", "pyarrow.vendored.version")


def load_engine() -> None:
    """Import every module a query or command can need, and compile the query lexer."""
    for package_name in _ENGINE_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(module.name)
    for module_name in (*_ENGINE_MODULES, *_LIBRARY_MODULES):
        importlib.import_module(module_name)

    from kqlite.functions import load_all
    from kqlite.syntax.parser import compile_lexer

    load_all()
    compile_lexer()
