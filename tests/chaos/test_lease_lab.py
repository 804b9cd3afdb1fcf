"""The lease on the lab: a held fault (`chaos apply --hold`, TTL 300 s, lease 4 s, in a
subprocess) is reverted by its node within lease + 2 s when clustertui is killed (SIGKILL),
stopped (SIGSTOP) or cut off from the node (its SSH traffic dropped by a firewall rule in
the node's namespace); while clustertui renews it, it lives past several leases; `status`
tells a leased fault from a TTL one."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from clustertui.lab import http_get
from tests.support.cli import run_cli
from tests.support.nodes import leftovers, sh
from tests.support.paths import REPO
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

LEASE = 4.0
TTL = 300.0
BOUND = LEASE + 2.0  # the node reverts within this of clustertui's end
WEB = {"web1": "198.18.0.11", "web2": "198.18.0.12", "web3": "198.18.0.13"}


def ledger(lab, node: str, fault_id: str) -> str:
    return sh(lab, node, f"ls /run/clustertui/faults/{fault_id}.* 2>/dev/null")


@contextmanager
def held(lab, cluster_file: Path, node: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """`chaos apply block-port --hold --lease 4s --ttl 300s` on NODE's port 80, in the
    background; afterwards nothing is left, whatever the test did to the holder."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "chaos", str(cluster_file), "apply", "block-port", "--node", node,
         "--port", "80", "--ttl", f"{TTL:g}s", "--lease", f"{LEASE:g}s", "--yes", "--hold"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    line = proc.stdout.readline().strip() if proc.stdout else ""
    try:
        assert line.startswith("f-"), f"no fault id: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        assert http_get(f"http://{WEB[node]}/health", 1.0) == (0, "timed out")
        yield proc, line
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
            proc.wait(timeout=10)
        if line.startswith("f-"):
            run_cli("chaos", str(cluster_file), "revert", line)
            assert leftovers(lab, node, line) == []


def reverted_by_node(lab, node: str, fault_id: str, since: float) -> float:
    """Seconds from `since` until the node reverted the fault by itself (and nothing is left)."""
    wait_for(lambda: not ledger(lab, node, fault_id), BOUND + 10, step=0.05, what=f"{node} to revert {fault_id}")
    took = time.monotonic() - since
    assert http_get(f"http://{WEB[node]}/health", 1.0)[0] == 200
    assert leftovers(lab, node, fault_id) == []
    return took


def test_sigkill_of_the_holder_reverts_within_one_lease(lab, roomy_file) -> None:
    with held(lab, roomy_file, "web2") as (proc, fault_id):
        time.sleep(LEASE + 1)  # mid-fault, renewed at least once
        assert ledger(lab, "web2", fault_id)
        killed = time.monotonic()
        proc.kill()
        proc.wait(timeout=5)
        took = reverted_by_node(lab, "web2", fault_id, killed)
        print(f"\nLEASE REVERT after SIGKILL: {took:.2f}s (lease {LEASE:g}s, TTL {TTL:g}s)")
        assert took <= BOUND


def test_sigstop_of_the_holder_reverts_within_one_lease_and_it_notices_when_continued(lab, roomy_file) -> None:
    with held(lab, roomy_file, "web3") as (proc, fault_id):
        time.sleep(1)
        stopped = time.monotonic()
        proc.send_signal(signal.SIGSTOP)
        took = reverted_by_node(lab, "web3", fault_id, stopped)
        print(f"\nLEASE REVERT after SIGSTOP: {took:.2f}s")
        assert took <= BOUND
        proc.send_signal(signal.SIGCONT)
        # Its next renewal finds the fault gone: the hold ends by itself, nothing to revert.
        assert proc.wait(timeout=15) == 0
        stderr = proc.stderr.read() if proc.stderr else ""
        assert f"{fault_id}: no longer in web3's ledger" in stderr, stderr
        assert "already reverted" in stderr, stderr


def test_a_dropped_ssh_path_reverts_within_one_lease(lab, roomy_file) -> None:
    drop = ["iptables", "-w", "5", "-I", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP"]
    with held(lab, roomy_file, "web1") as (proc, fault_id):
        time.sleep(1)
        lab.node_exec("web1", drop, check=True)
        try:
            cut = time.monotonic()
            took = reverted_by_node(lab, "web1", fault_id, cut)
            print(f"\nLEASE REVERT after a dropped SSH path: {took:.2f}s")
            assert took <= BOUND
            assert proc.poll() is None, "the holder itself hangs on, unable to reach the node"
        finally:
            lab.node_exec("web1", ["iptables", "-w", "5", "-D", *drop[4:]], check=True)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""


def test_renewal_keeps_a_held_fault_past_several_leases_and_status_tells_lease_from_ttl(lab, roomy_file) -> None:
    plain = run_cli("chaos", str(roomy_file), "apply", "cpu-hog", "--node", "db1", "--cores", "1", "--ttl", "60s", "--yes")
    assert plain.returncode == 0, plain.stderr
    plain_id = plain.stdout.strip()
    try:
        with held(lab, roomy_file, "web2") as (proc, fault_id):
            started = time.monotonic()
            while time.monotonic() - started < 3 * LEASE + 1:
                assert ledger(lab, "web2", fault_id), "renewed: the lease never ends"
                time.sleep(0.5)
            status = run_cli("chaos", str(roomy_file), "status", "--json")
            assert status.returncode == 0, status.stderr
            faults = {f["id"]: f for f in json.loads(status.stdout)["faults"]}
            leased, ttl_only = faults[fault_id], faults[plain_id]
            assert leased["lease"] == LEASE and 0 < leased["lease_left"] <= LEASE, leased
            assert TTL - 30 < leased["remaining"] <= TTL and leased["timer"].startswith("lease watcher")
            assert ttl_only["lease"] is None and ttl_only["lease_left"] is None
            assert ttl_only["timer"].startswith("detached sleep") and 0 < ttl_only["remaining"] <= 60
            table = run_cli("chaos", str(roomy_file), "status").stdout
            rows = {line.split()[0]: line for line in table.splitlines()}
            assert " lease " in rows[fault_id] and " ttl " in rows[plain_id], table
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=15) == 0
            assert "reverted and verified" in (proc.stderr.read() if proc.stderr else "")
    finally:
        reverted = run_cli("chaos", str(roomy_file), "revert", plain_id)
        assert reverted.returncode == 0, reverted.stderr
