"""Split a script into blocks the way Kusto's tools do: a blank line ends a block.

Kusto Explorer and the web UI run the block under the cursor, and a block ends at the
first empty line, so scripts keep `let` statements and their query together without
blank lines. A block is either a control command (its first token starts with `.`)
or a query text whose statements are separated by `;`.

Exception: the body of ``.execute database script <|`` is a list of commands, and
people leave blank lines between them; every following block that starts with a
command or a comment still belongs to that script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_EXECUTE_SCRIPT = re.compile(r"^\s*\.execute\s+database\s+script\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a script: its text and where it starts in the whole text."""

    offset: int
    text: str

    @property
    def is_command(self) -> bool:
        return first_token(self.text).startswith(".")


def first_token(text: str) -> str:
    """Return the text from the first character that is not blank or inside a `//` comment."""
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
        elif text.startswith("//", position):
            end = text.find("\n", position)
            position = len(text) if end < 0 else end + 1
        else:
            return text[position:]
    return ""


def split_blocks(text: str) -> list[Block]:
    """Split a script into non-empty blocks at blank lines (outside ``` strings)."""
    pieces = _raw_pieces(text)
    blocks: list[Block] = []

    for offset, piece in pieces:
        if not first_token(piece):
            continue
        previous = blocks[-1] if blocks else None
        continues_script = (
            previous is not None
            and _EXECUTE_SCRIPT.match(first_token(previous.text))
            and first_token(piece).startswith(".")
        )
        if continues_script and previous is not None:
            blocks[-1] = Block(previous.offset, text[previous.offset : offset + len(piece)])
        else:
            blocks.append(Block(offset, piece))
    return blocks


def _raw_pieces(text: str) -> list[tuple[int, str]]:
    # A blank line inside a multi-line ``` string literal does not end a block.
    pieces: list[tuple[int, str]] = []
    start = 0
    for match in _BLANK_LINE.finditer(text):
        if text.count("```", start, match.start()) % 2 == 1:
            continue
        pieces.append((start, text[start : match.start()]))
        start = match.end() - 1
    pieces.append((start, text[start:]))
    return pieces
