"""clustertui's state directory on the controller (audit log, fault records, reports, the
drill history): `$XDG_STATE_HOME/clustertui`, by default `~/.local/state/clustertui`.

Here, in the lightest package, so that a command that only reads the state (`history`)
does not import the chaos machinery (and asyncssh with it) to find it.
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """clustertui's state directory on the controller."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "clustertui"
