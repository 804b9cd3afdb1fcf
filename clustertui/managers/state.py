"""How a read of a manager went, per node: a state and its reason, never an exception.

A manager that is down, slow or prints garbage must be visible as exactly that, and must
never stop the next read or the node's own samples: adapters raise `ReadFailure` (or let
a parser's `Garbage` through) and `remote.read_on` turns every outcome into a `SourceRead`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from clustertui.managers.limits import MAX_REASON, clip


class ReadState(StrEnum):
    OK = "ok"
    PENDING = "pending"  # not read yet
    UNREACHABLE = "unreachable"  # no SSH connection to the node
    DOWN = "down"  # the node answers, the manager does not (refused, no socket, command failed)
    SLOW = "slow"  # no whole answer within the read's timeout
    GARBAGE = "garbage"  # an answer that cannot be read
    AUTH_FAILED = "auth-failed"  # the manager wants a password it was not given, or refused the one given


@dataclass(frozen=True, slots=True)
class SourceRead:
    """One node's read of a manager: when, how long, and how it went."""

    node: str
    state: ReadState
    reason: str = ""
    t: float = 0.0  # wall clock of the read's end
    ms: float | None = None  # how long it took
    source: str = ""  # what was read, where a node has several reads (`sentinel :26379`, `redis :6379`)

    @property
    def ok(self) -> bool:
        return self.state is ReadState.OK

    def describe(self) -> str:
        return str(self.state) if not self.reason else f"{self.state} ({self.reason})"


class ReadFailure(Exception):
    """A read that failed in a known way; `state` is never OK."""

    def __init__(self, state: ReadState, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = clip(" ".join(reason.split()), MAX_REASON)


class Garbage(ReadFailure):
    """An answer that does not parse: the parser says where and what."""

    def __init__(self, reason: str) -> None:
        super().__init__(ReadState.GARBAGE, reason)
