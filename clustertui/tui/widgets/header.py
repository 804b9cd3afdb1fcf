"""The cluster header: name and type, quorum, endpoints, active faults, mode and time.

With several clusters (tui/multi_source.py) the first line gives each cluster's health in
turn (`lab 8/8 up · lab-ha 3/3 up`, a lost quorum in red) and the endpoints are named
`cluster/endpoint`.

Two lines: the first says whether the cluster as a whole is fine, the second how each
shared endpoint answers.  Both are cut with an ellipsis on narrow terminals, never wrapped.
The time is the snapshot's, so a frozen display is visibly frozen.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.report.escape import terminal
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.paletted import PalettedWidget


class ClusterHeader(PalettedWidget):

    def __init__(self, palette: Palette, read_only: bool) -> None:
        super().__init__(id="cluster-header")
        self.palette = palette
        self.read_only = read_only
        self.snapshot: ClusterSnapshot | None = None
        self.frozen: tuple[str, ...] = ()  # frozen nodes (chaos/freeze.py), from the last status

    def show(self, snapshot: ClusterSnapshot) -> None:
        self.snapshot = snapshot
        self.refresh()

    def show_frozen(self, marks: Mapping[str, object]) -> None:
        frozen = tuple(sorted(marks))
        if frozen != self.frozen:
            self.frozen = frozen
            self.refresh()

    def render(self) -> Text:
        snap = self.snapshot
        if snap is None:
            return Text(" connecting…", no_wrap=True)
        style = self.palette.style
        quorum = snap.health.quorum
        first = Text(no_wrap=True, overflow="ellipsis", end="")
        if snap.parts:
            _per_cluster(first, snap, self.palette)
        else:
            first.append(f" {snap.name}", "bold")
            first.append(f" {snap.cluster_type}", style("stale"))
            first.append("  │ ", style("stale"))
            first.append(quorum.describe(), style("ok" if quorum.holds else "bad-bold"))
        first.append("  │ ", style("stale"))
        first.append(f"faults {snap.active_faults}", style("warn" if snap.active_faults else "plain"))
        if self.frozen:
            first.append("  │ ", style("stale"))
            names = ",".join(self.frozen) if len(self.frozen) <= 3 else f"{len(self.frozen)} nodes"
            first.append(f"FROZEN {names}", style("warn"))
        if self.read_only:
            first.append("  │ ", style("stale"))
            first.append("READ-ONLY", style("warn"))
        clock = fmt.clock(snap.t)
        first = _right_aligned(first, clock, self.size.width)

        second = Text(no_wrap=True, overflow="ellipsis", end="")
        second.append(" endpoints", style("stale"))
        if not snap.health.endpoints:
            second.append(" none configured", style("stale"))
        for name, outcome in snap.health.endpoints.items():
            if outcome is None:
                glyph, detail, level = "○", "checking…", "stale"
            else:
                glyph, level = ("●", "ok") if outcome.ok else ("✖", "bad")
                detail = outcome.describe()
            second.append("  ")
            second.append(glyph, style(level))
            second.append(f" {name} ")
            second.append(detail, style(level if level != "ok" else "stale"))
        first.append("\n")
        first.append_text(second)
        return terminal(first)


def _right_aligned(line: Text, right: str, width: int) -> Text:
    """`line` with `right` at the right edge when there is room, else cut to fit before it."""
    room = width - len(right) - 1
    if room <= 0:
        return line
    if line.cell_len > room - 1:
        line.truncate(room - 1, overflow="ellipsis")
    line.append(" " * (room - line.cell_len))
    line.append(right + " ", "bold")
    return line


def _per_cluster(line: Text, snap: ClusterSnapshot, palette: Palette) -> None:
    """` lab 8/8 up · lab-ha 3/3 up`: each cluster's nodes up and, when lost, its quorum."""
    style = palette.style
    for index, part in enumerate(snap.parts):
        quorum = part.health.quorum
        line.append(" · " if index else " ", style("stale"))
        line.append(part.name, "bold")
        line.append(f" {quorum.up}/{quorum.total} up", style("ok" if quorum.holds else "bad-bold"))
        if not quorum.holds:
            line.append(" QUORUM LOST", style("bad-bold"))
