"""Every fault of the catalog against the lab, in three steps.

1. apply, and the effect is real (a curl times out, a process is gone, a node cannot reach
   its peers while the controller still reaches it over SSH, CPU rises on that node only);
2. revert;
3. the effect is gone and nothing is left (iptables -S, nft, tc, processes, files, ledger).

Faults are short, and each test reverts in a `finally` whatever happens.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest

from clustertui.chaos import Chaos, FaultPlan, FaultRequest, Refused, plan_fault
from clustertui.config import load_cluster
from clustertui.lab import http_get
from tests.support.nodes import busy_jiffies, leftovers, mem_available_kb, pids, sh, tcp_connects
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

WEB = {"web1": "198.18.0.11", "web2": "198.18.0.12", "web3": "198.18.0.13"}
DB = {"db1": "198.18.0.21", "db2": "198.18.0.22", "db3": "198.18.0.23"}


@pytest.fixture
async def chaos(lab, roomy_file) -> AsyncIterator[Chaos]:
    async with Chaos(load_cluster(roomy_file), revert_on_exit=True) as chaos:
        yield chaos


@asynccontextmanager
async def applied(chaos: Chaos, kind: str, node: str, **params) -> AsyncIterator[FaultPlan]:
    """Apply a fault (step 1); whatever the test does, it is reverted on the way out."""
    plan = await chaos.plan(FaultRequest(kind, node, params, ttl=60))
    outcome = await chaos.apply(plan)
    assert outcome.ok, f"{outcome.result}\n{outcome.output}"
    print(f"LATENCY {kind:<11} {node:<5} apply {outcome.seconds * 1000:6.0f} ms", end="  ")
    try:
        yield plan
    finally:
        if plan.id in chaos.applied:
            await chaos.revert(plan.id)


async def revert(chaos: Chaos, plan: FaultPlan) -> None:
    """Step 2."""
    outcome = await chaos.revert(plan.id)
    assert outcome.ok, f"{outcome.result}\n{outcome.output}"
    print(f"revert {outcome.seconds * 1000:6.0f} ms")


def status(url: str, timeout: float = 1.0) -> int:
    return http_get(url, timeout)[0]


def states(lab, node: str, name: str) -> set[str]:
    return set(sh(lab, node, f"for p in $(pgrep -x {name}); do ps -o stat= -p $p; done").split())


def ensure_nginx(lab, node: str) -> None:
    if not pids(lab, node, "nginx"):
        lab.node_exec(node, ["nginx"])
    wait_for(lambda: status(f"http://{WEB[node]}/health") == 200, 10, what=f"nginx to serve on {node}")


async def test_kill(lab, chaos) -> None:
    before = pids(lab, "web1", "nginx")
    try:
        async with applied(chaos, "kill", "web1", service="nginx") as plan:
            assert not before & pids(lab, "web1", "nginx"), "the killed processes are gone"
            assert status("http://198.18.0.11/health") == 0
            await revert(chaos, plan)
        assert pids(lab, "web1", "nginx") and status("http://198.18.0.11/health") == 200
        assert leftovers(lab, "web1", plan.id) == []
    finally:
        ensure_nginx(lab, "web1")


async def test_stop(lab, chaos) -> None:
    try:
        async with applied(chaos, "stop", "web2", service="nginx") as plan:
            assert not pids(lab, "web2", "nginx")
            assert status("http://198.18.0.12/health") == 0
            await revert(chaos, plan)
        assert status("http://198.18.0.12/health") == 200
        assert leftovers(lab, "web2", plan.id) == []
    finally:
        ensure_nginx(lab, "web2")


async def test_start(lab, chaos) -> None:
    lab.node_exec("web3", ["nginx", "-s", "stop"])
    try:
        wait_for(lambda: not pids(lab, "web3", "nginx"), 10, what="nginx to stop on web3")
        async with applied(chaos, "start", "web3", service="nginx") as plan:
            assert pids(lab, "web3", "nginx")
            wait_for(lambda: status("http://198.18.0.13/health") == 200, 5, what="nginx to serve on web3")
            await revert(chaos, plan)
        assert not pids(lab, "web3", "nginx")
        assert leftovers(lab, "web3", plan.id) == []
    finally:
        ensure_nginx(lab, "web3")


async def test_pause(lab, chaos) -> None:
    try:
        async with applied(chaos, "pause", "web1", service="nginx") as plan:
            assert {s[0] for s in states(lab, "web1", "nginx")} == {"T"}
            assert http_get("http://198.18.0.11/health", 1.0) == (0, "timed out")
            await revert(chaos, plan)
        assert "T" not in {s[0] for s in states(lab, "web1", "nginx")}
        assert status("http://198.18.0.11/health") == 200
        assert leftovers(lab, "web1", plan.id) == []
    finally:
        lab.node_exec("web1", ["pkill", "-CONT", "-x", "nginx"])


async def test_block_port_iptables(lab, chaos) -> None:
    assert status("http://198.18.0.12/health") == 200
    async with applied(chaos, "block-port", "web2", port=80, backend="iptables") as plan:
        assert "-j DROP" in sh(lab, "web2", f"iptables -S ctui-{plan.id}-in")
        assert http_get("http://198.18.0.12/health", 1.0) == (0, "timed out")  # a curl times out
        await revert(chaos, plan)
    assert status("http://198.18.0.12/health") == 200
    assert leftovers(lab, "web2", plan.id) == []


async def test_block_port_out_with_nft(lab, chaos) -> None:
    assert tcp_connects(lab, "web3", DB["db1"], 6379, attempts=2, timeout=1) == 2
    async with applied(chaos, "block-port", "web3", port=6379, direction="out", backend="nft") as plan:
        assert "tcp dport 6379 drop" in sh(lab, "web3", "nft list ruleset")
        blocked = await asyncio.gather(*(asyncio.to_thread(tcp_connects, lab, "web3", DB["db1"], 6379, 1, 1)
                                         for _ in range(2)))  # two connects that time out, at once
        assert blocked == [0, 0]
        await revert(chaos, plan)
    assert tcp_connects(lab, "web3", DB["db1"], 6379, attempts=2, timeout=1) == 2
    assert leftovers(lab, "web3", plan.id) == []


async def test_partition(lab, chaos) -> None:
    async with applied(chaos, "partition", "web3") as plan:
        # The node cannot reach its peers, nor they it (three connects that time out, at once) ...
        blocked = await asyncio.gather(*(asyncio.to_thread(tcp_connects, lab, source, address, port, 1, 1) for
                                         source, address, port in (("web3", WEB["web1"], 80), ("web3", DB["db1"], 6379),
                                                                   ("web1", WEB["web3"], 80))))
        assert blocked == [0, 0, 0]
        # ... while the controller still reaches it over SSH (and is not partitioned at all).
        ssh = subprocess.run(lab.ssh_argv("web3", ["hostname"]), capture_output=True, text=True, timeout=10)
        assert ssh.stdout.strip() == "web3"
        assert status("http://198.18.0.13/health") == 200
        await revert(chaos, plan)
    assert tcp_connects(lab, "web3", WEB["web1"], 80, attempts=1, timeout=1) == 1
    assert tcp_connects(lab, "web1", WEB["web3"], 80, attempts=1, timeout=1) == 1
    assert leftovers(lab, "web3", plan.id) == []


async def test_loss(lab, chaos) -> None:
    assert tcp_connects(lab, "web1", DB["db2"], 6379, attempts=5, timeout=0.5) == 5
    async with applied(chaos, "loss", "db2", percent=50, peers="web1") as plan:
        assert "--probability 0.5" in sh(lab, "db2", f"iptables -S ctui-{plan.id}-in")
        # A connect needs the SYN in and the SYN-ACK out: 1 in 4 gets through at 50% loss.
        through = tcp_connects(lab, "web1", DB["db2"], 6379, attempts=40, timeout=0.1)
        assert 0 < through < 30, through
        await revert(chaos, plan)
    assert tcp_connects(lab, "web1", DB["db2"], 6379, attempts=5, timeout=0.5) == 5
    assert leftovers(lab, "db2", plan.id) == []


async def test_latency_is_refused_where_the_kernel_lacks_netem(lab, chaos) -> None:
    qdiscs = sh(lab, "lb2", "tc qdisc show")
    with pytest.raises(Refused, match="unsupported on this node: no sch_netem"):
        await chaos.plan(FaultRequest("latency", "lb2", {"delay": "100ms"}))
    # The node's own precheck says the same before it changes anything, should a stale
    # survey claim otherwise.
    survey = (await chaos.survey(["lb2"]))["lb2"]
    believer = replace(survey, facts=replace(survey.facts, netem=True))
    plan = plan_fault(chaos.cluster, FaultRequest("latency", "lb2", {"delay": "100ms"}, ttl=30), believer)
    outcome = await chaos.apply(plan)
    assert outcome.status == "refused" and "unsupported on this node: no sch_netem" in outcome.result
    assert sh(lab, "lb2", "tc qdisc show") == qdiscs
    assert leftovers(lab, "lb2", plan.id) == []


async def test_cpu_hog(lab, chaos) -> None:
    def rise(node: str) -> int:
        first = busy_jiffies(lab, node)
        time.sleep(1.0)
        return busy_jiffies(lab, node) - first

    async with applied(chaos, "cpu-hog", "web2", cores=1) as plan:
        hot, cold = await asyncio.gather(asyncio.to_thread(rise, "web2"), asyncio.to_thread(rise, "db3"))
        assert hot >= 60, f"web2 used {hot} jiffies in 1 s with one busy core"  # USER_HZ is 100
        assert cold < 40, f"db3 used {cold} jiffies: the hog leaked"
        await revert(chaos, plan)
    assert rise("web2") < 40
    assert leftovers(lab, "web2", plan.id) == []


async def test_mem_hog(lab, chaos) -> None:
    before = mem_available_kb(lab, "db3")
    async with applied(chaos, "mem-hog", "db3", mb=48) as plan:
        held = before - mem_available_kb(lab, "db3")
        assert held >= 40 * 1024, f"MemAvailable dropped by {held} kB only"
        assert "ctui-hog-" + plan.id in sh(lab, "db3", "ps -eo args")
        await revert(chaos, plan)
    wait_for(lambda: before - mem_available_kb(lab, "db3") < 10 * 1024, 5, what="the memory to come back")
    assert leftovers(lab, "db3", plan.id) == []


def used_kb(lab, node: str, path: str) -> int:
    return int(sh(lab, node, f"df -Pk {path} | awk 'NR == 2 {{print $3}}'"))


async def test_disk_fill_mb(lab, chaos) -> None:
    before = used_kb(lab, "web1", "/tmp")
    async with applied(chaos, "disk-fill", "web1", path="/tmp", mb=8) as plan:
        assert used_kb(lab, "web1", "/tmp") - before >= 8 * 1024
        assert sh(lab, "web1", f"stat -c %s /tmp/.clustertui-fill-{plan.id}").strip() == str(8 * 1024 * 1024)
        await revert(chaos, plan)
    assert used_kb(lab, "web1", "/tmp") - before < 1024
    assert leftovers(lab, "web1", plan.id) == []


async def test_disk_fill_percent(lab, chaos) -> None:
    async with applied(chaos, "disk-fill", "db1", path="/tmp", percent=50) as plan:
        use = int(sh(lab, "db1", "df -P /tmp | awk 'NR == 2 {print $5}'").strip().rstrip("%"))
        assert 50 <= use <= 52, use
        await revert(chaos, plan)
    assert leftovers(lab, "db1", plan.id) == []
