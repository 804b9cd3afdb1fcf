"""The one error type of the cluster file, and how values are shown inside it.

Every problem with a cluster file -- unreadable, not YAML, invalid, a bad inventory it imports --
surfaces as a single `ConfigError` whose text is one line:

    FILE:LINE: field.path: expected ..., found ...

so that the CLI can print it as-is and exit 2, and editors can jump to FILE:LINE.
LINE is 1-based; 0 means no line applies (the file is missing, unreadable, not a regular
file, or holds no YAML document at all).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Field shown for problems with the file as a whole (unreadable, empty, not a mapping).
FILE_FIELD = "(file)"
#: Field shown for YAML syntax errors, which precede any notion of a field.
YAML_FIELD = "(yaml)"

_MAX_SHOWN = 60
_MAX_LISTED = 8


class ConfigError(Exception):
    """A bad cluster file (or a file it imports): where, which field, what was wrong."""

    def __init__(self, path: Path | str, line: int, field: str, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.field}: {self.message}"
        # One line, always: a newline (or other control character) in a file name or a YAML
        # key must not split it or reach the terminal raw.
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Origin:
    """Where a value came from: file, line and the field path shown to the user."""

    path: Path
    line: int
    field: str

    def error(self, message: str) -> ConfigError:
        return ConfigError(self.path, self.line, self.field, message)


def listing(names: Iterable[str]) -> str:
    """Names the user could have meant, for an error: `web1, web2, ...` (at most eight)."""
    names = list(names)
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (", ..." if len(names) > _MAX_LISTED else "") if names else "none"


def describe(value: object) -> str:
    """Show a found value the way the user wrote it in YAML, short and on one line."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**_MAX_SHOWN:  # a 400-digit number: not on one line
        return f"a {len(str(abs(value)))}-digit number"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        shown = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 3] + "..."
        return repr(shown)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"a date ({value})"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, Path):
        return repr(str(value))
    return f"a {type(value).__name__}"
