"""The lease on the lab: a held fault (`chaos apply --hold`, TTL 300 s, lease 4 s, in a
subprocess) is reverted by its node within lease + 2 s when clustertui is killed (SIGKILL),
stopped (SIGSTOP) or cut off from the node (its SSH traffic dropped by a firewall rule in
the node's namespace); while clustertui renews it, it lives past several leases; `status`
tells a leased fault from a TTL one.

The three ways to lose the holder run side by side, each on its own web node, each with its
own holder process: what each measures (its node's revert after its own holder's end) does
not depend on the others, and the lease waits overlap instead of adding up."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from clustertui.lab import http_get
from tests.support.cli import run_cli, run_cli_all
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
            # A holder that ended by itself (exit 0) reverted its fault and dropped its record;
            # one that was killed leaves a record (and maybe the fault) for a revert to clear.
            if proc.returncode != 0 or ledger(lab, node, line):
                run_cli("chaos", str(cluster_file), "revert", line)
            assert leftovers(lab, node, line) == []


def lease_end(lab, node: str, fault_id: str) -> str:
    return sh(lab, node, f"cat /run/clustertui/faults/{fault_id}.lease 2>/dev/null").strip()


def renewed(lab, node: str, fault_id: str) -> None:
    """Wait until the holder renewed the lease once (its end moved): the fault is mid-hold."""
    first = lease_end(lab, node, fault_id)
    assert first, f"{fault_id} has no lease on {node}"
    wait_for(lambda: lease_end(lab, node, fault_id) not in ("", first), LEASE, what=f"a renewal of {fault_id}")


def reverted_by_node(lab, node: str, fault_id: str, since: float) -> float:
    """Seconds from `since` until the node reverted the fault by itself (and nothing is left)."""
    wait_for(lambda: not ledger(lab, node, fault_id), BOUND + 10, step=0.05, what=f"{node} to revert {fault_id}")
    took = time.monotonic() - since
    assert http_get(f"http://{WEB[node]}/health", 1.0)[0] == 200
    assert leftovers(lab, node, fault_id) == []
    return took


def sigkill_case(lab, roomy_file: Path) -> None:
    with held(lab, roomy_file, "web2") as (proc, fault_id):
        renewed(lab, "web2", fault_id)  # mid-fault, renewed at least once
        assert ledger(lab, "web2", fault_id)
        killed = time.monotonic()
        proc.kill()
        proc.wait(timeout=5)
        took = reverted_by_node(lab, "web2", fault_id, killed)
        print(f"\nLEASE REVERT after SIGKILL: {took:.2f}s (lease {LEASE:g}s, TTL {TTL:g}s)")
        assert took <= BOUND


def sigstop_case(lab, roomy_file: Path) -> None:
    """The node reverts a stopped holder's fault, and the holder notices once continued."""
    with held(lab, roomy_file, "web3") as (proc, fault_id):
        renewed(lab, "web3", fault_id)
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


def dropped_ssh_case(lab, roomy_file: Path) -> None:
    drop = ["iptables", "-w", "5", "-I", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP"]
    with held(lab, roomy_file, "web1") as (proc, fault_id):
        renewed(lab, "web1", fault_id)
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


def test_a_holder_killed_stopped_or_cut_off_reverts_within_one_lease(lab, roomy_file) -> None:
    """SIGKILL (web2), SIGSTOP (web3) and a dropped SSH path (web1), at once."""
    with ThreadPoolExecutor(3) as pool:
        runs = [pool.submit(case, lab, roomy_file) for case in (sigkill_case, sigstop_case, dropped_ssh_case)]
        for run in runs:
            run.result()


def test_renewal_keeps_a_held_fault_past_several_leases_and_status_tells_lease_from_ttl(lab, roomy_file) -> None:
    pool = ThreadPoolExecutor(2)
    plain_run = pool.submit(run_cli, "chaos", str(roomy_file), "apply", "cpu-hog", "--node", "db1", "--cores", "1",
                            "--ttl", "60s", "--yes")  # applied while the holder starts
    try:
        with held(lab, roomy_file, "web2") as (proc, fault_id):
            plain = plain_run.result()
            assert plain.returncode == 0, plain.stderr
            plain_id = plain.stdout.strip()
            started = time.monotonic()
            while time.monotonic() - started < 3 * LEASE + 1:
                assert ledger(lab, "web2", fault_id), "renewed: the lease never ends"
                time.sleep(0.5)
            status, table_run = run_cli_all([("chaos", str(roomy_file), "status", "--json"),
                                             ("chaos", str(roomy_file), "status")])
            assert status.returncode == 0, status.stderr
            faults = {f["id"]: f for f in json.loads(status.stdout)["faults"]}
            leased, ttl_only = faults[fault_id], faults[plain_id]
            assert leased["lease"] == LEASE and 0 < leased["lease_left"] <= LEASE, leased
            assert TTL - 30 < leased["remaining"] <= TTL and leased["timer"].startswith("lease watcher")
            assert ttl_only["lease"] is None and ttl_only["lease_left"] is None
            assert ttl_only["timer"].startswith("detached sleep") and 0 < ttl_only["remaining"] <= 60
            table = table_run.stdout
            rows = {line.split()[0]: line for line in table.splitlines()}
            assert " lease " in rows[fault_id] and " ttl " in rows[plain_id], table
            plain_revert = pool.submit(run_cli, "chaos", str(roomy_file), "revert", plain_id)  # meanwhile
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=15) == 0
            assert "reverted and verified" in (proc.stderr.read() if proc.stderr else "")
            reverted = plain_revert.result()
            assert reverted.returncode == 0, reverted.stderr
    except BaseException:
        plain = plain_run.result()
        if plain.returncode == 0:  # the test failed before its own revert of the TTL fault
            run_cli("chaos", str(roomy_file), "revert", plain.stdout.strip())
        raise
    finally:
        pool.shutdown()
