"""Freezing and thawing nodes: write or remove the freeze mark (freeze.py) on each node.

A freeze is written under every target node's chaos lock (nodelock.py): it waits for an
apply that another controller is running, and no apply can pass its guards and then meet
a mark written meanwhile without its node-side precheck seeing it.  Each node answers on
its own: an unreachable node is reported NOT frozen, and the others are frozen all the
same.  A thaw needs no lock (lifting a mark cannot race an apply into harm).  Both are
audited, per node, and notified (notify.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from clustertui.chaos.audit import AuditLog, operator
from clustertui.chaos.errors import Refused
from clustertui.chaos.freeze import MAX_MARK, SURVEY_LINE, FreezeMark, freeze_script, parse_mark, thaw_script
from clustertui.chaos.ledger import shown
from clustertui.chaos.nodelock import NodeLocks
from clustertui.chaos.shell import remote
from clustertui.config import Cluster, Node
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import classify

FREEZE_TIMEOUT = 15.0
#: `now EPOCH`, then the survey's `freeze LINE` when the node has a mark.
MARK_READ = f"printf 'now %s\\n' \"$(date +%s)\"; {SURVEY_LINE}; exit 0"


class FreezeAction(StrEnum):
    FREEZE = "freeze"
    THAW = "thaw"


@dataclass(frozen=True, slots=True)
class NodeFreeze:
    """One node's part of a freeze or thaw: done or not, and a line saying what came of it."""

    node: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class FreezeReport:
    action: FreezeAction
    nodes: tuple[NodeFreeze, ...]
    reason: str = ""
    seconds: float | None = None  # a freeze's length; None: until thawed
    error: str = ""  # the action could not start (the locks): nothing was changed

    @property
    def ok(self) -> bool:
        return not self.error and all(node.ok for node in self.nodes)

    def summary(self) -> str:
        if self.error:
            return f"{self.action} failed: {self.error}"
        done = [n.node for n in self.nodes if n.ok]
        failed = [n.node for n in self.nodes if not n.ok]
        verb = "frozen" if self.action is FreezeAction.FREEZE else "thawed"
        length = "" if self.action is FreezeAction.THAW else (
            " until thawed" if self.seconds is None else f" for {self.seconds:g}s")
        return (f"{len(done)} node{'' if len(done) == 1 else 's'} {verb}{length}"
                + (f"; NOT {verb}: {', '.join(failed)}" if failed else ""))

    def to_json(self) -> dict[str, object]:
        return {"action": str(self.action), "ok": self.ok, "reason": self.reason, "seconds": self.seconds,
                "error": self.error, "nodes": {n.node: {"ok": n.ok, "detail": n.detail} for n in self.nodes}}


def _targets(cluster: Cluster, names: Sequence[str] | None) -> list[Node]:
    """The named nodes (all by default), in file order; KeyError names an unknown one."""
    if not names:
        return list(cluster.nodes)
    wanted = dict.fromkeys(names)
    for name in wanted:
        cluster.node(name)
    return [node for node in cluster.nodes if node.name in wanted]


async def _run_on(pool: ConnectionPool, node: Node, script: str, first_line: bool = True) -> tuple[int | None, str]:
    """Run `script` on the node (privileged as configured): its exit code and its first
    line escaped (or, `first_line` False, its raw stdout), or None and why it could not run."""
    target = SSHTarget.from_node(node)
    try:
        conn = await pool.connection(target)
        result = await conn.run(remote(target, script), check=False, timeout=FREEZE_TIMEOUT)
    except Exception as exc:  # unreachable, dropped, timed out: this node's answer only
        pool.forget(node.name)
        state, reason = classify(exc)
        return None, f"{state}: {reason}"
    if not first_line:
        return result.exit_status, str(result.stdout or "")[:MAX_MARK + 64]
    lines = str(result.stdout or "").splitlines() + str(result.stderr or "").splitlines()
    return result.exit_status, shown(lines[0] if lines else "", 200)


def _freeze_line(node: str, code: int | None, answer: str, seconds: float | None) -> NodeFreeze:
    if code == 0 and answer.startswith("frozen "):
        return NodeFreeze(node, True, "frozen until thawed" if seconds is None else f"frozen for {seconds:g}s")
    return NodeFreeze(node, False, f"NOT frozen: {answer or f'exit {code}'}")


def _thaw_line(node: str, code: int | None, answer: str) -> NodeFreeze:
    if code == 0 and answer in ("thawed", "not-frozen"):
        return NodeFreeze(node, True, "thawed" if answer == "thawed" else "was not frozen")
    return NodeFreeze(node, False, f"NOT thawed: {answer or f'exit {code}'}")


async def freeze_nodes(
    cluster: Cluster, pool: ConnectionPool, audit: AuditLog, names: Sequence[str] | None,
    reason: str, seconds: float | None,
) -> FreezeReport:
    """Write the freeze mark on the nodes (all by default) under their chaos locks."""
    nodes = _targets(cluster, names)
    script = freeze_script(reason, operator(), cluster.name, seconds)
    locks = NodeLocks(pool, nodes)
    try:
        await locks.acquire()
    except Refused as exc:
        report = FreezeReport(FreezeAction.FREEZE, (), reason, seconds, error=str(exc))
        audit.append("freeze", cluster.name, node=None, reason=reason, seconds=seconds, result=report.summary())
        return report
    try:
        answers = await asyncio.gather(*(_run_on(pool, node, script) for node in nodes))
    finally:
        await locks.release()
    report = FreezeReport(
        FreezeAction.FREEZE,
        tuple(_freeze_line(node.name, code, answer, seconds) for node, (code, answer) in zip(nodes, answers, strict=True)),
        reason, seconds,
    )
    for line in report.nodes:
        audit.append("freeze", cluster.name, node=line.node, reason=reason, seconds=seconds, commands=[script],
                     result=line.detail)
    return report


async def thaw_nodes(cluster: Cluster, pool: ConnectionPool, audit: AuditLog, names: Sequence[str] | None) -> FreezeReport:
    """Remove the freeze mark from the nodes (all by default)."""
    nodes = _targets(cluster, names)
    script = thaw_script()
    answers = await asyncio.gather(*(_run_on(pool, node, script) for node in nodes))
    report = FreezeReport(
        FreezeAction.THAW,
        tuple(_thaw_line(node.name, code, answer) for node, (code, answer) in zip(nodes, answers, strict=True)),
    )
    for line in report.nodes:
        audit.append("thaw", cluster.name, node=line.node, commands=[script], result=line.detail)
    return report


async def read_marks(cluster: Cluster, pool: ConnectionPool, names: Sequence[str] | None = None) -> dict[str, FreezeMark]:
    """The nodes' (all by default) active freezes (`check`): one small read per node, in
    parallel; a node that cannot be read is left out (`check` reports it anyway)."""

    async def one(node: Node) -> FreezeMark | None:
        code, output = await _run_on(pool, node, MARK_READ, first_line=False)
        if code != 0:
            return None
        now_line, _, mark_line = output.partition("\n")
        now = now_line.removeprefix("now ").strip()
        if not (now.isascii() and now.isdigit() and len(now) <= 12):
            return None
        if not mark_line.startswith("freeze "):
            return None
        mark = parse_mark(node.name, mark_line.removeprefix("freeze "), float(now))
        return mark if mark.active else None

    nodes = _targets(cluster, names) if names is None or names else []
    marks = await asyncio.gather(*(one(node) for node in nodes))
    return {node.name: mark for node, mark in zip(nodes, marks, strict=True) if mark is not None}
