"""The controller's half of the lease: renew every held fault's lease while the session lives.

Every `period` (lease / 5) one renewal command per node covers all the leased faults this
session holds there (`lease.renew_command`), over the pool's connection to it — a channel,
not a login.  Each node is renewed on its own task: a node that hangs or refuses delays no
other node's renewal, and a renewal still running when the next period comes is not doubled
(the node simply gets no second one until it answers or times out).  Nothing here is ever
awaited by a revert or a halt: a renewal that fails only means that the node's watcher
reverts the fault when the lease ends, which is the point of a lease.

A fault the node answers `expired` or `gone` for is no longer held (its watcher, or someone,
reverted it): `lost` says why, and `changed` wakes whoever waits on it (`chaos apply --hold`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from clustertui.chaos.lease import parse_renewal, period, renew_command
from clustertui.config import Cluster, Node

#: Runs a script on a node and returns what it printed; raises when it could not.
Runner = Callable[[Node, str, float], Awaitable[str]]


@dataclass
class NodeRenewal:
    """How one node's renewals go: when the last one was answered, and the last failure."""

    renewed_at: float | None = None  # time.monotonic() of the last answered renewal
    failure: str = ""  # why the last renewal failed ("" when it was answered)
    failures: int = 0  # renewals in a row that failed


@dataclass
class LeaseRenewer:
    cluster: Cluster
    lease: float
    run: Runner
    held_now: Callable[[], Collection[str]]  # the session's faults still applied (not reverted)
    held: dict[str, str] = field(default_factory=dict)  # fault id -> node
    lost: dict[str, str] = field(default_factory=dict)  # fault id -> why it is no longer held
    nodes: dict[str, NodeRenewal] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _loop: asyncio.Task[None] | None = None
    _flights: dict[str, asyncio.Task[dict[str, str]]] = field(default_factory=dict)

    @property
    def period(self) -> float:
        return period(self.lease)

    def hold(self, fault_id: str, node: str) -> None:
        """Renew this fault's lease from now on (its apply renewed it last)."""
        self.held[fault_id] = node
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._renew_forever(), name="clustertui-lease-renewer")

    def by_node(self) -> dict[str, list[str]]:
        """The faults to renew, by node: held, and not reverted since."""
        still = set(self.held_now())
        for fault_id in [f for f in self.held if f not in still]:
            del self.held[fault_id]
        grouped: dict[str, list[str]] = {}
        for fault_id, node in sorted(self.held.items()):
            grouped.setdefault(node, []).append(fault_id)
        return grouped

    async def _renew_forever(self) -> None:
        while True:
            started = time.monotonic()
            for node, fault_ids in self.by_node().items():
                flight = self._flights.get(node)
                if flight is None or flight.done():
                    self._flights[node] = asyncio.create_task(self.renew(node, fault_ids))
            await asyncio.sleep(max(0.05, self.period - (time.monotonic() - started)))

    async def renew(self, node: str, fault_ids: list[str]) -> dict[str, str]:
        """One renewal of one node, bounded by half a lease; never raises (a failure is the
        node's `NodeRenewal.failure`, and the lease runs on towards its end)."""
        state = self.nodes.setdefault(node, NodeRenewal())
        try:
            output = await asyncio.wait_for(
                self.run(self.cluster.node(node), renew_command(self.lease, fault_ids), self.lease / 2), self.lease / 2
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # unreachable, timed out, the connection dropped
            state.failure, state.failures = str(exc) or type(exc).__name__, state.failures + 1
            return {}
        answers = parse_renewal(output, fault_ids)
        state.renewed_at, state.failure, state.failures = time.monotonic(), "", 0
        for fault_id, answer in answers.items():
            if answer in ("expired", "gone") and self.held.pop(fault_id, None) is not None:
                self.lost[fault_id] = (
                    f"its lease ended on {node}: the node reverts it" if answer == "expired"
                    else f"no longer in {node}'s ledger: reverted by its lease, its TTL or another operator"
                )
                self.changed.set()
        return answers

    async def stop(self) -> None:
        """Stop renewing (the session is over): cancel the loop and any renewal in flight,
        without waiting on a node."""
        tasks: list[asyncio.Task[Any]] = [t for t in (self._loop, *self._flights.values()) if t is not None]
        self._loop, self._flights = None, {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
