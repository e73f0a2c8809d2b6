"""IPython and Jupyter magics: run KQL over the notebook's pandas DataFrames and stored tables.

    %load_ext kqlite.notebook
    %kql --db ./casefolder                  # use a database folder (default: in memory)
    %kql Sales | summarize sum(Amount) by Region

    %%kql
    Sales
    | summarize Total=sum(Amount) by bin(Day, 7d)
    | render columnchart

Each run registers, as tables, the DataFrames of the notebook whose names the query
mentions, so ``Sales`` above may be a DataFrame defined in an earlier cell. The magics
return the last result as a DataFrame and show a `render` chart inline as a PNG image.
A stored table of the same name is never replaced by a DataFrame. A query error is
printed as kqlite renders it (with caret and hint), without a Python traceback.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_DATABASE_OPTION = re.compile(r"^\s*--db(?:\s+|=)(\"[^\"]*\"|'[^']*'|\S+)")


@magics_class
class KqlMagics(Magics):
    """The ``%kql`` line magic and the ``%%kql`` cell magic."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.databases: dict[str | None, Any] = {}
        self.current: str | None = None
        # Tables this extension registered from DataFrames, per database; only these
        # may be replaced by a DataFrame of the same name.
        self.frame_tables: dict[str | None, set[str]] = {}
        self.chart_dir = Path(tempfile.mkdtemp(prefix="kqlite-charts-"))

    @no_var_expand
    @line_magic
    def kql(self, line: str) -> Any:
        """Run a one-line KQL query; ``%kql --db PATH`` alone switches the database."""
        path, query = _split_database_option(line)
        if path is not None:
            self.current = path
        if not query.strip():
            if path is not None:
                print(f"kqlite: using the database {path}")
            return None
        return self._run(query)

    @no_var_expand
    @cell_magic("kql")
    def kql_cell(self, line: str, cell: str) -> Any:
        """Run the cell as KQL (a query, a command or a script); ``%%kql --db PATH`` picks the database."""
        path, rest = _split_database_option(line)
        if path is not None:
            self.current = path
        text = f"{rest}\n{cell}" if rest.strip() else cell
        return self._run(text)

    def _database(self) -> Any:
        import kqlite

        if self.current not in self.databases:
            self.databases[self.current] = kqlite.connect(self.current)
            self.frame_tables[self.current] = set()
        return self.databases[self.current]

    def _run(self, text: str) -> Any:
        from kqlite.errors import KqlError

        database = self._database()
        self._register_frames(database, text)
        try:
            result = database.execute(text)
        except KqlError as error:
            print(str(error), file=sys.stderr)
            return None

        if result.visualization is not None:
            self._show_chart(result)
        if not result.columns:
            return None
        return result.to_pandas()

    def _register_frames(self, database: Any, text: str) -> None:
        import pandas as pd

        namespace = self.shell.user_ns if self.shell is not None else {}
        mine = self.frame_tables[self.current]
        stored = set(database.catalog.names())
        for name in dict.fromkeys(_IDENTIFIER.findall(text)):
            value = namespace.get(name)
            if not isinstance(value, pd.DataFrame) or (name in stored and name not in mine):
                continue
            database.register(name, value)
            mine.add(name)

    def _show_chart(self, result: Any) -> None:
        from IPython.display import Image, display

        from kqlite.render import render_result

        path = render_result(result, self.chart_dir)
        if path is not None:
            display(Image(filename=str(path)))


def _split_database_option(line: str) -> tuple[str | None, str]:
    match = _DATABASE_OPTION.match(line)
    if match is None:
        return None, line
    return match.group(1).strip("'\""), line[match.end() :]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%kql`` and ``%%kql`` (called by ``%load_ext kqlite.notebook``)."""
    ipython.register_magics(KqlMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Close the databases the magics opened (called by ``%unload_ext kqlite.notebook``)."""
    magics = ipython.magics_manager.registry.get(KqlMagics.__name__)
    if magics is None:
        return
    for database in magics.databases.values():
        database.close()
    magics.databases.clear()
    magics.frame_tables.clear()
