"""The managers on the real lab: `check` shows the cluster's own view and it agrees with
`lab status`; each disagreement is produced by a real fault and detected; every fault is
reverted and the lab converges back before the test ends."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from clustertui.chaos import AuditLog, Chaos, FaultRequest, LocalRecords
from clustertui.config import load_cluster
from clustertui.engine.events import EventKind
from clustertui.engine.monitor import ClusterMonitor
from tests.support.cli import at_once, run_cli
from tests.support.nodes import leftovers, sh
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab
T = TypeVar("T")


def check(lab) -> tuple[int, dict]:
    result = run_cli("check", str(lab.cluster_file), "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def managers(data: dict) -> dict[str, dict]:
    return {m["name"]: m for m in data["managers"]["managers"]}


def findings(data: dict) -> set[str]:
    return {f["kind"] for f in data["managers"]["findings"]}


def finding(lab, wanted: set[str]) -> tuple[int, dict] | None:
    """`check`'s answer once it finds every kind in `wanted` (the answer the test then
    inspects: polling and inspecting the same run spares a `check` of ~3 s)."""
    code, data = check(lab)
    return (code, data) if wanted <= findings(data) else None


@pytest.fixture
async def chaos(lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Chaos]:
    monkeypatch.setenv("CLUSTERTUI_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("CLUSTERTUI_FAULTS_DIR", str(tmp_path / "faults"))
    records = LocalRecords(tmp_path / "faults")
    async with Chaos(load_cluster(lab.cluster_file), records=records, audit=AuditLog(tmp_path / "audit.jsonl"),
                     revert_on_exit=True) as chaos:
        yield chaos


@asynccontextmanager
async def fault(chaos: Chaos, kind: str, node: str, **params) -> AsyncIterator[str]:
    plan = await chaos.plan(FaultRequest(kind, node, params, ttl=60))
    outcome = await chaos.apply(plan)
    assert outcome.ok, f"{outcome.result}\n{outcome.output}"
    try:
        yield plan.id
    finally:
        if plan.id in chaos.applied:
            reverted = await chaos.revert(plan.id)
            assert reverted.ok, reverted.result


def lab_truth(lab) -> tuple[str | None, set[str]]:
    """(VIP holder, redis primaries) as `lab status` sees them (its own checks, not ours)."""
    status = json.loads(run_cli("lab", "status", "--json").stdout)
    primaries = {n["name"] for n in status["nodes"] if n["details"].get("redis", "").startswith("master")}
    return status["vip"]["holder"], primaries


def converged(lab) -> bool:
    """One VIP holder, one primary every sentinel names, every read ok, no finding, and
    every balancer routing to every web node again (a server comes back after `rise`)."""
    code, data = check(lab)
    servers = [s for b in managers(data)["lb"]["balancers"] for s in b["servers"]]
    # A sentinel learns the replicas from the master's INFO, every 10 s: a fresh lab's
    # sentinels know none for a while.
    seen = [m for master in managers(data)["redis"]["masters"] for m in master["seen_by"].values()]
    return (code == 0 and not findings(data) and len(servers) == 6 and all(s["status"] == "UP" for s in servers)
            and len(seen) == 3 and all(len(m["replicas"]) == 2 for m in seen))


def test_check_shows_the_managers_view_and_it_agrees_with_lab_status(lab) -> None:
    wait_for(lambda: converged(lab), 60, step=1, what="the lab to agree with itself")
    # Three reads of one converged state, at once.
    (code, data), (holder, primaries), text = at_once(lambda: check(lab), lambda: lab_truth(lab),
                                                      lambda: run_cli("check", str(lab.cluster_file)).stdout)
    assert code == 0 and data["managers"]["ok"] is True
    views = managers(data)
    assert views["vip"]["addresses"] == [{"address": "198.18.0.100", "holders": [holder]}]
    redis = views["redis"]
    assert {r["node"] for r in redis["redis"] if r["role"] == "master"} == primaries and len(primaries) == 1
    (mymaster,) = redis["masters"]
    assert mymaster["agree"] is True and len(mymaster["seen_by"]) == 3
    primary = next(iter(primaries))
    for seen in mymaster["seen_by"].values():
        assert seen["node"] == primary and seen["quorum_ok"] is True
        assert {r["node"] for r in seen["replicas"]} == {"db1", "db2", "db3"} - {primary}
        assert all(r["link"] == "ok" and r["lag"] is not None for r in seen["replicas"])
    servers = {(b["node"], s["server"]): s for b in views["lb"]["balancers"] for s in b["servers"]}
    assert set(servers) == {(lb, web) for lb in ("lb1", "lb2") for web in ("web1", "web2", "web3")}
    assert all(s["status"] == "UP" and s["routes"] and s["check"].endswith("L7OK") for s in servers.values())
    assert {m: views[m]["roles"] for m in ("vip",)} == {"vip": {holder: ["VIP 198.18.0.100"]}}
    other = "lb2" if holder == "lb1" else "lb1"
    assert vrrp_states(data) == {holder: "MASTER", other: "BACKUP"}  # the notify script's files
    states = vrrp_states(data)
    assert f"VRRP VI_WEB: lb1 {states['lb1']} · lb2 {states['lb2']}" in text
    assert f"VIP 198.18.0.100 on {holder}" in text and f"redis mymaster: primary {primary}" in text
    assert "haproxy@lb1: web1 UP · web2 UP · web3 UP" in text


def holds_vip(lab, node: str) -> bool:
    return "198.18.0.100/" in sh(lab, node, "ip -o -4 addr show dev eth0")


def vrrp_states(data: dict) -> dict[str, str]:
    return {i["node"]: i["state"] for i in managers(data)["vip"]["vrrp"] if i["instance"] == "VI_WEB"}


async def test_partitioning_the_vip_holder_moves_the_address_unless_unicast_only(lab, chaos) -> None:
    await eventually(lambda: converged(lab), 30, step=0.5, what="the lab to agree with itself")
    holder, _ = await asyncio.to_thread(lab_truth, lab)
    other = "lb2" if holder == "lb1" else "lb1"
    # --mode unicast (the old partition): the holder's VRRP adverts to 224.0.0.18 still
    # reach the other balancer, which never takes over (its master-down interval is ~3.5 s).
    applied = await asyncio.to_thread(run_cli, "chaos", str(lab.cluster_file), "apply", "partition", "--node", holder,
                                      "--mode", "unicast", "--ttl", "60s", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "(unicast only)" in applied.stderr
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            assert not await asyncio.to_thread(holds_vip, lab, other), "the address moved on a unicast-only partition"
            await asyncio.sleep(0.5)
        code, data = await asyncio.to_thread(check, lab)
        assert managers(data)["vip"]["addresses"][0]["holders"] == [holder]
        assert vrrp_states(data) == {holder: "MASTER", other: "BACKUP"}
    finally:
        reverted = await asyncio.to_thread(run_cli, "chaos", str(lab.cluster_file), "revert", applied.stdout.strip())
        assert reverted.returncode == 0, reverted.stderr
    monitor = ClusterMonitor(load_cluster(lab.cluster_file))
    events = []
    monitor.on_event(events.append)
    await monitor.start()
    try:
        # A partition (mode all, here with nft) also cuts the holder's multicast: the other
        # balancer hears no adverts and takes the address; the cut-off holder keeps it too.
        async with fault(chaos, "partition", holder, backend="nft") as fault_id:
            await eventually(lambda: holds_vip(lab, other), 10, step=0.2, what=f"{other} to take the address")
            code, data = await eventually(lambda: finding(lab, {"vip-two-holders"}), 20, step=0.5,
                                          what="two VIP holders")
            assert code == 1
            assert sorted(managers(data)["vip"]["addresses"][0]["holders"]) == ["lb1", "lb2"]
            assert vrrp_states(data) == {"lb1": "MASTER", "lb2": "MASTER"}
            (split,) = [f for f in data["managers"]["findings"] if f["kind"] == "vip-two-holders"]
            assert split["detail"].endswith("(split brain; VRRP: lb1 MASTER, lb2 MASTER)")
            await _until(lambda: any(e.kind is EventKind.FINDING and "vip-two-holders" in e.detail for e in events))
        assert leftovers(lab, holder, fault_id) == []
        await eventually(lambda: converged(lab), 30, step=0.5, what="one VIP holder again")
        await _until(lambda: any(e.kind is EventKind.FINDING_CLEARED and "vip-two-holders" in e.detail
                                 for e in events))
    finally:
        await monitor.stop()


async def test_partitioned_redis_primary_gives_two_masters_and_sentinels_that_disagree(lab, chaos) -> None:
    await eventually(lambda: converged(lab), 30, step=0.5, what="the lab to agree with itself")
    _, primaries = await asyncio.to_thread(lab_truth, lab)
    (primary,) = primaries
    async with fault(chaos, "partition", primary):
        # The other sentinels promote a replica; the partitioned primary and its sentinel
        # still believe in it.
        wanted = {"two-primaries", "sentinels-disagree", "stale-primary"}
        await eventually(lambda: finding(lab, wanted), 30, step=1, what="two masters, sentinels disagreeing")
        # Checked again, not the poll's answer: the first answer with all three findings can
        # still be mid-failover (the replica promoted before the majority names it).
        code, data = await asyncio.to_thread(check, lab)
        assert code == 1
        seen = managers(data)["redis"]["masters"][0]["seen_by"]
        assert seen[primary]["node"] == primary
        (promoted,) = {m["node"] for node, m in seen.items() if node != primary} - {primary}
        # The partitioned primary still believes it is primary: check names it, and whom the
        # majority of the sentinels chose instead.
        (stale,) = [f for f in data["managers"]["findings"] if f["kind"] == "stale-primary"]
        assert stale["nodes"] == [primary, promoted]
        assert f"{primary}:6379 still reports role master, but 2 of 3 sentinels name {promoted}" in stale["detail"]
        assert f"stale-primary [redis] {primary}:6379 still reports role master" in run_cli(
            "check", str(lab.cluster_file)).stdout
    await eventually(lambda: converged(lab), 60, step=0.5, what="one primary again after the partition")


async def test_lb_routing_to_a_dead_web_node_is_a_finding_only_past_its_fall_time(lab, chaos) -> None:
    await eventually(lambda: converged(lab), 30, step=0.5, what="the lab to agree with itself")
    # An honest balancer marks web1 DOWN within its fall time (2 x 1s): no finding.
    async with fault(chaos, "kill", "web1", service="nginx"):
        await asyncio.sleep(1.0)
        code, data = await asyncio.to_thread(check, lab)
        assert "lb-routes-to-down" not in findings(data), data["managers"]["findings"]
    await eventually(lambda: converged(lab), 30, step=0.5, what="web1 back")
    # Health checks left disabled on the balancers (a maintenance leftover): they keep routing
    # to web1 when its nginx dies, and check says so.
    with health_checks_disabled(lab, "web1"):
        async with fault(chaos, "kill", "web1", service="nginx"):
            code, data = await asyncio.to_thread(check, lab)
            routed = [f for f in data["managers"]["findings"] if f["kind"] == "lb-routes-to-down"]
            assert code == 1
            assert {tuple(f["nodes"]) for f in routed} == {("lb1", "web1"), ("lb2", "web1")}, managers(data)["lb"]
            assert "nginx on web1 has been down for" in routed[0]["detail"]
    await eventually(lambda: converged(lab), 30, step=0.5, what="web1 back")


@contextmanager
def health_checks_disabled(lab, server: str) -> Iterator[None]:
    def admin(command: str) -> None:
        for lb in ("lb1", "lb2"):
            sh(lab, lb, "python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); "
                        "s.connect(\"/run/haproxy/admin.sock\"); s.sendall(sys.argv[1].encode()+b\"\\n\"); "
                        f"s.recv(4096)' '{command}'")

    admin(f"disable health web_nodes/{server}")
    try:
        yield
    finally:
        admin(f"enable health web_nodes/{server}")


async def _until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def eventually(predicate: Callable[[], T | None], timeout: float, step: float = 1.0, what: str = "the condition") -> T:
    """wait_for for async tests: the predicate (a CLI run) runs in a thread, so the monitor
    in this event loop keeps running meanwhile.  Its first true answer."""
    deadline = time.monotonic() + timeout
    while not (answer := await asyncio.to_thread(predicate)):
        assert time.monotonic() < deadline, f"timed out after {timeout:g}s waiting for {what}"
        await asyncio.sleep(step)
    return answer
