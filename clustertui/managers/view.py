"""Helpers every kind's view shares: its reads as JSON, and whether they all worked.

Every view (managers/views.py) is a frozen dataclass with `manager`, `kind`, `reads` (one
SourceRead per member read), `roles()` (node -> the roles the manager gives it: VIP holder,
primary, ...), `summary()` (one plain line; the caller escapes it) and `to_json()` (the
fields docs/managers.md documents).
"""

from __future__ import annotations

from typing import Any

from clustertui.managers.state import ReadState, SourceRead


def reads_json(reads: tuple[SourceRead, ...]) -> list[dict[str, Any]]:
    return [{"node": r.node, "state": str(r.state), "reason": r.reason,
             "ms": None if r.ms is None else round(r.ms, 1), "source": r.source} for r in reads]


def reads_summary(reads: tuple[SourceRead, ...]) -> str:
    """`` (lb2 slow: no whole answer within 2s)`` for the reads that failed, else ""."""
    failed = [f"{r.node}{f' {r.source}' if r.source else ''} {r.describe()}" for r in reads if r.state is not ReadState.OK]
    return f" [{'; '.join(failed)}]" if failed else ""


def all_ok(reads: tuple[SourceRead, ...]) -> bool:
    return bool(reads) and all(r.ok for r in reads)
