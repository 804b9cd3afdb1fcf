"""Documented exit codes, and the one way the CLI reports an error: one line on stderr."""

from __future__ import annotations

import sys
from typing import NoReturn

OK = 0  # ok, or a drill passed
FAILED = 1  # a check, probe or drill expectation failed
USAGE = 2  # bad usage or a bad cluster file
CANNOT_RUN = 3  # could not run: unreachable, refused by a guard, aborted, missing prerequisite


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr (node or file text in it is shown with control characters replaced)."""
    from clustertui.cli.output import safe

    print(f"clustertui: error: {safe(message)}", file=sys.stderr)
    raise SystemExit(code)
