"""The two ways a chaos action stops before it changes anything.

They map onto the CLI's exit codes, so that every caller (the CLI, the TUI, a drill) can
tell "you asked for something invalid" from "you may not, or cannot, do this now".
"""

from __future__ import annotations


class ChaosError(Exception):
    """Base of the chaos package's errors; the message is one line meant for a person."""


class InvalidInput(ChaosError, ValueError):
    """A name, unit, path, port or parameter failed validation (CLI exit 2)."""


class Refused(ChaosError):
    """A guard, or the node itself, refused the fault; nothing was changed (CLI exit 3)."""


class NodeUnreachable(Refused):
    """No connection to the node (nothing was sent); `state` is a transport NodeState."""

    def __init__(self, node: str, state: str, reason: str) -> None:
        super().__init__(f"{node} is {state}: {reason}")
        self.node, self.state, self.reason = node, state, reason
