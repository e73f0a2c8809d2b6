"""Run a block in a worker thread that Ctrl-C can cancel while the session goes on.

The main thread waits for the worker's results and prints each one as it arrives, and
Ctrl-C (SIGINT) raises KeyboardInterrupt there. The worker is then sent KeyboardInterrupt
as an asynchronous exception and abandoned, so the cancelled block's results are never
shown. CPython delivers that exception at the worker's next Python bytecode.

NOTE: CPython runs signal handlers in the main thread only when it holds the GIL. A
pandas or numpy call that keeps the GIL for seconds (building millions of strings)
delays the return to the prompt until that call ends; the rest of the query is skipped.
"""

from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kqlite.database import Database
    from kqlite.result import Result

# How often the main thread wakes up while it waits; Ctrl-C is seen at once regardless.
_POLL_SECONDS = 0.1
_DONE = object()


def run_cancellable(
    database: Database, text: str, on_result: Callable[[Result, float], None], started: float
) -> Literal["cancelled"] | BaseException | None:
    """Run `text` and call `on_result(result, seconds since started)` for each result.

    Returns None when every block ran, the exception that stopped it, or ``"cancelled"``
    after Ctrl-C.
    """
    messages: queue.Queue[object] = queue.Queue()

    def work() -> None:
        try:
            for result in database.iterate(text):
                messages.put(result)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread, which reports it.
            messages.put(error)
        messages.put(_DONE)

    worker = threading.Thread(target=work, name="kqlite-query", daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = messages.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if message is _DONE:
                return None
            if isinstance(message, BaseException):
                return message
            on_result(message, time.perf_counter() - started)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        _interrupt(worker)
        return "cancelled"


def _interrupt(worker: threading.Thread) -> None:
    if worker.ident is None or not worker.is_alive():
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(KeyboardInterrupt))
