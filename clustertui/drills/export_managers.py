"""The cluster's side of a drill report: the fault's instants and the managers' reactions.

One place turns them into JSON (and back), into lines for a person (Markdown, JUnit's
system-out, the TUI's drill panel) and into rows for the HTML, so that every format says
the same thing: each change timed from the fault acting on the node (`fault +1.9s`), or
from the verified revert once it happened (`revert +0.8s`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clustertui.drills.result import DrillResult, TimelineReads
from clustertui.managers.changes import Change, ManagerEvent

#: Changes that say how our reads went, not what the cluster decided: left out of the
#: one-line summary and the chart's marks (the tables keep them).
OURS = frozenset({Change.UNREADABLE, Change.READABLE})


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True)
class Reaction:
    """One change as reports show it: when, relative to what, and what."""

    t: float
    when: str  # `fault +1.93s`, `revert +0.81s`, `before -0.40s`
    manager: str
    change: str
    text: str  # ManagerEvent.describe()


def _when(result: DrillResult, t: float) -> str:
    start, revert = result.fault_start, result.t_revert
    if revert is not None and t >= revert:
        return f"revert +{t - revert:.2f}s"
    if start is not None:
        return f"fault {'+' if t >= start else '-'}{abs(t - start):.2f}s"
    return f"start +{t - result.started:.2f}s"


def reactions(result: DrillResult) -> list[Reaction]:
    """The managers' changes in time order, each placed relative to the fault or the revert."""
    return [Reaction(e.t, _when(result, e.t), e.manager, str(e.change), e.describe())
            for e in sorted(result.manager_events, key=lambda e: e.t)]


def summary(events: list[ManagerEvent] | tuple[ManagerEvent, ...], start: float | None) -> str:
    """The reactions in one line, timed from `start` (the fault's action): the drill panel's.
    A member's read failing or coming back is left out: it is ours, not the cluster's."""
    shown = [e for e in sorted(events, key=lambda e: e.t) if e.change not in OURS]
    if not shown:
        return "no manager changed its mind yet"
    return " · ".join(f"{e.describe(brief=True)} {'' if start is None else f'{e.t - start:+.1f}s'}".rstrip() for e in shown)


def instants_lines(result: DrillResult) -> list[str]:
    """The fault's two instants (and the clock offset they were corrected by), for a person."""
    if result.t_fault is None:
        return []
    verified = f"verified {result.t_fault - result.started:.3f}s after the start"
    if result.t_action is None:
        return [f"fault: acted at an unknown instant (no node clock), {verified}; the window starts at the verification"]
    clock = ("" if result.clock_offset_s is None else
             f" (node clock {result.clock_offset_s * 1000:+.1f} ms ± {(result.clock_uncertainty_s or 0) * 1000:.1f} ms)")
    return [f"fault: acted on the node at {result.t_action - result.started:.3f}s after the start{clock}, "
            f"{verified} (+{result.t_fault - result.t_action:.3f}s); the window starts at the action"]


def reads_line(reads: TimelineReads | None) -> str:
    if reads is None:
        return "no managers in the cluster file: the cluster's side was not read"
    median = "–" if reads.median_ms is None else f"{reads.median_ms:.1f} ms"
    return (f"managers read every {reads.every_s * 1000:.0f} ms: {reads.reads} reads, "
            f"{reads.failed} member reads failed, median member read {median}")


def managers_json(result: DrillResult) -> dict[str, Any] | None:
    reads = result.manager_reads
    if reads is None and not result.manager_events:
        return None
    start, revert = result.fault_start, result.t_revert
    return {
        "every_s": None if reads is None else reads.every_s,
        "reads": None if reads is None else reads.reads,
        "failed_reads": None if reads is None else reads.failed,
        "median_read_ms": None if reads is None else _round(reads.median_ms, 2),
        "events": [
            {"t": round(e.t, 3), "after_fault_s": None if start is None else round(e.t - start, 3),
             "after_revert_s": None if revert is None or e.t < revert else round(e.t - revert, 3),
             "manager": e.manager, "change": str(e.change), "by": e.by, "subject": e.subject, "node": e.node,
             "before": e.before, "after": e.after}
            for e in sorted(result.manager_events, key=lambda e: e.t)
        ],
    }


def managers_from_json(data: dict[str, Any] | None) -> tuple[tuple[ManagerEvent, ...], TimelineReads | None]:
    """The events and reads `managers_json` wrote (a report without them: none)."""
    if not data:
        return (), None
    events = tuple(ManagerEvent(e["t"], e["manager"], Change(e["change"]), e["by"], e["subject"], e["node"],
                                e["before"], e["after"]) for e in data.get("events", []))
    reads = None if data.get("every_s") is None else TimelineReads(
        data["every_s"], data["reads"], data["failed_reads"], data["median_read_ms"])
    return events, reads


def markdown(result: DrillResult, md: Any) -> list[str]:
    """The Markdown section (`md` escapes node text)."""
    lines = ["", "## The cluster's side", ""]
    lines += [f"- {md(line)}" for line in [*instants_lines(result), reads_line(result.manager_reads)]]
    found = reactions(result)
    if found:
        lines += ["", "| when | manager | change | what |", "|---|---|---|---|"]
        lines += [f"| {r.when} | {md(r.manager)} | {r.change} | {md(r.text)} |" for r in found]
    elif result.manager_reads is not None:
        lines += ["", "No manager changed its mind."]
    return lines
