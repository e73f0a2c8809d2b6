"""Key bindings of the REPL: when Enter adds a line and when it runs the block.

Input is a block of lines, as in Kusto Explorer: Enter adds a line, Enter on an empty
line runs the block, so a query typed line by line (each line starting with `|`)
never runs half-way. A one-line REPL command (`.help`, `.show tables`) runs on the
first Enter. Alt-Enter (Escape then Enter) runs the block at once. A bracketed paste
is inserted as it is by prompt_toolkit, so a pasted query keeps its layout.
"""

from __future__ import annotations

from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from kqlite.cli.repl_commands import find_command


def block_is_ready(text: str, cursor_line: str) -> bool:
    """Return whether Enter runs the block `text`, given the text of the line the cursor is on."""
    if not text.strip():
        return True
    if "\n" not in text.strip() and find_command(text) is not None:
        return True
    return not cursor_line.strip()


def repl_key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if block_is_ready(buffer.text, buffer.document.current_line):
            buffer.text = buffer.text.rstrip()
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add("escape", "enter")
    def _run_now(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    return bindings
