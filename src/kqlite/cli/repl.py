"""The interactive KQL shell: type or paste blocks, see aligned tables, charts and errors.

    python -m kqlite.cli.repl [--db PATH] [--render-dir DIR] [--no-render] [--debug]

The prompt appears before the engine is imported, because pandas alone takes a second
or more to import. The engine loads in a background thread, started once the first
prompt is drawn, while the user types. The first block waits for it only if it is not
ready yet. Each block runs in a worker
thread; Ctrl-C raises KeyboardInterrupt in that worker and returns to the prompt at
once. Blocks and key bindings are described in `kqlite.cli.repl_keys`, the dot-commands
in `kqlite.cli.repl_commands`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
import traceback
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kqlite.cli.repl_commands import QuitRequest, ReplCommandError, Settings, command_names, find_command
from kqlite.cli.repl_worker import run_cancellable

if TYPE_CHECKING:
    from kqlite.database import Database
    from kqlite.result import Result

HOME_VARIABLE = "KQLITE_HOME"
HISTORY_FILE = "repl_history"
# A table longer than this shows its first rows only; `.format csv` prints every row.
MAX_TABLE_ROWS = 200
EXIT_OK = 0
EXIT_USAGE_ERROR = 2


def kqlite_home() -> Path:
    """Return the kqlite data folder: `$KQLITE_HOME`, else ``~/.local/share/kqlite``."""
    configured = os.environ.get(HOME_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "kqlite"


def run_repl(
    database_path: str | None,
    *,
    debug: bool = False,
    render_dir: str | None = None,
    no_render: bool = False,
    read_only: bool = False,
) -> int:
    """Run the interactive shell on the database folder `database_path` (None: in memory).

    Charts of queries that end with `render` are written as PNG files into `render_dir`
    (default: the ``charts`` folder of the kqlite data folder) unless `no_render` is set.
    With `read_only`, the folder is opened for queries only, beside another process.
    Returns the exit code.
    """
    engine = EngineLoader(database_path, read_only=read_only)
    shell = Repl(engine, debug=debug, render_dir=Path(render_dir) if render_dir else kqlite_home() / "charts", no_render=no_render)
    where = database_path if database_path else "in memory"
    print(f"kqlite REPL, database: {where}. Enter on an empty line runs a block; '.help' lists commands.")
    try:
        shell.loop()
    finally:
        database = engine.ready()
        if database is not None:
            database.close()
    return EXIT_OK


class EngineLoader:
    """Imports the engine and opens the database in a background thread, once.

    The thread starts after the first prompt is drawn, so that importing pandas does
    not compete for the GIL with drawing the prompt.
    """

    def __init__(self, database_path: str | None, *, read_only: bool = False) -> None:
        self.database_path = database_path
        self.read_only = read_only
        self.future: Future[Database] = Future()
        self._started = threading.Event()

    def start(self) -> None:
        if self._started.is_set():
            return
        self._started.set()
        threading.Thread(target=self._load, name="kqlite-engine-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            import kqlite.database

            self.future.set_result(kqlite.database.connect(self.database_path, read_only=self.read_only))
        except BaseException as error:  # noqa: BLE001 - handed to the thread that waits for the engine.
            self.future.set_exception(error)

    def ready(self) -> Database | None:
        """Return the database if it is open, else None, without waiting for the loader."""
        if self.future.done() and self.future.exception() is None:
            return self.future.result()
        return None


class Repl:
    """One interactive session: the prompt, the settings and the printing of results."""

    def __init__(self, engine: EngineLoader, *, debug: bool, render_dir: Path, no_render: bool) -> None:
        self.engine = engine
        self.debug = debug
        self.render_dir = render_dir
        self.no_render = no_render
        self.settings = Settings()
        self.colour = sys.stdout.isatty()

    def loop(self) -> None:
        session = self._prompt_session()
        while True:
            try:
                text = session.prompt()
            except KeyboardInterrupt:
                continue
            except EOFError:
                return
            if not text.strip():
                continue
            try:
                self.run_block(text)
            except QuitRequest:
                return

    def _prompt_session(self) -> Any:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import ThreadedCompleter
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from prompt_toolkit.lexers import PygmentsLexer

        from kqlite.cli.lexer import KqlLexer
        from kqlite.cli.repl_completion import KqlCompleter
        from kqlite.cli.repl_keys import repl_key_bindings

        history: FileHistory | InMemoryHistory
        try:
            kqlite_home().mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(kqlite_home() / HISTORY_FILE))
        except OSError as error:
            print(f"kqlite: history is not kept: cannot create {kqlite_home()}: {error.strerror}", file=sys.stderr)
            history = InMemoryHistory()

        session: PromptSession[str] = PromptSession(
            message="kql> ",
            multiline=True,
            prompt_continuation=lambda width, line_number, is_soft_wrap: ".... ".rjust(width),
            key_bindings=repl_key_bindings(),
            lexer=PygmentsLexer(KqlLexer),
            completer=ThreadedCompleter(KqlCompleter(self._ready_database, [*command_names()])),
            complete_while_typing=False,
            history=history,
            enable_history_search=False,
        )
        session.app.after_render.add_handler(lambda app: self.engine.start())
        return session

    def _ready_database(self) -> Database | None:
        return self.engine.ready()

    # -----------------------------------------------------------------------------------
    # Running a block

    def run_block(self, text: str) -> None:
        """Run one block: a REPL command, a query or a control command (or several, split at blank lines)."""
        found = find_command(text)
        if found is not None:
            self._run_repl_command(*found)
            return

        database = self._wait_for_engine()
        if database is None:
            return
        started = time.perf_counter()
        outcome = run_cancellable(database, text, self._show_result, started)
        if outcome == "cancelled":
            self._print_error("cancelled (Ctrl-C)")
        elif isinstance(outcome, BaseException):
            self._report(outcome)

    def _run_repl_command(self, entry: Any, argument: str) -> None:
        database = self._wait_for_engine() if entry.needs_database else self._ready_database()
        if entry.needs_database and database is None:
            return
        try:
            print(entry.run(argument, database, self.settings))
        except ReplCommandError as error:
            self._print_error(str(error))
        except QuitRequest:
            raise
        except Exception as error:  # noqa: BLE001 - a KqlError from .explain, or a kqlite bug.
            self._report(error)

    def _wait_for_engine(self) -> Database | None:
        self.engine.start()
        if not self.engine.future.done():
            print("loading the engine...", flush=True)
        try:
            return self.engine.future.result()
        except KeyboardInterrupt:
            self._print_error("cancelled (Ctrl-C) while the engine was loading")
        except Exception as error:  # noqa: BLE001 - the database could not be opened.
            self._report(error)
        return None

    def _show_result(self, result: Result, elapsed: float) -> None:
        from kqlite.cli.formatting import write_result
        from kqlite.cli.repl_table import layout_table, summary_line
        from kqlite.result import Result as ResultType

        if not result.columns:
            return
        if self.settings.output_format != "table":
            write_result(sys.stdout, result.columns, result.display_rows(), self.settings.output_format)
        else:
            shown = ResultType(schema=result.schema, frame=result.frame.iloc[:MAX_TABLE_ROWS])
            width = shutil.get_terminal_size().columns
            print(layout_table(result.columns, shown.rows(), width))
            print(summary_line(len(result), len(shown), elapsed if self.settings.timing else None))
        if result.visualization is not None and not self.no_render:
            self._show_chart(result)
        sys.stdout.flush()

    def _show_chart(self, result: Result) -> None:
        from kqlite.render import render_preview, render_result

        try:
            path = render_result(result, self.render_dir)
        except Exception as error:  # noqa: BLE001 - a failed chart must not lose the table above it.
            self._report(error)
            return
        if path is None:
            return
        preview = render_preview(result, width=shutil.get_terminal_size().columns)
        if preview:
            print(preview)
        print(f"chart: {path}")

    # -----------------------------------------------------------------------------------
    # Errors

    def _report(self, error: BaseException) -> None:
        from kqlite.errors import KqlError

        if self.debug:
            traceback.print_exception(error, file=sys.stdout)
        if isinstance(error, KqlError):
            self._print_error(str(error))
        else:
            # A crash that is not a KqlError is a kqlite bug; it is shown with its code like any error.
            hint = "report the query" if self.debug else "report the query; start with --debug for the traceback"
            self._print_error(f"internal error[KL999]: {type(error).__name__}: {error}\n   = hint: {hint}")

    def _print_error(self, text: str) -> None:
        print(f"\x1b[31m{text}\x1b[0m" if self.colour else text, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kqlite.cli.repl", description="Interactive KQL shell.")
    parser.add_argument("--db", metavar="PATH", help="database folder (created if missing); default: in memory")
    parser.add_argument("--render-dir", metavar="DIR", help="folder for chart PNG files (default: $KQLITE_HOME/charts)")
    parser.add_argument("--no-render", action="store_true", help="print tables only; draw no charts for 'render'")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks with errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    return run_repl(arguments.db, debug=arguments.debug, render_dir=arguments.render_dir, no_render=arguments.no_render)


if __name__ == "__main__":
    sys.exit(main())
