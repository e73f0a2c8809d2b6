"""Time how long kqlite takes to start: the REPL's first prompt, and ``kqlite -c "print 1"``.

Usage (from the repository root):

    python benchmarks/startup.py [--runs 5]

The REPL runs in a pseudo-terminal, as a person starts it. It is timed from the process
start until the prompt ``kql>`` appears on its screen. A second figure is the time until
the result of ``print 1`` is printed, when that query is typed as soon as the prompt
appears; it includes loading the engine in the background. ``-c "print 1"`` is
timed from process start until it exits, so it includes importing pandas and the
engine and running the query. Both run as ``python -m`` with ``src`` on PYTHONPATH and an
empty $KQLITE_HOME. The medians of ``--runs`` runs go to ``benchmarks/results/startup.json``,
with the system load average before and after the runs.

The runs inherit this process's environment. With PYTHONDONTWRITEBYTECODE set, Python
writes no bytecode, so each run compiles every kqlite module that has no up-to-date file
in ``src/**/__pycache__``. When none has one, that adds about 0.06 s to ``print 1`` (2-core
machine, Python 3.11), which an installed kqlite, compiled at install, does not spend. The
results record the variable and how many such files there were.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
RESULTS = REPOSITORY / "benchmarks" / "results" / "startup.json"
PROMPT = b"kql>"
FIRST_RESULT = b"(1 row"
# prompt_toolkit sends a cursor position request; a real terminal replies at once.
CURSOR_POSITION_REQUEST = b"\x1b[6n"
CURSOR_POSITION_REPLY = b"\x1b[1;1R"
TIMEOUT_SECONDS = 30.0


def environment(home: str) -> dict[str, str]:
    variables = dict(os.environ)
    variables["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY / "src"), variables.get("PYTHONPATH")]))
    variables["KQLITE_HOME"] = home
    variables["TERM"] = "xterm"
    return variables


def time_repl_start(home: str) -> tuple[float, float]:
    """Start the REPL in a pseudo-terminal and type ``print 1`` at once.

    Returns the seconds from process start until the prompt appears, and until the
    result of ``print 1`` appears (which waits for the engine to load).
    """
    pid, descriptor = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "kqlite.cli.repl"], environment(home))
    started = time.perf_counter()
    try:
        prompt_seconds = _wait_for(descriptor, PROMPT, started)
        os.write(descriptor, b"print 1\r\r")
        result_seconds = _wait_for(descriptor, FIRST_RESULT, started)
        return prompt_seconds, result_seconds
    finally:
        os.write(descriptor, b"\x04")
        time.sleep(0.05)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(descriptor)


def _wait_for(descriptor: int, text: bytes, started: float) -> float:
    screen = b""
    while text not in screen:
        if time.perf_counter() - started > TIMEOUT_SECONDS:
            raise TimeoutError(f"{text!r} not seen within {TIMEOUT_SECONDS} s; the screen showed {screen[-300:]!r}")
        ready, _, _ = select.select([descriptor], [], [], 0.01)
        if ready:
            chunk = os.read(descriptor, 4096)
            if CURSOR_POSITION_REQUEST in chunk:
                os.write(descriptor, CURSOR_POSITION_REPLY)
            screen += chunk
    return time.perf_counter() - started


def time_print_one(home: str) -> float:
    """Run ``python -m kqlite -c "print 1"``; return the seconds until it exits."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "kqlite", "--memory", "-c", "print 1"],
        env=environment(home), capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"kqlite -c 'print 1' failed with exit code {completed.returncode}: {completed.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    arguments = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as home:
        repl_times = [time_repl_start(home) for _ in range(arguments.runs)]
        prompt_times = [prompt for prompt, _ in repl_times]
        result_times = [result for _, result in repl_times]
        print_times = [time_print_one(home) for _ in range(arguments.runs)]

    results = {
        "repl_first_prompt_seconds": {"median": statistics.median(prompt_times), "runs": prompt_times},
        "repl_first_result_seconds": {"median": statistics.median(result_times), "runs": result_times},
        "print_1_seconds": {"median": statistics.median(print_times), "runs": print_times},
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "bytecode_not_written": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
            "bytecode_files_in_src": len(list((REPOSITORY / "src").rglob("__pycache__/*.pyc"))),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"REPL first prompt: median {results['repl_first_prompt_seconds']['median']:.3f} s")
    print(f"REPL first result of 'print 1' typed at the prompt: median {results['repl_first_result_seconds']['median']:.3f} s")
    print(f"kqlite -c 'print 1': median {results['print_1_seconds']['median']:.3f} s")
    print(f"load average (1, 5, 15 min) before: {load_before}, after: {os.getloadavg()}")
    print(f"written to {RESULTS.relative_to(REPOSITORY)}")


if __name__ == "__main__":
    main()
