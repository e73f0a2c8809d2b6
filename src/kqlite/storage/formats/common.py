"""Types shared by the format readers: the source opener, the progress callback and the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from kqlite.storage.arrow_codec import arrow_to_frame
from kqlite.storage.sources import CountingStream
from kqlite.table import Columns

# Called after each block of records with the rows read so far and the source bytes read so far.
ProgressCallback = Callable[[int, int], None]

# Opens the source again from its start: (raw stream for progress, decompressed Arrow stream).
Opener = Callable[[], tuple[CountingStream, pa.NativeFile]]


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Rows read from one source, in the table's columns.

    `rows` is a pandas frame in kqlite's representation, or an Arrow table already in the
    catalogue's storage types (see `kqlite.storage.arrow_codec`), which the catalogue can
    write without a round trip through pandas.
    """

    rows: pd.DataFrame | pa.Table
    invalid_values: int
    columns: Columns

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a pandas frame in kqlite's representation."""
        if isinstance(self.rows, pa.Table):
            return arrow_to_frame(self.rows, self.columns)
        return self.rows

    @property
    def row_count(self) -> int:
        return self.rows.num_rows if isinstance(self.rows, pa.Table) else len(self.rows)


def no_progress(rows: int, bytes_read: int) -> None:
    """Ignore progress reports."""


_CHUNK_BYTES = 16 << 20


def read_all_bytes(stream: pa.NativeFile) -> bytes:
    """Read a stream to its end in chunks (a stream of unknown size cannot be read in one call)."""
    return b"".join(iter(lambda: stream.read(_CHUNK_BYTES), b""))
