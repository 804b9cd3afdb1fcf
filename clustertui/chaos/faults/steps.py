"""What a fault builder returns, and what it is given.

A builder returns `FaultSteps`: prechecks (run before anything changes; a failing one
refuses the fault), the apply commands, checks that the fault took, the undo commands
(idempotent: a revert may run twice, or after a half-done apply), and checks that the undo
worked.  The planner wraps them with the ledger, the timer and the error handling; the
builders only know their fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clustertui.chaos.facts import NodeFacts
from clustertui.config import Node, Service


@dataclass(frozen=True, slots=True)
class Check:
    """A shell test, and what is wrong when it fails (shown to the operator)."""

    test: str
    problem: str


@dataclass(frozen=True, slots=True)
class FaultSteps:
    summary: str
    precheck: tuple[Check, ...]
    apply: tuple[str, ...]
    verify: tuple[Check, ...]
    undo: tuple[str, ...]
    verify_revert: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    #: The fault's effect outlives a reboot (a file on disk): its record and revert are kept
    #: in the persistent ledger too (ledger.KEEP_DIR), which the next survey reverts.
    persists: bool = False


@dataclass(frozen=True, slots=True)
class Peer:
    name: str
    address: str  # IPv4


@dataclass(frozen=True, slots=True)
class FaultContext:
    """Everything a builder may use; values are already validated."""

    fault_id: str
    kind: str
    node: Node
    params: dict[str, Any]
    facts: NodeFacts
    ssh_port: int  # the node's SSH port: never blocked, never delayed
    service: Service | None = None
    peers: tuple[Peer, ...] = ()
    skipped_peers: tuple[Peer, ...] = field(default=())  # peers exempt as the controller
