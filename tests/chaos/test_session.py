"""`ChaosSession` on simulated nodes: what the lab cannot give on demand.

The nodes are simulated at the SSH boundary (a pool whose connections answer the
survey and the revert script as nodes do), so the real `Chaos` engine, its survey parser,
its guards and its audit run unchanged.  Cases: a node whose survey prints garbage (a
non-ASCII digit), a node whose connection drops during the revert, a node that is down;
halt must revert every other node and say, per node, what happened.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from clustertui.chaos import (
    ApplyStatus,
    AuditLog,
    Chaos,
    ChaosSession,
    LocalRecords,
    Refused,
    RevertReason,
    RevertStatus,
)
from clustertui.chaos.ledger import LedgerRecord
from clustertui.config import load_cluster
from tests.support.clusters import write_cluster
from tests.support.paths import LAB_FILE
from tests.tui.fakes import LockHeld

HOSTS = {"lb1": "198.18.0.2", "lb2": "198.18.0.3", "web1": "198.18.0.11", "web2": "198.18.0.12",
         "web3": "198.18.0.13", "db1": "198.18.0.21", "db2": "198.18.0.22", "db3": "198.18.0.23"}


def survey_text(node: str, fault_ids: tuple[str, ...] = ()) -> str:
    """A survey as a healthy lab node prints it, with these faults in its ledger."""
    lines = [f"ssh 198.18.0.1 40000 {HOSTS.get(node, '198.18.0.99')} 22", "uid 0", "now 1700000100", "nproc 2",
             "memavail 250000", "tool iptables", "tool setsid", "tool nohup", "tool pgrep", "tool pkill",
             "fw iptables", "proc nginx 35", "proc redis-server 40"]
    for fault_id in fault_ids:
        record = LedgerRecord(fault_id, "kill", "lab", node, HOSTS.get(node, "?"), f"kill nginx on {node}",
                              {"service": "nginx"}, 60.0, 1.0, "sre@laptop", "detached",
                              f"sh /run/clustertui/faults/{fault_id}.revert manual")
        lines += [f"file {fault_id}.json {record.to_json()}", f"file {fault_id}.timer pid 42 1700000080",
                  f"file {fault_id}.revert"]
    return "\n".join([*lines, "end"]) + "\n"


@dataclass
class Answer:
    stdout: str = ""
    stderr: str = ""
    exit_status: int | None = 0
    exit_signal: object = None


class Node:
    """One simulated node: what its survey prints, how its reverts end."""

    def __init__(self, survey: str = "", revert: Answer | Exception | None = None, down: bool = False,
                 apply: Answer | None = None, apply_seconds: float = 0.0) -> None:
        self.survey = survey
        self.revert = revert or Answer("reverted\n")
        self.apply = apply or Answer("applied\n")
        self.apply_seconds = apply_seconds  # how long its apply script runs
        self.down = down
        self.reverted: list[str] = []
        self.applied_at: list[float] = []
        self.locks_taken = 0

    async def run(self, command: str, check: bool = False, timeout: float = 0) -> Answer:
        if "ctui_refuse()" in command:  # the apply script
            self.applied_at.append(time.monotonic())
            await asyncio.sleep(self.apply_seconds)
            return self.apply
        if "exec sh /run/clustertui/faults/" in command:
            fault_id = command.split("/run/clustertui/faults/")[1].split(".")[0]
            if isinstance(self.revert, Exception):
                raise self.revert
            self.reverted.append(fault_id)
            return self.revert
        return Answer(self.survey)

    async def create_process(self, command: str) -> LockHeld:
        assert "flock -n 9" in command  # the chaos lock is the only long-lived channel
        self.locks_taken += 1
        return LockHeld()

    def is_closed(self) -> bool:
        return False


class Pool:
    """Stands in for transport.pool.ConnectionPool: a connection per simulated node."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes

    async def connection(self, target) -> Node:
        simulated = self.nodes.get(target.name)
        if simulated is None or simulated.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return simulated

    def forget(self, name: str) -> None:
        pass

    def close(self) -> None:
        pass


def session_on(nodes: dict[str, Node], tmp_path: Path, cluster_file: Path = LAB_FILE) -> ChaosSession:
    chaos = Chaos(load_cluster(cluster_file, check_files=False), pool=Pool(nodes),  # type: ignore[arg-type]
                  audit=AuditLog(tmp_path / "audit.jsonl"), records=LocalRecords(tmp_path / "records"),
                  revert_on_exit=True)
    return ChaosSession(chaos.cluster, chaos)


async def test_halt_reverts_every_other_node_whatever_one_prints(tmp_path: Path) -> None:
    nodes = {
        "web1": Node(survey_text("web1", ("f-00000001",))),
        "web2": Node(survey_text("web2", ("f-00000002",)).replace("nproc 2", "nproc ³")),  # isdigit(), not int()
        "web3": Node(survey_text("web3", ("f-00000003",)), revert=ConnectionResetError("connection lost")),
        "db1": Node(survey_text("db1", ("f-00000004",))),
        "db2": Node(down=True),
        "db3": Node(survey_text("db3")),
        "lb1": Node(survey_text("lb1")),
        "lb2": Node(survey_text("lb2")),
    }
    report = await session_on(nodes, tmp_path).halt()
    assert nodes["web1"].reverted == ["f-00000001"] and nodes["db1"].reverted == ["f-00000004"]
    assert report.nodes["web1"].ok and report.nodes["db1"].ok
    assert "its survey could not be read" in report.nodes["web2"].unread and not report.nodes["web2"].ok
    [lost] = report.nodes["web3"].outcomes
    assert lost.status is RevertStatus.UNREACHABLE and "timer reverts" in lost.result
    assert report.nodes["web2"].garbled and not report.nodes["db2"].garbled  # nonsense, not down
    assert "refused" in report.nodes["db2"].unread
    assert report.nodes["lb1"].line() == "lb1: no fault"
    assert not report.ok and report.unreachable
    assert report.summary() == "2 faults reverted, 1 not; ledgers not read: db2, web2"


async def test_halt_that_cannot_start_says_why_and_raises_nothing(tmp_path: Path) -> None:
    session = session_on({}, tmp_path)

    async def broken(*args, **kwargs):
        raise OSError("records directory unreadable")

    session.chaos.survey = broken  # type: ignore[method-assign]
    report = await session.halt()
    assert report.error == "records directory unreadable" and not report.ok
    assert report.summary() == "halt failed: records directory unreadable"


async def test_a_fault_on_several_nodes_is_guarded_as_a_whole(tmp_path: Path) -> None:
    """max_faulted_nodes 1: the second node of one action is refused, naming it, before
    anything is applied."""
    nodes = {name: Node(survey_text(name)) for name in HOSTS}
    session = session_on(nodes, tmp_path)
    with pytest.raises(Refused, match=r"^web2: blast radius: 1 node\(s\) already faulted \(web1\)"):
        await session.plan_batch("kill", ["web1", "web2"], {"service": "nginx"}, 30.0)
    assert all(not node.reverted for node in nodes.values())


async def test_quorum_guard_counts_the_nodes_of_the_same_action(tmp_path: Path) -> None:
    """With room for every fault, three of the eight lab nodes faulted leave five healthy,
    a majority; the fourth node of the same action is refused by the quorum guard."""
    roomy = write_cluster(tmp_path / "roomy.yaml", max_faulted_nodes=8)
    nodes = {name: Node(survey_text(name)) for name in HOSTS}
    session = session_on(nodes, tmp_path, roomy)
    plans = await session.plan_batch("cpu-hog", ["web1", "web2", "db1"], {"cores": "1"}, 30.0)
    assert [plan.node for plan in plans] == ["web1", "web2", "db1"]
    with pytest.raises(Refused, match=r"^db2: quorum guard: with db2 faulted, 4 of 8"):
        await session.plan_batch("cpu-hog", ["web1", "web2", "db1", "db2"], {"cores": "1"}, 30.0)


async def test_closing_reverts_what_the_session_applied_and_only_that(tmp_path: Path) -> None:
    nodes = {"web1": Node(survey_text("web1", ("f-0000000a",)))}
    session = session_on(nodes, tmp_path)
    session.chaos.applied["f-00000001"] = "web1"  # applied by this session
    outcomes = await session.close()
    assert [(o.fault_id, o.status) for o in outcomes] == [("f-00000001", RevertStatus.REVERTED)]
    assert nodes["web1"].reverted == ["f-00000001"]  # not f-0000000a: another operator's
    assert await session.close() == []  # once


async def test_closing_tries_again_on_a_fresh_connection(tmp_path: Path) -> None:
    """A borrowed connection that dropped under the exit revert: one more try."""
    node = Node(survey_text("web1"), revert=ConnectionResetError("connection lost"))
    session = session_on({"web1": node}, tmp_path)
    session.chaos.applied["f-00000001"] = "web1"
    calls = []
    original = session.chaos.revert_own

    async def revert_own(reason=RevertReason.EXIT):
        calls.append(reason)
        if len(calls) == 2:
            node.revert = Answer("reverted\n")
        return await original(reason)

    session.chaos.revert_own = revert_own  # type: ignore[method-assign]
    [outcome] = await session.close()
    assert calls == ["exit", "exit"] and outcome.ok and not session.mine


async def test_abandon_leaves_the_faults_to_the_timers(tmp_path: Path) -> None:
    node = Node(survey_text("web1"))
    session = session_on({"web1": node}, tmp_path)
    session.chaos.applied["f-00000001"] = "web1"
    assert session.abandon() == ["f-00000001"]
    assert await session.close() == [] and node.reverted == []


async def test_one_status_survey_at_a_time_and_a_request_meanwhile_runs_once_after(tmp_path: Path) -> None:
    session = session_on({"web1": Node(survey_text("web1"))}, tmp_path)
    release = asyncio.Event()
    surveys = []
    original = session.chaos.status

    async def slow_status():
        surveys.append(1)
        await release.wait()
        return await original()

    session.chaos.status = slow_status  # type: ignore[method-assign]
    readings = []
    assert not session.want_status(now=False, faults_known=False)  # nothing to detail
    assert session.want_status(now=True, faults_known=False)
    task = asyncio.create_task(session.refresh_status(readings.append))
    await asyncio.sleep(0.01)
    assert not session.want_status(now=True, faults_known=True)  # one in flight: remembered
    assert not session.want_status(now=True, faults_known=True)  # ... once
    release.set()
    await task
    assert len(surveys) == 2 and len(readings) == 2
    assert readings[-1].status is not None and "ledgers not read" in readings[-1].note  # only web1 answers


async def test_a_revert_never_raises(tmp_path: Path) -> None:
    session = session_on({}, tmp_path)
    [outcome] = await session.revert_many(["f-00000001"])
    assert outcome.status is RevertStatus.NOT_FOUND and "not asked" in outcome.result


async def test_apply_batch_stops_at_the_first_fault_that_did_not_apply(tmp_path: Path) -> None:
    roomy = write_cluster(tmp_path / "roomy.yaml", max_faulted_nodes=8)
    nodes = {name: Node(survey_text(name)) for name in HOSTS}
    session = session_on(nodes, tmp_path, roomy)
    plans = await session.plan_batch("kill", ["web1", "web2"], {"service": "nginx"}, 30.0)
    nodes["web1"].apply = Answer("", "refused: nginx is not running", 10)
    outcomes = await session.apply_batch(plans)
    assert [o.plan.node for o in outcomes] == ["web1"] and outcomes[0].status is ApplyStatus.REFUSED
    assert outcomes[0].result == "refused: nginx is not running" and not session.mine


async def test_overlapping_applies_share_the_locks_and_are_guarded_together(tmp_path: Path) -> None:
    """A ramp level's drills apply at once through one session: their faults start together
    (one hold of the node locks, not one lock round each), and each is guarded counting the
    others still in flight, so max_faulted_nodes 2 refuses the third."""
    two = write_cluster(tmp_path / "two.yaml", max_faulted_nodes=2)
    nodes = {name: Node(survey_text(name), apply_seconds=0.3) for name in HOSTS}
    session = session_on(nodes, tmp_path, two)
    plans = [(await session.plan_batch("kill", [node], {"service": "nginx"}, 30.0))[0]
             for node in ("web1", "web2", "web3")]
    outcomes = await asyncio.gather(*(session.apply(plan) for plan in plans))
    assert [o.status for o in outcomes] == [ApplyStatus.APPLIED, ApplyStatus.APPLIED, ApplyStatus.REFUSED]
    assert outcomes[2].result.startswith("refused: blast radius: 2 node(s) already faulted")
    started = nodes["web1"].applied_at + nodes["web2"].applied_at
    assert len(started) == 2 and abs(started[0] - started[1]) < 0.1  # not one 0.3 s apply after the other
    assert {name: node.locks_taken for name, node in nodes.items()} == dict.fromkeys(HOSTS, 1)
    assert not session._locks.held  # the last to leave let go
    assert session._in_flight == []
