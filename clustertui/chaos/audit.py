"""The audit log: one JSON line per chaos action, appended, never rewritten.

`~/.local/state/clustertui/audit.jsonl` (`$XDG_STATE_HOME` is honoured; `CLUSTERTUI_AUDIT_LOG`
overrides the path).  A record says who (local user and host), when, on which cluster and
node, what (action, fault id, kind, parameters, the exact commands), and what came of it
(result, and the revert's result when one ran).  Writers on one machine may run at once
(a TUI and a CLI): each line is written with one `write` on an O_APPEND descriptor under an
exclusive flock, so lines never interleave.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clustertui.config.state import state_dir

__all__ = ["AuditLog", "default_audit_path", "local_user", "operator", "state_dir"]


def default_audit_path() -> Path:
    override = os.environ.get("CLUSTERTUI_AUDIT_LOG")
    return Path(override).expanduser() if override else state_dir() / "audit.jsonl"


def local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def operator() -> str:
    """`user@host` of this controller, as the node ledgers record it."""
    return f"{local_user()}@{socket.gethostname()}"


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_audit_path()

    def append(self, action: str, cluster: str, **fields: Any) -> dict[str, Any]:
        """Write one record and return it.  `fields`: node, fault, kind, params, commands,
        result, revert_result, ... (None values are kept: a missing revert is information)."""
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": local_user(),
            "host": socket.gethostname(),
            "action": action,
            "cluster": cluster,
            **fields,
        }
        line = (json.dumps(record, sort_keys=False, default=str) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
        finally:
            os.close(fd)
        return record

    def read(self) -> list[dict[str, Any]]:
        """Every record, oldest first (for tests and for `status`-like tools)."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]
