"""Findings as toasts: one when a finding appears, one when it clears, never one per poll.

The managers panel and screen show the findings that hold now; a toast tells an operator
looking elsewhere (a node's detail, a drill) that one came or went. The app hands every
snapshot's findings to `FindingAlerts.see`, which compares them by identity (kind,
manager, subject) with the last snapshot's: a finding that stays says nothing more, and
several that change on one tick make one toast each way, not a burst.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.engine.findings import Finding

#: Findings named in one toast; more are counted.
MAX_LISTED = 3


@dataclass(frozen=True, slots=True)
class Toast:
    title: str
    message: str
    error: bool  # a finding appeared (else: cleared)


class FindingAlerts:
    def __init__(self) -> None:
        self._known: dict[tuple[str, str, str], Finding] = {}

    def see(self, findings: tuple[Finding, ...]) -> list[Toast]:
        """The toasts for what changed since the last call."""
        now = {f.key: f for f in findings}
        new = [f for key, f in now.items() if key not in self._known]
        gone = [f for key, f in self._known.items() if key not in now]
        self._known = now
        toasts = []
        if new:
            toasts.append(Toast(_title("finding", new), _lines(new), True))
        if gone:
            toasts.append(Toast(_title("finding cleared", gone, "findings cleared"), _lines(gone), False))
        return toasts


def _title(word: str, findings: list[Finding], words: str | None = None) -> str:
    return word if len(findings) == 1 else f"{len(findings)} {words or word + 's'}"


def _lines(findings: list[Finding]) -> str:
    lines = [f.describe() for f in findings[:MAX_LISTED]]
    if len(findings) > MAX_LISTED:
        lines.append(f"… and {len(findings) - MAX_LISTED} more (M: the managers screen)")
    return "\n".join(lines)
