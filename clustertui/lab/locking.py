"""One lab operation at a time on a host.

``lab up`` and ``lab down`` change host-wide things (namespaces, the bridge, cgroups) by
fixed names, so two of them interleaving (two terminals, two test sessions) would tear
each other's half-built lab apart.  They take an exclusive ``flock`` on a lock file in
/run/lock — the standard place for lock files, left in place on purpose (deleting a lock
file that others may have open breaks the exclusion).  Re-entrant within a process, because
``up`` calls ``down`` to clear a partial lab.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .proc import LabError

LOCK_DIR = Path("/run/lock") if Path("/run/lock").is_dir() else Path("/run")
OPERATION_LOCK = LOCK_DIR / "clustertui-lab.lock"
#: Test sessions using the lab hold a shared lock on this (see tests/conftest.py).
USERS_LOCK = LOCK_DIR / "clustertui-lab-users.lock"

_local = threading.RLock()
_depth = 0
_fd: int | None = None


@contextmanager
def operation_lock(timeout: float = 120.0) -> Iterator[None]:
    """Hold the host-wide lab lock; wait up to ``timeout`` s for another operation."""
    global _depth, _fd
    with _local:
        if _depth == 0:
            fd = os.open(OPERATION_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        os.close(fd)
                        raise LabError(
                            f"another `clustertui lab` operation holds {OPERATION_LOCK} for over {timeout:.0f}s"
                        ) from None
                    time.sleep(0.1)
            _fd = fd
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0 and _fd is not None:
                os.close(_fd)  # closing releases the flock
                _fd = None
