"""Active faults as the TUI shows them: the probe's fault ids, detailed by `Chaos.status()`.

Every interval the snapshot says which fault ids each reachable node's ledger holds (the
probe lists them, whoever applied them), but not what they are.  The details -- kind,
summary, who applied it, the TTL's countdown -- come from `Chaos.status()`, a survey that
costs one SSH command per node, so the app runs it in a worker every few seconds and only
while there is something to detail.  `FaultBook` merges the two: the snapshot decides which
faults exist on nodes that are up (it is the fresher source), the last status says what
they are and speaks for nodes the snapshot cannot see (unreachable, stale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clustertui.chaos import ActiveFault, ChaosStatus
from clustertui.chaos.freeze import FreezeMark
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt

FORGET_AFTER = 60.0  # seconds a reverted id is remembered against samples older than its revert


@dataclass(frozen=True, slots=True)
class FaultRow:
    """One fault, as the faults panel and the node detail list it."""

    id: str
    node: str
    kind: str  # "" until a status has detailed it
    state: str  # the ledger's (active, revert-failed, ...), unconfirmed, or "new" until detailed
    summary: str
    by: str  # user@host that applied it
    ends_at: float | None  # epoch seconds at which the node's timer reverts it
    mine: bool  # applied by this session (reverted when it quits)

    def left(self, now: float) -> str:
        """The countdown to the node's timer, in four characters."""
        return fmt.age(None if self.ends_at is None else max(0.0, self.ends_at - now))

    def line(self, now: float) -> str:
        """One line for the node detail: id, what, countdown, who."""
        what = self.summary or (self.kind or "details pending")
        who = "you" if self.mine else (self.by or "?")
        state = "" if self.state in ("active", "new") else f" [{self.state}]"
        return f"{self.id}  {what}{state} · {self.left(now).strip()} left · by {who}"


class FaultBook:
    def __init__(self) -> None:
        self._ids: dict[str, tuple[str, ...]] = {}  # node -> fault ids, nodes that are up
        self._sampled: dict[str, float] = {}  # node -> time of the sample the ids came from
        self._details: dict[str, ActiveFault] = {}
        self._status_taken: float | None = None  # when the last status survey started
        self._reverted: dict[str, float] = {}  # fault id -> when this session reverted it
        self.frozen: dict[str, FreezeMark] = {}  # node -> its freeze, as the last status read it

    # -- feeding -----------------------------------------------------------------------

    def see_snapshot(self, snapshot: ClusterSnapshot) -> set[str]:
        """Take one tick's fault ids; returns the ids that were not known before."""
        before = self.ids()
        self._reverted = {i: t for i, t in self._reverted.items() if snapshot.t - t < FORGET_AFTER}
        self._ids = {
            v.name: tuple(i for i in v.faults if not (v.sample and v.sample.t <= self._reverted.get(i, 0.0)))
            for v in snapshot.nodes if v.state is NodeState.UP
        }
        self._sampled = {v.name: v.sample.t for v in snapshot.nodes if v.sample is not None}
        return self.ids() - before

    def see_status(self, status: ChaosStatus, taken: float) -> None:
        """Take a `Chaos.status()` result; `taken` is when its survey started."""
        self._details = {fault.id: fault for fault in status.faults}
        self._status_taken = taken
        # Unreachable nodes keep their last known freeze: it holds on the node all the same.
        kept = {node: mark for node, mark in self.frozen.items() if node in status.unreachable}
        self.frozen = {**kept, **status.frozen}

    def forget(self, fault_ids: Iterable[str], now: float) -> None:
        """Faults just reverted here: drop them now, and ignore samples taken before `now`
        that still list them, rather than show them again until the next status."""
        gone = set(fault_ids)
        for fault_id in gone:
            self._details.pop(fault_id, None)
            self._reverted[fault_id] = now
        self._ids = {node: tuple(i for i in ids if i not in gone) for node, ids in self._ids.items()}

    # -- reading -----------------------------------------------------------------------

    def ids(self) -> set[str]:
        return {fault_id for _, fault_id in self._current_pairs()}

    @property
    def undetailed(self) -> bool:
        """A fault the last status has not described yet: worth a status now."""
        return any(fault_id not in self._details for ids in self._ids.values() for fault_id in ids)

    def rows(self, mine: Iterable[str] = ()) -> list[FaultRow]:
        """Every fault believed active, by node then id; `mine`: the ids this session applied."""
        own = set(mine)
        return sorted((self._row(node, fault_id, own) for node, fault_id in self._current_pairs()),
                      key=lambda row: (row.node, row.id))

    def _current_pairs(self) -> list[tuple[str, str]]:
        """(node, id) of every fault believed active now."""
        pairs = [(node, fault_id) for node, ids in self._ids.items() for fault_id in ids]
        listed = {fault_id for _, fault_id in pairs}
        for fault in self._details.values():
            if fault.id in listed:
                continue
            if fault.node in self._ids and self._newer_sample(fault.node):
                continue  # the node is up and a sample taken after the status no longer lists it
            pairs.append((fault.node, fault.id))
        return pairs

    def _newer_sample(self, node: str) -> bool:
        sampled = self._sampled.get(node)
        return sampled is not None and self._status_taken is not None and sampled > self._status_taken

    def _row(self, node: str, fault_id: str, mine: set[str]) -> FaultRow:
        fault = self._details.get(fault_id)
        if fault is None:
            return FaultRow(fault_id, node, "", "new", "", "", None, fault_id in mine)
        record = fault.record
        ends_at = None
        if fault.remaining is not None and self._status_taken is not None:
            ends_at = self._status_taken + fault.remaining
        return FaultRow(
            fault_id, fault.node, record.kind if record else "", fault.state,
            (record.summary if record else "") or fault.detail, record.by if record else "", ends_at,
            fault_id in mine,
        )
