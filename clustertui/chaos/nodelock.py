"""The node-side chaos lock: one controller at a time between its guards and its apply.

The guards count the faults in every node's ledger; the apply writes one ledger.  Without a
lock, two controllers (two operators, a drill and a CLI) can both survey, both find the
cluster under `max_faulted_nodes`, and both apply.  A blast radius spans nodes, so no single
node's lock can guard it; `NodeLocks` therefore:

1. takes an flock on `LEDGER_DIR/.lock` on every node of the cluster, one node after the
   other in one fixed order (host, port) — two controllers never each hold a lock the other
   waits for, and the wait has a timeout anyway (`LOCK_WAIT`: a refusal, never a hang);
2. lets the caller re-survey every ledger and re-run the guards under the locks, then apply
   (`ChaosSession.apply_batch`);
3. lets go.

A lock is held by a remote shell that holds the flock on a file descriptor and then becomes
`cat` reading the SSH channel: closing the channel — or the connection dropping, or the
controller dying — ends `cat` and releases the lock, so no lock outlives its holder.  Each
holder writes its random token into the lock file: a second node entry that reaches the same
machine finds its own token and does not wait for itself.  A node that cannot be reached is
not locked: its ledger cannot be read either, and the guards count its faults from the
local records.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable

import asyncssh

from clustertui.chaos.errors import Refused
from clustertui.chaos.ledger import LEDGER_DIR
from clustertui.chaos.shell import q, remote
from clustertui.config import Node
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget

LOCK_FILE = f"{LEDGER_DIR}/.lock"
LOCK_WAIT = 10  # seconds a controller waits for another's lock before it refuses
LOCKED, MINE = "locked", "mine"


def lock_script(token: str, wait: int = LOCK_WAIT) -> str:
    """Take the node's chaos lock and hold it while stdin stays open (see the module doc)."""
    lock = q(LOCK_FILE)
    return "\n".join((
        f"mkdir -p {q(LEDGER_DIR)} || {{ echo 'cannot create {LEDGER_DIR}'; exit 3; }}",
        "command -v flock >/dev/null 2>&1 || { echo 'needs flock (util-linux) on the node'; exit 3; }",
        f"exec 9>>{lock} || {{ echo 'cannot open {LOCK_FILE}'; exit 3; }}",
        f"ctui_n={wait * 10}",
        "while :; do",
        f"  if flock -n 9; then printf '%s\\n' {q(token)} > {lock}; echo {LOCKED}; exec cat >/dev/null; fi",
        f"  [ \"$(cat {lock} 2>/dev/null)\" = {q(token)} ] && {{ echo {MINE}; exit 0; }}",
        f"  [ \"$ctui_n\" -gt 0 ] || {{ echo 'another controller has held it for more than {wait} s'; exit 1; }}",
        "  ctui_n=$((ctui_n - 1)); sleep 0.1",
        "done",
    ))


class NodeLocks:
    """`async with NodeLocks(pool, nodes):` — every reachable node's chaos lock, or Refused."""

    def __init__(self, pool: ConnectionPool, nodes: Iterable[Node], wait: int = LOCK_WAIT) -> None:
        unique = {(node.host, node.port): node for node in nodes}
        self.nodes = [unique[key] for key in sorted(unique)]
        self.pool, self.wait = pool, wait
        self.token = secrets.token_hex(8)
        self.held: list[asyncssh.SSHClientProcess[str]] = []
        self.skipped: dict[str, str] = {}  # node -> why it was not locked (unreachable)

    async def __aenter__(self) -> NodeLocks:
        await self.acquire()
        return self

    async def acquire(self) -> None:
        """Every node's lock in order, or Refused (with whatever was taken released)."""
        try:
            for node in self.nodes:
                await self._take(node)
        except BaseException:
            await self.release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        await self.release()

    async def _take(self, node: Node) -> None:
        target = SSHTarget.from_node(node)
        try:
            conn = await self.pool.connection(target)
        except Exception as exc:  # unreachable: nothing to lock, and nothing to read
            self.pool.forget(node.name)
            self.skipped[node.name] = str(exc) or type(exc).__name__
            return
        try:
            process = await conn.create_process(remote(target, lock_script(self.token, self.wait)))
            line = await asyncio.wait_for(process.stdout.readline(), self.wait + 10)
        except (TimeoutError, asyncssh.Error, OSError) as exc:
            raise Refused(f"could not take {node.name}'s chaos lock: {exc or type(exc).__name__}") from None
        answer = str(line).strip()
        if answer == LOCKED:
            self.held.append(process)
            return
        process.close()
        if answer != MINE:
            raise Refused(f"{node.name}'s chaos lock ({LOCK_FILE}): {answer or 'the lock could not be taken'}")

    async def release(self) -> None:
        """Close every holder's channel: its `cat` ends and the node's lock is free."""
        held, self.held = self.held, []
        for process in held:
            process.close()
        for process in held:
            try:
                await asyncio.wait_for(process.wait_closed(), 5)
            except (TimeoutError, asyncssh.Error, OSError):
                pass  # the connection is gone: so is the lock
