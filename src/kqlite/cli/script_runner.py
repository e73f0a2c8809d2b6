"""Run a KQL script block by block, as Kusto's tools run the block under the cursor.

A blank line ends a block (see `kqlite.script`); a block is one control command or one
query text whose statements are separated by ``;``. Each result is handed on as soon
as its block finishes. An error stops the script unless `keep_going` is set, and is
placed in the whole file (``FILE:LINE:COL``), not in its block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kqlite.errors import KqlError
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
    on the command line).
    """
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
