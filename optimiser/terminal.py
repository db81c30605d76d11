"""The CLI's two consoles, in one place so every command prints at the same width."""

from __future__ import annotations

import sys

from rich.console import Console

PIPED_WIDTH = 120
"""Width of reports written to a file or a pipe (which have no width); a terminal's own width is used on a terminal."""

out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, soft_wrap=True)
