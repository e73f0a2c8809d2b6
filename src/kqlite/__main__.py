"""``python -m kqlite``: the same as the ``kqlite`` command."""

from kqlite.cli.main import console_main

console_main()
