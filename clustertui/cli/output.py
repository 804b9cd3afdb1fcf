"""The one way the CLI prints a plain line that may hold node or file text.

A node's hostname, fault id, ledger summary or revert output can carry ESC sequences (set
the terminal title, clear the screen) or a NUL; `echo` replaces every control character
(newlines and tabs kept) before the line reaches the terminal, piped or not. The escaping
module is imported on the first line printed, so `--help` and completion stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console


def safe(text: str) -> str:
    """`text` with control characters replaced (U+FFFD), newlines and tabs kept."""
    from clustertui.report.escape import printable

    return printable(text, lines=True)


def console() -> Console:
    """A Rich console for tables; piped output does not wrap at 80 columns (a table in a
    log is read by people too)."""
    import sys

    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def echo(line: str = "", err: bool = False) -> None:
    """click.echo for text that may come from a node or a file."""
    click.echo(safe(line), err=err)
