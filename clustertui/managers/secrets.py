"""The password a manager's reads authenticate with, read on the controller when needed.

The cluster file names where the password is (`password_env`: an environment variable of
the controller; `password_file`: a file on the controller), never the password itself. It
is read at each read (a rotated secret is picked up), sent only inside the SSH channel
(RESP `AUTH` on the forwarded port: nothing runs on the node, so no argv in `ps`, no shell
history), and never printed: no reason, event or JSON field carries it.
"""

from __future__ import annotations

import os

from clustertui.config import Manager
from clustertui.managers.state import ReadFailure, ReadState

#: A password file bigger than this is not a password.
MAX_SECRET = 4096


def password(manager: Manager) -> str | None:
    """The manager's password, None when it has none; a missing one is an auth-failed read."""
    if manager.password_env is not None:
        value = os.environ.get(manager.password_env)
        if not value:
            raise ReadFailure(ReadState.AUTH_FAILED, f"password_env: ${manager.password_env} is not set")
        return value
    if manager.password_file is not None:
        path = manager.password_file
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_SECRET + 1)
        except OSError as exc:
            raise ReadFailure(ReadState.AUTH_FAILED,
                              f"password_file {path}: {(exc.strerror or type(exc).__name__).lower()}") from None
        if len(data) > MAX_SECRET:
            raise ReadFailure(ReadState.AUTH_FAILED, f"password_file {path}: over {MAX_SECRET} bytes")
        text = data.decode("utf-8", errors="replace").rstrip("\r\n")
        if not text:
            raise ReadFailure(ReadState.AUTH_FAILED, f"password_file {path}: empty")
        return text
    return None
