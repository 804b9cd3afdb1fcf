"""`${VAR}` and `~` expansion.

`${VAR}` expands in every string value of the cluster file, from the controller's
environment, so that one file serves staging and production (`host: ${DB_HOST}`).
`${VAR:-default}` falls back when VAR is unset or empty; `$${` writes a literal `${`
(for a command that should see `${...}` on the node). An unset VAR without a default is
an error, never an empty string: an empty host or key path would fail much later and
much less clearly.

`~` expands only at the start of local file paths; a command's `~` means the remote home.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

_TOKEN = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}|\$\{")


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace `${VAR}` and `${VAR:-default}` in `text`; raise ValueError for an unset VAR."""
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        whole, name, default = match.group(0), match.group(1), match.group(2)
        if whole == "$${":
            return "${"
        if name is None:
            raise ValueError(f"expected ${{NAME}} or ${{NAME:-default}}, found {text!r}")
        value = env.get(name)
        if value:
            return value
        if default is not None:
            return default[2:]
        if value is None:
            raise ValueError(
                f"expected environment variable {name} to be set, found it unset "
                f"(write ${{{name}:-default}} for a default)"
            )
        return value

    return _TOKEN.sub(substitute, text) if "$" in text else text


def expand_path(value: str | Path, base: Path | None) -> Path:
    """Expand a leading `~`; make a relative path relative to `base` (the cluster file's folder)."""
    path = Path(os.path.expanduser(value))
    if base is not None and not path.is_absolute():
        path = base / path
    return path
