"""Run a KQL script block by block, as Kusto's tools run the block under the cursor.

A blank line ends a block (see `kqlite.script`); a block is one control command or one
query text whose statements are separated by ``;``. Each result is handed on as soon
as its block finishes. An error stops the script unless `keep_going` is set, and is
placed in the whole file (``FILE:LINE:COL``), not in its block. `read_script` reads a
script file or standard input, which must be UTF-8.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kqlite.errors import KqlError, KqlRuntimeError
from kqlite.script import Block, split_blocks

if TYPE_CHECKING:
    from kqlite.database import Database
    from kqlite.result import Result


def run_script(
    db: Database,
    text: str,
    *,
    origin: str | None,
    on_result: Callable[[Result], None],
    on_error: Callable[[KqlError], None],
    keep_going: bool = False,
) -> int:
    """Run every block of `text` on `db` and return the number of blocks that failed.

    `origin` names the text in error messages (a file name, or None for a query given
    on the command line). A UTF-8 byte-order mark at the start of `text` is skipped.
    """
    from kqlite.database import without_byte_order_mark

    text = without_byte_order_mark(text)
    failures = 0
    for block in split_blocks(text):
        try:
            for result in db.execute_all(block.text, origin=origin):
                on_result(result)
        except KqlError as error:
            failures += 1
            on_error(_placed_in_script(error, text, block, origin))
            if not keep_going:
                break
    return failures


def _placed_in_script(error: KqlError, text: str, block: Block, origin: str | None) -> KqlError:
    # The database placed the error in the block it was given; lines and columns must
    # count from the top of the script instead.
    if error.source == block.text:
        error.source = None
        error.with_source(text, origin, offset=block.offset)
    elif error.source is None:
        error.with_source(text, origin, offset=block.offset)
    return error


# Byte-order marks of the encodings that editors on Windows offer besides UTF-8.
_OTHER_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def read_script(name: str, origin: str) -> str:
    """Read a script file, or standard input for '-', as UTF-8 text.

    Raises:
        OSError: the file cannot be read.
        KqlRuntimeError: KL107 when the bytes are not UTF-8.
    """
    if name != "-":
        return decode_script(Path(name).read_bytes(), origin)
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        # A text stream without bytes underneath (a test's StringIO) is already decoded.
        return sys.stdin.read()
    return decode_script(stream.read(), origin)


def decode_script(data: bytes, origin: str) -> str:
    """Decode the bytes of a script as UTF-8.

    Raises:
        KqlRuntimeError: KL107 naming `origin` when the bytes are not UTF-8, with the
            encoding when a byte-order mark shows it, else the place of the first bad byte.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = error.start
    # The input's own name, unless it is standard input ("<stdin>").
    file = "FILE" if origin.startswith("<") else origin

    # UTF-32's little-endian mark starts with UTF-16's, so UTF-32 is tested first.
    encoding = next((name for mark, name in _OTHER_ENCODINGS if data.startswith(mark)), None)
    if encoding is not None:
        reason = f"it is {encoding} text (it starts with a {encoding} byte-order mark)"
        convert = f"iconv -f {encoding} -t UTF-8 {file} > converted.kql"
    else:
        line = data.count(b"\n", 0, bad) + 1
        column = bad - (data.rfind(b"\n", 0, bad) + 1) + 1
        reason = f"the byte 0x{data[bad]:02X} at line {line}, column {column} (counted in bytes) is not valid UTF-8"
        convert = f"iconv -f WINDOWS-1252 -t UTF-8 {file} > converted.kql, if the text was saved as Windows-1252"
    raise KqlRuntimeError(
        "KL107",
        f"{'standard input' if origin == '<stdin>' else 'script ' + origin} must be UTF-8 text: {reason}",
        hint=f"save the script as UTF-8, for example with {convert}",
        origin=origin,
    )
