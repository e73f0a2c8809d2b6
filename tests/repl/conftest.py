"""Fixtures of the REPL tests: the investigation's sample files and a REPL driven through a pseudo-terminal."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED_CASE_NOTES = REPOSITORY / ".." / "shared" / "case4-data.md"
BRACKETED_PASTE_START = "\x1b[200~"
BRACKETED_PASTE_END = "\x1b[201~"
# prompt_toolkit turns bracketed paste mode on when a prompt starts reading keys and
# off when it hands a block over, so these mark the start and the end of a prompt.
PROMPT_STARTS = "\x1b[?2004h"
PROMPT_ENDS = "\x1b[?2004l"
# Seconds a step of a session may take; generous, because the machine may be busy.
STEP_TIMEOUT = 60


@pytest.fixture(scope="session")
def case4_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The investigation's four files at a small scale (about 29,000 traffic rows)."""
    from kqlite.samples import kda_case4

    folder = tmp_path_factory.mktemp("case4")
    kda_case4.generate(folder, scale=0.002, seed=1)
    return folder


@pytest.fixture(scope="session")
def article_queries() -> list[str]:
    """The article's queries, in the layout people paste them, read from the case notes."""
    if not SHARED_CASE_NOTES.exists():
        pytest.skip("the shared case notes (case4-data.md) are not beside the repository")
    text = SHARED_CASE_NOTES.read_text(encoding="utf-8")
    section = text.split("## The article's queries, in order", 1)[1]
    code = section.split("```", 2)[1].strip("\n")
    return split_pasted_queries(code)


def split_pasted_queries(code: str) -> list[str]:
    """Split queries written one after another: a query starts at column 0, unless the line before ends with `;`."""
    queries: list[list[str]] = []
    for line in code.splitlines():
        starts_query = bool(re.match(r"[A-Za-z.]", line)) and not (queries and queries[-1][-1].rstrip().endswith(";"))
        if starts_query or not queries:
            queries.append([line])
        else:
            queries[-1].append(line)
    return ["\n".join(lines) for lines in queries]


# The line under a result table: "(3 rows, 0.012 s)".
SUMMARY = r"\(\d+ rows?[^)\n]*\)"


class ReplSession:
    """A REPL in a pseudo-terminal, typed into as a person would.

    prompt_toolkit redraws the prompt on every key, so the end of a block's output is
    recognised by a pattern (`until`) that only the output contains, after which the
    next prompt is awaited. Keys sent before that prompt starts could be lost.
    """

    def __init__(self, child: Any) -> None:
        self.child = child

    def wait_for_prompt(self) -> str:
        self.child.expect_exact(PROMPT_STARTS)
        return self.child.before

    def cancel_input(self) -> None:
        """Press Ctrl-C at the prompt and wait for the next one."""
        self.child.send("\x03")
        self.child.expect_exact(PROMPT_ENDS)
        self.child.expect_exact(PROMPT_STARTS)

    def type_line(self, text: str) -> None:
        self.child.send(text + "\r")

    def run(self, text: str, until: str = SUMMARY) -> str:
        """Type a block line by line, then Enter on the empty line; return the screen up to `until`."""
        for line in text.split("\n"):
            self.type_line(line)
        if find_repl_command(text) is None:
            self.child.send("\r")
        return self.output_until(until)

    def paste(self, text: str, until: str = SUMMARY) -> str:
        """Paste a block (bracketed paste), press Enter twice to run it; return the screen up to `until`."""
        self.child.send(BRACKETED_PASTE_START + text + BRACKETED_PASTE_END)
        self.child.send("\r\r")
        return self.output_until(until)

    def output_until(self, until: str) -> str:
        self.child.expect(until)
        output = strip_ansi(self.child.before + self.child.after)
        self.child.expect_exact(PROMPT_STARTS)
        return output


def find_repl_command(text: str) -> object:
    from kqlite.cli.repl_commands import find_command

    return find_command(text) if "\n" not in text.strip() else None


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[>=]|\r", "", text)


def start_repl(folder: Path, home: Path, *options: str) -> ReplSession:
    """Start a REPL on an in-memory database, in `folder`, with `home` as its data folder."""
    pexpect = pytest.importorskip("pexpect")
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY / "src"), environment.get("PYTHONPATH")]))
    environment["KQLITE_HOME"] = str(home)
    # Without this, prompt_toolkit sends a cursor position request and waits for the reply.
    environment["PROMPT_TOOLKIT_NO_CPR"] = "1"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "kqlite.cli.repl", "--render-dir", str(home / "charts"), *options],
        cwd=str(folder), env=environment, dimensions=(50, 200), encoding="utf-8", timeout=STEP_TIMEOUT,
    )
    session = ReplSession(child)
    session.wait_for_prompt()
    return session


def stop_repl(session: ReplSession) -> None:
    import pexpect

    if session.child.isalive():
        session.child.sendeof()
        session.child.expect(pexpect.EOF)
    session.child.close()


@pytest.fixture
def repl(tmp_path: Path, case4_folder: Path) -> Iterator[ReplSession]:
    """A fresh REPL for one test, with its data folder in `tmp_path / "home"`."""
    session = start_repl(case4_folder, tmp_path / "home")
    yield session
    stop_repl(session)


@pytest.fixture
def repl_with_options(tmp_path: Path, case4_folder: Path) -> Iterator[Callable[..., ReplSession]]:
    """Start a REPL with command-line options, e.g. ``repl_with_options("--no-render")``."""
    sessions: list[ReplSession] = []

    def start(*options: str) -> ReplSession:
        sessions.append(start_repl(case4_folder, tmp_path / "home", *options))
        return sessions[-1]

    yield start
    for session in sessions:
        stop_repl(session)


@pytest.fixture(scope="module")
def case_repl(tmp_path_factory: pytest.TempPathFactory, case4_folder: Path) -> Iterator[ReplSession]:
    """One REPL per test module with the investigation's tables loaded by pasting the set-up script."""
    session = start_repl(case4_folder, tmp_path_factory.mktemp("home"))
    setup = (REPOSITORY / "examples" / "kda-case4" / "setup.kql").read_text(encoding="utf-8").strip()
    output = session.paste(setup)
    assert "Completed" in output, output
    yield session
    stop_repl(session)
