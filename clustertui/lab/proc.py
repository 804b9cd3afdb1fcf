"""Running host commands for the lab: argv lists only, errors that say what failed.

Every lab module goes through :func:`run` so that a failing ``ip``/``mount``/``iptables``
call surfaces as a :class:`LabError` naming the command and its stderr, instead of a bare
``CalledProcessError`` deep in a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

#: PATH used for everything the lab runs, on the host and inside nodes.  The host's PATH may
#: point into a home directory (pyenv shims) that nodes cannot see.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class LabError(Exception):
    """The lab could not be built, inspected or removed; the message says what and why."""


class MissingPrerequisite(LabError):
    """Something the lab needs is not there (root, a package, a kernel feature).

    ``items`` lists one human sentence per missing thing, each saying how to get it.
    """

    def __init__(self, items: Sequence[str]) -> None:
        self.items = list(items)
        super().__init__("; ".join(self.items))


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A small, predictable environment (no proxies, no pyenv, no locale surprises)."""
    env = {"PATH": SYSTEM_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TERM": os.environ.get("TERM", "dumb")}
    if extra:
        env.update(extra)
    return env


def run(
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 30.0,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` on the host, capture its output, raise :class:`LabError` on failure."""
    try:
        res = subprocess.run(
            list(argv),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env) if env is not None else clean_env(),
            check=False,
        )
    except FileNotFoundError as exc:
        raise LabError(f"command not found: {argv[0]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout:g}s: {' '.join(argv)}") from exc
    if check and res.returncode != 0:
        detail = (res.stderr or res.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit {res.returncode}"
        raise LabError(f"`{' '.join(argv)}` failed: {last}")
    return res


def write_file(path: os.PathLike[str] | str, text: str, mode: int = 0o644) -> None:
    """Write ``text`` to ``path`` with ``mode`` (created with that mode, never world-writable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, mode)


def terminate(find: Callable[[], list[int]], grace: float = 3.0) -> list[int]:
    """SIGTERM the daemons `find` lists, SIGKILL whatever is left after `grace` seconds;
    returns the pids that were sent SIGTERM (lxcfs, the lab's Prometheus)."""
    signalled = []
    for pid in find():
        try:
            os.kill(pid, signal.SIGTERM)
            signalled.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while find() and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in find():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return signalled
