"""Types shared by the format readers: the source opener, the progress callback and the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from kqlite.storage.sources import CountingStream

# Called after each block of records with the rows read so far and the source bytes read so far.
ProgressCallback = Callable[[int, int], None]

# Opens the source again from its start: (raw stream for progress, decompressed Arrow stream).
Opener = Callable[[], tuple[CountingStream, pa.NativeFile]]


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Rows read from one source, already in the table's columns and representation."""

    frame: pd.DataFrame
    invalid_values: int


def no_progress(rows: int, bytes_read: int) -> None:
    """Ignore progress reports."""


_CHUNK_BYTES = 16 << 20


def read_all_bytes(stream: pa.NativeFile) -> bytes:
    """Read a stream to its end in chunks (a stream of unknown size cannot be read in one call)."""
    return b"".join(iter(lambda: stream.read(_CHUNK_BYTES), b""))
