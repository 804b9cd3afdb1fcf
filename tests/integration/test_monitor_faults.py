"""The monitor under real faults on the lab (issue: live collection).

For each fault: the node shows the right state within 3 intervals, every other node keeps
one sample per interval, and the node comes back by itself once the fault is lifted (except
a host-key mismatch, which waits for the user).
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState
from tests.support.nodes import pids, start_sshd, unmount

pytestmark = pytest.mark.lab

INTERVAL = 1.0
DETECT = 3 * INTERVAL + 0.5  # "within 3 intervals", plus scheduling slack on 2 cores
MAX_GAP = 1.9 * INTERVAL  # "one sample per interval" for the untouched nodes
RECOVER = 25.0  # backoff is capped at 30 s, and a short outage keeps it far below


class Recorder:
    """Sample arrival times per node, and every state the node went through."""

    def __init__(self, monitor: ClusterMonitor) -> None:
        self.monitor = monitor
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        monitor.on_sample(lambda node, sample: self.arrivals[node].append(time.monotonic()))

    def state(self, node: str) -> NodeState:
        return self.monitor.nodes[node].state

    async def wait_state(self, node: str, states: set[NodeState], timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.state(node) in states:
                return time.monotonic() - started
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"{node} stayed {self.state(node)} ({self.monitor.nodes[node].detail}) for {timeout}s, wanted {states}"
        )

    def max_gap(self, node: str, since: float) -> float:
        times = [t for t in self.arrivals[node] if t >= since - INTERVAL]
        assert len(times) >= 2, f"{node}: too few samples"
        return max(b - a for a, b in itertools.pairwise(times))

    def assert_others_steady(self, faulted: str, since: float) -> None:
        for node in self.monitor.nodes:
            if node != faulted:
                gap = self.max_gap(node, since)
                assert gap <= MAX_GAP, f"{node}: a {gap:.2f}s gap while {faulted} was faulted"


async def started_monitor(cluster_file: Path) -> tuple[ClusterMonitor, Recorder]:
    monitor = ClusterMonitor(load_cluster(cluster_file), interval=INTERVAL)
    recorder = Recorder(monitor)
    await monitor.start()
    for node in monitor.nodes:
        await recorder.wait_state(node, {NodeState.UP}, 15)
    await asyncio.sleep(1.5 * INTERVAL)
    return monitor, recorder


async def run_case(lab, node: str, apply, lift, expect: set[NodeState], cluster_file: Path | None = None) -> None:
    monitor, rec = await started_monitor(cluster_file or lab.cluster_file)
    try:
        since = time.monotonic()
        await asyncio.to_thread(apply)
        detected = await rec.wait_state(node, expect, DETECT)
        # Keep the fault on a little longer, to watch the other nodes' cadence.
        await asyncio.sleep(max(0.0, 3 * INTERVAL - detected))
        rec.assert_others_steady(node, since)
        await asyncio.to_thread(lift)
        await rec.wait_state(node, {NodeState.UP}, RECOVER)
        await asyncio.sleep(2 * INTERVAL)
        assert rec.state(node) is NodeState.UP
    finally:
        await monitor.stop()


async def test_sshd_killed(lab) -> None:
    def kill() -> None:
        lab.node_exec("db3", ["pkill", "-KILL", "-x", "sshd"])

    await run_case(lab, "db3", kill, lambda: start_sshd(lab, "db3"), {NodeState.UNREACHABLE})


async def test_traffic_dropped_by_the_nodes_firewall(lab) -> None:
    rules = (["INPUT", "-s", "198.18.0.1", "-j", "DROP"], ["OUTPUT", "-d", "198.18.0.1", "-j", "DROP"])

    def apply() -> None:
        for rule in rules:
            lab.node_exec("web3", ["iptables", "-I", *rule], check=True)

    def lift() -> None:
        for rule in rules:
            lab.node_exec("web3", ["iptables", "-D", *rule], check=True)

    await run_case(lab, "web3", apply, lift, {NodeState.STALE, NodeState.UNREACHABLE})
    assert "DROP" not in lab.node_exec("web3", ["iptables", "-S"]).stdout


async def test_sshd_stopped_hangs(lab) -> None:
    def signal(sig: str) -> None:
        for pid in pids(lab, "db2", "sshd"):
            lab.node_exec("db2", ["kill", f"-{sig}", str(pid)])

    await run_case(lab, "db2", lambda: signal("STOP"), lambda: signal("CONT"), {NodeState.STALE, NodeState.UNREACHABLE})


async def test_wrong_user_key(lab, tmp_path: Path) -> None:
    from clustertui.lab.spec import StatePaths

    wrong = tmp_path / "wrong_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(wrong)], check=True)
    cluster = tmp_path / "lab.yaml"
    text = Path(lab.cluster_file).read_text().replace(
        '  - {name: "web[1-3]", host: "198.18.0.[11-13]", roles: [web]}',
        '  - {name: "web[1-2]", host: "198.18.0.[11-12]", roles: [web]}\n'
        f'  - {{name: web3, host: 198.18.0.13, roles: [web], ssh: {{identity: "{wrong}"}}}}',
    )
    assert text != Path(lab.cluster_file).read_text()
    cluster.write_text(text)
    authorized = StatePaths(lab.state_dir).node_dir("web3") / "authorized_keys"
    original = authorized.read_text()
    monitor = ClusterMonitor(load_cluster(cluster), interval=INTERVAL)
    rec = Recorder(monitor)
    await monitor.start()
    try:
        since = time.monotonic()
        await rec.wait_state("web3", {NodeState.AUTH_FAILED}, DETECT + 2)
        await asyncio.sleep(3 * INTERVAL)
        rec.assert_others_steady("web3", since)
        authorized.write_text(original + wrong.with_suffix(".pub").read_text())
        await rec.wait_state("web3", {NodeState.UP}, RECOVER)
    finally:
        authorized.write_text(original)
        await monitor.stop()


async def test_probe_prints_garbage(lab) -> None:
    script = "#!/bin/sh\nwhile :; do echo 'F 1'; echo 'no such record'; echo E; sleep 0.3; done\n"
    # The node's /tmp is its own tmpfs: write the fake awk there, and bind it over mawk in
    # the node's private mount namespace only.
    lab.node_exec("web1", ["sh", "-c", "cat > /tmp/garbage-awk && chmod 755 /tmp/garbage-awk"], input=script, check=True)
    # No fake awk may be left over from an interrupted run.
    unmount(lab, "web1", "/usr/bin/mawk")

    def apply() -> None:
        lab.node_exec("web1", ["mount", "--bind", "/tmp/garbage-awk", "/usr/bin/mawk"], check=True)
        lab.node_exec("web1", ["pkill", "-x", "awk"])  # the probe restarts, now printing garbage

    def lift() -> None:
        # The fake awk runs from the mount (its shell holds the script open): `umount` alone
        # fails with "target is busy" and leaves web1 broken for the tests after this one.
        # unmount() stops it first; the probe then restarts with the real awk.
        unmount(lab, "web1", "/usr/bin/mawk")

    try:
        await run_case(lab, "web1", apply, lift, {NodeState.PROBE_ERROR})
    finally:
        unmount(lab, "web1", "/usr/bin/mawk")
        lab.node_exec("web1", ["rm", "-f", "/tmp/garbage-awk"])


async def test_host_key_swapped_waits_for_the_user(lab, tmp_path: Path) -> None:
    from clustertui.lab.spec import StatePaths

    host_key = StatePaths(lab.state_dir).node_dir("db1") / "ssh_host_ed25519_key"
    saved = tmp_path / "saved"
    saved.mkdir()
    for suffix in ("", ".pub"):
        saved.joinpath("key" + suffix).write_bytes(Path(f"{host_key}{suffix}").read_bytes())

    def restart_sshd() -> None:
        lab.node_exec("db1", ["pkill", "-KILL", "-x", "sshd"])
        start_sshd(lab, "db1")

    def swap() -> None:
        for suffix in ("", ".pub"):
            Path(f"{host_key}{suffix}").unlink()
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
        restart_sshd()

    def restore() -> None:
        for suffix in ("", ".pub"):
            Path(f"{host_key}{suffix}").write_bytes(saved.joinpath("key" + suffix).read_bytes())
        host_key.chmod(0o600)
        restart_sshd()

    monitor, rec = await started_monitor(lab.cluster_file)
    try:
        since = time.monotonic()
        await asyncio.to_thread(swap)
        detected = await rec.wait_state("db1", {NodeState.HOST_KEY_MISMATCH}, DETECT + 2)
        assert "host key mismatch" in monitor.nodes["db1"].detail
        await asyncio.sleep(max(0.0, 3 * INTERVAL - detected))  # watch the others' cadence
        rec.assert_others_steady("db1", since)
        await asyncio.to_thread(restore)
        await asyncio.sleep(5 * INTERVAL)
        assert rec.state("db1") is NodeState.HOST_KEY_MISMATCH, "a host-key alert must not clear by itself"
        monitor.retry("db1")
        await rec.wait_state("db1", {NodeState.UP}, 10)
    finally:
        await monitor.stop()
        if Path(f"{host_key}").read_bytes() != saved.joinpath("key").read_bytes():
            restore()
