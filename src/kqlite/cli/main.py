"""The ``kqlite`` command: run KQL queries and scripts, or write the sample data sets.

    kqlite -c "print 1"                  run a query (or several blocks) and print the results
    kqlite run setup.kql queries.kql     run script files block by block
    kqlite sample kda-case4 --out DIR    write the investigation's sample data

Exit codes: 0 when everything ran, 1 when a query or command failed (its rendered
error goes to stderr), 2 for a usage error (bad option, unreadable file). The engine
and pandas are imported only when a query runs, so ``kqlite --help`` needs neither.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from kqlite import __version__

if TYPE_CHECKING:
    from kqlite.database import Database
    from kqlite.errors import KqlError
    from kqlite.result import Result

EXIT_OK = 0
EXIT_QUERY_ERROR = 1
EXIT_USAGE_ERROR = 2
EXIT_INTERRUPTED = 130

HOME_VARIABLE = "KQLITE_HOME"
SAMPLES = ("kda-case4",)


def default_database_path() -> Path:
    """Return the folder of the default database: `$KQLITE_HOME`, else ``~/.local/share/kqlite/default``."""
    configured = os.environ.get(HOME_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "kqlite" / "default"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kqlite",
        description="Run Kusto Query Language (KQL) queries and control commands over local tables.",
        epilog=(
            f"Tables are kept in the database folder given by --db; without it, in ${HOME_VARIABLE} "
            "or, when that is unset, ~/.local/share/kqlite/default. --memory uses a database that "
            "is discarded at exit. Exit codes: 0 success, 1 query error, 2 usage error."
        ),
    )
    parser.add_argument("--version", action="version", version=f"kqlite {__version__}")
    parser.add_argument("-c", "--command", metavar="QUERY", help="run QUERY (a query, a command or several blocks)")
    _add_run_options(parser, keep_defaults=True)

    subcommands = parser.add_subparsers(dest="subcommand", metavar="{run,sample}")
    run = subcommands.add_parser(
        "run",
        help="run .kql script files",
        description=(
            "Run KQL script files in order. A blank line ends a block; a block is one control command "
            "or one query whose statements are separated by ';'. Each result is printed when its block ends."
        ),
    )
    run.add_argument("files", nargs="+", metavar="FILE", help="script file to run ('-' reads standard input)")
    run.add_argument("--keep-going", action="store_true", help="run the remaining blocks after a block fails")
    _add_run_options(run, keep_defaults=False)

    sample = subcommands.add_parser(
        "sample",
        help="write a sample data set",
        description="Write the files of a sample data set into a folder.",
    )
    sample.add_argument("name", choices=SAMPLES, help="kda-case4: the Kusto Detective Agency's 'Triple trouble' data")
    sample.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write into (created if missing)")
    sample.add_argument(
        "--scale",
        type=_positive_number,
        metavar="S",
        help="multiply every row count by S (1 gives the real size, 44.9 million traffic rows; default 1)",
    )
    sample.add_argument("--seed", type=int, metavar="N", help="random seed; a seed and scale always give the same files (default 0)")
    sample.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    return parser


def _add_run_options(parser: argparse.ArgumentParser, *, keep_defaults: bool) -> None:
    # The options may come before or after the subcommand. A subcommand's parser would
    # overwrite values given before it with its own defaults, so only the top level has any.
    def default(value: Any) -> Any:
        return value if keep_defaults else argparse.SUPPRESS

    parser.add_argument(
        "--format", choices=("table", "csv", "json"), default=default("table"),
        help="how to print results: aligned text, CSV, or one JSON object a result (default: table)",
    )
    parser.add_argument("--output", type=Path, metavar="FILE", default=default(None), help="write results to FILE instead of standard output")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, metavar="PATH", default=default(None), help="database folder (created if missing)")
    where.add_argument("--memory", action="store_true", default=default(False), help="use an in-memory database, discarded at exit")
    parser.add_argument(
        "--read-only", action="store_true", default=default(False),
        help=(
            "open the database folder for queries only, which works while another kqlite process "
            "has it open; commands that change tables fail (not available in the REPL)"
        ),
    )
    parser.add_argument(
        "--debug", action="store_true", default=default(False),
        help="show Python tracebacks with errors and log the timing of each query stage to stderr",
    )
    parser.add_argument(
        "--charts", type=Path, metavar="DIR", default=default(Path("kqlite-charts")),
        help="folder for the PNG charts of queries that end with render (default: ./kqlite-charts)",
    )
    parser.add_argument(
        "--no-render", action="store_true", default=default(False),
        help="print the table of a query that ends with render, without drawing its chart",
    )


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def console_main() -> NoReturn:
    """Run the ``kqlite`` command (the console script and ``python -m kqlite``) and exit with its code."""
    sys.exit(main(exit_fast=True))


def main(argv: list[str] | None = None, *, exit_fast: bool = False) -> int:
    """Run the command line `argv` (default: ``sys.argv[1:]``) and return the exit code.

    With `exit_fast`, a command other than the REPL ends the process itself once it has
    finished (see `_exit_now`) instead of returning.
    """
    parser = build_parser()
    arguments = parser.parse_args(argv)

    if arguments.subcommand == "run" and arguments.command is not None:
        parser.error("-c cannot be combined with 'run'")
    if getattr(arguments, "read_only", False) and arguments.memory:
        parser.error("--read-only opens a database folder, so it cannot be combined with --memory")

    code = _run_batch(arguments)
    if code is not None:
        if exit_fast:
            _exit_now(code)
        return code

    from kqlite.cli.repl import run_repl

    database = None if arguments.memory else str(arguments.db or default_database_path())
    charts = str(arguments.charts) if arguments.charts != Path("kqlite-charts") else None
    return run_repl(
        database, debug=arguments.debug, render_dir=charts, no_render=arguments.no_render, read_only=arguments.read_only
    )


def _run_batch(arguments: argparse.Namespace) -> int | None:
    """Run the subcommand, the -c query or the piped script; return None when the REPL should start."""
    try:
        with _debug_log(getattr(arguments, "debug", False)):
            if arguments.subcommand == "sample":
                return _write_sample(arguments)
            if arguments.subcommand == "run":
                return _run_scripts(arguments)
            if arguments.command is not None:
                return _run_texts(arguments, [(arguments.command, None)])
    except KeyboardInterrupt:
        print("kqlite: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

    # Text piped into `kqlite` runs as a script, as `kqlite run -` would.
    if not sys.stdin.isatty():
        arguments.files = ["-"]
        arguments.keep_going = False
        return _run_scripts(arguments)
    return None


def _exit_now(code: int) -> None:
    """End the process with `code` without the interpreter's teardown, about 0.1 s after a query.

    Here the teardown would only free memory, because everything that must reach the disk
    is written and closed before the command returns. `_run_texts` closes the database,
    which finishes queued `.ingest async` appends and releases the folder lock, and closes
    the --output file. Each chart file is closed before `render_result` returns, and
    `_debug_log` removes its handler. The REPL is not ended this way, because an engine
    still loading at exit relies on the `atexit` handler that closes its database.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        # A closed pipe: the normal exit reports it and exits with code 120.
        return
    os._exit(code)


def _run_scripts(arguments: argparse.Namespace) -> int:
    from kqlite.cli.script_runner import read_script
    from kqlite.errors import KqlError

    texts: list[tuple[str, str | None]] = []
    for name in arguments.files:
        origin = "<stdin>" if name == "-" else name
        try:
            text = read_script(name, origin)
        except OSError as error:
            print(f"kqlite: error: cannot read script {name}: {_reason(error)}", file=sys.stderr)
            return EXIT_USAGE_ERROR
        except KqlError as error:
            print(error.render(), file=sys.stderr)
            return EXIT_USAGE_ERROR
        texts.append((text, origin))
    return _run_texts(arguments, texts)


def _run_texts(arguments: argparse.Namespace, texts: list[tuple[str, str | None]]) -> int:
    """Run each (text, origin) pair on one database and print results as they come."""
    try:
        output = _open_output(arguments.output)
    except OSError as error:
        print(f"kqlite: error: cannot write {arguments.output}: {_reason(error)}", file=sys.stderr)
        return EXIT_USAGE_ERROR

    keep_going = getattr(arguments, "keep_going", False)
    try:
        db = _open_database(arguments)
    except Exception as error:  # noqa: BLE001 - reported as the user sees it, then the exit code.
        return _report_failure(error, arguments.debug)

    try:
        charts = None if arguments.no_render else arguments.charts
        printer = _ResultPrinter(output, arguments.format, charts)
        failures = 0
        for text, origin in texts:
            failures += _run_one(db, text, origin, printer, arguments.debug, keep_going)
            if failures and not keep_going:
                break
        return EXIT_QUERY_ERROR if failures else EXIT_OK
    except Exception as error:  # noqa: BLE001 - a kqlite bug; shown without a traceback unless --debug.
        return _report_failure(error, arguments.debug)
    finally:
        db.close()
        if output is not sys.stdout:
            output.close()


def _run_one(db: Database, text: str, origin: str | None, printer: _ResultPrinter, debug: bool, keep_going: bool) -> int:
    from kqlite.cli.script_runner import run_script

    def on_error(error: KqlError) -> None:
        if debug:
            traceback.print_exception(error, file=sys.stderr)
        print(error.render(), file=sys.stderr)

    return run_script(db, text, origin=origin, on_result=printer.write, on_error=on_error, keep_going=keep_going)


@contextlib.contextmanager
def _debug_log(enabled: bool) -> Iterator[None]:
    """Send the "kqlite" logger's records to stderr while the command runs, if `enabled`.

    The library only gives its logger a NullHandler, so the command, as the application,
    decides where records go. It removes its handler again, so `main` can run twice.
    """
    if not enabled:
        yield
        return

    logger = logging.getLogger("kqlite")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


def _open_database(arguments: argparse.Namespace) -> Database:
    import kqlite
    from kqlite.storage.progress import progress_bar_for

    # The ingestion bar draws on stderr only when stderr is a terminal.
    if arguments.memory:
        return kqlite.connect(progress=progress_bar_for)
    path = arguments.db or default_database_path()
    return kqlite.connect(path, progress=progress_bar_for, read_only=arguments.read_only)


def _open_output(path: Path | None) -> TextIO:
    if path is None:
        return sys.stdout
    return path.open("w", encoding="utf-8", newline="")


class _ResultPrinter:
    """Writes each result in the chosen format, with a blank line between text tables."""

    def __init__(self, stream: TextIO, output_format: str, charts: Path | None = None) -> None:
        self.stream = stream
        self.output_format = output_format
        self.charts = charts
        self.written = 0

    def write(self, result: Result) -> None:
        from kqlite.cli.formatting import write_result

        if not result.columns:
            return
        # NOTE: every row is converted and printed, with no cap like Kusto's 500,000-row
        # result limit, so a query over a whole large table should end in take or summarize.
        if self.written and self.output_format != "json":
            self.stream.write("\n")
        write_result(self.stream, result.columns, result.display_rows(), self.output_format)
        if result.visualization is not None and self.charts is not None:
            self._draw(result)
        self.stream.flush()
        self.written += 1

    def _draw(self, result: Result) -> None:
        from kqlite.render import render_result

        path = render_result(result, self.charts)
        if path is not None:
            # The path goes to stderr so that csv and json output stay machine-readable.
            print(f"chart: {path}", file=sys.stderr)


def _write_sample(arguments: argparse.Namespace) -> int:
    from kqlite.samples import kda_case4

    options: dict[str, Any] = {}
    if arguments.scale is not None:
        options["scale"] = arguments.scale
    if arguments.seed is not None:
        options["seed"] = arguments.seed

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        kda_case4.generate(arguments.out, progress=progress, **options)
        kda_case4.copy_scripts(arguments.out)
    except OSError as error:
        print(f"kqlite: error: cannot write the sample into {arguments.out}: {_reason(error)}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    except Exception as error:  # noqa: BLE001 - a kqlite bug; shown without a traceback unless --debug.
        return _report_failure(error, arguments.debug)
    print(f"wrote sample {arguments.name} to {arguments.out}", file=sys.stderr)
    return EXIT_OK


def _report_failure(error: Exception, debug: bool) -> int:
    """Print an error that ended the run: a KqlError as rendered, anything else as a kqlite bug (KL999)."""
    from kqlite.errors import KqlError, KqlInternalError

    if debug:
        traceback.print_exception(error, file=sys.stderr)
    if not isinstance(error, KqlError):
        hint = "please report the command and this message" + ("" if debug else "; run with --debug for the traceback")
        error = KqlInternalError("KL999", f"this is a kqlite bug: {type(error).__name__}: {error}", hint=hint)
    print(error.render(), file=sys.stderr)
    return EXIT_QUERY_ERROR


def _reason(error: BaseException) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


if __name__ == "__main__":
    console_main()
