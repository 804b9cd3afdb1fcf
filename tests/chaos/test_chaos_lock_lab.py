"""Two controllers at once (issue 9, defect 10), on the lab.

Two `clustertui chaos apply` processes start together against different nodes with
chaos.max_faulted_nodes 1: the node-side lock serialises their guards and applies, so
exactly one applies and the other is refused with the blast-radius reason, and nothing is
left behind.  A lock held on a node past the wait refuses the apply (exit 3) with why.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clustertui.chaos import Chaos, RevertOutcome
from clustertui.chaos.nodelock import LOCK_FILE, LOCK_WAIT
from clustertui.config import load_cluster
from tests.support.cli import run_cli
from tests.support.clusters import write_cluster
from tests.support.nodes import leftovers, sh
from tests.support.paths import REPO

pytestmark = pytest.mark.lab

ROUNDS = 3


@pytest.fixture
def one_at_a_time(tmp_path: Path) -> Path:
    return write_cluster(tmp_path / "one.yaml", max_faulted_nodes=1)


def apply(cluster: Path, node: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "clustertui", "chaos", str(cluster), "apply", "block-port", "--node", node,
            "--port", "80", "--ttl", "60", "--yes"]
    return subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def revert(cluster: Path, fault_id: str) -> RevertOutcome:
    """The winner's revert, between rounds: in this process (what is tested is the applies)."""
    async with Chaos(load_cluster(cluster)) as chaos:
        return await chaos.revert(fault_id)


def ledger(lab, node: str) -> list[str]:
    return sh(lab, node, "ls /run/clustertui/faults 2>/dev/null").split()


def test_two_controllers_at_once_only_one_passes_the_blast_radius(lab, one_at_a_time: Path) -> None:
    for _ in range(ROUNDS):
        runs = {node: apply(one_at_a_time, node) for node in ("web1", "web2")}
        done = {node: (proc, *proc.communicate(timeout=90)) for node, proc in runs.items()}
        winners = [node for node, (proc, _, _) in done.items() if proc.returncode == 0]
        try:
            assert len(winners) == 1, {n: (p.returncode, err) for n, (p, _, err) in done.items()}
            (loser,) = set(done) - set(winners)
            proc, _, err = done[loser]
            assert proc.returncode == 3, err
            errors = [line for line in err.splitlines() if line.startswith("clustertui: error: ")]
            assert len(errors) == 1 and "blast radius" in errors[0], err
            assert ledger(lab, loser) == [], "the refused controller changed nothing"
        finally:
            for node, (proc, out, _) in done.items():
                if proc.returncode == 0:
                    fault = out.strip()
                    reverted = asyncio.run(revert(one_at_a_time, fault))
                    assert reverted.ok, reverted.result
                    assert leftovers(lab, node, fault) == []
        for node in ("web1", "web2"):
            assert ledger(lab, node) == []
            assert "flock" not in sh(lab, node, "ps -eo args"), "no lock holder is left"


def test_a_lock_held_past_the_wait_refuses_with_why(lab, one_at_a_time: Path) -> None:
    holder = lab.node_popen("web3", ["sh", "-c", f"mkdir -p /run/clustertui/faults && exec flock {LOCK_FILE} sleep 61.5"])
    try:
        time.sleep(0.3)
        started = time.monotonic()
        result = run_cli("chaos", str(one_at_a_time), "apply", "block-port", "--node", "web1", "--port", "80",
                         "--ttl", "60", "--yes")
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(timeout=5)
        sh(lab, "web3", "pkill -f 'sleep 61.5'")
    assert result.returncode == 3, result.stderr
    assert "web3's chaos lock" in result.stderr and f"more than {LOCK_WAIT} s" in result.stderr, result.stderr
    assert LOCK_WAIT <= took < LOCK_WAIT + 15
    assert ledger(lab, "web1") == [] and "ctui-" not in sh(lab, "web1", "iptables -w 5 -S")
