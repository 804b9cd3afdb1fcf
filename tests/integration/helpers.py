"""Helpers for tests that run clustertui against the lab: the CLI in a subprocess, and
breaking and mending lab services."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`clustertui ARGS` in a fresh interpreter, exactly as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "clustertui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def pids(lab, node: str, comm: str) -> list[int]:
    out = lab.node_exec(node, ["pgrep", "-x", comm]).stdout
    return [int(p) for p in out.split()]


@contextmanager
def nginx_stopped(lab, node: str) -> Iterator[None]:
    lab.node_exec(node, ["nginx", "-s", "stop"], check=True)
    assert wait_for(lambda: not pids(lab, node, "nginx"))
    try:
        yield
    finally:
        lab.node_exec(node, ["nginx"], check=True)
        assert wait_for(lambda: bool(pids(lab, node, "nginx")))


def start_sshd(lab, node: str) -> None:
    from clustertui.lab.spec import StatePaths

    paths = StatePaths(lab.state_dir)
    node_dir = paths.node_dir(node)
    lab.node_exec(
        node, ["/usr/sbin/sshd", "-f", str(node_dir / "sshd_config"), "-E", str(paths.node_log_dir(node) / "sshd.log")],
        check=True,
    )


@contextmanager
def sshd_killed(lab, node: str) -> Iterator[None]:
    """Kill every sshd of the node (listener and sessions), then start it again."""
    lab.node_exec(node, ["pkill", "-KILL", "-x", "sshd"])
    assert wait_for(lambda: not pids(lab, node, "sshd"))
    try:
        yield
    finally:
        start_sshd(lab, node)
        assert wait_for(lambda: bool(pids(lab, node, "sshd")))
