"""A same-named process does not pass for the service (issue 9, defect 9), on the lab.

On web1, nginx is stopped and an unprivileged impostor named `nginx` (a copy of sleep run
as nobody) is started in the node's namespaces.  The monitor must say nginx is down; a
`kill` fault must kill the real nginx only, and its revert must start the real nginx and
verify it, not take the impostor for it.  The cluster file checks nginx by its process
alone (no port, no HTTP), so that the process check is what decides.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.lab import http_get
from tests.support.cli import run_cli
from tests.support.clusters import write_cluster
from tests.support.nodes import sh
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

NODE, URL = "web1", "http://198.18.0.11/health"
IMPOSTOR_DIR = "/tmp/ctui-impostor"


def root_nginx(lab) -> set[int]:
    return {int(p) for p in sh(lab, NODE, "pgrep -u 0 -x nginx").split()}


def ensure_nginx(lab) -> None:
    if not root_nginx(lab):
        lab.node_exec(NODE, ["nginx"], check=True)
    wait_for(lambda: http_get(URL, 1.0)[0] == 200, 10, what="nginx to serve on web1")


@pytest.fixture
def process_only(tmp_path: Path) -> Path:
    return write_cluster(tmp_path / "owner.yaml", services_without=("nginx", ("port", "http")), max_faulted_nodes=8)


@pytest.fixture
def impostor(lab) -> Iterator[Popen]:
    """nginx stopped, and `nginx` (sleep, as nobody) running in its place."""
    lab.node_exec(NODE, ["nginx", "-s", "stop"])
    wait_for(lambda: not root_nginx(lab), 10, what="nginx to stop on web1")
    sh(lab, NODE, f"mkdir -p {IMPOSTOR_DIR} && cp \"$(command -v sleep)\" {IMPOSTOR_DIR}/nginx && chmod -R a+rX {IMPOSTOR_DIR}")
    proc = lab.node_popen(NODE, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", f"{IMPOSTOR_DIR}/nginx", "300"])
    try:
        wait_for(lambda: sh(lab, NODE, "pgrep -u 65534 -x nginx").strip() != "", 5, what="the impostor to run")
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=5)
        sh(lab, NODE, f"pkill -KILL -u 65534 -x nginx; rm -rf {IMPOSTOR_DIR}")
        ensure_nginx(lab)


async def nginx_view(monitor: ClusterMonitor, want_up: bool, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        view = next(s for s in monitor.view(NODE).services if s.name == "nginx")
        if view.up is want_up or time.monotonic() > deadline:
            return view
        await asyncio.sleep(0.1)


async def test_the_impostor_is_not_nginx_for_the_monitor_nor_the_revert(lab, process_only: Path, impostor) -> None:
    monitor = ClusterMonitor(load_cluster(process_only), interval=0.5)
    await monitor.start()
    try:
        down = await nginx_view(monitor, want_up=False)
        assert down.up is False and down.process_count == 0, down
        assert "no nginx process" in down.detail

        await asyncio.to_thread(lab.node_exec, NODE, ["nginx"], check=True)
        up = await nginx_view(monitor, want_up=True)
        assert up.up is True and up.process_count == 1, up  # the root master; not the impostor
    finally:
        await monitor.stop()

    real = root_nginx(lab)
    applied = await asyncio.to_thread(
        run_cli, "chaos", str(process_only), "apply", "kill", "--node", NODE, "--service", "nginx", "--ttl", "60", "--yes"
    )
    assert applied.returncode == 0, applied.stderr
    fault = applied.stdout.strip()
    try:
        assert not root_nginx(lab) & real, "the real nginx was killed"
        assert impostor.poll() is None, "another user's process is never killed for the service"
        assert sh(lab, NODE, "pgrep -u 65534 -x nginx").strip(), "the impostor still runs"
    finally:
        reverted = await asyncio.to_thread(run_cli, "chaos", str(process_only), "revert", fault)
    assert reverted.returncode == 0, reverted.stderr
    assert "reverted and verified" in reverted.stdout + reverted.stderr
    # The revert did start the real nginx, although a process named nginx was running.
    assert root_nginx(lab), "the revert did not start the real nginx"
    wait_for(lambda: http_get(URL, 1.0)[0] == 200, 10, what="the restarted nginx to serve")
