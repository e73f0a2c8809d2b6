"""A progress bar for long ingestions, drawn on stderr only when stderr is a terminal."""

from __future__ import annotations

import os
import sys
import time
import urllib.parse
from typing import TextIO

_REDRAW_SECONDS = 0.2
_BAR_WIDTH = 30


class ProgressBar:
    """Callable progress reporter ``(rows, bytes_read)``; silent unless the stream is a terminal."""

    def __init__(self, label: str, total_bytes: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total_bytes = total_bytes
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, rows: int, bytes_read: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last_draw < _REDRAW_SECONDS:
            return
        self._last_draw = now
        self.stream.write("\r" + self._line(rows, bytes_read))
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """Clear the bar's line so that the next output starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False

    def _line(self, rows: int, bytes_read: int) -> str:
        megabytes = bytes_read / 1e6
        if self.total_bytes:
            share = min(bytes_read / self.total_bytes, 1.0)
            filled = int(share * _BAR_WIDTH)
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            return f"{self.label} [{bar}] {share:4.0%} {rows:,} rows, {megabytes:,.0f} MB"
        return f"{self.label} {rows:,} rows, {megabytes:,.0f} MB"


def progress_bar_for(location: str) -> ProgressBar:
    """Make the bar of one ingestion source; a local file's size gives the bar its 100 %.

    Pass this as the `progress` argument of `kqlite.storage.commands.execute_command`.
    """
    # Imported here because urllib.request (with http.client and ssl) takes ~0.02 s to
    # import and only an ingestion needs it, while every `kqlite -c` imports this module.
    from urllib.request import url2pathname

    parsed = urllib.parse.urlparse(location)
    path = url2pathname(parsed.path) if parsed.scheme == "file" else location
    total = os.path.getsize(path) if parsed.scheme in ("", "file") and os.path.isfile(path) else None
    label = os.path.basename(parsed.path) or location
    return ProgressBar(label, total)
