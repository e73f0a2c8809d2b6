"""``python -m kqlite``: the same as the ``kqlite`` command."""

import sys

from kqlite.cli.main import main

sys.exit(main())
