"""The revert guarantee when things go wrong, against the lab.

- clustertui is killed with SIGKILL while a block-port fault is active: the node reverts
  the fault by itself at its TTL;
- the SSH connection is cut mid-fault: the same;
- `status` from a fresh process sees a fault that another process applied (and `revert`
  from a fresh process reverts it);
- Ctrl-C on `apply --hold`, leaving a `Chaos(revert_on_exit=True)`, and cancelling an
  apply half-way all revert at once.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clustertui.chaos import Chaos, FaultRequest, LocalRecords
from clustertui.config import load_cluster
from clustertui.lab import http_get
from clustertui.transport.ssh import SSHTarget
from tests.support.cli import run_cli
from tests.support.nodes import leftovers, sh
from tests.support.paths import REPO
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

TTL = 4.0


def ledger(lab, node: str, fault_id: str) -> str:
    return sh(lab, node, f"ls /run/clustertui/faults/{fault_id}.* 2>/dev/null")


def start_hold(cluster_file: Path, node: str, port: int) -> tuple[subprocess.Popen, str]:
    """`clustertui chaos apply block-port --hold` in the background; returns it and the id."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "chaos", str(cluster_file), "apply", "block-port", "--node", node,
         "--port", str(port), "--ttl", f"{TTL:g}s", "--yes", "--hold"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("f-"), f"no fault id: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
    return proc, line


def sigkill_case(lab, cluster_file: Path) -> float:
    proc, fault_id = start_hold(cluster_file, "web2", 80)
    applied_at = time.monotonic()
    try:
        assert http_get("http://198.18.0.12/health", 1.0) == (0, "timed out")
        proc.kill()  # SIGKILL: no handler, no cleanup, no goodbye to the node
        proc.wait(timeout=5)
        assert ledger(lab, "web2", fault_id), "the fault outlives clustertui"
        wait_for(lambda: not ledger(lab, "web2", fault_id), TTL + 5, what="the node to revert at TTL")
        reverted_after = time.monotonic() - applied_at
        assert http_get("http://198.18.0.12/health", 1.0)[0] == 200
        assert leftovers(lab, "web2", fault_id) == []
        return reverted_after
    finally:
        if proc.poll() is None:
            proc.kill()
        run_cli("chaos", str(cluster_file), "revert", fault_id)


async def ssh_cut_case(lab, cluster_file: Path) -> float:
    async with Chaos(load_cluster(cluster_file)) as chaos:
        plan = await chaos.plan(FaultRequest("block-port", "web1", {"port": 80}, ttl=TTL))
        outcome = await chaos.apply(plan)
        assert outcome.ok, outcome.result
        applied_at = time.monotonic()
        try:
            conn = await chaos.pool.connection(SSHTarget.from_node(chaos.cluster.node("web1")))
            port = conn.get_extra_info("sockname")[1]
            # The node-side sshd process that serves this very connection.
            found = sh(lab, "web1", f"ss -tnpH state established '( dport = :{port} )'")
            session_pid = found.split("pid=")[1].split(",")[0]
            lab.node_exec("web1", ["kill", "-KILL", session_pid])
            await asyncio.wait_for(conn.wait_closed(), 5)
            assert await asyncio.to_thread(ledger, lab, "web1", plan.id), "the fault outlives the connection"
            await asyncio.to_thread(
                wait_for, lambda: not ledger(lab, "web1", plan.id), TTL + 5, what="the node to revert at TTL"
            )
            reverted_after = time.monotonic() - applied_at
            assert http_get("http://198.18.0.11/health", 1.0)[0] == 200
            assert leftovers(lab, "web1", plan.id) == []
            return reverted_after
        finally:
            await chaos.revert(plan.id)  # a new connection; "already reverted" when all went well


async def test_sigkill_and_cut_connection_revert_at_ttl(lab, roomy_file) -> None:
    """Both cases at once, on different nodes: each waits for a TTL."""
    killed, cut = await asyncio.gather(asyncio.to_thread(sigkill_case, lab, roomy_file), ssh_cut_case(lab, roomy_file))
    print(f"\nSELF-REVERT after SIGKILL: {killed:.1f}s, after a cut connection: {cut:.1f}s (TTL {TTL:g}s)")
    assert TTL - 0.5 <= killed <= TTL + 5 and TTL - 0.5 <= cut <= TTL + 5


async def test_status_and_revert_from_fresh_processes(lab, roomy_file, tmp_path: Path) -> None:
    async with Chaos(load_cluster(roomy_file)) as chaos:
        plan = await chaos.plan(FaultRequest("cpu-hog", "db2", {"cores": 1}, ttl=30))
        assert (await chaos.apply(plan)).ok
        try:
            # Another operator: no local record of this fault at all.
            elsewhere = {"CLUSTERTUI_FAULTS_DIR": str(tmp_path / "other-operator")}
            status = run_cli("chaos", str(roomy_file), "status", "--json", env=elsewhere)
            assert status.returncode in (0, 3), status.stderr  # 3 only if another test cut a node off
            faults = {f["id"]: f for f in json.loads(status.stdout)["faults"]}
            assert plan.id in faults, status.stdout + status.stderr
            seen = faults[plan.id]
            assert (seen["node"], seen["kind"], seen["state"]) == ("db2", "cpu-hog", "active")
            assert seen["by"] == plan.record.by and 20 < seen["remaining"] <= 30
            assert seen["revert"] == f"sh /run/clustertui/faults/{plan.id}.revert manual"
            reverted = run_cli("chaos", str(roomy_file), "revert", plan.id, env=elsewhere)
            assert reverted.returncode == 0, reverted.stderr
            assert f"{plan.id} on db2: reverted and verified" in reverted.stdout
            assert leftovers(lab, "db2", plan.id) == []
            # Our own next status notices that someone else reverted it, and says so.
            ours = await chaos.status()
            assert plan.id in ours.reverted_elsewhere, ours
            assert LocalRecords().get(plan.id) is None
        finally:
            await chaos.revert(plan.id)


def test_ctrl_c_on_hold_reverts_at_once(lab, roomy_file) -> None:
    proc, fault_id = start_hold(roomy_file, "web3", 8080)
    try:
        assert ledger(lab, "web3", fault_id)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
        assert time.monotonic() - started < TTL - 1, "Ctrl-C waited for the TTL"
        assert "reverted and verified" in proc.stderr.read()
        assert leftovers(lab, "web3", fault_id) == []
    except BaseException:
        if proc.poll() is None:
            proc.kill()
        run_cli("chaos", str(roomy_file), "revert", fault_id)  # Ctrl-C did not revert it: clean up
        raise


async def test_leaving_a_session_reverts_its_faults(lab, roomy_file) -> None:
    async with Chaos(load_cluster(roomy_file), revert_on_exit=True) as chaos:
        plan = await chaos.plan(FaultRequest("partition", "db3", {"peers": "db1,db2"}, ttl=30))
        assert (await chaos.apply(plan)).ok
        assert ledger(lab, "db3", plan.id)
    assert leftovers(lab, "db3", plan.id) == []


async def test_an_apply_cancelled_half_way_is_reverted(lab, roomy_file) -> None:
    async with Chaos(load_cluster(roomy_file)) as chaos:
        plan = await chaos.plan(FaultRequest("partition", "db3", {}, ttl=30))
        task = asyncio.create_task(chaos.apply(plan))
        await asyncio.sleep(0.03)  # the script is on its way, or already running on the node
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert leftovers(lab, "db3", plan.id) == []
        assert plan.id not in chaos.applied and LocalRecords().get(plan.id) is None

