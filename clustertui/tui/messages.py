"""What screens and widgets ask the app for: typed messages, posted and handled by the app.

Screens do not call the app's methods: they post one of these (it bubbles up to the app),
so that a screen knows the request, not who fulfils it or how (a worker, a confirmation
first, a refusal in read-only mode).  One class per request; fields are plain data.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message


class OpenNode(Message):
    """Open a node's detail screen (and put the table's cursor on it)."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node


class Reconnect(Message):
    """Drop a node's connection and connect again now."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node


class OpenChaosMenu(Message):
    """The chaos menu, with these nodes selected."""

    def __init__(self, nodes: Sequence[str]) -> None:
        super().__init__()
        self.nodes = tuple(nodes)


class RevertFaults(Message):
    """Revert these faults (picked one by one: no confirmation)."""

    def __init__(self, fault_ids: Sequence[str]) -> None:
        super().__init__()
        self.fault_ids = tuple(fault_ids)


class RevertNodeFaults(Message):
    """Revert every fault on a node, after a confirmation (they may be another operator's)."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node


class ConfirmDrill(Message):
    """Run a drill of the cluster file, after a confirmation."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class DrillEscape(Message):
    """Esc on the overview with nothing else to back out of: stop a running drill (which
    reverts its fault), else close a finished drill's panel."""
